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
import type { HuntingPlan } from '../core/hunting/hunting-plan.js'
import type { HuntingType } from '../core/hunting/hunting-schema.js'
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
  /** Lower-cased text the display name or external id contains (matched literally, no wildcards). */
  readonly search?: string
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

/**
 * A position in the feed of new activities, the order in which a SIEM destination receives them. What
 * it is depends on the engine (see the `0006-siem` migrations): SQLite's rowid, PostgreSQL's inserting
 * transaction id. Everything at or before a destination's cursor was delivered (or predates it).
 */
export interface SiemFeedPosition {
  /** SQLite: the rowid; PostgreSQL: the transaction id (`xid8`). Decimal text, as both can pass 2^53. */
  readonly seq: string
  /** The activity id at that position; '' for a position before every row of `seq`. */
  readonly id: string
}

/** One activity of the feed and where it stands in it. */
export interface SiemFeedItem {
  readonly position: SiemFeedPosition
  /** Public, always: the feed reads `is_private = 0` only. Typed as stored so the caller's check is real. */
  readonly item: StoredActivity
}

/** A SIEM destination's configuration as stored. */
export interface StoredSiemDestination {
  readonly id: string
  readonly name: string
  /** `syslog` or `webhook`. */
  readonly kind: string
  readonly enabled: boolean
  /** The settings with every secret redacted (what the API shows). */
  readonly settings: unknown
  /** The full settings, secrets included, sealed under a key that is not in the database. */
  readonly sealedSettings: Buffer
  /** 1 on creation, +1 with every change (the forwarder reconnects when it moves). */
  readonly version: number
  readonly createdAt: number
  readonly createdBy: string
  readonly updatedAt: number
}

export type NewSiemDestination = Omit<StoredSiemDestination, 'version' | 'updatedAt'>

export interface SiemDestinationPatch {
  readonly name?: string
  readonly enabled?: boolean
  readonly kind?: string
  readonly settings?: unknown
  readonly sealedSettings?: Buffer
  readonly updatedAt: number
}

/** A back-fill: public activities with a time in [from, to], oldest first, up to the live cursor. */
export interface SiemBackfill {
  readonly from: number
  readonly to: number
  /** The last (time, id) delivered; null before the first batch. */
  readonly after: KeysetPosition | null
  readonly requestedAt: number
}

/** Where a destination's delivery stands. */
export interface SiemDeliveryState {
  readonly destinationId: string
  /** The live cursor: every public activity at or before it was delivered (or predates the destination). */
  readonly cursor: SiemFeedPosition
  /** A back-fill in progress (delivered before the live feed moves on), or null. */
  readonly backfill: SiemBackfill | null
  /** The node forwarding to this destination, while its lease runs. */
  readonly leaseHolder: string | null
  readonly leaseExpiresAt: number | null
  readonly eventsSent: number
  readonly lastDeliveredId: string | null
  readonly lastSuccessAt: number | null
  readonly lastErrorAt: number | null
  readonly lastError: string | null
  /** Activities the destination never received because retention removed them first. */
  readonly gap: { readonly droppedBefore: number; readonly recordedAt: number } | null
}

/** What is waiting for a destination on the live feed. */
export interface SiemBacklog {
  /** Public activities after the cursor, counted up to the limit asked for. */
  readonly pending: number
  /** More than `pending` are waiting. */
  readonly morePending: boolean
  /** When Veil recorded the next activity to deliver; null when nothing waits. */
  readonly oldestPendingReceivedAt: number | null
}

/** What a successful batch moves: the live cursor or the back-fill's position. Fenced on the lease. */
export interface SiemDelivery {
  readonly cursor?: SiemFeedPosition
  /** The back-fill's new position; applies only while the back-fill requested at `requestedAt` is the current one. */
  readonly backfill?: { readonly requestedAt: number; readonly after: KeysetPosition }
  readonly count: number
  readonly lastDeliveredId: string | null
  readonly at: number
  /** The lease is renewed with every delivery. */
  readonly leaseExpiresAt: number
}

/**
 * SIEM destinations, their delivery state, and the feed of public activities they are sent. Every state
 * change made by a forwarder is fenced on its lease (`where lease_holder = holder`) and reports whether
 * it happened: a node that lost its lease can never move a cursor.
 */
export interface SiemRepository {
  /** Every destination, by name. */
  list(): Promise<StoredSiemDestination[]>
  get(id: string): Promise<StoredSiemDestination | null>
  /**
   * Insert a destination and its delivery state, whose cursor is the feed's head: the destination
   * receives what is recorded from now on (plus `backfill`, if given). Throws ConflictError when the
   * name is taken.
   */
  create(destination: NewSiemDestination, backfill: Omit<SiemBackfill, 'after'> | null): Promise<StoredSiemDestination>
  /** Change and bump the version; null when the destination does not exist. Throws ConflictError when a new name is taken. */
  update(id: string, patch: SiemDestinationPatch): Promise<StoredSiemDestination | null>
  /** Delete with its state; returns what was deleted, or null. */
  delete(id: string): Promise<StoredSiemDestination | null>

  state(id: string): Promise<SiemDeliveryState | null>
  /** Start (replacing any in progress) or cancel (null) a back-fill; false when the destination does not exist. */
  setBackfill(id: string, backfill: Omit<SiemBackfill, 'after'> | null): Promise<boolean>

  /** The feed's head: a position after every activity recorded so far. */
  head(): Promise<SiemFeedPosition>
  /**
   * Public activities after `position`, in feed order, at most `limit`, each with its position. Only
   * rows that can no longer be preceded by a row committed later are returned (PostgreSQL: below the
   * snapshot's xmin), so a cursor moved to the last one never skips a row.
   */
  readAfter(position: SiemFeedPosition, limit: number): Promise<SiemFeedItem[]>
  /**
   * Public activities with a time in `range`, oldest first by (time, id) after `after`, that are at or
   * before `until` in the feed (later ones are the live feed's), at most `limit`.
   */
  readBackfill(range: TimeRange, after: KeysetPosition | null, until: SiemFeedPosition, limit: number): Promise<SiemFeedItem[]>
  /** What waits after `position`, counting up to `countLimit` activities. */
  backlog(position: SiemFeedPosition, countLimit: number): Promise<SiemBacklog>

  /** Take or renew the lease of a destination (free, expired at `now`, or held by `holder` already); true when `holder` has it. */
  acquireLease(id: string, holder: string, now: number, ttlMs: number): Promise<boolean>
  /** Give the lease up, if `holder` has it. */
  releaseLease(id: string, holder: string): Promise<void>
  /** Record a delivered batch: move the cursor (or the back-fill position), add to the counters. */
  recordDelivery(id: string, holder: string, delivery: SiemDelivery): Promise<boolean>
  /** The back-fill requested at `requestedAt` has nothing more to send: clear it, so the live feed goes on. */
  finishBackfill(id: string, holder: string, requestedAt: number): Promise<boolean>
  /** Record a failed delivery (the message must name no activity). */
  recordFailure(id: string, holder: string, message: string, at: number): Promise<boolean>
  /**
   * For retention, before it removes activities with a time before `cutoff`: note a gap on each
   * destination that has not received some of them yet. Returns the ids of those destinations.
   */
  recordRetentionGaps(cutoff: number, at: number): Promise<string[]>
}

/** A pull connector's configuration as stored. */
export interface StoredConnector {
  readonly id: string
  readonly name: string
  /** The provider: `o365`, `okta`, `google-workspace`, `github`. */
  readonly kind: string
  readonly enabled: boolean
  /** How often it runs, in seconds. */
  readonly intervalSeconds: number
  /** The provider settings; never a secret (those are in `sealedCredentials`). */
  readonly settings: unknown
  /** The credentials, sealed (`config/secret-box.ts`) under a key that is not in the database. */
  readonly sealedCredentials: Buffer
  /** The names of the credentials held, so answers can say which are set without opening them. */
  readonly credentialNames: readonly string[]
  /** 1 on creation, +1 with every change (a running connector picks up the new version at its next run). */
  readonly version: number
  readonly createdAt: number
  readonly createdBy: string
  readonly updatedAt: number
}

export type NewConnector = Omit<StoredConnector, 'version' | 'updatedAt'>

export interface ConnectorPatch {
  readonly name?: string
  readonly enabled?: boolean
  readonly intervalSeconds?: number
  readonly settings?: unknown
  readonly sealedCredentials?: Buffer
  readonly credentialNames?: readonly string[]
  readonly updatedAt: number
}

/** Events a connector handed to the ingest pipeline, by what the pipeline made of them. */
export interface ConnectorCounts {
  /** Events fetched from the provider (each is also one of the others). */
  readonly fetched: number
  readonly accepted: number
  readonly duplicates: number
  /** Per-record errors: counted, never a reason to stop. */
  readonly rejected: number
  readonly outOfScope: number
}

/** Where a connector stands: its checkpoint, its lease, its schedule and its status counters. */
export interface ConnectorState {
  readonly connectorId: string
  /** The provider's position (JSON), committed only after the pipeline acknowledged what precedes it; null before the first page. */
  readonly checkpoint: unknown
  /** Where the first run starts (ms since the epoch), used while there is no checkpoint. */
  readonly startFrom: number
  /** Every event up to this time (ms) has been fetched; null until a run reached the end once. */
  readonly through: number | null
  /** The node running it, while its lease runs. */
  readonly leaseHolder: string | null
  readonly leaseExpiresAt: number | null
  /** A run was asked for (`run now`) at this time and has not started yet. */
  readonly runRequestedAt: number | null
  /** When the next scheduled run is due; null: at once. */
  readonly nextRunAt: number | null
  readonly lastRunStartedAt: number | null
  readonly lastRunEndedAt: number | null
  readonly lastSuccessAt: number | null
  readonly lastErrorAt: number | null
  readonly lastError: string | null
  /** What kind of error: `credentials`, `rate_limited`, `unavailable`, `protocol`, `configuration`, `internal`. */
  readonly lastErrorKind: string | null
  /** The last per-record ingest error (record and reason), for diagnosis. */
  readonly lastRejection: string | null
  /** When a run failed on credentials (401/403): no scheduled run until the credentials change, a run is asked for, or a run succeeds. */
  readonly pausedAt: number | null
  /** Why it is paused (the credential error). */
  readonly pausedReason: string | null
  /** Failed runs since the last successful one. */
  readonly failures: number
  readonly runs: number
  readonly counts: ConnectorCounts
}

/** A page the pipeline acknowledged: the checkpoint after it and what it counted. Fenced on the lease. */
export interface ConnectorProgress {
  readonly checkpoint: unknown
  /** A new `through`, or null to keep the stored one. */
  readonly through: number | null
  readonly counts: ConnectorCounts
  readonly lastRejection: string | null
  /** The lease is renewed with every page. */
  readonly leaseExpiresAt: number
}

/** How a run ended. */
export type ConnectorRunEnd =
  | { readonly ok: true; readonly at: number; readonly nextRunAt: number }
  | { readonly ok: false; readonly at: number; readonly nextRunAt: number; readonly error: string; readonly errorKind: string; /** Pause scheduled runs (a credential error). */ readonly pause: boolean }

/**
 * Pull connectors and their state. Every change a runner makes is fenced on its lease
 * (`where lease_holder = holder`) and reports whether it happened: a node that lost its lease can never
 * move a checkpoint.
 */
export interface ConnectorRepository {
  /** Every connector, by name. */
  list(): Promise<StoredConnector[]>
  get(id: string): Promise<StoredConnector | null>
  /** Insert a connector and its state (no checkpoint, first run at once from `startFrom`). Throws ConflictError when the name is taken. */
  create(connector: NewConnector, startFrom: number): Promise<StoredConnector>
  /** Change and bump the version; null when the connector does not exist. Throws ConflictError when a new name is taken. */
  update(id: string, patch: ConnectorPatch): Promise<StoredConnector | null>
  /** Delete with its state; returns what was deleted, or null. */
  delete(id: string): Promise<StoredConnector | null>

  state(id: string): Promise<ConnectorState | null>
  /** Every connector's state. */
  states(): Promise<ConnectorState[]>
  /** Ask for a run as soon as possible (on whichever node takes the lease); false when the connector does not exist. */
  requestRun(id: string, at: number): Promise<boolean>
  /** Forget the checkpoint: the next run starts from `startFrom`. False when the connector does not exist. */
  resetCheckpoint(id: string, startFrom: number): Promise<boolean>

  /** Lift a pause (credentials changed) and make the connector due at once; false when the connector does not exist. */
  resume(id: string): Promise<boolean>

  /** Take or renew the lease (free, expired at `now`, or held by `holder` already); true when `holder` has it. */
  acquireLease(id: string, holder: string, now: number, ttlMs: number): Promise<boolean>
  /** Give the lease up, if `holder` has it. */
  releaseLease(id: string, holder: string): Promise<void>
  /** A run starts: note when, and take the pending run request (if it was made before `at`). */
  startRun(id: string, holder: string, at: number): Promise<boolean>
  /** Commit a page: the new checkpoint and counters, in one statement. */
  recordProgress(id: string, holder: string, progress: ConnectorProgress): Promise<boolean>
  /** A run ended: success or error, and when the next one is due. */
  finishRun(id: string, holder: string, end: ConnectorRunEnd): Promise<boolean>
}

/** An admin's saved activity-log query: a name and the list's filters (as the activities list takes them). */
export interface SavedQuery {
  readonly id: string
  /** Lower-cased UPN of the admin who saved it; only they see it. */
  readonly ownerUpn: string
  readonly name: string
  /** `{ filters, sortField?, sortDirection? }`, validated like an activities list body before it is stored. */
  readonly query: Readonly<Record<string, unknown>>
  readonly createdAt: number
  readonly updatedAt: number
}

/** Saved queries, always read and changed through their owner. */
export interface SavedQueryRepository {
  /** The owner's saved queries, by name. */
  list(ownerUpn: string): Promise<SavedQuery[]>
  /** How many the owner has (for the per-admin cap). */
  count(ownerUpn: string): Promise<number>
  /** Throws ConflictError when the owner has one with this name already. */
  create(query: SavedQuery): Promise<SavedQuery>
  /** Delete one of the owner's; returns it, or null (none with this id, or someone else's). */
  delete(ownerUpn: string, id: string): Promise<SavedQuery | null>
}

/** Which of the kept SCIM calls a row is: the last call, the last successful change, the last failure. */
export type ScimCallSlot = 'last_call' | 'last_change' | 'last_failure'

/** One SCIM provisioning call as kept for the status (no request or response body). */
export interface ScimCall {
  readonly at: number
  readonly method: string
  /** The route as registered, e.g. `/scim/v2/Groups/:id`. */
  readonly route: string
  /** What it did, e.g. `create_user`, `patch_group`, `list_users`, `discovery`. */
  readonly operation: string
  /** The user or group id of the URL, if any. */
  readonly resourceId: string | null
  /** The HTTP status answered. */
  readonly status: number
  readonly outcome: 'succeeded' | 'failed'
  /** Who called: the UPN of the token's account, or `anonymous` when authentication failed. */
  readonly initiator: string
  readonly tokenId: string | null
}

/** The last SCIM calls, one row per slot; any node may write, the newest call wins. */
export interface ScimStatusRepository {
  /** Keep `call` in each of `slots` unless the slot already holds a later call. */
  record(call: ScimCall, slots: readonly ScimCallSlot[]): Promise<void>
  read(): Promise<Partial<Record<ScimCallSlot, ScimCall>>>
}

/** One bucket of a count. */
export interface CountBucket<K> {
  readonly key: K
  readonly count: number
}

/**
 * Aggregates for the overview page, computed in SQL over public activities only (`is_private = 0`
 * first, privacy rule 4: the numbers are the same as if private activities did not exist) and over the
 * governance log.
 */
export interface OverviewRepository {
  /** Public activities with a time in `range`, per UTC day (the key is the day's first ms), oldest first. */
  activitiesPerDay(range: TimeRange): Promise<Array<CountBucket<number>>>
  /** Public activities with a time in `range`, per app (null: no app), most first, at most `limit` apps. */
  activitiesPerApp(range: TimeRange, limit: number): Promise<Array<CountBucket<string | null>>>
  /** Governance records of `action` with a time in `range`, per initiator and status, most first. */
  governancePerInitiator(action: string, range: TimeRange): Promise<Array<{ readonly initiator: string; readonly status: string; readonly count: number; readonly lastAt: number }>>
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
  readonly siem: SiemRepository
  readonly connectors: ConnectorRepository
  readonly savedQueries: SavedQueryRepository
  readonly scimStatus: ScimStatusRepository
}

export interface HuntingRunOptions {
  /** The query's time limit. */
  readonly timeoutMs: number
  /** When the limit started (ms since the epoch; default now): time spent waiting for a slot counts. */
  readonly startedAt?: number
}

export interface HuntingResult {
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: HuntingType }>
  /** At most `plan.maxRows` rows, values in column order: numbers (datetimes and timespans in ms), strings, booleans, parsed JSON, null. */
  readonly rows: unknown[][]
  /** More rows matched than `plan.maxRows`. */
  readonly truncated: boolean
}

/**
 * Hunting queries (`CloudAppEvents`) over public activities only: private activities are not in the
 * table at all, whoever asks (privacy rule 8). Runs outside transactions, under a time limit.
 */
export interface HuntingRepository {
  /** Throws DomainError `hunting_query_too_expensive` when the time limit passes first. */
  run(plan: HuntingPlan, options: HuntingRunOptions): Promise<HuntingResult>
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
  readonly hunting: HuntingRepository
  /** Aggregates of the overview page (public activities only). */
  readonly overview: OverviewRepository
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
