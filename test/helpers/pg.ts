/**
 * PostgreSQL for tests: each test file gets a fresh database on the real server, dropped afterwards.
 * Outside CI an unreachable server skips the PostgreSQL suites with a clear message; under `CI=true`
 * it fails them, because CI must run them.
 */
import pg from 'pg'
import { randomBytes } from 'node:crypto'

export const PG_ADMIN_URL = process.env.VEIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** Which engines the storage suites run on (`STORES=sqlite` picks a subset). */
export function selectedStores(): Array<'sqlite' | 'postgres'> {
  const wanted = (process.env.STORES ?? 'sqlite,postgres').split(',').map((s) => s.trim())
  return (['sqlite', 'postgres'] as const).filter((s) => wanted.includes(s))
}

let reachable: Promise<boolean> | null = null

/** Whether the PostgreSQL server answers; under CI an unreachable server is an error, not a skip. */
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 })
    try {
      await client.connect()
      await client.query('select 1')
      return true
    } catch (error) {
      if (process.env.CI === 'true') {
        throw new Error(`PostgreSQL at ${PG_ADMIN_URL} is unreachable under CI=true: ${String(error)}`)
      }
      console.warn(`[veil tests] PostgreSQL at ${PG_ADMIN_URL} is unreachable; PostgreSQL suites are skipped (${String(error)})`)
      return false
    } finally {
      await client.end().catch(() => undefined)
    }
  })()
  return reachable
}

/** Create a fresh, empty database and return its URL and a function that drops it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `veil_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  }
}
