/**
 * The tables as Kysely sees them, shared by both engines. Column types are the values the drivers hand
 * back: SQLite returns integers as numbers, and the PostgreSQL pool is configured to parse `bigint` to
 * numbers too (every bigint here is a millisecond time or a small sequence number, far below 2^53).
 *
 * @module
 */

import type { ColumnType, Generated } from 'kysely'

/**
 * One activity, in one of two shapes:
 * - public (`is_private` 0): every detail column set as the activity has it, `sealed` and the `bi_*`
 *   blind-index columns null;
 * - private (`is_private` 1): only `id`, `time`, `sealed` (the AES-256-GCM ciphertext of every detail,
 *   `receivedAt` and the privacy group included) and the `bi_*` columns; every other column is null, so
 *   a copy of the database holds nothing of a private activity but its id and time (privacy rule 2).
 *
 * The `*` string columns are lower-cased copies of the fields an `ActivityQuery` filters on, so every
 * string comparison is a plain, case-sensitive SQL comparison on both engines.
 */
export interface ActivitiesTable {
  /** The activity id exactly as given: the idempotency key. */
  id: string
  /** When the actor acted, ms since the epoch. The PostgreSQL partition key. */
  time: number
  /** When Veil recorded it; null for a private activity (it is sealed with the details). */
  received_at: number | null
  /** 0 or 1; smallint rather than boolean so both engines store and compare it the same way. */
  is_private: Generated<number>
  /** Always null: why an activity is private is sealed with its details. */
  private_because: string | null
  /** A private activity's details, sealed (`envelope.ts` `sealRecord`); null for a public one. */
  sealed: Uint8Array | null
  /**
   * Blind indexes of a private activity (HMAC-SHA-256 under a key that is not in the database, hex) of
   * its UPN, IP, app and action type, for revealing queries; null on public rows. Only a revealing
   * query reads them (privacy rule 4).
   */
  bi_actor_upn: string | null
  bi_ip: string | null
  bi_app: string | null
  bi_action_type: string | null
  /** Lower-cased id, or null when the id is already lower-case (the common case; saves a copy per row). */
  id_lc: string | null
  actor_upn: string | null
  /** The part of the UPN after `@`. */
  actor_domain: string | null
  actor_type: string | null
  /** `|g1|g2|`, so that "has group g" is `LIKE '%|g|%'`; null when the actor had no groups. */
  actor_groups: string | null
  app: string | null
  action_type: string | null
  action_name: string | null
  ip: string | null
  country: string | null
  device_type: string | null
  user_agent: string | null
  source: string | null
  result: string | null
  /** Lower-cased visible text of the activity, newline-separated, for free-text search. */
  search_text: string | null
  /** JSON of the normalized activity without `raw`: what list pages read. */
  doc: string | null
  /** JSON of the source event. Last column, so that reading `doc` never walks a large raw event. */
  raw: string | null
}

/** Portal and API accounts, keyed by lower-cased UPN. */
export interface AccountsTable {
  upn: string
  display_name: string | null
  /** JSON array of role names. */
  roles: string
  password_hash: string | null
  disabled: ColumnType<number, number | undefined, number>
  created_at: number
  updated_at: number
}

/** API tokens; only the hash of the secret is stored. */
export interface ApiTokensTable {
  id: string
  upn: string
  name: string
  secret_hash: string
  created_at: number
  expires_at: number | null
  revoked_at: number | null
  last_used_at: number | null
}

/** Portal sessions, keyed by the hash of the cookie's secret. */
export interface SessionsTable {
  id_hash: string
  upn: string
  csrf_token: string
  created_at: number
  expires_at: number
}

/** The hash-chained governance log; append-only (triggers refuse UPDATE and DELETE). */
export interface GovernanceTable {
  seq: number
  time: number
  action: string
  target: string
  initiator: string
  app: string
  ip: string | null
  status: string
  justification: string | null
  /** JSON object. */
  details: string
  prev_hash: string
  hash: string
}

/** Organization-wide settings (managed domains, scope, privacy list, ...), one JSON value per key. */
export interface SettingsTable {
  key: string
  /** JSON value. */
  value: string
  /** Bumped on every change, so nodes can tell when to re-read. */
  version: number
  updated_at: number
}

/** The activity privacy permission list: one row per grantee (lower-cased UPN or email of an account). */
export interface PrivacyPermissionsTable {
  upn: string
  granted_by: string
  granted_at: number
  /** null: no end. */
  expires_at: number | null
  /** Set while the grantee has no admin role or is disabled. */
  suspended_at: number | null
}

/**
 * The directory's change counter: one row (`id` 1). Every transaction that writes the directory
 * increments it first, which also serializes directory writers (the row lock on PostgreSQL, the single
 * writer on SQLite), so change numbers are handed out in commit order and a cache that has seen number
 * N has seen every change up to N.
 */
export interface DirectoryStateTable {
  id: number
  seq: number
}

/** Directory users; soft-deleted (`deleted_at`) so that membership history keeps its users. */
export interface DirectoryUsersTable {
  /** A UUID: the SCIM `id`. */
  id: string
  /** Lower-cased UPN; unique among users that are not deleted. */
  upn: string
  display_name: string | null
  /** As the identity provider gave it (the identifiers table holds the lower-cased copy for matching). */
  external_id: string | null
  /** JSON array of lower-cased email aliases. */
  emails: string
  /** 0 or 1; SCIM `active`. An inactive user keeps its memberships. */
  active: number
  created_at: number
  updated_at: number
  deleted_at: number | null
  /** Change number of the last transaction that changed the user, its identifiers or memberships. */
  seq: number
}

/**
 * What an actor is matched by: the UPN and each email (space `address`), the external id (space
 * `external`), lower-cased. A value is held by at most one user at a time (`retired_at` null); an
 * identifier a user no longer holds (renamed, deleted) is retired, not removed, so a late activity
 * from before the change still finds the user it belonged to then.
 */
export interface DirectoryIdentifiersTable {
  id: Generated<number>
  user_id: string
  /** `upn`, `email` or `external_id`. */
  kind: string
  /** `address` (UPN and emails) or `external` (external id). */
  space: string
  value: string
  retired_at: number | null
}

/** Directory groups; soft-deleted like users. */
export interface DirectoryGroupsTable {
  /** A UUID, or the slug of the name for groups created by a file import. */
  id: string
  display_name: string
  /** Lower-cased display name; unique among groups that are not deleted. */
  display_name_lc: string
  external_id: string | null
  external_id_lc: string | null
  created_at: number
  updated_at: number
  deleted_at: number | null
}

/** One stretch of membership, [valid_from, valid_to); at most one open stretch per group and user. */
export interface DirectoryMembershipsTable {
  id: Generated<number>
  group_id: string
  user_id: string
  valid_from: number
  valid_to: number | null
}

/**
 * Data keys of private activities, only ever stored wrapped (AES-256-GCM) under the key-encryption key,
 * which is not in the database. One key is active (seals new records); the others still open the
 * records they sealed.
 */
export interface DataKeysTable {
  id: string
  wrapped: Uint8Array
  /** Fingerprint of the key-encryption key that wrapped it (never the key itself). */
  kek_fingerprint: string
  /** 1 for the key that seals new records (at most one row), else 0. */
  active: number
  created_at: number
  /** When it was last re-wrapped under a new key-encryption key; null if never. */
  rewrapped_at: number | null
}

/** Every table of a Veil store. */
export interface Database {
  activities: ActivitiesTable
  accounts: AccountsTable
  api_tokens: ApiTokensTable
  sessions: SessionsTable
  governance: GovernanceTable
  settings: SettingsTable
  directory_state: DirectoryStateTable
  directory_users: DirectoryUsersTable
  directory_identifiers: DirectoryIdentifiersTable
  directory_groups: DirectoryGroupsTable
  directory_memberships: DirectoryMembershipsTable
  data_keys: DataKeysTable
  privacy_permissions: PrivacyPermissionsTable
}
