/**
 * The SQLite baseline: the same rows inserted by better-sqlite3 itself, with nothing of Veil in the
 * timed path. Each database is a fresh file created and migrated by Veil's store (so the table and its
 * indexes are exactly the server's), then opened with the store's settings (WAL, `synchronous = FULL`)
 * and filled with one prepared INSERT inside `BEGIN IMMEDIATE` transactions of 1,000 rows (the HTTP batch
 * size) and, in a second file, of 10,000 rows (what group commit can reach).
 *
 * Rows are prepared (parsed, normalized, mapped to column values) outside the timed sections, 10,000 at a
 * time; both files get each slice in turn, so both grow alike.
 *
 * @module
 */

import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import BetterSqlite3 from 'better-sqlite3'
import { ACTIVITY_INSERT_COLUMNS } from '../src/storage/activity-row.js'
import { openStore } from '../src/storage/open-store.js'
import { insertRowsOf } from './dataset.js'

export interface RawResult {
  /** Rows per second with 1,000-row transactions. */
  readonly rate1k: number
  /** Rows per second with 10,000-row transactions. */
  readonly rate10k: number
  readonly rows: number
}

const INSERT_SQL = `insert into activities (${ACTIVITY_INSERT_COLUMNS.join(', ')}) values (${ACTIVITY_INSERT_COLUMNS.map(() => '?').join(', ')})`

type Values = unknown[]

interface RawDatabase {
  readonly insert: (rows: readonly Values[]) => void
  readonly close: () => void
}

async function freshDatabase(path: string, governanceKey: Buffer, extraPragmas: readonly string[]): Promise<RawDatabase> {
  const store = await openStore({ url: `sqlite:${path}`, governanceKey })
  await store.migrate()
  await store.close()
  const db = new BetterSqlite3(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  for (const pragma of extraPragmas) {
    db.pragma(pragma)
  }
  const statement = db.prepare<Values>(INSERT_SQL)
  const insert = db.transaction((rows: readonly Values[]) => {
    for (const values of rows) {
      statement.run(values)
    }
  }).immediate
  return { insert, close: () => db.close() }
}

/**
 * Fill two fresh files and return the rates. `extraPragmas` (e.g. `cache_size = -262144`) are applied
 * after the store's settings, for what-if experiments only (`BENCH_RAW_SQLITE_PRAGMAS`); the baseline
 * the benchmark reports uses none.
 */
export async function rawSqlite(bodies: readonly Uint8Array[], dir: string, governanceKey: Buffer, extraPragmas: readonly string[] = []): Promise<RawResult> {
  const small = await freshDatabase(join(dir, 'raw-1k.db'), governanceKey, extraPragmas)
  const large = await freshDatabase(join(dir, 'raw-10k.db'), governanceKey, extraPragmas)
  let smallMs = 0
  let largeMs = 0
  let rows = 0
  try {
    for (let start = 0; start < bodies.length; start += 10) {
      const slice: Values[] = []
      for (const body of bodies.slice(start, start + 10)) {
        for (const row of insertRowsOf(body, Date.now())) {
          slice.push(ACTIVITY_INSERT_COLUMNS.map((column) => row[column]))
        }
      }
      let started = performance.now()
      for (let offset = 0; offset < slice.length; offset += 1000) {
        small.insert(slice.slice(offset, offset + 1000))
      }
      smallMs += performance.now() - started
      started = performance.now()
      large.insert(slice)
      largeMs += performance.now() - started
      rows += slice.length
    }
  } finally {
    small.close()
    large.close()
  }
  return { rate1k: rows / (smallMs / 1000), rate10k: rows / (largeMs / 1000), rows }
}
