/**
 * The embedded engine: one SQLite file (or memory) through better-sqlite3.
 *
 * @module
 */

import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

import BetterSqlite3 from 'better-sqlite3'
import { Kysely, sql, type Migration } from 'kysely'

import { STORED_ROW_COLUMNS, planInsert, type StoredRow } from '../activity-row.js'
import { SQLITE_SIEM_FEED, type SiemFeedDialect } from '../kysely-siem-repository.js'
import { KyselyHuntingRepository, SQLITE_HUNTING_DIALECT } from '../kysely-hunting-repository.js'
import { KyselyStore } from '../kysely-store.js'
import type { Database } from '../schema.js'
import type { InsertOutcome, NewActivity, StoreCapabilities } from '../store.js'
import { ImmediateSqliteDialect } from './immediate-sqlite-dialect.js'
import { SqliteHuntingExecutor } from './sqlite-hunting-executor.js'
import { migration0001Init } from './migrations/0001-init.js'
import { migration0002Settings } from './migrations/0002-settings.js'
import { migration0003Directory } from './migrations/0003-directory.js'
import { migration0004Privacy } from './migrations/0004-privacy.js'
import { migration0005PrivacyPermissions } from './migrations/0005-privacy-permissions.js'
import { migration0006Siem } from './migrations/0006-siem.js'
import { migration0007Connectors } from './migrations/0007-connectors.js'
import { migration0008Portal } from './migrations/0008-portal.js'

/** What {@link SqliteStore.open} needs; `openStore` builds it from a `sqlite:` URL. */
export interface SqliteStoreConfig {
  /** A file path, or `:memory:` for a store that lives as long as the process. */
  readonly path: string
  readonly governanceKey: Buffer
  /** How long a statement waits for another process's write lock before failing; default 5 s. */
  readonly busyTimeoutMs?: number
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000

const SQLITE_CAPABILITIES: StoreCapabilities = Object.freeze({
  engine: 'sqlite',
  supportsPartitioning: false,
  supportsMultipleNodes: false,
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

const INSERT_SQL =
  `insert into activities (${STORED_ROW_COLUMNS.join(', ')}) ` +
  `values (${STORED_ROW_COLUMNS.map(() => '?').join(', ')}) on conflict do nothing`

/**
 * A store in one SQLite database.
 *
 * Durability: WAL with `synchronous = FULL`, so the WAL is synced at every commit and an insert that
 * resolved survives a power loss, not just a killed process (with NORMAL, the last commits before a
 * power loss may roll back). Ingest batches are large, so the one sync per commit is cheap per row.
 *
 * All access, Kysely's and the ingest path's, goes through Kysely's single connection, whose mutex
 * serializes it: an insert never runs inside, or interleaved with, an open `transaction()`.
 */
export class SqliteStore extends KyselyStore {
  readonly capabilities = SQLITE_CAPABILITIES
  readonly hunting: KyselyHuntingRepository
  readonly #raw: BetterSqlite3.Database
  readonly #db: Kysely<Database>
  readonly #insertRows: (rows: InsertRows) => void

  private constructor(raw: BetterSqlite3.Database, db: Kysely<Database>, governanceKey: Buffer) {
    super(db, governanceKey)
    this.#raw = raw
    this.hunting = new KyselyHuntingRepository(
      db,
      SQLITE_HUNTING_DIALECT,
      new SqliteHuntingExecutor({ path: raw.memory ? null : raw.name, raw, exclusive: (work) => db.connection().execute(async () => work()) }),
    )
    this.#db = db
    // Prepared on first use: the table does not exist before the first migration.
    let statement: BetterSqlite3.Statement<unknown[]> | null = null
    // better-sqlite3 runs the whole batch synchronously inside one transaction: no other statement of
    // this process can come between its rows, and `changes` tells a new row from a duplicate.
    this.#insertRows = raw.transaction((rows: InsertRows) => {
      statement ??= raw.prepare<unknown[]>(INSERT_SQL)
      for (const { index, row } of rows.pending) {
        const { changes } = statement.run(STORED_ROW_COLUMNS.map((column) => row[column]))
        rows.outcomes[index] = changes > 0 ? 'inserted' : 'duplicate'
      }
    }).immediate
  }

  /** Open (creating the file and its directory if needed) and configure; does not migrate. */
  static open(config: SqliteStoreConfig): SqliteStore {
    if (config.path !== ':memory:') {
      mkdirSync(dirname(config.path), { recursive: true })
    }
    const raw = new BetterSqlite3(config.path)
    try {
      if (config.path !== ':memory:') {
        raw.pragma('journal_mode = WAL')
      }
      raw.pragma('synchronous = FULL')
      raw.pragma(`busy_timeout = ${Math.max(0, Math.trunc(config.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`)
      raw.pragma('foreign_keys = ON')
      // Deleted and overwritten content is zeroed, not left in free pages: a row rewritten to the
      // private shape (retroactive privatization) must not leave its old details in the file.
      raw.pragma('secure_delete = ON')
    } catch (error) {
      raw.close()
      throw error
    }
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: raw }) })
    return new SqliteStore(raw, db, config.governanceKey)
  }

  protected override async insertActivities(batch: readonly NewActivity[]): Promise<InsertOutcome[]> {
    const plan = planInsert(batch)
    // Holding Kysely's connection makes the insert wait for any open Kysely transaction to finish
    // (and makes later Kysely queries wait for the insert) instead of running inside it.
    await this.#db.connection().execute(async () => {
      this.#insertRows({ pending: plan.rows, outcomes: plan.outcomes })
    })
    return plan.outcomes
  }

  override async close(): Promise<void> {
    await this.hunting.close()
    await super.close()
    // Kysely opens its driver on first use, so a store closed unused would leave the file open.
    if (this.#raw.open) {
      this.#raw.close()
    }
  }

  protected override async afterSeal(): Promise<void> {
    // The WAL still holds the pages as they were before rows were rewritten to the private shape; a
    // truncating checkpoint copies the new pages into the database file and empties the WAL.
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(this.#db)
  }

  protected override async lockGovernanceChain(): Promise<void> {
    // Nothing to do: every Kysely transaction here is BEGIN IMMEDIATE and holds the only connection,
    // so it already excludes every other writer, in this process and in others.
  }

  protected override siemFeed(): SiemFeedDialect {
    return SQLITE_SIEM_FEED
  }

  protected override migrations(): Readonly<Record<string, Migration>> {
    return MIGRATIONS
  }
}

interface InsertRows {
  readonly pending: ReadonlyArray<{ readonly index: number; readonly row: StoredRow }>
  readonly outcomes: InsertOutcome[]
}
