/**
 * GitHub audit log (`github`), of an organization or an enterprise (GitHub Enterprise Cloud, or a
 * GitHub Enterprise Server's `https://HOST/api/v3`).
 *
 * Protocol, as GitHub documents it: `GET {base}/orgs/{org}/audit-log` (or `/enterprises/{enterprise}/`)
 * with `Authorization: Bearer <token>`, `include=web|git|all`, `per_page` up to 100, `order=asc`, and a
 * search `phrase`; pages are linked by cursors (`after=`, `before=`) in the `Link` header. A rate limit
 * is a 429 or a 403 with `Retry-After` or `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset`.
 *
 * Checkpoint: the newest event time committed. A run asks for `created:>=` that time minus the overlap
 * (events are indexed for search with some delay, and the qualifier counts whole seconds), oldest
 * first, and follows the `rel="next"` links to the end. Events carry `_document_id`, so the overlap
 * only makes duplicates the ingest recognizes.
 *
 * @module
 */

import type { ErrorDetail } from '../../core/errors.js'
import { ConnectorError } from '../connector-error.js'
import { ensureOk, nextLink, sameOrigin } from '../connector-http.js'
import { SettingsReader, objectOf, timeOf, type ConnectorKind, type PullContext, type PulledPage } from '../connector-kind.js'

export interface GitHubSettings {
  /** The organization's login, or null for an enterprise. */
  readonly org: string | null
  /** The enterprise's slug, or null for an organization. */
  readonly enterprise: string | null
  /** `https://api.github.com`; GitHub Enterprise Server: `https://HOST/api/v3`. */
  readonly baseUrl: string
  readonly include: 'web' | 'git' | 'all'
  /** More search terms (`action:repo`), or null. */
  readonly phrase: string | null
  readonly overlapMinutes: number
  /** Events per page (GitHub's maximum is 100). */
  readonly perPage: number
}

export interface GitHubCredentials {
  /** A token of an owner (organization) or enterprise admin with `read:audit_log`. */
  readonly token: string
}

interface GitHubCheckpoint {
  readonly v: 1
  /** The newest event time committed, ms. */
  readonly since: number | null
}

const SLUG = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$/
const MAX_PER_PAGE = 100

function readSettings(input: unknown, problems: ErrorDetail[]): GitHubSettings | null {
  const r = new SettingsReader(input, 'settings', ['org', 'enterprise', 'baseUrl', 'include', 'phrase', 'overlapMinutes', 'perPage'], problems)
  const org = r.optionalString('org', { max: 100, pattern: SLUG, hint: "an organization's login" })
  const enterprise = r.optionalString('enterprise', { max: 100, pattern: SLUG, hint: "an enterprise's slug" })
  if (r.has('org') === r.has('enterprise')) {
    r.problem(r.has('org') ? 'enterprise' : 'org', 'give exactly one of org and enterprise')
    return null
  }
  const baseUrl = r.baseUrl('baseUrl', 'https://api.github.com')
  const include = r.string('include', { fallback: 'all', pattern: /^(web|git|all)$/, hint: 'web, git or all' })
  const phrase = r.optionalString('phrase', { max: 500 })
  const overlapMinutes = r.integer('overlapMinutes', 5, 0, 24 * 60)
  const perPage = r.integer('perPage', MAX_PER_PAGE, 1, MAX_PER_PAGE)
  if ((org === null && enterprise === null) || baseUrl === null || include === null || overlapMinutes === null || perPage === null || (r.has('phrase') && phrase === null)) {
    return null
  }
  return { org, enterprise, baseUrl, include: include as GitHubSettings['include'], phrase, overlapMinutes, perPage }
}

function readCredentials(input: unknown, problems: ErrorDetail[]): GitHubCredentials | null {
  const r = new SettingsReader(input, 'credentials', ['token'], problems)
  const token = r.string('token', { max: 1000, hint: 'a token with read:audit_log' })
  return token === null ? null : { token }
}

/** `created:>=` takes ISO 8601 to the second with an offset. */
function createdSince(ms: number): string {
  return `created:>=${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}+00:00`
}

async function* pull(context: PullContext<GitHubSettings, GitHubCredentials>): AsyncIterable<PulledPage> {
  const { settings, credentials, http, now } = context
  const provider = http.provider
  const stored = objectOf(context.checkpoint)
  let since = stored?.v === 1 && typeof stored.since === 'number' ? stored.since : null
  const from = since === null ? context.startFrom : since - settings.overlapMinutes * 60_000
  const path = settings.org !== null ? `/orgs/${encodeURIComponent(settings.org)}/audit-log` : `/enterprises/${encodeURIComponent(settings.enterprise ?? '')}/audit-log`
  const query = new URLSearchParams({ phrase: [settings.phrase, createdSince(from)].filter((p) => p !== null).join(' '), include: settings.include, per_page: String(settings.perPage), order: 'asc' })
  const headers = { authorization: `Bearer ${credentials.token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'veil-connector' }
  const runStart = now()
  let url: string | null = `${settings.baseUrl}${path}?${query.toString()}`
  while (url !== null) {
    const response = await http.send({ url, headers, what: 'read the audit log' })
    if (response.status === 404) {
      throw new ConnectorError('configuration', `${provider} has no audit log at ${path} for this token (404): check the organization or enterprise name, and that the token's owner is an owner or enterprise admin`)
    }
    ensureOk(response, provider, 'read the audit log')
    let events: unknown
    try {
      events = JSON.parse(response.body) as unknown
    } catch {
      throw new ConnectorError('protocol', `${provider} answered the audit log with something that is not JSON`)
    }
    if (!Array.isArray(events)) {
      throw new ConnectorError('protocol', `${provider} answered the audit log with something other than an array`)
    }
    for (const event of events) {
      const e = objectOf(event)
      const time = timeOf(e?.['@timestamp'] ?? e?.created_at)
      if (time !== null && (since === null || time > since)) {
        since = time
      }
    }
    const link = nextLink(response.headers)
    url = link === null || events.length === 0 ? null : sameOrigin(link, settings.baseUrl, provider)
    yield { records: events, checkpoint: { v: 1, since } satisfies GitHubCheckpoint, through: url === null ? runStart : null }
  }
}

export const gitHubConnector: ConnectorKind<GitHubSettings, GitHubCredentials> = Object.freeze({
  kind: 'github',
  provider: 'GitHub',
  format: 'github',
  defaultIntervalSeconds: 300,
  maxLookbackMs: null,
  credentialNames: ['token'],
  readSettings,
  readCredentials,
  pull,
})
