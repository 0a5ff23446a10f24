/**
 * Office 365 Management Activity API (`o365`): the unified audit log of Microsoft 365, by content type
 * (`Audit.AzureActiveDirectory`, `Audit.Exchange`, `Audit.SharePoint`, `Audit.General`).
 *
 * Protocol, as Microsoft documents it:
 * - an app-only token from the tenant's token endpoint (OAuth 2.0 client credentials, scope
 *   `<base URL>/.default`);
 * - `POST {base}/api/v1.0/{tenant}/activity/feed/subscriptions/start?contentType=T` once per content
 *   type (400 `AF20024` means it is already started);
 * - `GET …/subscriptions/content?contentType=T&startTime&endTime` lists the content blobs made available
 *   in [startTime, endTime) (at most 24 hours, at most 7 days back), paged by the `NextPageUri` header;
 * - `GET {contentUri}` returns a blob: a JSON array of audit records.
 * Every request carries `PublisherIdentifier` (the tenant id by default), which gives the connector its
 * own throttling quota.
 *
 * Checkpoint, per content type: `through`, the end of the last window listed completely, and the ids of
 * the blobs fetched in the overlap before it. Each run lists from `through - overlap` (blobs are listed
 * by when they became available, and a listing can trail a little behind) up to now, in windows of at
 * most 24 hours, fetches each blob not fetched before, oldest first, and commits after each blob; the
 * window's end is committed once its every blob is in. Records carry their own `Id`, so a blob fetched
 * twice (a run stopped between a blob and its commit) only makes duplicates the ingest recognizes.
 *
 * @module
 */

import type { ErrorDetail } from '../../core/errors.js'
import { ConnectorError } from '../connector-error.js'
import { ensureOk, nextLink, providerSummary, sameOrigin } from '../connector-http.js'
import { SettingsReader, objectOf, timeOf, type ConnectorKind, type PullContext, type PulledPage } from '../connector-kind.js'
import { OAuthToken } from '../oauth-token.js'

export const O365_CONTENT_TYPES = ['Audit.AzureActiveDirectory', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.General'] as const

export interface O365Settings {
  /** The tenant's directory id (a GUID). */
  readonly tenantId: string
  /** The app registration's application (client) id. */
  readonly clientId: string
  readonly contentTypes: readonly string[]
  /** `https://manage.office.com`; GCC High `https://manage.office365.us`, 21Vianet `https://manage.office.cn`. */
  readonly baseUrl: string
  /** `https://login.microsoftonline.com`; US Government `https://login.microsoftonline.us`, 21Vianet `https://login.chinacloudapi.cn`. */
  readonly loginUrl: string
  readonly publisherIdentifier: string
  /** How far back each run lists again, for blobs listed late. */
  readonly overlapMinutes: number
}

export interface O365Credentials {
  readonly clientSecret: string
}

const HOUR = 3_600_000
const DAY = 24 * HOUR
/** The API lists at most 7 days back; a little less, so a window never starts past its limit. */
const MAX_LOOKBACK_MS = 7 * DAY - 10 * 60_000
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

interface ContentPosition {
  through: number
  /** contentId → when the blob became available (ms); the blobs fetched at or after `through - overlap`. */
  seen: Record<string, number>
}

interface O365Checkpoint {
  readonly v: 1
  readonly types: Record<string, ContentPosition>
}

function readCheckpoint(value: unknown): O365Checkpoint {
  const checkpoint = objectOf(value)
  const types = objectOf(checkpoint?.types)
  const result: O365Checkpoint = { v: 1, types: {} }
  if (checkpoint?.v !== 1 || !types) {
    return result
  }
  for (const [type, position] of Object.entries(types)) {
    const p = objectOf(position)
    const seen = objectOf(p?.seen) ?? {}
    if (typeof p?.through === 'number') {
      result.types[type] = { through: p.through, seen: Object.fromEntries(Object.entries(seen).filter((e): e is [string, number] => typeof e[1] === 'number')) }
    }
  }
  return result
}

/** The API's time format: UTC to the second, no zone designator. */
function apiTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19)
}

interface ContentBlob {
  readonly id: string
  readonly uri: string
  readonly created: number
}

function readSettings(input: unknown, problems: ErrorDetail[]): O365Settings | null {
  const r = new SettingsReader(input, 'settings', ['tenantId', 'clientId', 'contentTypes', 'baseUrl', 'loginUrl', 'publisherIdentifier', 'overlapMinutes'], problems)
  const tenantId = r.string('tenantId', { pattern: GUID, hint: "the tenant's directory id, a GUID" })
  const clientId = r.string('clientId', { pattern: GUID, hint: "the app registration's application (client) id, a GUID" })
  const contentTypes = r.list('contentTypes', O365_CONTENT_TYPES, O365_CONTENT_TYPES)
  const baseUrl = r.baseUrl('baseUrl', 'https://manage.office.com')
  const loginUrl = r.baseUrl('loginUrl', 'https://login.microsoftonline.com')
  const publisherIdentifier = r.optionalString('publisherIdentifier', { max: 100, pattern: GUID, hint: 'a GUID' })
  const overlapMinutes = r.integer('overlapMinutes', 15, 0, 24 * 60)
  if (tenantId === null || clientId === null || contentTypes === null || baseUrl === null || loginUrl === null || overlapMinutes === null || (r.has('publisherIdentifier') && publisherIdentifier === null)) {
    return null
  }
  return { tenantId, clientId, contentTypes, baseUrl, loginUrl, publisherIdentifier: publisherIdentifier ?? tenantId, overlapMinutes }
}

function readCredentials(input: unknown, problems: ErrorDetail[]): O365Credentials | null {
  const r = new SettingsReader(input, 'credentials', ['clientSecret'], problems)
  const clientSecret = r.string('clientSecret', { max: 1000, hint: "a client secret of the app registration" })
  return clientSecret === null ? null : { clientSecret }
}

async function* pull(context: PullContext<O365Settings, O365Credentials>): AsyncIterable<PulledPage> {
  const { settings, credentials, http, now } = context
  const provider = http.provider
  const token = new OAuthToken(
    http,
    `${settings.loginUrl}/${encodeURIComponent(settings.tenantId)}/oauth2/v2.0/token`,
    () => ({ grant_type: 'client_credentials', client_id: settings.clientId, client_secret: credentials.clientSecret, scope: `${settings.baseUrl}/.default` }),
    now,
  )
  const feed = `${settings.baseUrl}/api/v1.0/${encodeURIComponent(settings.tenantId)}/activity/feed`
  const publisher = `PublisherIdentifier=${encodeURIComponent(settings.publisherIdentifier)}`
  const headers = async (): Promise<Record<string, string>> => ({ authorization: `Bearer ${await token.get()}`, accept: 'application/json' })
  const checkpoint = readCheckpoint(context.checkpoint)
  const overlap = settings.overlapMinutes * 60_000
  const snapshot = (): O365Checkpoint => ({ v: 1, types: Object.fromEntries(Object.entries(checkpoint.types).map(([t, p]) => [t, { through: p.through, seen: { ...p.seen } }])) })
  const through = (): number | null => {
    const ends = settings.contentTypes.map((t) => checkpoint.types[t]?.through ?? null)
    return ends.every((e): e is number => e !== null) ? Math.min(...ends) : null
  }

  for (const contentType of settings.contentTypes) {
    const started = await http.send({ url: `${feed}/subscriptions/start?contentType=${encodeURIComponent(contentType)}&${publisher}`, method: 'POST', headers: { ...(await headers()), 'content-type': 'application/json' }, body: '', what: `start the ${contentType} subscription` })
    // AF20024: "The subscription is already enabled" — the state we want.
    if (!(started.status === 400 && /AF20024/.test(started.body))) {
      ensureOk(started, provider, `start the ${contentType} subscription`)
    }

    const position = (checkpoint.types[contentType] ??= { through: Math.max(context.startFrom, now() - MAX_LOOKBACK_MS), seen: {} })
    for (;;) {
      const runNow = Math.floor(now() / 1000) * 1000
      const windowStart = Math.floor(Math.max(position.through - overlap, runNow - MAX_LOOKBACK_MS) / 1000) * 1000
      if (windowStart >= runNow) {
        break
      }
      const windowEnd = Math.min(windowStart + DAY, runNow)
      const blobs: ContentBlob[] = []
      let url: string | null = `${feed}/subscriptions/content?contentType=${encodeURIComponent(contentType)}&startTime=${apiTime(windowStart)}&endTime=${apiTime(windowEnd)}&${publisher}`
      while (url !== null) {
        const { body, headers: answer } = await http.json({ url, headers: await headers(), what: `list ${contentType} content` })
        if (!Array.isArray(body)) {
          throw new ConnectorError('protocol', `${provider} listed ${contentType} content as something other than an array`)
        }
        for (const item of body) {
          const blob = objectOf(item)
          const id = blob?.contentId
          const uri = blob?.contentUri
          if (typeof id !== 'string' || typeof uri !== 'string') {
            throw new ConnectorError('protocol', `${provider} listed a ${contentType} content blob without contentId or contentUri`)
          }
          blobs.push({ id, uri, created: timeOf(blob?.contentCreated) ?? windowStart })
        }
        const next = answer.get('nextpageuri') ?? nextLink(answer)
        url = next ? sameOrigin(next, settings.baseUrl, provider) : null
      }
      blobs.sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      for (const blob of blobs) {
        if (position.seen[blob.id] !== undefined) {
          continue
        }
        const response = await http.send({ url: sameOrigin(blob.uri, settings.baseUrl, provider), headers: await headers(), what: `fetch ${contentType} content` })
        // AF20051: the blob expired (7 days) before it was fetched; its events are gone from the API.
        if (response.status >= 400 && response.status < 500 && /AF20051/.test(response.body)) {
          position.seen[blob.id] = blob.created
          yield { records: [], checkpoint: snapshot(), through: null, problem: `${contentType} content ${blob.id} expired before it was fetched (${providerSummary(response.body)}); its events cannot be retrieved` }
          continue
        }
        ensureOk(response, provider, `fetch ${contentType} content`)
        let records: unknown
        try {
          records = JSON.parse(response.body) as unknown
        } catch {
          throw new ConnectorError('protocol', `${provider} answered a ${contentType} content blob with something that is not JSON`)
        }
        if (!Array.isArray(records)) {
          throw new ConnectorError('protocol', `${provider} answered a ${contentType} content blob with something other than an array`)
        }
        position.seen[blob.id] = blob.created
        yield { records, checkpoint: snapshot(), through: null }
      }
      position.through = windowEnd
      // Blobs before the next window's start are never listed again.
      for (const [id, created] of Object.entries(position.seen)) {
        if (created < windowEnd - overlap) {
          delete position.seen[id]
        }
      }
      yield { records: [], checkpoint: snapshot(), through: through() }
      if (windowEnd >= runNow) {
        break
      }
    }
  }
}

export const o365Connector: ConnectorKind<O365Settings, O365Credentials> = Object.freeze({
  kind: 'o365',
  provider: 'Office 365 Management Activity API',
  format: 'o365',
  defaultIntervalSeconds: 300,
  maxLookbackMs: MAX_LOOKBACK_MS,
  credentialNames: ['clientSecret'],
  readSettings,
  readCredentials,
  pull,
})
