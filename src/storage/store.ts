/**
 * The storage boundary: one interface, one implementation per engine (`sqlite/`, `postgres/`). Services
 * and the HTTP layer only ever see these types. Engine differences are capability flags, never
 * `if (sqlite)` scattered through callers.
 *
 * @module
 */

import type { AdminRole } from '../core/access/roles.js'
import type { Activity } from '../core/activity/activity.js'
import type { GovernanceDraft, GovernanceRecord } from '../core/governance/governance-record.js'
import type { Disclosure } from '../core/privacy/decide-disclosure.js'
import type { BlindIndexField } from '../core/privacy/envelope.js'
import type { ActivityPage, ActivityQuery, KeysetPosition } from '../core/query/activity-query.js'

export type StoreEngine = 'sqlite' | 'postgres'

export interface StoreCapabilities {
  readonly engine: StoreEngine
  /** Activity tables are partitioned by time, so retention drops whole partitions. */
  readonly supportsPartitioning: boolean
  /** Several Veil nodes may share this store. */
  readonly supportsMultipleNodes: boolean
}

/** Per record of an insert batch, in the batch's order. A repeated id (in the store or earlier in the same batch) is a duplicate. */
export type InsertOutcome = 'inserted' | 'duplicate'

/** A public activity, stored and returned in the clear. */
export interface PublicActivity {
  readonly isPrivate: false
  readonly activity: Activity
}

/**
 * A private activity as the store holds it: its id, its time and its details sealed (AES-256-GCM, see
 * `envelope.ts` `sealRecord`, with the id as additional data). Only the privacy vault opens it; the
 * store never sees a key.
 */
export interface SealedActivity {
  readonly isPrivate: true
  readonly id: string
  readonly time: number
  readonly sealed: Buffer
}

/** Blind indexes (`envelope.ts` `blindIndex`) of a private activity's fields; null where the field is empty. */
export type BlindIndexValues = Readonly<Record<BlindIndexField, string | null>>

/** A private activity to insert: sealed, with the blind indexes revealing queries filter on. */
export interface NewSealedActivity extends SealedActivity {
  readonly blindIndexes: BlindIndexValues
}

/** What the ingest path hands the store: a public activity, or a private one already sealed. */
export type NewActivity = PublicActivity | NewSealedActivity

/** What a read returns: a public activity, or (only to a revealing read) a sealed private one. */
export type StoredActivity = PublicActivity | SealedActivity

/** A time range, ms since the epoch, both ends inclusive. */
export interface TimeRange {
  readonly from: number
  readonly to: number
}

export interface ActivityRepository {
  /**
   * Insert a batch in one transaction. Idempotent on the activity id: an id already stored, or repeated
   * within the batch, is reported `duplicate` and not stored again. Durable when the promise resolves.
   * A private activity arrives sealed: its row holds only id, time, the private marker, the ciphertext
   * and the blind indexes.
   */
  insert(batch: readonly NewActivity[]): Promise<InsertOutcome[]>
  /**
   * One page of activities matching `query`, newest first by default. With a disclosure that hides
   * private activities the query is evaluated as if they did not exist (privacy rule 4): `is_private = 0`
   * comes first, they take part in no filter, count, sort or cursor, and their blind indexes are never
   * read; every item is public.
   *
   * A revealing disclosure adds the private activities that match by the query's `time` ranges and its
   * `eq` conditions on user, IP, app and action type (through `disclosure.privateMatch`). A private
   * activity keeps nothing else in the clear, so a revealing query with any other condition (another
   * field or operator, free text, a `receivedAt` range), or sorted by `receivedAt`, matches no private
   * activity. Sort, keyset, skip and count are over public and private rows alike.
   */
  list(query: ActivityQuery, disclosure: Disclosure): Promise<ActivityPage<StoredActivity>>
  /**
   * One activity with its raw event, or null when absent or hidden (the caller answers both the same).
   * To a revealing read a private activity is returned sealed.
   */
  get(id: string, disclosure: Disclosure): Promise<StoredActivity | null>
  /**
   * Public activities with a time in `range`, oldest first (by time, then id), after `after`, with
   * their raw events: what retroactive privatization reads, one batch at a time.
   */
  listPublicInRange(range: TimeRange, after: KeysetPosition | null, limit: number): Promise<Activity[]>
  /**
   * Rewrite public rows to the private shape (retroactive privatization), in one transaction: each row
   * with the record's id and time that is still public gets the ciphertext and blind indexes, and every
   * detail column is cleared. Returns the ids rewritten; rows already private or gone are left alone.
   * The engine then makes sure the old contents do not linger in its files where it can (SQLite).
   */
  seal(records: readonly NewSealedActivity[]): Promise<string[]>
}

export interface Account {
  /** Lower-cased UPN or email: the account's identity. */
  readonly upn: string
  readonly displayName: string | null
  readonly roles: readonly AdminRole[]
  /** PHC-style scrypt hash, or null for accounts that may only use tokens. */
  readonly passwordHash: string | null
  readonly disabled: boolean
  readonly createdAt: number
  readonly updatedAt: number
}

export interface NewAccount {
  readonly upn: string
  readonly displayName: string | null
  readonly roles: readonly AdminRole[]
  readonly passwordHash: string | null
  readonly createdAt: number
}

export interface AccountPatch {
  readonly displayName?: string | null
  readonly roles?: readonly AdminRole[]
  readonly passwordHash?: string | null
  readonly disabled?: boolean
  readonly updatedAt: number
}

export interface AccountRepository {
  get(upn: string): Promise<Account | null>
  list(): Promise<Account[]>
  /** Throws ConflictError when the UPN exists. */
  create(account: NewAccount): Promise<Account>
  /** Returns null when the account does not exist. */
  update(upn: string, patch: AccountPatch): Promise<Account | null>
}

export interface ApiToken {
  /** Public id (also the token's prefix), safe to show and log. */
  readonly id: string
  readonly upn: string
  readonly name: string
  /** SHA-256 (hex) of the secret token; the token itself is never stored. */
  readonly secretHash: string
  readonly createdAt: number
  readonly expiresAt: number | null
  readonly revokedAt: number | null
  readonly lastUsedAt: number | null
}

export interface TokenRepository {
  create(token: Omit<ApiToken, 'revokedAt' | 'lastUsedAt'>): Promise<ApiToken>
  get(id: string): Promise<ApiToken | null>
  /** All tokens, or those of one account; newest first. */
  list(upn?: string): Promise<ApiToken[]>
  /** Marks the token revoked; null when it does not exist. */
  revoke(id: string, at: number): Promise<ApiToken | null>
  /** Records use; cheap and best-effort. */
  touch(id: string, at: number): Promise<void>
}

export interface Session {
  /** SHA-256 (hex) of the session cookie's secret. */
  readonly idHash: string
  readonly upn: string
  readonly csrfToken: string
  readonly createdAt: number
  readonly expiresAt: number
}

export interface SessionRepository {
  create(session: Session): Promise<void>
  get(idHash: string): Promise<Session | null>
  delete(idHash: string): Promise<void>
  /** Deletes every session of an account (password change, disable). */
  deleteFor(upn: string): Promise<number>
  deleteExpired(now: number): Promise<number>
}

export interface GovernanceListOptions {
  readonly limit: number
  /** Only records with `seq` below this (keyset paging, newest first). */
  readonly beforeSeq?: number
  readonly action?: string
  readonly initiator?: string
  /** Only records at or after this time (ms since the epoch). */
  readonly from?: number
  /** Only records at or before this time (ms since the epoch). */
  readonly to?: number
}

export interface GovernanceRepository {
  /**
   * Seal and append a record after the current head. Appends are serialized across connections (and
   * across nodes on PostgreSQL) so the chain never forks. Inside a transaction, the record commits or
   * rolls back with the change it describes.
   */
  append(draft: GovernanceDraft, time: number): Promise<GovernanceRecord>
  /** Newest first. */
  list(options: GovernanceListOptions): Promise<GovernanceRecord[]>
  /** The whole chain, oldest first (by seq), streamed in chunks. */
  readChain(): AsyncIterable<GovernanceRecord>
}

export interface Setting<T> {
  readonly value: T
  /** Increases with every change of this key. */
  readonly version: number
  readonly updatedAt: number
}

/** Organization-wide settings, one JSON value per key. */
export interface SettingsRepository {
  get<T>(key: string): Promise<Setting<T> | null>
  /** Replace the value; returns the new version. */
  put<T>(key: string, value: T, at: number): Promise<Setting<T>>
}

/** Which identifiers an identifier value is compared with: UPN and emails, or external ids. */
export type DirectoryIdentifierSpace = 'address' | 'external'
export type DirectoryIdentifierKind = 'upn' | 'email' | 'external_id'

export interface StoredDirectoryUser {
  readonly id: string
  readonly upn: string
  readonly displayName: string | null
  readonly externalId: string | null
  readonly emails: readonly string[]
  readonly active: boolean
  readonly createdAt: number
  readonly updatedAt: number
  readonly deletedAt: number | null
}

export interface StoredDirectoryGroup {
  readonly id: string
  readonly displayName: string
  readonly externalId: string | null
  readonly createdAt: number
  readonly updatedAt: number
  readonly deletedAt: number | null
}

/** One stretch of membership, [from, to). */
export interface StoredMembershipSpan {
  readonly id: number
  readonly groupId: string
  readonly userId: string
  readonly from: number
  readonly to: number | null
}

export interface StoredDirectoryIdentifier {
  readonly id: number
  readonly userId: string
  readonly kind: DirectoryIdentifierKind
  readonly space: DirectoryIdentifierSpace
  /** Lower-cased. */
  readonly value: string
  /** When the user stopped holding it; null while held. */
  readonly retiredAt: number | null
}

export interface NewDirectoryIdentifier {
  readonly userId: string
  readonly kind: DirectoryIdentifierKind
  /** Lower-cased. */
  readonly value: string
}

export interface StoredDirectoryUserPatch {
  readonly upn?: string
  readonly displayName?: string | null
  readonly externalId?: string | null
  readonly emails?: readonly string[]
  readonly active?: boolean
  readonly deletedAt?: number
  readonly updatedAt: number
}

export interface StoredDirectoryGroupPatch {
  readonly displayName?: string
  readonly externalId?: string | null
  readonly deletedAt?: number
  readonly updatedAt: number
}

/** Equality filters on live users; values lower-cased. */
export interface DirectoryUserQuery {
  readonly upn?: string
  readonly externalId?: string
  /** Any address identifier (the UPN or an email alias). */
  readonly email?: string
}

/** Equality filters on live groups; values lower-cased. */
export interface DirectoryGroupQuery {
  readonly displayName?: string
  readonly externalId?: string
}

export interface DirectoryPage<T> {
  readonly items: T[]
  readonly total: number
}

/**
 * Directory storage: plain reads and writes, no rules (those are the directory service's). Writes must
 * run in a transaction that called {@link DirectoryRepository.beginChange} first; each write marks the
 * users whose identifiers or memberships it changed with the transaction's change number, which is how
 * the caches of every node learn what to reload.
 */
export interface DirectoryRepository {
  /**
   * Take the directory's write lock for the rest of the transaction and return its change number
   * (once per transaction; later calls return the same number). Call it before any other lock is
   * taken in the transaction (the governance chain's included) so writers always lock in one order.
   */
  beginChange(): Promise<number>
  /** The highest change number committed. */
  changeSeq(): Promise<number>
  /** Users changed by a transaction numbered above `since`, with the number of their last change. */
  changedUsers(since: number): Promise<Array<{ readonly id: string; readonly seq: number }>>

  users(ids: readonly string[], options?: { readonly includeDeleted?: boolean }): Promise<StoredDirectoryUser[]>
  listUsers(query: DirectoryUserQuery, offset: number, limit: number): Promise<DirectoryPage<StoredDirectoryUser>>
  /** The live holder of each identifier value (lower-cased) in `space`, by value. */
  holders(space: DirectoryIdentifierSpace, values: readonly string[]): Promise<Map<string, string>>
  /** The identifiers of users (live and retired, or live only), or of every user when `userIds` is null. */
  identifiers(userIds: readonly string[] | null, options?: { readonly liveOnly?: boolean }): Promise<StoredDirectoryIdentifier[]>
  /** Insert users (with `seq` of this change). */
  insertUsers(users: ReadonlyArray<Omit<StoredDirectoryUser, 'deletedAt'>>): Promise<void>
  updateUser(id: string, patch: StoredDirectoryUserPatch): Promise<StoredDirectoryUser | null>
  /** Add live identifiers; throws ConflictError when one is already held (by anybody). */
  addIdentifiers(identifiers: readonly NewDirectoryIdentifier[]): Promise<void>
  retireIdentifiers(identifiers: readonly StoredDirectoryIdentifier[], at: number): Promise<void>

  groups(ids: readonly string[], options?: { readonly includeDeleted?: boolean }): Promise<StoredDirectoryGroup[]>
  /** Live groups whose lower-cased display name is one of `names`. */
  groupsNamed(names: readonly string[]): Promise<StoredDirectoryGroup[]>
  /** Which of `ids` are taken by a group, live or deleted. */
  takenGroupIds(ids: readonly string[]): Promise<Set<string>>
  listGroups(query: DirectoryGroupQuery, offset: number, limit: number): Promise<DirectoryPage<StoredDirectoryGroup & { readonly memberCount: number }>>
  insertGroups(groups: ReadonlyArray<Omit<StoredDirectoryGroup, 'deletedAt'>>): Promise<void>
  updateGroup(id: string, patch: StoredDirectoryGroupPatch): Promise<StoredDirectoryGroup | null>

  /** Open spans of the given groups and/or users (both given: both must match). */
  openSpans(filter: { readonly groupIds?: readonly string[]; readonly userIds?: readonly string[] }): Promise<StoredMembershipSpan[]>
  /** Open spans starting at `from`; the caller makes sure none is open already for the pair. */
  openMemberships(spans: ReadonlyArray<{ readonly groupId: string; readonly userId: string; readonly from: number }>): Promise<void>
  /** End spans at `at` (never before their start). */
  closeSpans(spans: readonly StoredMembershipSpan[], at: number): Promise<void>
  /** Members of a group at `at` (open spans when `at` is null), deleted users included, by UPN. */
  membersAt(groupId: string, at: number | null, offset: number, limit: number): Promise<DirectoryPage<StoredDirectoryUser>>
  /** Group ids whose span of the user contains `at`. */
  groupIdsAt(userId: string, at: number): Promise<string[]>
  /** Every span of a user or a group, or of the given users, or of everybody (`{}`), oldest first. */
  spans(filter: { readonly userId?: string; readonly groupId?: string; readonly userIds?: readonly string[] }): Promise<StoredMembershipSpan[]>
  /** Refresh the planner's statistics of the directory tables (after a large import); outside a transaction. */
  analyze(): Promise<void>
}

/** One grant of the activity privacy permission. */
export interface PrivacyGrant {
  /** Lower-cased UPN or email of the grantee's account. */
  readonly upn: string
  readonly grantedBy: string
  readonly grantedAt: number
  /** ms since the epoch; null for a grant without an end. */
  readonly expiresAt: number | null
  /** When the grant was suspended (the grantee lost every admin role or was disabled); null while not. */
  readonly suspendedAt: number | null
}

/**
 * The activity privacy permission list. Writes are single-row statements that report whether they
 * changed anything, so a caller records a suspension, reinstatement or expiry only when it made it.
 */
export interface PrivacyPermissionRepository {
  get(upn: string): Promise<PrivacyGrant | null>
  /** Every grant, by UPN. */
  list(): Promise<PrivacyGrant[]>
  /** Insert or replace the grant of `grant.upn`. */
  put(grant: PrivacyGrant): Promise<void>
  /** Remove a grant; returns it, or null when there was none. */
  delete(upn: string): Promise<PrivacyGrant | null>
  /** Remove the grant of `upn` if it expired at or before `now`; returns it, or null (none, or not expired, or removed by someone else). */
  deleteExpired(upn: string, now: number): Promise<PrivacyGrant | null>
  /** UPNs of grants that expired at or before `now` (for the periodic sweep). */
  expired(now: number): Promise<string[]>
  /** Set (a time) or clear (null) the suspension; true when it changed (it was not already so). */
  setSuspended(upn: string, suspendedAt: number | null): Promise<boolean>
}

/** A data key of private activities, as stored: wrapped under the key-encryption key. */
export interface StoredDataKey {
  readonly id: string
  /** `envelope.ts` `wrapDataKey` output. */
  readonly wrapped: Buffer
  /** Fingerprint of the key-encryption key it is wrapped under. */
  readonly kekFingerprint: string
  /** Whether it seals new records (at most one key is). */
  readonly active: boolean
  readonly createdAt: number
  readonly rewrappedAt: number | null
}

/** Wrapped data keys; the keys themselves and the key-encryption key are never in the database. */
export interface DataKeyRepository {
  /** Every data key, oldest first. */
  list(): Promise<StoredDataKey[]>
  get(id: string): Promise<StoredDataKey | null>
  active(): Promise<StoredDataKey | null>
  /**
   * Store `key` as the active key unless a key is active already (another node may have made one at
   * the same moment); returns the active key, the new one or the one that was first.
   */
  createActive(key: Omit<StoredDataKey, 'active' | 'rewrappedAt'>): Promise<StoredDataKey>
  /**
   * Replace the wrapping of a key, only if it is still wrapped under `expectedFingerprint`; true when
   * it did.
   */
  rewrap(id: string, wrapped: Buffer, kekFingerprint: string, expectedFingerprint: string, at: number): Promise<boolean>
}

/** The repositories that can take part in a transaction. */
export interface StoreTransaction {
  readonly accounts: AccountRepository
  readonly tokens: TokenRepository
  readonly sessions: SessionRepository
  readonly governance: GovernanceRepository
  readonly settings: SettingsRepository
  readonly directory: DirectoryRepository
  readonly privacyPermissions: PrivacyPermissionRepository
  readonly dataKeys: DataKeyRepository
}

export interface MigrationReport {
  /** Names of the migrations applied by this call, in order. */
  readonly applied: readonly string[]
  /** Names of all migrations now applied. */
  readonly current: readonly string[]
}

export interface Store extends StoreTransaction {
  readonly capabilities: StoreCapabilities
  readonly activities: ActivityRepository
  /** Apply pending migrations (safe to run from several nodes at once). */
  migrate(): Promise<MigrationReport>
  /** Run `work` in one transaction: all of it commits, or none. */
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T>
  /** Cheap liveness check for `/healthz`. */
  ping(): Promise<void>
  close(): Promise<void>
}

export interface StoreOptions {
  /** `sqlite:PATH`, `sqlite::memory:`, or `postgres://...`. */
  readonly url: string
  /** Key of the governance hash chain (32 bytes); never stored in the database. */
  readonly governanceKey: Buffer
}
