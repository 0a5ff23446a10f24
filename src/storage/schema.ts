/**
 * The tables as Kysely sees them, shared by both engines. Column types are the values the drivers hand
 * back: SQLite returns integers as numbers, and the PostgreSQL pool is configured to parse `bigint` to
 * numbers too (every bigint here is a millisecond time or a small sequence number, far below 2^53).
 *
 * @module
 */

import type { ColumnType, Generated } from 'kysely'

/**
 * One activity. Only `id`, `time`, `received_at` and `is_private` are always set: a private activity
 * (a later issue) keeps its details sealed in `sealed` and leaves every detail column null.
 *
 * The `*` string columns are lower-cased copies of the fields an `ActivityQuery` filters on, so every
 * string comparison is a plain, case-sensitive SQL comparison on both engines.
 */
export interface ActivitiesTable {
  /** The activity id exactly as given: the idempotency key. */
  id: string
  /** When the actor acted, ms since the epoch. The PostgreSQL partition key. */
  time: number
  received_at: number
  /** 0 or 1; smallint rather than boolean so both engines store and compare it the same way. */
  is_private: Generated<number>
  private_because: string | null
  /** Reserved for the ciphertext of a private activity's details. */
  sealed: Uint8Array | null
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

/** Every table of a Veil store. */
export interface Database {
  activities: ActivitiesTable
  accounts: AccountsTable
  api_tokens: ApiTokensTable
  sessions: SessionsTable
  governance: GovernanceTable
  settings: SettingsTable
}
