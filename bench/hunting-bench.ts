/**
 * `npm run bench:hunting`: latency of hunting queries (`POST /api/v1/hunting/query`) against a store
 * filled over HTTP with the benchmark's realistic data, and beside each, the same question asked of the
 * engine directly in hand-written SQL (the baseline: what the engine itself takes, without Veil's
 * compiler, HTTP and JSON). Both answer the same rows; the row counts are printed to show it.
 *
 * Settings (environment):
 * - `BENCH_ROWS` (default 1000000): activities, over the last 30 days;
 * - `BENCH_ENGINES` (default `sqlite,postgres`); PostgreSQL is skipped with a message when unreachable;
 * - `BENCH_HUNTING_REQUESTS` (default 15) and `BENCH_HUNTING_WARMUP` (default 2): runs per query;
 * - `BENCH_CLIENTS` (default 4): concurrent HTTP ingest clients; `BENCH_SEED`; `BENCH_TMPDIR`.
 *
 * @module
 */

import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'

import { createTestDatabase, postgresReachable } from '../test/helpers/pg.js'
import { buildDataset } from './dataset.js'
import { ingestOverHttp } from './http-client.js'
import { startServerProcess } from './server-handle.js'
import { int, loadAverage, median, ms, percentile, table } from './stats.js'

type Engine = 'sqlite' | 'postgres'

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`)
  }
  return value
}

const settings = {
  rows: envInt('BENCH_ROWS', 1_000_000, 1000),
  engines: (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()).filter((e): e is Engine => e === 'sqlite' || e === 'postgres'),
  requests: envInt('BENCH_HUNTING_REQUESTS', 15, 1),
  warmup: envInt('BENCH_HUNTING_WARMUP', 2, 0),
  clients: envInt('BENCH_CLIENTS', 4, 1),
  seed: envInt('BENCH_SEED', 20240501, 0),
  tmp: process.env.BENCH_TMPDIR || os.tmpdir(),
}

const DAYS = 30
const DAY = 86_400_000

/** A hunting query and the same question in SQL, per engine; `?`/`$n` take the window's start, then `params`. */
interface Case {
  readonly key: string
  readonly query: string
  readonly sqlite: string
  readonly postgres: string
  readonly params: readonly unknown[]
}

function cases(app: string, upn: string): Case[] {
  return [
    {
      key: 'summarize count() by Application, bin(Timestamp, 1h)',
      query: 'CloudAppEvents | summarize count() by Application, bin(Timestamp, 1h)',
      sqlite: `select doc ->> '$.app' as a, (time / 3600000) * 3600000 as h, count(*) as n from activities where is_private = 0 and time >= ? group by 1, 2 order by 1, 2 limit 10001`,
      postgres: `select * from (select cast(doc as jsonb) ->> 'app' as a, (time / 3600000) * 3600000 as h, count(*) as n from activities where is_private = 0 and time >= $1 group by 1, 2) g order by a collate "C", h limit 10001`,
      params: [],
    },
    {
      key: 'Defender sample (FileDownloaded, 7d, by app and hour, top 10)',
      query: 'CloudAppEvents | where Timestamp > ago(7d) and ActionType == "FileDownloaded" | summarize count() by Application, bin(Timestamp, 1h) | order by count_ desc | take 10',
      sqlite: `select doc ->> '$.app' as a, (time / 3600000) * 3600000 as h, count(*) as n from activities where is_private = 0 and time >= ? and time > ? and action_name = 'filedownloaded' and doc ->> '$.action.name' = 'FileDownloaded' group by 1, 2 order by 3 desc, 1, 2 limit 10`,
      postgres: `select * from (select cast(doc as jsonb) ->> 'app' as a, (time / 3600000) * 3600000 as h, count(*) as n from activities where is_private = 0 and time >= $1 and time > $2 and action_name = 'filedownloaded' and cast(doc as jsonb) #>> '{action,name}' = 'FileDownloaded' group by 1, 2) g order by n desc, a collate "C", h limit 10`,
      params: ['7d'],
    },
    {
      key: `Application == one app, 7d, count by ActionType`,
      query: `CloudAppEvents | where Application == "${app}" and Timestamp > ago(7d) | summarize count() by ActionType`,
      sqlite: `select doc ->> '$.action.name' as t, count(*) as n from activities where is_private = 0 and time >= ? and time > ? and app = ? and doc ->> '$.app' = ? group by 1 order by 1 limit 10001`,
      postgres: `select * from (select cast(doc as jsonb) #>> '{action,name}' as t, count(*) as n from activities where is_private = 0 and time >= $1 and time > $2 and app = $3 and cast(doc as jsonb) ->> 'app' = $4 group by 1) g order by t collate "C" limit 10001`,
      params: ['7d', app.toLowerCase(), app],
    },
    {
      key: 'AccountId == one user, 4 columns, take 100',
      query: `CloudAppEvents | where AccountId == "${upn}" | project Timestamp, Application, ActionType, IPAddress | take 100`,
      sqlite: `select time, doc ->> '$.app', doc ->> '$.action.name', doc ->> '$.ip' from activities where is_private = 0 and time >= ? and actor_upn = ? and doc ->> '$.actor.upn' = ? order by time desc, id desc limit 100`,
      postgres: `select time, cast(doc as jsonb) ->> 'app', cast(doc as jsonb) #>> '{action,name}', cast(doc as jsonb) ->> 'ip' from activities where is_private = 0 and time >= $1 and actor_upn = $2 and cast(doc as jsonb) #>> '{actor,upn}' = $3 order by time desc, id collate "C" desc limit 100`,
      params: [upn.toLowerCase(), upn],
    },
    {
      key: 'ObjectName contains "budget" | count (every row read)',
      query: 'CloudAppEvents | where ObjectName contains "budget" | count',
      sqlite: `select count(*) from activities where is_private = 0 and time >= ? and lower(doc ->> '$.target.name') like '%budget%'`,
      postgres: `select count(*) from activities where is_private = 0 and time >= $1 and lower(cast(doc as jsonb) #>> '{target,name}') like '%budget%'`,
      params: [],
    },
  ]
}

interface Timing {
  readonly p50: number
  readonly p95: number
  readonly rows: number
}

function log(line = ''): void {
  process.stdout.write(`${line}\n`)
}

/** `'7d'` in a case's parameters is "7 days before now", computed when the query is sent. */
function bind(params: readonly unknown[], now: number): unknown[] {
  return params.map((p) => (p === '7d' ? now - 7 * DAY : p))
}

async function measure(run: () => Promise<number>): Promise<Timing> {
  let rows = 0
  for (let i = 0; i < settings.warmup; i++) {
    rows = await run()
  }
  const latencies: number[] = []
  for (let i = 0; i < settings.requests; i++) {
    const started = performance.now()
    rows = await run()
    latencies.push(performance.now() - started)
  }
  return { p50: median(latencies), p95: percentile(latencies, 95), rows }
}

async function hunt(url: string, token: string, query: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/hunting/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, timespan: `P${DAYS + 1}D` }),
  })
  const text = await response.text()
  if (response.status !== 200) {
    throw new Error(`hunting answered ${response.status}: ${text.slice(0, 500)}`)
  }
  return (JSON.parse(text) as { results: unknown[] }).results.length
}

async function runEngine(engine: Engine, secretKeyHex: string): Promise<Map<string, { veil: Timing; raw: Timing }>> {
  const dataset = buildDataset({ seed: settings.seed, rows: settings.rows, batchSize: 1000, now: Math.floor(Date.now() / 1000) * 1000, days: DAYS, people: 5000 })
  const sample = dataset.samples[0]
  if (sample === undefined) {
    throw new Error('the data set has no samples')
  }
  const dir = mkdtempSync(join(settings.tmp, `veil-hunting-bench-${engine}-`))
  const database = engine === 'postgres' ? await createTestDatabase() : null
  const databaseUrl = database?.url ?? `sqlite:${join(dir, 'veil.db')}`
  const results = new Map<string, { veil: Timing; raw: Timing }>()
  try {
    // Generous limits: the benchmark measures queries, not the limits.
    process.env.VEIL_HUNTING_TIMEOUT_MS = '600000'
    const server = await startServerProcess({ databaseUrl, secretKeyHex, logLevel: 'warn' })
    const veil = new Map<string, Timing>()
    const all = cases(sample.app, sample.upn)
    try {
      const ingest = await ingestOverHttp(server.url, server.token, dataset.bodies, settings.clients)
      log(`  ${engine}: ingested ${int(ingest.accepted)} activities over HTTP in ${ingest.seconds.toFixed(1)} s`)
      if (database !== null) {
        const client = new pg.Client({ connectionString: database.url })
        await client.connect()
        await client.query('vacuum (analyze) activities')
        await client.end()
      }
      for (const c of all) {
        veil.set(c.key, await measure(() => hunt(server.url, server.token, c.query)))
      }
    } finally {
      await server.stop()
    }
    if (engine === 'sqlite') {
      const db = new BetterSqlite3(join(dir, 'veil.db'), { readonly: true })
      try {
        for (const c of all) {
          const statement = db.prepare(c.sqlite)
          const raw = await measure(async () => statement.all(Date.now() - (DAYS + 1) * DAY, ...bind(c.params, Date.now())).length)
          results.set(c.key, { veil: veil.get(c.key) as Timing, raw })
        }
      } finally {
        db.close()
      }
    } else {
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      try {
        for (const c of all) {
          const raw = await measure(async () => (await client.query(c.postgres, [Date.now() - (DAYS + 1) * DAY, ...bind(c.params, Date.now())])).rows.length)
          results.set(c.key, { veil: veil.get(c.key) as Timing, raw })
        }
      } finally {
        await client.end()
      }
    }
    return results
  } finally {
    await database?.drop()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  log('# Veil hunting benchmark')
  log()
  const cpus = os.cpus()
  log(`- machine: ${cpus.length} cores (${cpus[0]?.model ?? '?'}), ${int(os.totalmem() / 2 ** 30)} GiB RAM; node ${process.version}`)
  log(`- ${int(settings.rows)} activities over ${DAYS} days; ${settings.requests} runs per query after ${settings.warmup} warm-up; timespan P${DAYS + 1}D`)
  log(`- load average at the start: ${loadAverage()}`)
  const engines: Engine[] = []
  for (const engine of settings.engines) {
    if (engine === 'postgres' && !(await postgresReachable().catch(() => false))) {
      log('- PostgreSQL is unreachable: skipped')
      continue
    }
    engines.push(engine)
  }
  const secretKeyHex = randomBytes(32).toString('hex')
  const byEngine = new Map<Engine, Map<string, { veil: Timing; raw: Timing }>>()
  for (const engine of engines) {
    byEngine.set(engine, await runEngine(engine, secretKeyHex))
  }
  log()
  log(`- load average at the end: ${loadAverage()}`)
  log()
  log('p50 / p95 ms: Veil over HTTP (compile, run with the time limit, JSON answer) and the same question in hand-written SQL on the engine; Veil p50 / SQL p50; rows answered')
  log()
  const keys = [...(byEngine.values().next().value?.keys() ?? [])]
  const header = ['query', ...engines.flatMap((e) => [`${e} Veil`, `${e} SQL`, `${e} Veil/SQL`, `${e} rows`])]
  const rows = keys.map((key) => [
    key,
    ...engines.flatMap((e) => {
      const r = byEngine.get(e)?.get(key)
      return r
        ? [`${ms(r.veil.p50)} / ${ms(r.veil.p95)}`, `${ms(r.raw.p50)} / ${ms(r.raw.p95)}`, `${(r.veil.p50 / r.raw.p50).toFixed(2)}x`, r.veil.rows === r.raw.rows ? int(r.veil.rows) : `${r.veil.rows} ≠ ${r.raw.rows}`]
        : ['–', '–', '–', '–']
    }),
  ])
  log(table(header, rows))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
