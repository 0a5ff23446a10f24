/**
 * The shapes the portal reads from the public API (`GET /api/openapi.json`). Only what the pages use
 * is typed; the server stays the authority on every value, in particular on what is visible.
 */
import type { AdminRole, Permission } from '../../../src/core/access/roles.js'

export type { AdminRole, Permission }

/** `GET /api/v1/me` */
export interface Me {
  readonly upn: string
  readonly roles: readonly AdminRole[]
  readonly permissions: readonly Permission[]
  /** The effective activity privacy permission: whether "Show private activities" may be offered. */
  readonly canRevealPrivate: boolean
  readonly via: 'token' | 'session'
  readonly csrfToken: string | null
  readonly sessionExpiresAt?: number | null
  /** How long a reveal lasts before the portal ends it (the server's VEIL_REVEAL_MINUTES). */
  readonly revealTtlSeconds?: number
}

/** `GET /api/v1/auth/session`: 200 whether or not anybody is signed in. */
export type SessionAnswer = ({ readonly authenticated: true } & Me) | { readonly authenticated: false }

/** `POST /api/v1/auth/login` */
export interface LoginAnswer {
  readonly upn: string
  readonly displayName: string | null
  readonly roles: readonly AdminRole[]
  readonly csrfToken: string
  readonly expiresAt: number
}

/** One activity as the list and get-by-id present it (Veil's names; Defender's aliases are not used here). */
export interface Activity {
  readonly id: string
  readonly time: string
  readonly receivedAt: string
  readonly source: string
  readonly actor: { readonly upn: string | null; readonly displayName: string | null; readonly sourceId: string | null; readonly type: string; readonly directoryUserId?: string | null }
  readonly app: string
  readonly action: { readonly type: string; readonly name: string }
  readonly ip: string | null
  readonly location: { readonly country: string | null; readonly city: string | null }
  readonly device: { readonly type: string | null; readonly userAgent: string | null }
  readonly target: { readonly type: string | null; readonly id: string | null; readonly name: string | null }
  readonly result: string
  readonly description: string | null
  readonly actorGroups: readonly string[]
  /** Only in get-by-id: the source event as ingested. */
  readonly rawDataJson?: unknown
  /** Only in a revealed answer: whether the activity is private, and the privacy group that made it so. */
  readonly private?: boolean
  readonly privateBecause?: string | null
}

/** `POST /api/v1/activities/` */
export interface ActivityPage {
  readonly total: number
  readonly hasNext: boolean
  readonly moreThanTotal: boolean
  readonly cursor: string | null
  readonly data: readonly Activity[]
}

/** The filter language of docs/query-language.md: field → operator → value. */
export type ApiFilters = Record<string, Record<string, unknown>>

/** What the API wants to reveal private activities (privacy rule 5); the server decides the rest. */
export interface RevealParameters {
  readonly includePrivate: true
  readonly acknowledgeAudit: true
  readonly justification: string
}

export interface PrivacyGroup {
  readonly id: string
  readonly displayName: string | null
  readonly builtin: boolean
}

export interface DirectoryGroup {
  readonly id: string
  readonly displayName: string
  readonly builtin: boolean
  readonly description: string | null
  readonly memberCount: number | null
}

export interface PrivacyPermissionEntry {
  readonly upn: string
  readonly displayName: string | null
  readonly roles: readonly AdminRole[]
  readonly state: 'active' | 'suspended' | 'expired'
  readonly grantedBy: string | null
  readonly grantedAt: string | null
  readonly expiresAt: string | null
  readonly suspendedAt: string | null
}

export interface GovernanceRecord {
  readonly seq: number
  readonly time: number
  readonly action: string
  readonly target: string
  readonly initiator: string
  readonly app: string
  readonly ip: string | null
  readonly status: 'succeeded' | 'failed'
  readonly justification: string | null
  readonly details: Readonly<Record<string, unknown>>
}

export interface GovernancePage {
  readonly data: readonly GovernanceRecord[]
  readonly hasNext: boolean
  readonly nextBeforeSeq: number | null
}
