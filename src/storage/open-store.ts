/**
 * Opens the store a database URL names. The only place that knows which engines exist.
 *
 * @module
 */

import { DEFAULT_POOL_SIZE, PostgresStore } from './postgres/postgres-store.js'
import { SqliteStore } from './sqlite/sqlite-store.js'
import type { Store, StoreOptions } from './store.js'

/** Veil's own query parameter on a PostgreSQL URL: connections in this node's pool. */
const POOL_SIZE_PARAM = 'pool_size'

/**
 * Open a store; does not migrate (call `store.migrate()`).
 *
 * - `sqlite:PATH` — a file, created with its directory if missing (`sqlite:///abs/path` works too);
 * - `sqlite::memory:` — an in-memory database that lives as long as the store;
 * - `postgres://…` or `postgresql://…` — a PostgreSQL database; `?pool_size=N` sets the pool size
 *   (default 10), every other parameter is pg's.
 *
 * @example
 * const store = await openStore({ url: 'sqlite:data/veil.db', governanceKey })
 * await store.migrate()
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const { url, governanceKey } = options
  if (url.startsWith('sqlite:')) {
    return SqliteStore.open({ path: sqlitePath(url), governanceKey })
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return PostgresStore.open({ ...postgresConnection(url), governanceKey })
  }
  // Only the scheme is repeated: the rest of a URL may hold a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]
  throw new Error(
    `Unsupported database URL${scheme ? ` scheme "${scheme}:"` : ''}: use sqlite:PATH, sqlite::memory: or postgres://USER@HOST/DB.`,
  )
}

function sqlitePath(url: string): string {
  let path = url.slice('sqlite:'.length)
  // sqlite:///abs/path and sqlite://relative/path, as other tools write them.
  if (path.startsWith('//')) {
    path = path.slice(2)
  }
  if (path === '') {
    throw new Error('The SQLite database URL has no path: use sqlite:PATH or sqlite::memory:.')
  }
  return path
}

function postgresConnection(url: string): { connectionString: string; poolSize: number } {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error('The PostgreSQL database URL is not a valid URL.')
  }
  const param = parsed.searchParams.get(POOL_SIZE_PARAM)
  if (param === null) {
    return { connectionString: url, poolSize: DEFAULT_POOL_SIZE }
  }
  const poolSize = Number(param)
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new Error(`The database URL's ${POOL_SIZE_PARAM} must be a positive integer, not "${param}".`)
  }
  parsed.searchParams.delete(POOL_SIZE_PARAM)
  return { connectionString: parsed.toString(), poolSize }
}
