/**
 * SIEM destinations, their delivery state and the feed of public activities, over Kysely. The tables
 * are the same on both engines; the feed is not (see the `0006-siem` migrations), and each engine hands
 * the repository its {@link SiemFeedDialect}.
 *
 * Every read of the feed says `is_private = 0`: private activities are not in it at all (privacy rule 8),
 * and a row privatized after it was recorded but before it was delivered is no longer read.
 *
 * @module
 */

import { sql, type Kysely, type RawBuilder, type Selectable, type SqlBool, type UpdateObject } from 'kysely'

import { ConflictError } from '../core/errors.js'
import type { KeysetPosition } from '../core/query/activity-query.js'
import { fromActivityRow } from './activity-row.js'
import type { Database } from './schema.js'
import type {
  NewSiemDestination,
  SiemBackfill,
  SiemBacklog,
  SiemDelivery,
  SiemDeliveryState,
  SiemDestinationPatch,
  SiemFeedItem,
  SiemFeedPosition,
  SiemRepository,
  StoredSiemDestination,
  TimeRange,
} from './store.js'

/** SIEM destinations: configuration, settings redacted and sealed. */
export interface SiemDestinationsTable {
  id: string
  name: string
  kind: string
  /** 0 or 1. */
  enabled: number
  /** JSON of the settings with every secret redacted. */
  settings: string
  /** The full settings, sealed (see `siem-settings-box.ts`). */
  sealed_settings: Uint8Array
  version: number
  created_at: number
  created_by: string
  updated_at: number
}

/** Where each destination's delivery stands; one row per destination, deleted with it. */
export interface SiemDeliveryStateTable {
  destination_id: string
  cursor_seq: string
  cursor_id: string
  backfill_from: number | null
  backfill_to: number | null
  backfill_after_time: number | null
  backfill_after_id: string | null
  backfill_requested_at: number | null
  lease_holder: string | null
  lease_expires_at: number | null
  events_sent: number
  last_delivered_id: string | null
  last_success_at: number | null
  last_error_at: number | null
  last_error: string | null
  gap_before: number | null
  gap_recorded_at: number | null
}

/** The tables of this repository, added to {@link Database} with `withTables`. */
// A type alias, not an interface: `withTables` needs an index signature.
export type SiemTables = {
  siem_destinations: SiemDestinationsTable
  siem_delivery_state: SiemDeliveryStateTable
}

export type SiemDatabase = Database & SiemTables

/** How an engine orders the feed of new activities and where a position is in it. */
export interface SiemFeedDialect {
  /** A position after every activity recorded so far. */
  head(db: Kysely<SiemDatabase>): Promise<SiemFeedPosition>
  /** A row's position, as decimal text. */
  readonly seq: RawBuilder<string>
  /** The feed order, first key first. */
  readonly order: ReadonlyArray<RawBuilder<unknown>>
  /** Rows after `position`. */
  after(position: SiemFeedPosition): RawBuilder<SqlBool>
  /** Rows at or before `position` (rows older than the feed included). */
  atOrBefore(position: SiemFeedPosition): RawBuilder<SqlBool>
  /** Rows no later commit can come before; null when every committed row is. */
  readonly settled: RawBuilder<SqlBool> | null
  /** Run a read that walks an index in order (feed or back-fill order), the way the engine needs it. */
  ordered<T>(db: Kysely<SiemDatabase>, read: (db: Kysely<SiemDatabase>) => Promise<T>): Promise<T>
}

/**
 * SQLite: the rowid, which grows with commit order because there is one writer at a time. The position
 * keeps the id too, and a row at the cursor's rowid with another id counts as after it: SQLite hands out
 * max(rowid) + 1, so if the newest row were deleted, the next row would get the same rowid again.
 */
export const SQLITE_SIEM_FEED: SiemFeedDialect = Object.freeze({
  async head(db: Kysely<SiemDatabase>): Promise<SiemFeedPosition> {
    const { rows } = await sql<{ seq: string; id: string }>`select cast(rowid as text) as seq, id from activities order by rowid desc limit 1`.execute(db)
    return rows[0] ? { seq: rows[0].seq, id: rows[0].id } : { seq: '0', id: '' }
  },
  seq: sql<string>`cast(rowid as text)`,
  order: [sql`rowid`],
  after: (p: SiemFeedPosition) => sql<SqlBool>`(rowid >= ${BigInt(p.seq)} and not (rowid = ${BigInt(p.seq)} and id = ${p.id}))`,
  atOrBefore: (p: SiemFeedPosition) => sql<SqlBool>`(rowid < ${BigInt(p.seq)} or (rowid = ${BigInt(p.seq)} and id = ${p.id}))`,
  settled: null,
  ordered: <T>(db: Kysely<SiemDatabase>, read: (db: Kysely<SiemDatabase>) => Promise<T>) => read(db),
})

/**
 * PostgreSQL: the inserting transaction's id, read only below the snapshot's xmin (every transaction
 * there has finished). Rows from before the migration have no `tx_id` and are older than every position.
 */
export const POSTGRES_SIEM_FEED: SiemFeedDialect = Object.freeze({
  async head(db: Kysely<SiemDatabase>): Promise<SiemFeedPosition> {
    // Every transaction below xmin has finished: the rows they wrote predate the head. Rows of
    // transactions at or above it may be committed already and are then delivered as new, never lost.
    const { rows } = await sql<{ seq: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as seq`.execute(db)
    return { seq: rows[0]?.seq ?? '0', id: '' }
  },
  seq: sql<string>`tx_id::text`,
  order: [sql`tx_id`, sql`id`],
  after: (p: SiemFeedPosition) => sql<SqlBool>`(tx_id is not null and (tx_id, id) > (${p.seq}::xid8, ${p.id}))`,
  atOrBefore: (p: SiemFeedPosition) => sql<SqlBool>`(tx_id is null or (tx_id, id) <= (${p.seq}::xid8, ${p.id}))`,
  settled: sql<SqlBool>`tx_id < pg_snapshot_xmin(pg_current_snapshot())`,
  ordered: orderedPostgresRead,
})

/**
 * An ordered read on PostgreSQL, planned as an index walk whatever the statistics say. Right after a
 * bulk load, and in every new month's partition until autovacuum analyzes it, the planner has no
 * statistics, estimates a handful of rows and picks a bitmap scan plus a sort of everything after the
 * position: every page of a catch-up then costs the whole backlog (measured: 75 ms instead of 0.8 ms
 * per 1,000 rows at 50,000 pending). With sorting and bitmap scans disabled for the one statement it
 * merges the partitions' ordered index scans and stops at the limit.
 */
async function orderedPostgresRead<T>(db: Kysely<SiemDatabase>, read: (db: Kysely<SiemDatabase>) => Promise<T>): Promise<T> {
  const walk = async (trx: Kysely<SiemDatabase>): Promise<T> => {
    // set_config(..., true) is SET LOCAL: it ends with the transaction.
    await sql`select set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true)`.execute(trx)
    try {
      return await read(trx)
    } finally {
      if (db.isTransaction) {
        // Inside the caller's transaction: give the rest of it the usual planner back.
        await sql`select set_config('enable_sort', 'on', true), set_config('enable_bitmapscan', 'on', true)`.execute(trx)
      }
    }
  }
  return db.isTransaction ? walk(db) : db.transaction().execute(walk)
}

const PUBLIC_ONLY = sql<SqlBool>`is_private = 0`

function toDestination(row: Selectable<SiemDestinationsTable>): StoredSiemDestination {
  const sealed = row.sealed_settings
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    enabled: Number(row.enabled) === 1,
    settings: JSON.parse(row.settings) as unknown,
    sealedSettings: Buffer.isBuffer(sealed) ? sealed : Buffer.from(sealed),
    version: Number(row.version),
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    updatedAt: Number(row.updated_at),
  }
}

const optionalNumber = (value: number | string | null): number | null => (value === null ? null : Number(value))

function toState(row: Selectable<SiemDeliveryStateTable>): SiemDeliveryState {
  const backfill: SiemBackfill | null =
    row.backfill_from === null || row.backfill_to === null
      ? null
      : {
          from: Number(row.backfill_from),
          to: Number(row.backfill_to),
          after: row.backfill_after_time === null || row.backfill_after_id === null ? null : { sortValue: Number(row.backfill_after_time), id: row.backfill_after_id },
          requestedAt: Number(row.backfill_requested_at ?? 0),
        }
  return {
    destinationId: row.destination_id,
    cursor: { seq: row.cursor_seq, id: row.cursor_id },
    backfill,
    leaseHolder: row.lease_holder,
    leaseExpiresAt: optionalNumber(row.lease_expires_at),
    eventsSent: Number(row.events_sent),
    lastDeliveredId: row.last_delivered_id,
    lastSuccessAt: optionalNumber(row.last_success_at),
    lastErrorAt: optionalNumber(row.last_error_at),
    lastError: row.last_error,
    gap: row.gap_before === null ? null : { droppedBefore: Number(row.gap_before), recordedAt: Number(row.gap_recorded_at ?? 0) },
  }
}

interface FeedRow {
  readonly seq: string
  readonly id: string
  readonly time: number | string
  readonly is_private: number | string
  readonly doc: string | null
}

function toFeedItem(row: FeedRow): SiemFeedItem {
  return { position: { seq: String(row.seq), id: row.id }, item: fromActivityRow(row) }
}

export class KyselySiemRepository implements SiemRepository {
  readonly #db: Kysely<SiemDatabase>
  readonly #feed: SiemFeedDialect

  constructor(db: Kysely<Database>, feed: SiemFeedDialect) {
    this.#db = db.withTables<SiemTables>()
    this.#feed = feed
  }

  async list(): Promise<StoredSiemDestination[]> {
    return (await this.#db.selectFrom('siem_destinations').selectAll().orderBy('name').execute()).map(toDestination)
  }

  async get(id: string): Promise<StoredSiemDestination | null> {
    const row = await this.#db.selectFrom('siem_destinations').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toDestination(row) : null
  }

  async create(destination: NewSiemDestination, backfill: Omit<SiemBackfill, 'after'> | null): Promise<StoredSiemDestination> {
    // ON CONFLICT DO NOTHING rather than catching the engine's error: on PostgreSQL a unique violation
    // would abort the enclosing transaction.
    const row = await this.#db
      .insertInto('siem_destinations')
      .values({
        id: destination.id,
        name: destination.name,
        kind: destination.kind,
        enabled: destination.enabled ? 1 : 0,
        settings: JSON.stringify(destination.settings),
        sealed_settings: destination.sealedSettings,
        version: 1,
        created_at: destination.createdAt,
        created_by: destination.createdBy,
        updated_at: destination.createdAt,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst()
    if (!row) {
      throw new ConflictError(`A SIEM destination named "${destination.name}" already exists`)
    }
    const head = await this.#feed.head(this.#db)
    await this.#db
      .insertInto('siem_delivery_state')
      .values({
        destination_id: destination.id,
        cursor_seq: head.seq,
        cursor_id: head.id,
        backfill_from: backfill?.from ?? null,
        backfill_to: backfill?.to ?? null,
        backfill_requested_at: backfill?.requestedAt ?? null,
        events_sent: 0,
      })
      .execute()
    return toDestination(row)
  }

  async update(id: string, patch: SiemDestinationPatch): Promise<StoredSiemDestination | null> {
    if (patch.name !== undefined) {
      const taken = await this.#db.selectFrom('siem_destinations').select('id').where('name', '=', patch.name).where('id', '<>', id).executeTakeFirst()
      if (taken) {
        throw new ConflictError(`A SIEM destination named "${patch.name}" already exists`)
      }
    }
    const changes: UpdateObject<SiemDatabase, 'siem_destinations'> = { updated_at: patch.updatedAt, version: sql<number>`version + 1` }
    if (patch.name !== undefined) {
      changes.name = patch.name
    }
    if (patch.enabled !== undefined) {
      changes.enabled = patch.enabled ? 1 : 0
    }
    if (patch.kind !== undefined) {
      changes.kind = patch.kind
    }
    if (patch.settings !== undefined) {
      changes.settings = JSON.stringify(patch.settings)
    }
    if (patch.sealedSettings !== undefined) {
      changes.sealed_settings = patch.sealedSettings
    }
    const row = await this.#db.updateTable('siem_destinations').set(changes).where('id', '=', id).returningAll().executeTakeFirst()
    return row ? toDestination(row) : null
  }

  async delete(id: string): Promise<StoredSiemDestination | null> {
    // The state row goes with it (on delete cascade); a forwarder still holding the lease then finds
    // nothing to update and stops.
    await this.#db.deleteFrom('siem_delivery_state').where('destination_id', '=', id).execute()
    const row = await this.#db.deleteFrom('siem_destinations').where('id', '=', id).returningAll().executeTakeFirst()
    return row ? toDestination(row) : null
  }

  async state(id: string): Promise<SiemDeliveryState | null> {
    const row = await this.#db.selectFrom('siem_delivery_state').selectAll().where('destination_id', '=', id).executeTakeFirst()
    return row ? toState(row) : null
  }

  async setBackfill(id: string, backfill: Omit<SiemBackfill, 'after'> | null): Promise<boolean> {
    const result = await this.#db
      .updateTable('siem_delivery_state')
      .set({ backfill_from: backfill?.from ?? null, backfill_to: backfill?.to ?? null, backfill_requested_at: backfill?.requestedAt ?? null, backfill_after_time: null, backfill_after_id: null })
      .where('destination_id', '=', id)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  head(): Promise<SiemFeedPosition> {
    return this.#feed.head(this.#db)
  }

  readAfter(position: SiemFeedPosition, limit: number): Promise<SiemFeedItem[]> {
    return this.#feed.ordered(this.#db, (db) => this.#readAfter(db, position, limit))
  }

  async #readAfter(db: Kysely<SiemDatabase>, position: SiemFeedPosition, limit: number): Promise<SiemFeedItem[]> {
    let query = db
      .selectFrom('activities')
      .select([this.#feed.seq.as('seq'), 'id', 'time', 'is_private', 'doc'])
      .where(PUBLIC_ONLY)
      .where(this.#feed.after(position))
    if (this.#feed.settled) {
      query = query.where(this.#feed.settled)
    }
    for (const key of this.#feed.order) {
      query = query.orderBy(key)
    }
    return (await query.limit(limit).execute()).map(toFeedItem)
  }

  readBackfill(range: TimeRange, after: KeysetPosition | null, until: SiemFeedPosition, limit: number): Promise<SiemFeedItem[]> {
    return this.#feed.ordered(this.#db, (db) => this.#readBackfill(db, range, after, until, limit))
  }

  async #readBackfill(db: Kysely<SiemDatabase>, range: TimeRange, after: KeysetPosition | null, until: SiemFeedPosition, limit: number): Promise<SiemFeedItem[]> {
    let query = db
      .selectFrom('activities')
      .select([this.#feed.seq.as('seq'), 'id', 'time', 'is_private', 'doc'])
      .where(PUBLIC_ONLY)
      .where('time', '>=', after ? Math.max(range.from, after.sortValue) : range.from)
      .where('time', '<=', range.to)
      .where(this.#feed.atOrBefore(until))
    if (after) {
      query = query.where(sql<SqlBool>`(time > ${after.sortValue} or (time = ${after.sortValue} and id > ${after.id}))`)
    }
    return (await query.orderBy('time').orderBy('id').limit(limit).execute()).map(toFeedItem)
  }

  async backlog(position: SiemFeedPosition, countLimit: number): Promise<SiemBacklog> {
    const next = await this.#feed.ordered(this.#db, async (db) => {
      let first = db.selectFrom('activities').select('received_at').where(PUBLIC_ONLY).where(this.#feed.after(position))
      for (const key of this.#feed.order) {
        first = first.orderBy(key)
      }
      return first.limit(1).executeTakeFirst()
    })
    if (!next) {
      return { pending: 0, morePending: false, oldestPendingReceivedAt: null }
    }
    // Counting stops at countLimit + 1 rows, so a large backlog costs a bounded scan.
    const counted = await this.#db
      .selectFrom(this.#db.selectFrom('activities').select(sql<number>`1`.as('one')).where(PUBLIC_ONLY).where(this.#feed.after(position)).limit(countLimit + 1).as('pending'))
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow()
    const n = Number(counted.n)
    return { pending: Math.min(n, countLimit), morePending: n > countLimit, oldestPendingReceivedAt: optionalNumber(next.received_at) }
  }

  async acquireLease(id: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('siem_delivery_state')
      .set({ lease_holder: holder, lease_expires_at: now + ttlMs })
      .where('destination_id', '=', id)
      .where((eb) => eb.or([eb('lease_holder', 'is', null), eb('lease_holder', '=', holder), eb('lease_expires_at', '<=', now)]))
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async releaseLease(id: string, holder: string): Promise<void> {
    await this.#db.updateTable('siem_delivery_state').set({ lease_holder: null, lease_expires_at: null }).where('destination_id', '=', id).where('lease_holder', '=', holder).execute()
  }

  async recordDelivery(id: string, holder: string, delivery: SiemDelivery): Promise<boolean> {
    const changes: UpdateObject<SiemDatabase, 'siem_delivery_state'> = {
      events_sent: sql<number>`events_sent + ${delivery.count}`,
      last_delivered_id: delivery.lastDeliveredId,
      last_success_at: delivery.at,
      lease_expires_at: delivery.leaseExpiresAt,
    }
    if (delivery.cursor) {
      changes.cursor_seq = delivery.cursor.seq
      changes.cursor_id = delivery.cursor.id
    }
    let query = this.#db.updateTable('siem_delivery_state').where('destination_id', '=', id).where('lease_holder', '=', holder)
    if (delivery.backfill) {
      changes.backfill_after_time = delivery.backfill.after.sortValue
      changes.backfill_after_id = delivery.backfill.after.id
      // A back-fill replaced meanwhile must not inherit this one's progress.
      query = query.where('backfill_requested_at', '=', delivery.backfill.requestedAt)
    }
    const result = await query.set(changes).executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async finishBackfill(id: string, holder: string, requestedAt: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('siem_delivery_state')
      .set({ backfill_from: null, backfill_to: null, backfill_after_time: null, backfill_after_id: null, backfill_requested_at: null })
      .where('destination_id', '=', id)
      .where('lease_holder', '=', holder)
      .where('backfill_requested_at', '=', requestedAt)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async recordFailure(id: string, holder: string, message: string, at: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('siem_delivery_state')
      .set({ last_error: message.slice(0, 1000), last_error_at: at })
      .where('destination_id', '=', id)
      .where('lease_holder', '=', holder)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async recordRetentionGaps(cutoff: number, at: number): Promise<string[]> {
    const states = await this.#db.selectFrom('siem_delivery_state').select(['destination_id', 'cursor_seq', 'cursor_id']).execute()
    const overtaken: string[] = []
    for (const state of states) {
      const lost = await this.#db
        .selectFrom('activities')
        .select('id')
        .where(PUBLIC_ONLY)
        .where('time', '<', cutoff)
        .where(this.#feed.after({ seq: state.cursor_seq, id: state.cursor_id }))
        .limit(1)
        .executeTakeFirst()
      if (lost) {
        await this.#db
          .updateTable('siem_delivery_state')
          .set({ gap_before: sql<number>`case when gap_before is null or gap_before < ${cutoff} then ${cutoff} else gap_before end`, gap_recorded_at: at })
          .where('destination_id', '=', state.destination_id)
          .execute()
        overtaken.push(state.destination_id)
      }
    }
    return overtaken
  }
}
