/**
 * `npm run bench:directory`: the directory on SQLite and PostgreSQL — importing a generated membership
 * CSV (by default 100,000 users in 1,000 groups, one membership each), re-importing it unchanged,
 * loading the in-memory cache, catching up with a small change, and `groupsOf` lookups per second on
 * the ingest hot path. Ingest with classification is measured by `npm run bench`.
 *
 * Settings (environment):
 * - `BENCH_DIR_USERS` (default 100000) and `BENCH_DIR_GROUPS` (default 1000);
 * - `BENCH_RUNS` (default 3): each run starts from an empty store; per-run figures, then medians;
 * - `BENCH_ENGINES` (default `sqlite,postgres`); PostgreSQL is skipped with a message when unreachable
 *   (`VEIL_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432/postgres);
 * - `BENCH_DIR_LOOKUPS` (default 2000000): `groupsOf` calls per run (9 in 10 match a user);
 * - `BENCH_TMPDIR`: where the SQLite files go.
 *
 * @module
 */

import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

import { deriveSecrets } from '../src/config/secrets.js'
import type { Actor } from '../src/core/activity/activity.js'
import { DirectoryCache } from '../src/services/directory/directory-cache.js'
import { KyselyDirectoryService } from '../src/services/directory/directory-service-impl.js'
import { importMembershipFile } from '../src/services/directory/import-file.js'
import { CLI_INITIATOR } from '../src/services/service-context.js'
import { openStore } from '../src/storage/open-store.js'
import { createTestDatabase, PG_ADMIN_URL, postgresReachable } from '../test/helpers/pg.js'

type Engine = 'sqlite' | 'postgres'

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min}, not "${raw}"`)
  }
  return value
}

const USERS = envInt('BENCH_DIR_USERS', 100_000, 1)
const GROUPS = envInt('BENCH_DIR_GROUPS', 1_000, 1)
const RUNS = envInt('BENCH_RUNS', 3, 1)
const LOOKUPS = envInt('BENCH_DIR_LOOKUPS', 2_000_000, 1)
const ENGINES = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()) as Engine[]
const DELTA_ROWS = 100

interface RunResult {
  readonly importMs: number
  readonly reimportMs: number
  readonly loadMs: number
  readonly deltaMs: number
  readonly refreshMs: number
  readonly lookupsPerSecond: number
}

const upnOf = (i: number) => `user${i}@bench.example`
const groupOf = (i: number) => `Group ${i % GROUPS}`

function generateCsv(): string {
  const lines = ['group,upn,displayName,externalId']
  for (let i = 0; i < USERS; i++) {
    lines.push(`${groupOf(i)},${upnOf(i)},User ${i},OBJ-${i}`)
  }
  return `${lines.join('\n')}\n`
}

async function oneRun(engine: Engine, csv: string, tmp: string, run: number): Promise<RunResult> {
  const database = engine === 'postgres' ? await createTestDatabase() : null
  const url = database?.url ?? `sqlite:${join(tmp, `directory-${run}.db`)}`
  const store = await openStore({ url, governanceKey: Buffer.alloc(32, 9) })
  try {
    await store.migrate()
    const ctx = { store, clock: Date.now, secrets: deriveSecrets(Buffer.alloc(32, 8)) }
    const directory = new KyselyDirectoryService(ctx)

    let started = performance.now()
    const first = await importMembershipFile(directory, CLI_INITIATOR, csv, { mode: 'full', atomic: true, name: 'bench.csv' })
    const importMs = performance.now() - started
    if (first.usersCreated !== USERS || first.membershipsAdded !== USERS) {
      throw new Error(`import created ${first.usersCreated} users and ${first.membershipsAdded} memberships, expected ${USERS}`)
    }

    started = performance.now()
    const again = await importMembershipFile(directory, CLI_INITIATOR, csv, { mode: 'full', atomic: true, name: 'bench.csv' })
    const reimportMs = performance.now() - started
    if (again.membershipsAdded !== 0 || again.membershipsEnded !== 0) {
      throw new Error('re-importing the same file changed memberships')
    }

    // A second node's cache: load everything, then catch up with a small delta made elsewhere.
    const cache = new DirectoryCache(store.directory)
    started = performance.now()
    await cache.load()
    const loadMs = performance.now() - started
    const delta = ['group,upn,action', ...Array.from({ length: DELTA_ROWS }, (_, i) => `${groupOf(i + 1)},${upnOf(i)},add`)].join('\n')
    started = performance.now()
    await importMembershipFile(directory, CLI_INITIATOR, delta, { mode: 'delta', atomic: true })
    const deltaMs = performance.now() - started
    started = performance.now()
    await cache.refresh({ force: true })
    const refreshMs = performance.now() - started
    if (cache.stats().usersReloaded !== DELTA_ROWS) {
      throw new Error(`refresh reloaded ${cache.stats().usersReloaded} users, expected ${DELTA_ROWS}`)
    }

    // Lookups as the classify stage makes them: actor by UPN (9 in 10 are directory users), at a time.
    const actors: Actor[] = Array.from({ length: 10_000 }, (_, i) => ({
      upn: i % 10 === 9 ? `guest${i}@partner.example` : upnOf((i * 7919) % USERS),
      displayName: null,
      sourceId: null,
      type: 'user',
    }))
    const now = Date.now()
    let found = 0
    started = performance.now()
    for (let i = 0; i < LOOKUPS; i++) {
      found += cache.groupsOf(actors[i % actors.length] as Actor, now).length
    }
    const lookupsPerSecond = LOOKUPS / ((performance.now() - started) / 1000)
    if (found === 0) {
      throw new Error('no lookup found a group')
    }
    return { importMs, reimportMs, loadMs, deltaMs, refreshMs, lookupsPerSecond }
  } finally {
    await store.close()
    await database?.drop()
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const ms = (n: number) => `${int(n)} ms`

function summarize(engine: Engine, results: readonly RunResult[]): string[] {
  const m = (pick: (r: RunResult) => number) => median(results.map(pick))
  return [
    `| ${engine} | import ${int(USERS)} rows (full, atomic) | ${ms(m((r) => r.importMs))} | ${int(USERS / (m((r) => r.importMs) / 1000))} rows/s |`,
    `| ${engine} | re-import unchanged (full) | ${ms(m((r) => r.reimportMs))} | ${int(USERS / (m((r) => r.reimportMs) / 1000))} rows/s |`,
    `| ${engine} | cache load (${int(USERS)} users) | ${ms(m((r) => r.loadMs))} | |`,
    `| ${engine} | delta import of ${DELTA_ROWS} rows | ${ms(m((r) => r.deltaMs))} | |`,
    `| ${engine} | cache refresh after it (${DELTA_ROWS} users reloaded) | ${ms(m((r) => r.refreshMs))} | |`,
    `| ${engine} | \`groupsOf\` lookups | | ${int(m((r) => r.lookupsPerSecond))} /s |`,
  ]
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(process.env.BENCH_TMPDIR ?? os.tmpdir(), 'veil-directory-bench-'))
  try {
    process.stdout.write(`directory bench: ${int(USERS)} users in ${int(GROUPS)} groups, ${RUNS} runs, node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'})\n`)
    const csv = generateCsv()
    process.stdout.write(`generated CSV: ${int(Buffer.byteLength(csv) / 1024)} KiB\n`)
    const table = ['| engine | measure | median time | median rate |', '| --- | --- | --- | --- |']
    for (const engine of ENGINES) {
      if (engine === 'postgres' && !(await postgresReachable())) {
        process.stdout.write(`postgres: skipped, ${PG_ADMIN_URL} is unreachable\n`)
        continue
      }
      const results: RunResult[] = []
      for (let run = 1; run <= RUNS; run++) {
        const r = await oneRun(engine, csv, tmp, run)
        results.push(r)
        process.stdout.write(
          `${engine} run ${run}: import ${ms(r.importMs)} (${int(USERS / (r.importMs / 1000))} rows/s), re-import ${ms(r.reimportMs)}, cache load ${ms(r.loadMs)}, ` +
            `delta ${ms(r.deltaMs)}, refresh ${ms(r.refreshMs)}, groupsOf ${int(r.lookupsPerSecond)}/s\n`,
        )
      }
      table.push(...summarize(engine, results))
    }
    process.stdout.write(`\n${table.join('\n')}\n`)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

await main()
