/**
 * `npm run bench`: ingest and query benchmark of Veil on SQLite and PostgreSQL, with the storage
 * engine's own insert rate beside it. See docs/BENCHMARKS.md for what is measured and how to read it.
 *
 * Settings (environment):
 * - `BENCH_ROWS` (default 1000000): activities per run, sent in batches of 1,000;
 * - `BENCH_RUNS` (default 3): runs; per-run figures are printed, then the medians;
 * - `BENCH_ENGINES` (default `sqlite,postgres`); PostgreSQL is skipped with a message when unreachable
 *   (`VEIL_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432/postgres);
 * - `BENCH_CLIENTS` (default 4): concurrent HTTP ingest clients;
 * - `BENCH_QUERY_REQUESTS` (default 100) and `BENCH_QUERY_WARMUP` (default 10): requests per query case;
 * - `BENCH_STORE_REQUESTS` (default 20): in-process requests per case for the count-cost split;
 * - `BENCH_PG_VACUUM` (default 1): on PostgreSQL, `VACUUM (ANALYZE) activities` between ingest and queries
 *   (what autovacuum does within minutes in steady state; right after a bulk load the partitions have no
 *   statistics); the service-eq case is sampled before it too, to show the difference;
 * - `BENCH_SKIP`: comma list of phases to leave out: `queries`, `store`, `raw`;
 * - `BENCH_RAW_SQLITE_PRAGMAS`: what-if only — extra pragmas (`;`-separated, e.g. `cache_size = -262144`)
 *   for the SQLite raw baseline, which otherwise uses exactly the store's settings;
 * - `BENCH_KEEP=1`: keep the databases the HTTP ingest filled (to look at query plans), and say where;
 * - `BENCH_SEED`, `BENCH_LOG_LEVEL` (server log level, default info like `veil serve`; the log is
 *   discarded unless `BENCH_SERVER_LOG=FILE`), `BENCH_CPU_PROF=DIR` (V8 CPU profile of each server
 *   process; summarize with `node dist/bench/profile-summary.js FILE`), `BENCH_TMPDIR`.
 *
 * @module
 */

import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { DEFAULT_LIMITS } from '../src/config/config.js'
import { deriveSecrets } from '../src/config/secrets.js'
import { openStore } from '../src/storage/open-store.js'
import { createTestDatabase, PG_ADMIN_URL, postgresReachable } from '../test/helpers/pg.js'
import { buildDataset, type Dataset } from './dataset.js'
import { ingestOverHttp, type IngestResult } from './http-client.js'
import { buildQueryCases, measureQueries, measureStore, type QueryResult, type StoreQueryResult } from './queries.js'
import { rawPostgres } from './raw-postgres.js'
import { rawSqlite, type RawResult } from './raw-sqlite.js'
import { startServerProcess } from './server-handle.js'
import type { ServerStats } from './server-process.js'
import { int, median, ms, pct, percentile, table } from './stats.js'

type Engine = 'sqlite' | 'postgres'

/** V8 flags of the driver (generation and the clients), not of the server under test. */
const DRIVER_FLAGS = ['--max-semi-space-size=64', '--max-old-space-size=8192']

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') {
    return fallback
  }
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`)
  }
  return value
}

const settings = {
  rows: envInt('BENCH_ROWS', 1_000_000, 1000),
  runs: envInt('BENCH_RUNS', 3, 1),
  engines: (process.env.BENCH_ENGINES ?? 'sqlite,postgres')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== ''),
  clients: envInt('BENCH_CLIENTS', 4, 1),
  queryRequests: envInt('BENCH_QUERY_REQUESTS', 100, 1),
  queryWarmup: envInt('BENCH_QUERY_WARMUP', 10, 0),
  storeRequests: envInt('BENCH_STORE_REQUESTS', 20, 1),
  skip: new Set((process.env.BENCH_SKIP ?? '').split(',').map((s) => s.trim())),
  seed: envInt('BENCH_SEED', 20240501, 0),
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  cpuProfileDir: process.env.BENCH_CPU_PROF || undefined,
  serverLog: process.env.BENCH_SERVER_LOG || undefined,
  tmp: process.env.BENCH_TMPDIR || os.tmpdir(),
  keep: process.env.BENCH_KEEP === '1',
  pgVacuum: process.env.BENCH_PG_VACUUM !== '0',
  rawSqlitePragmas: (process.env.BENCH_RAW_SQLITE_PRAGMAS ?? '')
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== ''),
} as const

const BATCH_SIZE = 1000
const PEOPLE = 5000
const DAYS = 30

interface EngineRun {
  readonly engine: Engine
  readonly ingest: IngestResult
  readonly server: ServerStats
  readonly databaseBytes: number
  readonly queries: readonly QueryResult[]
  readonly store: readonly StoreQueryResult[]
  readonly raw: RawResult | null
}

const startedAt = performance.now()

/** `[run 1 +02:15] sqlite:` — the run and the time since the benchmark started. */
function tag(run: number, engine: string): string {
  const seconds = Math.round((performance.now() - startedAt) / 1000)
  return `[run ${run} +${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}] ${engine}:`
}

function log(line = ''): void {
  process.stdout.write(`${line}\n`)
}

function packageVersion(name: string): string {
  try {
    const path = fileURLToPath(new URL(`../../node_modules/${name}/package.json`, import.meta.url))
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? '?'
  } catch {
    return '?'
  }
}

function sqliteVersion(): string {
  const db = new BetterSqlite3(':memory:')
  try {
    return (db.prepare('select sqlite_version() as v').get() as { v: string }).v
  } finally {
    db.close()
  }
}

async function postgresInfo(): Promise<string> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL })
  await client.connect()
  try {
    const setting = async (name: string): Promise<string> => ((await client.query<{ v: string }>(`select current_setting('${name}') as v`)).rows[0]?.v ?? '?')
    return `${await setting('server_version')} (shared_buffers ${await setting('shared_buffers')}, synchronous_commit ${await setting('synchronous_commit')}, fsync ${await setting('fsync')}, max_wal_size ${await setting('max_wal_size')})`
  } finally {
    await client.end()
  }
}

function fileBytes(path: string): number {
  return [path, `${path}-wal`].filter((p) => existsSync(p)).reduce((sum, p) => sum + statSync(p).size, 0)
}

/** `VACUUM (ANALYZE) activities` (recurses into the partitions); returns the seconds it took. */
async function vacuumAnalyze(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const started = performance.now()
    await client.query('vacuum (analyze) activities')
    return (performance.now() - started) / 1000
  } finally {
    await client.end()
  }
}

async function postgresBytes(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return Number((await client.query<{ n: string }>('select pg_database_size(current_database()) as n')).rows[0]?.n ?? 0)
  } finally {
    await client.end()
  }
}

/** Where BENCH_KEEP=1 leaves the SQLite databases. */
const keptDir = join(settings.tmp, 'veil-bench-kept')

async function runEngine(engine: Engine, dataset: Dataset, run: number, secretKeyHex: string): Promise<EngineRun> {
  const governanceKey = deriveSecrets(Buffer.from(secretKeyHex, 'hex')).governanceKey
  const dir = mkdtempSync(join(settings.tmp, `veil-bench-${engine}-`))
  if (settings.keep) {
    mkdirSync(keptDir, { recursive: true })
  }
  let databaseUrl: string
  let dropDatabase: () => Promise<void> = async () => undefined
  if (engine === 'sqlite') {
    databaseUrl = `sqlite:${join(dir, 'veil.db')}`
  } else {
    const created = await createTestDatabase()
    databaseUrl = created.url
    dropDatabase = created.drop
  }
  try {
    // End to end: the server in its own process, fresh database, migrations applied on start.
    const server = await startServerProcess({
      databaseUrl,
      secretKeyHex,
      logLevel: settings.logLevel,
      ...(settings.cpuProfileDir === undefined ? {} : { cpuProfileDir: settings.cpuProfileDir }),
      ...(settings.serverLog === undefined ? {} : { logFile: settings.serverLog }),
    })
    let ingest: IngestResult
    let serverStats: ServerStats
    let queries: QueryResult[] = []
    let cases: Awaited<ReturnType<typeof buildQueryCases>> = []
    try {
      await server.mark()
      ingest = await ingestOverHttp(server.url, server.token, dataset.bodies, settings.clients)
      serverStats = await server.stats()
      if (ingest.accepted !== dataset.rows) {
        throw new Error(`${engine}: ${ingest.accepted} of ${dataset.rows} activities accepted (${ingest.duplicates} duplicates)`)
      }
      log(
        `  ${tag(run, engine)} HTTP ingest ${int(dataset.rows / ingest.seconds)} events/s (${ingest.seconds.toFixed(1)} s; ` +
          `batch p50 ${ms(percentile(ingest.batchMs, 50))} ms, p95 ${ms(percentile(ingest.batchMs, 95))} ms; ` +
          `server CPU ${(serverStats.cpuSeconds / serverStats.seconds).toFixed(2)} cores, event loop ${pct(serverStats.eventLoopUtilization)} busy, ` +
          `${int(serverStats.commitRows / Math.max(1, serverStats.commits))} rows/commit, in transactions ${pct(serverStats.commitSeconds / serverStats.seconds)} of the time, ` +
          `RSS ${int(serverStats.rssBytes / 2 ** 20)} MiB; client CPU ${(ingest.clientCpuSeconds / ingest.seconds).toFixed(2)} cores)`,
      )
      if (!settings.skip.has('queries')) {
        const deepRank = Math.min(500_000, Math.floor(dataset.rows / 2))
        cases = await buildQueryCases(server.url, server.token, dataset.samples, deepRank)
        if (engine === 'postgres' && settings.pgVacuum) {
          const service = cases.filter((c) => c.key === 'service')
          const [before] = await measureQueries(server.url, server.token, service, { warmup: 0, requests: 20, seed: settings.seed + run })
          const took = await vacuumAnalyze(databaseUrl)
          log(
            `  ${tag(run, engine)} before VACUUM (ANALYZE), right after the bulk load: service eq p50 / p95 ${ms(before?.p50 ?? Number.NaN)} / ${ms(before?.p95 ?? Number.NaN)} ms (20 requests); ` +
              `VACUUM (ANALYZE) activities took ${took.toFixed(1)} s`,
          )
        }
        queries = await measureQueries(server.url, server.token, cases, { warmup: settings.queryWarmup, requests: settings.queryRequests, seed: settings.seed + run })
        log(`  ${tag(run, engine)} queries over HTTP, ${settings.queryRequests} requests each, p50 / p95 ms (mean total):`)
        for (const q of queries) {
          log(`      ${q.label.padEnd(44)} ${ms(q.p50).padStart(7)} / ${ms(q.p95).padStart(7)}   (total ${int(q.meanTotal)}${q.cappedShare > 0 ? `, ${pct(q.cappedShare)} capped` : ''}, ${int(q.meanRows)} rows)`)
        }
      }
    } finally {
      await server.stop()
    }
    const databaseBytes = engine === 'sqlite' ? fileBytes(join(dir, 'veil.db')) : await postgresBytes(databaseUrl)

    let store: StoreQueryResult[] = []
    if (cases.length > 0 && !settings.skip.has('store')) {
      const opened = await openStore({ url: databaseUrl, governanceKey })
      try {
        store = await measureStore(opened, cases, { requests: settings.storeRequests, seed: settings.seed + run, countLimit: DEFAULT_LIMITS.countLimit })
      } finally {
        await opened.close()
      }
      log(`  ${tag(run, engine)} store.list in-process p50 ms, with count / page only: ${store.map((s) => `${s.key} ${ms(s.withCountP50)}/${ms(s.pageOnlyP50)}`).join(', ')}`)
    }
    if (settings.keep) {
      log(`  ${tag(run, engine)} kept the ingested database (BENCH_KEEP=1): ${engine === 'sqlite' ? join(keptDir, `run${run}.db`) : databaseUrl}`)
      if (engine === 'sqlite') {
        renameSync(join(dir, 'veil.db'), join(keptDir, `run${run}.db`))
      }
    } else {
      rmSync(join(dir, 'veil.db'), { force: true })
      rmSync(join(dir, 'veil.db-wal'), { force: true })
      await dropDatabase()
    }
    dropDatabase = async () => undefined

    let raw: RawResult | null = null
    if (!settings.skip.has('raw')) {
      raw =
        engine === 'sqlite'
          ? await rawSqlite(dataset.bodies, dir, governanceKey, settings.rawSqlitePragmas)
          : await rawPostgres(dataset.bodies, governanceKey, [dataset.now - DAYS * 86_400_000, dataset.now])
      const e2e = dataset.rows / ingest.seconds
      log(
        `  ${tag(run, engine)} raw engine ${int(raw.rate1k)} rows/s in 1,000-row transactions, ${int(raw.rate10k)} rows/s in 10,000-row transactions; ` +
          `HTTP ingest = ${pct(e2e / raw.rate1k)} / ${pct(e2e / raw.rate10k)} of them`,
      )
    }
    return { engine, ingest, server: serverStats, databaseBytes, queries, store, raw }
  } finally {
    await dropDatabase()
    rmSync(dir, { recursive: true, force: true })
  }
}

interface Summary {
  readonly engine: Engine
  readonly runs: readonly EngineRun[]
}

function summarize(summaries: readonly Summary[], dataset: Dataset): void {
  const med = (s: Summary, f: (r: EngineRun) => number): number => median(s.runs.map(f))
  const e2e = (r: EngineRun): number => dataset.rows / r.ingest.seconds
  const header = ['', ...summaries.map((s) => s.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL')]

  log()
  log(`## Medians of ${settings.runs} run(s), ${int(dataset.rows)} activities`)
  log()
  log('### Ingest')
  log()
  const ingestRows: string[][] = [
    [`HTTP ingest, events/s (${settings.clients} clients, 1,000/batch)`, ...summaries.map((s) => int(med(s, e2e)))],
    ['HTTP batch latency p50 / p95, ms', ...summaries.map((s) => `${ms(med(s, (r) => percentile(r.ingest.batchMs, 50)))} / ${ms(med(s, (r) => percentile(r.ingest.batchMs, 95)))}`)],
    ['raw engine, rows/s, 1,000-row transactions', ...summaries.map((s) => int(med(s, (r) => r.raw?.rate1k ?? Number.NaN)))],
    ['raw engine, rows/s, 10,000-row transactions', ...summaries.map((s) => int(med(s, (r) => r.raw?.rate10k ?? Number.NaN)))],
    ['HTTP ingest / raw 1,000-row', ...summaries.map((s) => pct(med(s, (r) => (r.raw ? e2e(r) / r.raw.rate1k : Number.NaN))))],
    ['HTTP ingest / raw 10,000-row', ...summaries.map((s) => pct(med(s, (r) => (r.raw ? e2e(r) / r.raw.rate10k : Number.NaN))))],
    ['server CPU during ingest, cores', ...summaries.map((s) => med(s, (r) => r.server.cpuSeconds / r.server.seconds).toFixed(2))],
    ['server event loop busy during ingest', ...summaries.map((s) => pct(med(s, (r) => r.server.eventLoopUtilization)))],
    ['rows per group-commit transaction', ...summaries.map((s) => int(med(s, (r) => r.server.commitRows / Math.max(1, r.server.commits))))],
    ['share of ingest time inside transactions', ...summaries.map((s) => pct(med(s, (r) => r.server.commitSeconds / r.server.seconds)))],
    ['client CPU during ingest, cores', ...summaries.map((s) => med(s, (r) => r.ingest.clientCpuSeconds / r.ingest.seconds).toFixed(2))],
    ['database size after ingest, MiB', ...summaries.map((s) => int(med(s, (r) => r.databaseBytes / 2 ** 20)))],
  ]
  log(table(header, ingestRows))

  const withQueries = summaries.filter((s) => s.runs.some((r) => r.queries.length > 0))
  if (withQueries.length > 0) {
    log()
    log(`### Queries over HTTP at ${int(dataset.rows)} activities: p50 / p95 ms (${settings.queryRequests} requests each after ${settings.queryWarmup} warm-up; limit 100; every page counts its total up to ${int(DEFAULT_LIMITS.countLimit)})`)
    log()
    const first = withQueries[0]?.runs[0]?.queries ?? []
    const queryRows = first.map((q) => {
      const cells = withQueries.map((s) => {
        const p50 = med(s, (r) => r.queries.find((x) => x.key === q.key)?.p50 ?? Number.NaN)
        const p95 = med(s, (r) => r.queries.find((x) => x.key === q.key)?.p95 ?? Number.NaN)
        return `${ms(p50)} / ${ms(p95)}`
      })
      const total = med(withQueries[0] as Summary, (r) => r.queries.find((x) => x.key === q.key)?.meanTotal ?? Number.NaN)
      return [q.label, ...cells, int(total)]
    })
    log(table(['query', ...withQueries.map((s) => (s.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL')), 'mean total'], queryRows))

    const withStore = withQueries.filter((s) => s.runs.some((r) => r.store.length > 0))
    if (withStore.length > 0) {
      log()
      log('### Where the time goes: store.list in-process p50 ms, with the count / page only (count limited to 1 row)')
      log()
      const storeRows = first.map((q) => [
        q.label,
        ...withStore.map((s) => {
          const full = med(s, (r) => r.store.find((x) => x.key === q.key)?.withCountP50 ?? Number.NaN)
          const bare = med(s, (r) => r.store.find((x) => x.key === q.key)?.pageOnlyP50 ?? Number.NaN)
          return `${ms(full)} / ${ms(bare)}`
        }),
      ])
      log(table(['query', ...withStore.map((s) => (s.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'))], storeRows))
    }
  }

  log()
  log('### Targets')
  for (const s of summaries) {
    const name = s.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'
    if (s.engine === 'sqlite' && s.runs.every((r) => r.raw !== null)) {
      const ratio1k = med(s, (r) => e2e(r) / (r.raw as RawResult).rate1k)
      const ratio10k = med(s, (r) => e2e(r) / (r.raw as RawResult).rate10k)
      log(`- ${name} HTTP ingest ≥ 50% of the raw engine: ${pct(ratio1k)} of 1,000-row transactions ${ratio1k >= 0.5 ? 'MET' : 'MISSED'}, ${pct(ratio10k)} of 10,000-row transactions ${ratio10k >= 0.5 ? 'MET' : 'MISSED'}`)
    }
    for (const key of ['user', 'service', 'actionType', 'ip']) {
      const p95 = med(s, (r) => r.queries.find((x) => x.key === key)?.p95 ?? Number.NaN)
      if (Number.isFinite(p95)) {
        const label = s.runs[0]?.queries.find((x) => x.key === key)?.label ?? key
        log(`- ${name} first page p95 < 20 ms, ${label}: ${ms(p95)} ms ${p95 < 20 ? 'MET' : 'MISSED'}`)
      }
    }
  }
}

async function main(): Promise<void> {
  const engines = settings.engines.filter((e): e is Engine => e === 'sqlite' || e === 'postgres')
  if (engines.length !== settings.engines.length) {
    throw new Error(`BENCH_ENGINES must list sqlite and/or postgres, got "${settings.engines.join(',')}"`)
  }
  log('# Veil benchmark')
  log()
  const cpus = os.cpus()
  log(`- machine: ${cpus.length} cores (${cpus[0]?.model ?? '?'}), ${int(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`)
  log(`- node ${process.version}, better-sqlite3 ${packageVersion('better-sqlite3')} (SQLite ${sqliteVersion()}), pg ${packageVersion('pg')}, fastify ${packageVersion('fastify')}`)
  let postgresOk = false
  if (engines.includes('postgres')) {
    postgresOk = await postgresReachable().catch(() => false)
    if (postgresOk) {
      log(`- PostgreSQL ${await postgresInfo()} at ${PG_ADMIN_URL.replace(/\/\/[^@/]*@/, '//…@')}, same machine`)
    } else {
      log(`- PostgreSQL at ${PG_ADMIN_URL.replace(/\/\/[^@/]*@/, '//…@')} is unreachable: the PostgreSQL benchmark is skipped`)
    }
  }
  const selected = engines.filter((e) => e !== 'postgres' || postgresOk)
  log(`- temp dir ${settings.tmp}; server log level ${settings.logLevel}${settings.cpuProfileDir ? `; CPU profiles in ${settings.cpuProfileDir}` : ''}`)
  if (settings.rawSqlitePragmas.length > 0) {
    log(`- WHAT-IF: the SQLite raw baseline runs with extra pragmas ${settings.rawSqlitePragmas.join('; ')} (not the store's settings)`)
  }
  log(`- ${int(settings.rows)} activities per run, ${settings.runs} run(s), engines ${selected.join(', ') || 'none'}, ${settings.clients} HTTP ingest clients`)

  const secretKeyHex = randomBytes(32).toString('hex')
  const now = Math.floor(Date.now() / 1000) * 1000
  const dataset = buildDataset({ seed: settings.seed, rows: settings.rows, batchSize: BATCH_SIZE, now, days: DAYS, people: PEOPLE })
  log(
    `- data: ${int(dataset.rows)} activities of ${int(dataset.people)} people + services over ${DAYS} days, ${dataset.bodies.length} bodies, ` +
      `${int(dataset.bytes / dataset.rows)} bytes/activity of JSON (${int(dataset.bytes / 2 ** 20)} MiB); generated in ${dataset.generateSeconds.toFixed(1)} s, serialized in ${dataset.serializeSeconds.toFixed(1)} s (not timed)`,
  )
  log()

  const summaries: Summary[] = selected.map((engine) => ({ engine, runs: [] }))
  for (let run = 1; run <= settings.runs; run++) {
    for (const summary of summaries) {
      const result = await runEngine(summary.engine, dataset, run, secretKeyHex)
      ;(summary.runs as EngineRun[]).push(result)
    }
  }
  summarize(summaries, dataset)
  log()
  log(`(the benchmark took ${((performance.now() - startedAt) / 60_000).toFixed(1)} minutes)`)
}

if (process.env.BENCH_DRIVER === '1') {
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
} else {
  // Re-run this script with the driver's V8 flags (a larger young generation keeps generation fast).
  const script = fileURLToPath(import.meta.url)
  const child = spawnSync(process.execPath, [...DRIVER_FLAGS, script], { stdio: 'inherit', env: { ...process.env, BENCH_DRIVER: '1' } })
  process.exitCode = child.status ?? 1
}
