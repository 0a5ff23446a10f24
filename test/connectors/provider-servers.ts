/**
 * Local HTTP servers that speak each provider's documented audit-log protocol, for the connector tests:
 * the Office 365 Management Activity API (token, subscriptions/start, content listing paged by
 * `NextPageUri`, content blobs), the Okta System Log (`since`, `after` cursors in `Link: rel="next"`,
 * polling links), the Google Reports API (JWT-bearer token, `startTime`/`endTime`, newest first,
 * `nextPageToken`) and the GitHub audit log (`created:>=` phrase, `order=asc`, `after` cursors in
 * `Link`). Each serves the events it is given, at the time they were "recorded" at the provider, checks
 * the credentials, and can be told to answer the next requests with a failure (429 with Retry-After,
 * 5xx, 401).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'

import { jwtVerify } from 'jose'

export interface SeenRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly at: number
  readonly status: number
}

export interface InjectedAnswer {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body?: string
  /** Only requests whose path contains this (default: any request). */
  readonly path?: string
}

interface Handled {
  status: number
  headers?: Record<string, string>
  body: string
}

type Handler = (method: string, url: URL, body: string, headers: IncomingMessage['headers']) => Promise<Handled> | Handled

export class FakeProvider {
  readonly requests: SeenRequest[] = []
  /** Answers given before the real protocol, in order, to the requests they match. */
  readonly inject: InjectedAnswer[] = []
  /** After this many successful data answers, every data request answers 503 (a provider gone down mid-run); null: never. */
  failDataAfter: number | null = null
  #dataAnswers = 0
  #server = createServer()
  url = ''

  constructor(
    readonly handler: Handler,
    readonly isData: (path: string) => boolean,
  ) {}

  async start(): Promise<this> {
    this.#server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = []
      request.on('data', (c: Buffer) => chunks.push(c))
      request.on('end', () => {
        void this.#answer(request, Buffer.concat(chunks).toString('utf8'), response)
      })
    })
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  async #answer(request: IncomingMessage, body: string, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url)
    const method = request.method ?? 'GET'
    let answer: Handled
    const i = this.inject.findIndex((a) => a.path === undefined || url.pathname.includes(a.path))
    if (i >= 0) {
      const injected = this.inject.splice(i, 1)[0] as InjectedAnswer
      answer = { status: injected.status, headers: injected.headers, body: injected.body ?? '{"error":{"code":"injected","message":"injected failure"}}' }
    } else if (this.isData(url.pathname) && this.failDataAfter !== null && this.#dataAnswers >= this.failDataAfter) {
      answer = { status: 503, body: '{"errorSummary":"Service unavailable"}' }
    } else {
      try {
        answer = await this.handler(method, url, body, request.headers)
      } catch (error) {
        answer = { status: 500, body: JSON.stringify({ message: String(error) }) }
      }
      if (this.isData(url.pathname) && answer.status === 200) {
        this.#dataAnswers += 1
      }
    }
    this.requests.push({ method, path: url.pathname, query: url.searchParams, at: Date.now(), status: answer.status })
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
    response.end(answer.body)
  }

  /** Data requests answered so far (listing, pages, blobs). */
  dataRequests(): SeenRequest[] {
    return this.requests.filter((r) => this.isData(r.path))
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

function json(status: number, value: unknown, headers?: Record<string, string>): Handled {
  return { status, body: JSON.stringify(value), headers }
}

/** An event as the provider recorded it. */
interface Recorded {
  readonly at: number
  readonly event: Record<string, unknown>
}

function byTime(a: Recorded, b: Recorded): number {
  return a.at - b.at
}

// ---------------------------------------------------------------- Okta System Log

/** Okta: `SSWS` token, `published` set to the recording time, `after` cursors, a next link on every page. */
export async function startOkta(token: string): Promise<FakeProvider & { add(events: readonly Record<string, unknown>[], at?: number): Record<string, unknown>[] }> {
  const events: Recorded[] = []
  const provider: FakeProvider = new FakeProvider((_method, url, _body, headers): Handled => {
    if (headers.authorization !== `SSWS ${token}`) {
      return json(401, { errorCode: 'E0000011', errorSummary: 'Invalid token provided' })
    }
    const limit = Number(url.searchParams.get('limit') ?? '100')
    const after = url.searchParams.get('after')
    const since = url.searchParams.get('since')
    let start = 0
    if (after !== null) {
      start = Number(after)
    } else if (since !== null) {
      const from = Date.parse(since)
      start = events.findIndex((e) => e.at >= from)
      start = start < 0 ? events.length : start
    }
    const page = events.slice(start, start + limit)
    // Polling: always a next link, from after the last event returned.
    const next: string = `${provider.url}/api/v1/logs?after=${start + page.length}&limit=${limit}&sortOrder=ASCENDING`
    return json(
      200,
      page.map((e) => e.event),
      { link: `<${url.toString()}>; rel="self", <${next}>; rel="next"` },
    )
  }, (path) => path === '/api/v1/logs')
  return Object.assign(await provider.start(), {
    add(batch: readonly Record<string, unknown>[], at = Date.now()) {
      const added = batch.map((event, i) => ({ at: at + i, event: { ...event, published: new Date(at + i).toISOString() } }))
      events.push(...added)
      events.sort(byTime)
      return added.map((e) => e.event)
    },
  })
}

// ---------------------------------------------------------------- GitHub audit log

/** GitHub: Bearer token, `@timestamp` set to the recording time, `created:>=` filtering, `after` cursors in Link. */
export async function startGitHub(token: string, org: string): Promise<FakeProvider & { add(events: readonly Record<string, unknown>[], at?: number): Record<string, unknown>[] }> {
  const events: Recorded[] = []
  const provider: FakeProvider = new FakeProvider((_method, url, _body, headers): Handled => {
    if (headers.authorization !== `Bearer ${token}`) {
      return json(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' })
    }
    if (url.pathname !== `/orgs/${org}/audit-log`) {
      return json(404, { message: 'Not Found' })
    }
    const perPage = Number(url.searchParams.get('per_page') ?? '30')
    const phrase = url.searchParams.get('phrase') ?? ''
    const created = /created:>=(\S+)/.exec(phrase)?.[1]
    const from = created ? Date.parse(created) : 0
    const matching = events.filter((e) => e.at >= from)
    const after = Number(url.searchParams.get('after') ?? '0')
    const page = matching.slice(after, after + perPage)
    const headersOut: Record<string, string> = {}
    if (after + perPage < matching.length) {
      const next = new URL(url.toString())
      next.searchParams.set('after', String(after + perPage))
      headersOut.link = `<${next.toString()}>; rel="next"`
    }
    return json(
      200,
      page.map((e) => e.event),
      headersOut,
    )
  }, (path) => path.endsWith('/audit-log'))
  return Object.assign(await provider.start(), {
    add(batch: readonly Record<string, unknown>[], at = Date.now()) {
      const added = batch.map((event, i) => ({ at: at + i, event: { ...event, '@timestamp': at + i, created_at: at + i } }))
      events.push(...added)
      events.sort(byTime)
      return added.map((e) => e.event)
    },
  })
}

// ---------------------------------------------------------------- Google Reports API

/** A service account's key, as Google hands it out. */
export function googleServiceAccount(): { key: { type: string; client_email: string; private_key: string }; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { key: { type: 'service_account', client_email: 'veil@project.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, publicKey: createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })) }
}

/** Google: a JWT-bearer token exchange, then activities by application, newest first, `pageSize` per page. */
export async function startGoogle(publicKey: KeyObject, pageSize: number): Promise<FakeProvider & { add(events: readonly Record<string, unknown>[], at?: number): Record<string, unknown>[] }> {
  const events: Recorded[] = []
  const TOKEN = 'ya29.test-token'
  const provider: FakeProvider = new FakeProvider(async (method, url, body, headers): Promise<Handled> => {
    if (url.pathname === '/token' && method === 'POST') {
      const form = new URLSearchParams(body)
      try {
        const { payload } = await jwtVerify(form.get('assertion') ?? '', publicKey, { audience: `${provider.url}/token` })
        if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || payload.scope !== 'https://www.googleapis.com/auth/admin.reports.audit.readonly') {
          return json(400, { error: 'invalid_grant', error_description: 'Invalid grant or scope' })
        }
      } catch {
        return json(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' })
      }
      return json(200, { access_token: TOKEN, expires_in: 3599, token_type: 'Bearer' })
    }
    if (headers.authorization !== `Bearer ${TOKEN}`) {
      return json(401, { error: { code: 401, message: 'Request had invalid authentication credentials.' } })
    }
    const app = /\/applications\/([^/]+)$/.exec(url.pathname)?.[1]
    const start = Date.parse(url.searchParams.get('startTime') ?? '')
    const end = Date.parse(url.searchParams.get('endTime') ?? '')
    const matching = events.filter((e) => (e.event.id as { applicationName?: string }).applicationName === app && e.at >= start && e.at < end).reverse()
    const offset = Number(url.searchParams.get('pageToken') ?? '0')
    const page = matching.slice(offset, offset + pageSize)
    return json(200, { kind: 'admin#reports#activities', items: page.map((e) => e.event), ...(offset + pageSize < matching.length ? { nextPageToken: String(offset + pageSize) } : {}) })
  }, (path) => path.includes('/activity/'))
  return Object.assign(await provider.start(), {
    add(batch: readonly Record<string, unknown>[], at = Date.now()) {
      const added = batch.map((event, i) => ({ at: at + i, event: { ...event, id: { ...(event.id as Record<string, unknown>), time: new Date(at + i).toISOString() } } }))
      events.push(...added)
      events.sort(byTime)
      return added.map((e) => e.event)
    },
  })
}

// ---------------------------------------------------------------- Office 365 Management Activity API

export interface O365Blob {
  readonly contentType: string
  readonly records: readonly unknown[]
}

/**
 * Office 365: a client-credentials token per tenant, subscriptions to start once (AF20024 after), content
 * blobs listed by when they became available, `pageSize` per listing page with `NextPageUri`.
 */
export async function startO365(tenant: string, clientSecret: string, pageSize: number): Promise<FakeProvider & { add(blobs: readonly O365Blob[], at?: number): unknown[] }> {
  const blobs: Array<{ id: string; contentType: string; created: number; records: readonly unknown[] }> = []
  const started = new Set<string>()
  const TOKEN = 'eyJ0eXAi.o365-token'
  const feed = `/api/v1.0/${tenant}/activity/feed`
  const provider: FakeProvider = new FakeProvider((method, url, body, headers): Handled => {
    if (url.pathname === `/${tenant}/oauth2/v2.0/token` && method === 'POST') {
      const form = new URLSearchParams(body)
      if (form.get('client_secret') !== clientSecret || form.get('grant_type') !== 'client_credentials') {
        return json(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' })
      }
      return json(200, { token_type: 'Bearer', expires_in: 3599, access_token: TOKEN })
    }
    if (headers.authorization !== `Bearer ${TOKEN}`) {
      return json(401, { error: { code: 'AF10001', message: 'The permission set () sent in the request does not include the expected permission.' } })
    }
    const contentType = url.searchParams.get('contentType') ?? ''
    if (url.pathname === `${feed}/subscriptions/start` && method === 'POST') {
      if (started.has(contentType)) {
        return json(400, { error: { code: 'AF20024', message: 'The subscription is already enabled. No property change.' } })
      }
      started.add(contentType)
      return json(200, { contentType, status: 'enabled', webhook: null })
    }
    if (url.pathname === `${feed}/subscriptions/content`) {
      if (!started.has(contentType)) {
        return json(400, { error: { code: 'AF20022', message: 'No subscription found for the specified content type' } })
      }
      // API times are UTC without a zone designator.
      const start = Date.parse(`${url.searchParams.get('startTime') ?? ''}Z`)
      const end = Date.parse(`${url.searchParams.get('endTime') ?? ''}Z`)
      const matching = blobs.filter((b) => b.contentType === contentType && b.created >= start && b.created < end)
      const offset = Number(url.searchParams.get('nextPage') ?? '0')
      const page = matching.slice(offset, offset + pageSize)
      const next = new URL(url.toString())
      next.searchParams.set('nextPage', String(offset + pageSize))
      return json(
        200,
        page.map((b) => ({ contentType: b.contentType, contentId: b.id, contentUri: `${provider.url}${feed}/audit/${b.id}`, contentCreated: new Date(b.created).toISOString().slice(0, 23), contentExpiration: new Date(b.created + 7 * 86_400_000).toISOString() })),
        offset + pageSize < matching.length ? { NextPageUri: next.toString() } : {},
      )
    }
    const blobId = new RegExp(`^${feed}/audit/(.+)$`).exec(url.pathname)?.[1]
    const blob = blobs.find((b) => b.id === blobId)
    return blob ? json(200, blob.records) : json(404, { error: { code: 'AF20051', message: 'Content requested with the key does not exist.' } })
  }, (path) => path.includes('/subscriptions/content') || path.includes('/audit/'))
  return Object.assign(await provider.start(), {
    add(batch: readonly O365Blob[], at = Date.now() - 60_000) {
      batch.forEach((b, i) => blobs.push({ id: `blob-${blobs.length}-${b.contentType}`, contentType: b.contentType, created: at + i, records: b.records }))
      return batch.flatMap((b) => b.records)
    },
  })
}
