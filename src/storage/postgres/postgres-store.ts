/**
 * The production engine: PostgreSQL, shared by several Veil nodes.
 *
 * @module
 */

import { Kysely, PostgresDialect, sql, type Migration } from 'kysely'
import pg from 'pg'

import { STORED_ROW_COLUMNS, planInsert, type InsertPlan, type StoredRowColumn } from '../activity-row.js'
import { POSTGRES_SIEM_FEED, type SiemFeedDialect } from '../kysely-siem-repository.js'
import { KyselyHuntingRepository, POSTGRES_HUNTING_DIALECT } from '../kysely-hunting-repository.js'
import { KyselyStore } from '../kysely-store.js'
import type { Database } from '../schema.js'
import type { InsertOutcome, NewActivity, StoreCapabilities } from '../store.js'
import { ActivityPartitions } from './activity-partitions.js'
import { migration0001Init } from './migrations/0001-init.js'
import { migration0002Settings } from './migrations/0002-settings.js'
import { migration0003Directory } from './migrations/0003-directory.js'
import { migration0004Privacy } from './migrations/0004-privacy.js'
import { migration0005PrivacyPermissions } from './migrations/0005-privacy-permissions.js'
import { migration0006Siem } from './migrations/0006-siem.js'
import { migration0007Connectors } from './migrations/0007-connectors.js'
import { migration0008Portal } from './migrations/0008-portal.js'
import { isDeadlockError, isMissingPartitionError } from './postgres-errors.js'
import { PostgresHuntingExecutor } from './postgres-hunting-executor.js'

/** What {@link PostgresStore.open} needs; `openStore` builds it from a `postgres://` URL. */
export interface PostgresStoreConfig {
  /** A `postgres://` or `postgresql://` connection string (without Veil's own parameters). */
  readonly connectionString: string
  /** Connections in this node's pool; default {@link DEFAULT_POOL_SIZE}. */
  readonly poolSize?: number
  readonly governanceKey: Buffer
}

/** Connections per node unless the URL says `?pool_size=N`. */
export const DEFAULT_POOL_SIZE = 10

/** Rows per INSERT statement: large enough to amortize round trips, small enough to bound one statement. */
const INSERT_CHUNK_ROWS = 5_000

/** A batch is retried after a deadlock or a vanished partition, the whole transaction having rolled back. */
const MAX_INSERT_ATTEMPTS = 3

/** `pg_advisory_xact_lock(classid, objid)` key of the governance chain: 'veil' as int4, then 1. */
const GOVERNANCE_LOCK = { classId: 0x7665696c, objectId: 1 } as const

const INT8_OID = 20

const POSTGRES_CAPABILITIES: StoreCapabilities = Object.freeze({
  engine: 'postgres',
  supportsPartitioning: true,
  supportsMultipleNodes: true,
})

const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-init': migration0001Init,
  '0002-settings': migration0002Settings,
  '0003-directory': migration0003Directory,
  '0004-privacy': migration0004Privacy,
  '0005-privacy-permissions': migration0005PrivacyPermissions,
  '0006-siem': migration0006Siem,
  '0007-connectors': migration0007Connectors,
  '0008-portal': migration0008Portal,
})

/** The array type each column is sent as by the unnest insert (the benchmark's raw baseline uses it too). */
export const COLUMN_ARRAY_TYPES: Readonly<Record<StoredRowColumn, string>> = Object.freeze({
  id: 'text[]',
  time: 'int8[]',
  received_at: 'int8[]',
  is_private: 'int2[]',
  private_because: 'text[]',
  sealed: 'bytea[]',
  id_lc: 'text[]',
  actor_upn: 'text[]',
  actor_domain: 'text[]',
  actor_type: 'text[]',
  actor_groups: 'text[]',
  app: 'text[]',
  action_type: 'text[]',
  action_name: 'text[]',
  ip: 'text[]',
  country: 'text[]',
  device_type: 'text[]',
  user_agent: 'text[]',
  source: 'text[]',
  result: 'text[]',
  search_text: 'text[]',
  doc: 'text[]',
  raw: 'text[]',
  bi_actor_upn: 'text[]',
  bi_ip: 'text[]',
  bi_app: 'text[]',
  bi_action_type: 'text[]',
})

/**
 * Every `bigint` in the schema is a millisecond time, a sequence number or a count, all far below 2^53,
 * so the pool parses them to numbers (pg's default is a string). Set per pool, not with pg's global
 * `types.setTypeParser`, so other pg users in the process are unaffected.
 */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
}

/** A store in one PostgreSQL database. */
export class PostgresStore extends KyselyStore {
  readonly capabilities = POSTGRES_CAPABILITIES
  readonly hunting: KyselyHuntingRepository
  readonly #db: Kysely<Database>
  readonly #partitions: ActivityPartitions

  private constructor(db: Kysely<Database>, governanceKey: Buffer) {
    super(db, governanceKey)
    this.#db = db
    this.hunting = new KyselyHuntingRepository(db, POSTGRES_HUNTING_DIALECT, new PostgresHuntingExecutor(db))
    this.#partitions = new ActivityPartitions(db)
  }

  /** Create the pool (connections open lazily); does not migrate. */
  static open(config: PostgresStoreConfig): PostgresStore {
    const pool = new pg.Pool({
      connectionString: config.connectionString,
      max: config.poolSize ?? DEFAULT_POOL_SIZE,
      types: TYPES,
    })
    // An idle connection that the server drops emits 'error' on the pool; unhandled, that would end the
    // process. The pool discards the connection and the next query opens a new one.
    pool.on('error', () => undefined)
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
    return new PostgresStore(db, config.governanceKey)
  }

  protected override async insertActivities(batch: readonly NewActivity[]): Promise<InsertOutcome[]> {
    const plan = planInsert(batch)
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#insertPlan(plan)
      } catch (error) {
        if (attempt >= MAX_INSERT_ATTEMPTS) {
          throw error
        }
        if (isMissingPartitionError(error)) {
          // A partition this node remembers was dropped since (retention): relearn, then retry.
          this.#partitions.forget()
        } else if (!isDeadlockError(error)) {
          throw error
        }
      }
    }
  }

  async #insertPlan(plan: InsertPlan): Promise<InsertOutcome[]> {
    // Partitions are created outside the batch's transaction: DDL that fails (another node won the race)
    // would otherwise abort it.
    await this.#partitions.ensure(plan.rows.map(({ row }) => row.time))
    // Every batch inserts in id order, so two batches that share ids (a re-delivery reaching two nodes)
    // wait for each other's keys in the same order instead of deadlocking.
    const rows = [...plan.rows].sort((a, b) => (a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0))
    const outcomes = [...plan.outcomes]
    await this.#db.transaction().execute(async (trx) => {
      for (let start = 0; start < rows.length; start += INSERT_CHUNK_ROWS) {
        const chunk = rows.slice(start, start + INSERT_CHUNK_ROWS)
        const inserted = await insertChunk(trx, chunk.map(({ row }) => row))
        for (const { index, row } of chunk) {
          outcomes[index] = inserted.has(row.id) ? 'inserted' : 'duplicate'
        }
      }
    })
    return outcomes
  }

  protected override async afterSeal(): Promise<void> {
    // Nothing this engine can do online: the old row versions stay in the table's files until VACUUM
    // reclaims them and later writes overwrite them (see docs/private-activities.md).
  }

  protected override async lockGovernanceChain(trx: Kysely<Database>): Promise<void> {
    // Held until the transaction ends, on every node sharing the database; with READ COMMITTED the head
    // read that follows sees the previous holder's committed record.
    await sql`select pg_advisory_xact_lock(${sql.lit(GOVERNANCE_LOCK.classId)}, ${sql.lit(GOVERNANCE_LOCK.objectId)})`.execute(trx)
  }

  protected override siemFeed(): SiemFeedDialect {
    return POSTGRES_SIEM_FEED
  }

  protected override migrations(): Readonly<Record<string, Migration>> {
    return MIGRATIONS
  }
}

/**
 * One multi-row INSERT whatever the chunk size: each column is one array parameter, unnested back into
 * rows, so the statement has a fixed number of parameters and a fixed text (cached by the server's
 * planner per connection). `RETURNING id` lists the rows actually inserted; ids are distinct within a
 * plan, so every other row was a duplicate.
 */
async function insertChunk(trx: Kysely<Database>, rows: ReadonlyArray<InsertPlan['rows'][number]['row']>): Promise<Set<string>> {
  const arrays = STORED_ROW_COLUMNS.map(
    (column) => sql`${sql.val(rows.map((row) => row[column]))}::${sql.raw(COLUMN_ARRAY_TYPES[column])}`,
  )
  const { rows: inserted } = await sql<{ id: string }>`
    insert into activities (${sql.join(STORED_ROW_COLUMNS.map((column) => sql.id(column)))})
    select * from unnest(${sql.join(arrays)})
    on conflict do nothing
    returning id`.execute(trx)
  return new Set(inserted.map((row) => row.id))
}
