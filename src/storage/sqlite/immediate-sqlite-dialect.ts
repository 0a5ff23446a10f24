/**
 * Kysely's SQLite dialect with two changes for a file that several processes may share (the server and
 * a `veil` CLI command):
 *
 * - transactions begin with `BEGIN IMMEDIATE`, so a transaction holds the write lock from its first
 *   statement. A deferred `BEGIN` that reads and then writes can fail with SQLITE_BUSY when another
 *   process wrote in between (busy_timeout does not help then); an immediate one waits its turn. This
 *   is what serializes governance appends across processes.
 * - migrations run in one transaction (SQLite's DDL is transactional; Kysely's adapter says otherwise
 *   to be safe with other drivers), so two processes migrating at once apply each migration once.
 *
 * @module
 */

import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely'

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true
  }
}

/** `SqliteDialect` whose transactions take the write lock up front and whose migrations are atomic. */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig

  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter()
  }
}
