/**
 * Google Workspace Admin SDK Reports API (`google-workspace`): the activities of applications such as
 * `login`, `admin`, `drive` and `token`.
 *
 * Protocol, as Google documents it:
 * - a service account with domain-wide delegation signs a JWT (RS256; `iss` the service account,
 *   `sub` the admin it acts for, `scope` `admin.reports.audit.readonly`, `aud` the token endpoint) and
 *   exchanges it for an access token (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`);
 * - `GET {base}/admin/reports/v1/activity/users/all/applications/{app}?startTime&endTime&maxResults`
 *   returns `{ items, nextPageToken }`, newest first; `pageToken` fetches the next page.
 *
 * Checkpoint, per application: `through`, the end of the last window read to its last page. Reports
 * arrive late (Google documents lag times of minutes to hours per application), so each run reads from
 * `through - overlap` to now, in windows of at most a day, and commits the window's end after its last
 * page; pages within a window commit the same `through` (newest-first order gives no position to resume
 * inside a window). Activity ids are derived from what identifies an activity (customer, application,
 * time, unique qualifier, event), so the overlap only makes duplicates the ingest recognizes.
 *
 * @module
 */

import { createPrivateKey, type KeyObject } from 'node:crypto'

import { SignJWT } from 'jose'

import type { ErrorDetail } from '../../core/errors.js'
import { ConnectorError } from '../connector-error.js'
import { SettingsReader, isoTime, objectOf, type ConnectorKind, type PullContext, type PulledPage } from '../connector-kind.js'
import { OAuthToken } from '../oauth-token.js'

/** The Reports API's activity applications. */
export const GOOGLE_APPLICATIONS = [
  'access_transparency',
  'admin',
  'calendar',
  'chat',
  'chrome',
  'context_aware_access',
  'data_studio',
  'drive',
  'gcp',
  'groups',
  'groups_enterprise',
  'jamboard',
  'keep',
  'login',
  'meet',
  'mobile',
  'rules',
  'saml',
  'token',
  'user_accounts',
  'vault',
] as const

const SCOPE = 'https://www.googleapis.com/auth/admin.reports.audit.readonly'
const DAY = 86_400_000
/** Google keeps most Reports activities for about six months. */
const MAX_LOOKBACK_MS = 180 * DAY
const EMAIL = /^[^\s@]+@[^\s@]+$/

export interface GoogleWorkspaceSettings {
  /** The super admin the service account acts for (domain-wide delegation). */
  readonly subject: string
  readonly applications: readonly string[]
  /** Only this customer's activities (resellers), or null. */
  readonly customerId: string | null
  /** `https://admin.googleapis.com`. */
  readonly baseUrl: string
  /** `https://oauth2.googleapis.com/token`. */
  readonly tokenUrl: string
  readonly overlapMinutes: number
}

export interface GoogleWorkspaceCredentials {
  /** The service account's JSON key (as downloaded, or its `client_email` and `private_key`). */
  readonly serviceAccountKey: { readonly client_email: string; readonly private_key: string }
}

interface GoogleCheckpoint {
  readonly v: 1
  readonly apps: Record<string, { through: number }>
}

function readSettings(input: unknown, problems: ErrorDetail[]): GoogleWorkspaceSettings | null {
  const r = new SettingsReader(input, 'settings', ['subject', 'applications', 'customerId', 'baseUrl', 'tokenUrl', 'overlapMinutes'], problems)
  const subject = r.string('subject', { max: 320, pattern: EMAIL, hint: 'the email of the super admin the service account acts for' })
  const applications = r.list('applications', GOOGLE_APPLICATIONS, ['login', 'admin', 'drive', 'token'])
  const customerId = r.optionalString('customerId', { max: 100, pattern: /^[A-Za-z0-9_-]+$/, hint: 'a customer id such as C03az79cb' })
  const baseUrl = r.baseUrl('baseUrl', 'https://admin.googleapis.com')
  // The same rules as a base URL: https (http only to loopback), no query or credentials.
  const tokenUrl = r.baseUrl('tokenUrl', 'https://oauth2.googleapis.com/token')
  const overlapMinutes = r.integer('overlapMinutes', 60, 0, 24 * 60)
  if (subject === null || applications === null || baseUrl === null || tokenUrl === null || overlapMinutes === null || (r.has('customerId') && customerId === null)) {
    return null
  }
  return { subject, applications, customerId, baseUrl, tokenUrl, overlapMinutes }
}

function readCredentials(input: unknown, problems: ErrorDetail[]): GoogleWorkspaceCredentials | null {
  const r = new SettingsReader(input, 'credentials', ['serviceAccountKey'], problems)
  let key: unknown = r.raw('serviceAccountKey')
  if (key === undefined || key === null) {
    return r.problem('serviceAccountKey', "is required (the service account's JSON key)")
  }
  if (typeof key === 'string') {
    try {
      key = JSON.parse(key) as unknown
    } catch {
      return r.problem('serviceAccountKey', "must be the service account's JSON key (an object, or its text)")
    }
  }
  const k = objectOf(key)
  const clientEmail = k?.client_email
  const privateKey = k?.private_key
  if (typeof clientEmail !== 'string' || !EMAIL.test(clientEmail) || typeof privateKey !== 'string') {
    return r.problem('serviceAccountKey', "must be the service account's JSON key, with client_email and private_key")
  }
  try {
    if (createPrivateKey(privateKey).asymmetricKeyType !== 'rsa') {
      return r.problem('serviceAccountKey', 'private_key must be an RSA key')
    }
  } catch {
    return r.problem('serviceAccountKey', 'private_key is not a PEM private key')
  }
  // Only what signing needs is kept: the rest of the key file (project, key id, URLs) is not a secret worth holding.
  return { serviceAccountKey: { client_email: clientEmail, private_key: privateKey } }
}

async function assertion(key: KeyObject, settings: GoogleWorkspaceSettings, clientEmail: string, now: number): Promise<string> {
  const iat = Math.floor(now / 1000)
  return new SignJWT({ scope: SCOPE })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(clientEmail)
    .setSubject(settings.subject)
    .setAudience(settings.tokenUrl)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .sign(key)
}

async function* pull(context: PullContext<GoogleWorkspaceSettings, GoogleWorkspaceCredentials>): AsyncIterable<PulledPage> {
  const { settings, credentials, http, now } = context
  const provider = http.provider
  const { client_email: clientEmail, private_key: privateKey } = credentials.serviceAccountKey
  let key: KeyObject
  try {
    key = createPrivateKey(privateKey)
  } catch (error) {
    throw new ConnectorError('credentials', "The service account's private key does not load; upload the JSON key again", { cause: error })
  }
  const token = new OAuthToken(
    http,
    settings.tokenUrl,
    async () => ({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await assertion(key, settings, clientEmail, now()) }),
    now,
  )
  const stored = objectOf(context.checkpoint)
  const apps = stored?.v === 1 ? objectOf(stored.apps) : null
  const checkpoint: GoogleCheckpoint = { v: 1, apps: {} }
  for (const [app, position] of Object.entries(apps ?? {})) {
    const through = objectOf(position)?.through
    if (typeof through === 'number') {
      checkpoint.apps[app] = { through }
    }
  }
  const overlap = settings.overlapMinutes * 60_000
  const snapshot = (): GoogleCheckpoint => ({ v: 1, apps: Object.fromEntries(Object.entries(checkpoint.apps).map(([a, p]) => [a, { through: p.through }])) })
  const through = (): number | null => {
    const ends = settings.applications.map((a) => checkpoint.apps[a]?.through ?? null)
    return ends.every((e): e is number => e !== null) ? Math.min(...ends) : null
  }

  for (const app of settings.applications) {
    const position = (checkpoint.apps[app] ??= { through: Math.max(context.startFrom, now() - MAX_LOOKBACK_MS) })
    for (;;) {
      const runNow = now()
      const windowStart = Math.max(position.through - overlap, runNow - MAX_LOOKBACK_MS)
      if (windowStart >= runNow) {
        break
      }
      const windowEnd = Math.min(windowStart + DAY, runNow)
      let pageToken: string | null = null
      do {
        const query = new URLSearchParams({ startTime: isoTime(windowStart), endTime: isoTime(windowEnd), maxResults: '1000' })
        if (settings.customerId !== null) {
          query.set('customerId', settings.customerId)
        }
        if (pageToken !== null) {
          query.set('pageToken', pageToken)
        }
        const { body } = await http.json({
          url: `${settings.baseUrl}/admin/reports/v1/activity/users/all/applications/${encodeURIComponent(app)}?${query.toString()}`,
          headers: { authorization: `Bearer ${await token.get()}`, accept: 'application/json' },
          what: `list ${app} activities`,
        })
        const page = objectOf(body)
        if (!page) {
          throw new ConnectorError('protocol', `${provider} answered the ${app} activities with something other than an object`)
        }
        const items = page.items ?? []
        if (!Array.isArray(items)) {
          throw new ConnectorError('protocol', `${provider} answered the ${app} activities with items that are not an array`)
        }
        pageToken = typeof page.nextPageToken === 'string' && page.nextPageToken !== '' ? page.nextPageToken : null
        if (items.length > 0) {
          yield { records: items, checkpoint: snapshot(), through: null }
        }
      } while (pageToken !== null)
      position.through = windowEnd
      yield { records: [], checkpoint: snapshot(), through: through() }
      if (windowEnd >= runNow) {
        break
      }
    }
  }
}

export const googleWorkspaceConnector: ConnectorKind<GoogleWorkspaceSettings, GoogleWorkspaceCredentials> = Object.freeze({
  kind: 'google-workspace',
  provider: 'Google Workspace Reports API',
  format: 'google-workspace',
  defaultIntervalSeconds: 300,
  maxLookbackMs: MAX_LOOKBACK_MS,
  credentialNames: ['serviceAccountKey'],
  readSettings,
  readCredentials,
  pull,
})
