/**
 * The PostgreSQL baseline: the same rows inserted by the pg driver itself, with nothing of Veil in the
 * timed path. Each database is fresh (`createTestDatabase`), migrated by Veil's store, and has the
 * month partitions the rows need (created with the store's own `ActivityPartitions`), so the table,
 * partitions and indexes are exactly the server's. Rows go in with one named prepared statement,
 * `INSERT ... SELECT * FROM unnest($1::text[], ...)`, 1,000 rows per statement: each statement its own
 * transaction in one database, ten statements (10,000 rows) per transaction in the other.
 *
 * Rows and their column arrays are prepared outside the timed sections, 10,000 at a time; both
 * databases get each slice in turn, so both grow alike.
 *
 * @module
 */

import { performance } from 'node:perf_hooks'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { ACTIVITY_INSERT_COLUMNS } from '../src/storage/activity-row.js'
import { COLUMN_ARRAY_TYPES } from '../src/storage/postgres/postgres-store.js'
import { openStore } from '../src/storage/open-store.js'
import { ActivityPartitions } from '../src/storage/postgres/activity-partitions.js'
import type { Database } from '../src/storage/schema.js'
import { createTestDatabase } from '../test/helpers/pg.js'
import { insertRowsOf } from './dataset.js'
import type { RawResult } from './raw-sqlite.js'

const INSERT_SQL =
  `insert into activities (${ACTIVITY_INSERT_COLUMNS.join(', ')}) ` +
  `select * from unnest(${ACTIVITY_INSERT_COLUMNS.map((column, i) => `$${i + 1}::${COLUMN_ARRAY_TYPES[column]}`).join(', ')})`

interface RawDatabase {
  readonly client: pg.Client
  readonly drop: () => Promise<void>
}

async function freshDatabase(governanceKey: Buffer, times: readonly number[]): Promise<RawDatabase> {
  const { url, drop } = await createTestDatabase()
  try {
    const store = await openStore({ url, governanceKey })
    await store.migrate()
    await store.close()
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) })
    await new ActivityPartitions(db).ensure(times)
    await db.destroy()
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    return { client, drop }
  } catch (error) {
    await drop()
    throw error
  }
}

/** Inserts into two fresh databases; drops them afterwards. `times` must cover the rows' months. */
export async function rawPostgres(bodies: readonly Uint8Array[], governanceKey: Buffer, times: readonly number[]): Promise<RawResult> {
  const small = await freshDatabase(governanceKey, times)
  const large = await freshDatabase(governanceKey, times).catch(async (error: unknown) => {
    await small.client.end()
    await small.drop()
    throw error
  })
  const insert = (client: pg.Client, columns: unknown[][]) => client.query({ name: 'veil-bench-insert', text: INSERT_SQL, values: columns })
  let smallMs = 0
  let largeMs = 0
  let rows = 0
  try {
    for (let start = 0; start < bodies.length; start += 10) {
      const chunks: unknown[][][] = []
      for (const body of bodies.slice(start, start + 10)) {
        const batch = insertRowsOf(body, Date.now())
        chunks.push(ACTIVITY_INSERT_COLUMNS.map((column) => batch.map((row) => row[column])))
        rows += batch.length
      }
      let started = performance.now()
      for (const columns of chunks) {
        await insert(small.client, columns)
      }
      smallMs += performance.now() - started
      started = performance.now()
      await large.client.query('begin')
      for (const columns of chunks) {
        await insert(large.client, columns)
      }
      await large.client.query('commit')
      largeMs += performance.now() - started
    }
  } finally {
    await small.client.end()
    await large.client.end()
    await small.drop()
    await large.drop()
  }
  return { rate1k: rows / (smallMs / 1000), rate10k: rows / (largeMs / 1000), rows }
}
