/**
 * Okta System Log (`okta`).
 *
 * Protocol, as Okta documents it for polling: `GET {org}/api/v1/logs?since=T&sortOrder=ASCENDING&limit=N`
 * with `Authorization: SSWS <API token>`; each answer is a JSON array of LogEvents and a
 * `Link: <…>; rel="next"` header. A polling query (no `until`) always has a next link, also when it
 * returned nothing: following it later returns what was recorded since, in the order Okta persisted the
 * events, which is how a poller misses nothing that arrives late.
 *
 * Checkpoint: the next link after the last page committed (and the newest `published` time seen). A run
 * follows next links until a page comes back short (caught up). Should a stored link be refused (an org
 * moved, a link expired), the run starts over from the newest `published` minus the overlap; events
 * carry a `uuid`, so what it fetches again is recognized as duplicates.
 *
 * @module
 */

import type { ErrorDetail } from '../../core/errors.js'
import { ConnectorError } from '../connector-error.js'
import { ensureOk, nextLink, sameOrigin } from '../connector-http.js'
import { SettingsReader, isoTime, objectOf, timeOf, type ConnectorKind, type PullContext, type PulledPage } from '../connector-kind.js'

export interface OktaSettings {
  /** The org's URL, `https://acme.okta.com` (or its custom domain). */
  readonly baseUrl: string
  /** Events per page (Okta's maximum is 1000). */
  readonly limit: number
  /** How far before the newest event a run starting over by time goes back. */
  readonly overlapMinutes: number
}

export interface OktaCredentials {
  /** An API token (`SSWS`) of an admin with read access to the System Log. */
  readonly apiToken: string
}

interface OktaCheckpoint {
  readonly v: 1
  readonly next: string | null
  readonly published: number | null
}

function readCheckpoint(value: unknown, baseUrl: string): OktaCheckpoint {
  const c = objectOf(value)
  if (c?.v !== 1) {
    return { v: 1, next: null, published: null }
  }
  let next = typeof c.next === 'string' ? c.next : null
  // A link of another org (the base URL changed) is not followed; the run starts from the time instead.
  if (next !== null && !next.startsWith(`${baseUrl}/api/v1/logs`)) {
    next = null
  }
  return { v: 1, next, published: typeof c.published === 'number' ? c.published : null }
}

function readSettings(input: unknown, problems: ErrorDetail[]): OktaSettings | null {
  const r = new SettingsReader(input, 'settings', ['baseUrl', 'limit', 'overlapMinutes'], problems)
  const baseUrl = r.has('baseUrl') ? r.baseUrl('baseUrl', '') : r.string('baseUrl', { hint: 'the org URL, e.g. https://acme.okta.com' })
  const limit = r.integer('limit', 1000, 1, 1000)
  const overlapMinutes = r.integer('overlapMinutes', 5, 0, 24 * 60)
  return baseUrl === null || limit === null || overlapMinutes === null ? null : { baseUrl, limit, overlapMinutes }
}

function readCredentials(input: unknown, problems: ErrorDetail[]): OktaCredentials | null {
  const r = new SettingsReader(input, 'credentials', ['apiToken'], problems)
  const apiToken = r.string('apiToken', { max: 1000, hint: 'an Okta API token' })
  return apiToken === null ? null : { apiToken }
}

async function* pull(context: PullContext<OktaSettings, OktaCredentials>): AsyncIterable<PulledPage> {
  const { settings, credentials, http, now } = context
  const provider = http.provider
  const headers = { authorization: `SSWS ${credentials.apiToken}`, accept: 'application/json' }
  const checkpoint = readCheckpoint(context.checkpoint, settings.baseUrl)
  const byTime = (): string => {
    const since = checkpoint.published === null ? context.startFrom : checkpoint.published - settings.overlapMinutes * 60_000
    return `${settings.baseUrl}/api/v1/logs?since=${encodeURIComponent(isoTime(since))}&sortOrder=ASCENDING&limit=${settings.limit}`
  }
  let url = checkpoint.next ?? byTime()
  let fromStoredLink = checkpoint.next !== null
  let published = checkpoint.published
  const runStart = now()
  for (;;) {
    const response = await http.send({ url, headers, what: 'read the System Log' })
    if (fromStoredLink && response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 403) {
      // The stored link is no longer valid: start over from the newest event's time.
      fromStoredLink = false
      url = byTime()
      continue
    }
    fromStoredLink = false
    ensureOk(response, provider, 'read the System Log')
    let events: unknown
    try {
      events = JSON.parse(response.body) as unknown
    } catch {
      throw new ConnectorError('protocol', `${provider} answered the System Log with something that is not JSON`)
    }
    if (!Array.isArray(events)) {
      throw new ConnectorError('protocol', `${provider} answered the System Log with something other than an array`)
    }
    for (const event of events) {
      const time = timeOf(objectOf(event)?.published)
      if (time !== null && (published === null || time > published)) {
        published = time
      }
    }
    const link = nextLink(response.headers)
    const next = link === null ? null : sameOrigin(link, settings.baseUrl, provider)
    const caughtUp = events.length < settings.limit || next === null
    // An empty page keeps a link to poll from: its own next link, or the one just followed.
    yield { records: events, checkpoint: { v: 1, next: next ?? (events.length === 0 ? url : null), published } satisfies OktaCheckpoint, through: caughtUp ? runStart : null }
    if (caughtUp || next === null) {
      return
    }
    url = next
  }
}

export const oktaConnector: ConnectorKind<OktaSettings, OktaCredentials> = Object.freeze({
  kind: 'okta',
  provider: 'Okta',
  format: 'okta',
  defaultIntervalSeconds: 60,
  maxLookbackMs: null,
  credentialNames: ['apiToken'],
  readSettings,
  readCredentials,
  pull,
})
