/**
 * `npm run bench:export`: how fast a CSV export streams over HTTP and whether its memory stays flat,
 * with the storage engine's own streaming of the same rows beside it.
 *
 * For each engine: load N generated activities into a fresh store (through the store's insert, not
 * timed), start the server in its own process as `veil serve` runs, export everything as CSV over HTTP
 * (`POST /api/v1/activities/export`, a real socket, the body read and discarded), sampling the server's
 * RSS when the client has received 100k, 250k, 500k and 1M rows and every 250 ms (the peak). The
 * baselines read the same rows in the same order straight from the engine (`better-sqlite3`
 * `.iterate()`, a PostgreSQL cursor fetching 2,000 rows at a time), each in a process of its own (whose
 * RSS it reports): "raw read" only reads them (the engine's own rate), "raw read + CSV" also decodes them
 * as the store does and encodes them through csv-stringify as the export does, into a null sink (the
 * same work without HTTP, the store's paging, privacy checks and back-pressure).
 *
 * The data set is loaded once per engine; the export and both baselines then run `BENCH_EXPORT_RUNS`
 * times in turn on it, and the summary shows medians with the runs' range.
 *
 * Settings (environment):
 * - `BENCH_EXPORT_ROWS` (default 1000000): activities to load and export;
 * - `BENCH_EXPORT_RUNS` (default 3): runs of each path on the loaded data;
 * - `BENCH_ENGINES` (default `sqlite,postgres`); PostgreSQL is skipped with a message when unreachable
 *   (`VEIL_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432/postgres);
 * - `BENCH_SEED`, `BENCH_TMPDIR`.
 *
 * @module
 */

import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { stringify } from 'csv-stringify/sync'
import { deriveSecrets } from '../src/config/secrets.js'
import { exportCells, exportHeader } from '../src/core/privacy/export-row.js'
import { neutralizeFormula } from '../src/services/export/export-encoder.js'
import { fromActivityRow, type ActivityReadRow } from '../src/storage/activity-row.js'
import { openStore } from '../src/storage/open-store.js'
import { createTestDatabase, postgresReachable } from '../test/helpers/pg.js'
import { analyzeActivities, fillWithGeneratedActivities } from './fill-store.js'
import { startServerProcess } from './server-handle.js'
import { int, loadAverage, median, spread, table } from './stats.js'

type Engine = 'sqlite' | 'postgres'

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
  rows: envInt('BENCH_EXPORT_ROWS', 1_000_000, 1000),
  runs: envInt('BENCH_EXPORT_RUNS', 3, 1),
  engines: (process.env.BENCH_ENGINES ?? 'sqlite,postgres')
    .split(',')
    .map((e) => e.trim())
    .filter((e): e is Engine => e === 'sqlite' || e === 'postgres'),
  seed: envInt('BENCH_SEED', 20240501, 0),
  tmp: process.env.BENCH_TMPDIR || os.tmpdir(),
} as const

/** Rows received at which RSS is sampled (those up to the export's size). */
const CHECKPOINTS = [100_000, 250_000, 500_000, 1_000_000].filter((n) => n <= settings.rows)
const LOAD_BATCH = 10_000
const FETCH_ROWS = 2000
const MIB = 2 ** 20

/** One export path measured: Veil over HTTP, or the engine's own streaming. */
interface Measured {
  readonly engine: Engine
  readonly path: string
  readonly rows: number
  readonly bytes: number
  readonly seconds: number
  /** RSS (bytes) before the first row. */
  readonly rssBefore: number
  /** RSS (bytes) at each checkpoint, in the order of {@link CHECKPOINTS}. */
  readonly rssAt: readonly number[]
  readonly peakRss: number
}

function log(line = ''): void {
  process.stdout.write(`${line}\n`)
}

/** Fill a fresh store with the generated activities (as the server would store them, not timed). */
async function load(databaseUrl: string, governanceKey: Buffer): Promise<number> {
  const store = await openStore({ url: databaseUrl, governanceKey })
  const started = performance.now()
  try {
    await store.migrate()
    await fillWithGeneratedActivities(store, { seed: settings.seed, rows: settings.rows, batch: LOAD_BATCH })
  } finally {
    await store.close()
  }
  await analyzeActivities(databaseUrl)
  return (performance.now() - started) / 1000
}

/** Export over HTTP from a server process, reading and discarding the body. */
async function exportOverHttp(engine: Engine, databaseUrl: string, secretKeyHex: string): Promise<Measured> {
  const server = await startServerProcess({ databaseUrl, secretKeyHex, logLevel: 'warn' })
  try {
    const rssAt: number[] = []
    let peakRss = 0
    const sample = async (): Promise<number> => {
      const rss = (await server.stats()).rssBytes
      peakRss = Math.max(peakRss, rss)
      return rss
    }
    const rssBefore = await sample()
    const poller = setInterval(() => {
      sample().catch(() => undefined)
    }, 250)
    const started = performance.now()
    const { rows, bytes } = await new Promise<{ rows: number; bytes: number }>((resolve, reject) => {
      const url = new URL('/api/v1/activities/export', server.url)
      const req = request(url, { method: 'POST', agent: false, headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`export answered ${String(res.statusCode)}`))
          res.resume()
          return
        }
        let lineEnds = 0
        let received = 0
        let next = 0
        res.on('data', (chunk: Buffer) => {
          received += chunk.length
          for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) {
            lineEnds += 1
          }
          // The header row is one line; generated values hold no line breaks.
          while (next < CHECKPOINTS.length && lineEnds - 1 >= (CHECKPOINTS[next] as number)) {
            const slot = next
            sample().then(
              (rss) => {
                rssAt[slot] = rss
              },
              () => undefined,
            )
            next += 1
          }
        })
        res.on('end', () => resolve({ rows: lineEnds - 1, bytes: received }))
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end('{"format": "csv"}')
    })
    const seconds = (performance.now() - started) / 1000
    clearInterval(poller)
    await sample()
    return { engine, path: 'Veil export over HTTP (server RSS)', rows, bytes, seconds, rssBefore, rssAt, peakRss }
  } finally {
    await server.stop()
  }
}

/** The baseline's encoder: the same cells and csv-stringify options as the export, batch by batch. */
function createBaselineSink(): { write(rows: ActivityReadRow[]): void; readonly bytes: number } {
  let bytes = Buffer.byteLength(stringify([exportHeader(false)], { record_delimiter: 'windows' }))
  return {
    write(rows) {
      const cells = rows.map((row) => {
        const stored = fromActivityRow(row)
        if (stored.isPrivate) {
          throw new Error('the baseline read a private row')
        }
        return exportCells({ kind: 'activity', activity: stored.activity }, false).map(neutralizeFormula)
      })
      bytes += Buffer.byteLength(stringify(cells, { record_delimiter: 'windows', quoted_match: /[\r\n]/ }))
    },
    get bytes() {
      return bytes
    },
  }
}

const BASELINE_SQL = 'select id, time, is_private, doc from activities where is_private = 0 order by time desc, id desc'

/** Counts the rows and the stored JSON bytes read, without decoding them: the engine's read alone. */
function createReadOnlySink(): { write(rows: ActivityReadRow[]): void; readonly bytes: number } {
  let bytes = 0
  return {
    write(rows) {
      for (const row of rows) {
        bytes += row.doc?.length ?? 0
      }
    },
    get bytes() {
      return bytes
    },
  }
}

type RawMode = 'read' | 'csv'

/** The engine streaming the same rows (and, for `csv`, through the same encoding), in this process. */
async function rawExport(engine: Engine, databaseUrl: string, mode: RawMode): Promise<Measured> {
  const sink = mode === 'csv' ? createBaselineSink() : createReadOnlySink()
  const rssAt: number[] = []
  const rssBefore = process.memoryUsage.rss()
  let peakRss = rssBefore
  let rows = 0
  let next = 0
  const progress = (added: number): void => {
    rows += added
    const rss = process.memoryUsage.rss()
    peakRss = Math.max(peakRss, rss)
    while (next < CHECKPOINTS.length && rows >= (CHECKPOINTS[next] as number)) {
      rssAt[next] = rss
      next += 1
    }
  }
  const started = performance.now()
  if (engine === 'sqlite') {
    const db = new BetterSqlite3(databaseUrl.slice('sqlite:'.length), { readonly: true })
    try {
      let batch: ActivityReadRow[] = []
      for (const row of db.prepare(BASELINE_SQL).iterate() as IterableIterator<ActivityReadRow>) {
        batch.push(row)
        if (batch.length === FETCH_ROWS) {
          sink.write(batch)
          progress(batch.length)
          batch = []
        }
      }
      sink.write(batch)
      progress(batch.length)
    } finally {
      db.close()
    }
  } else {
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    try {
      await client.query('begin read only')
      await client.query(`declare export_baseline no scroll cursor for ${BASELINE_SQL}`)
      for (;;) {
        const { rows: fetched } = await client.query<ActivityReadRow>(`fetch ${FETCH_ROWS} from export_baseline`)
        if (fetched.length === 0) {
          break
        }
        sink.write(fetched)
        progress(fetched.length)
      }
      await client.query('commit')
    } finally {
      await client.end()
    }
  }
  const seconds = (performance.now() - started) / 1000
  const reader = engine === 'sqlite' ? 'better-sqlite3 .iterate()' : 'pg cursor'
  return { engine, path: mode === 'csv' ? `raw read + CSV (${reader} → csv-stringify)` : `raw read (${reader})`, rows, bytes: sink.bytes, seconds, rssBefore, rssAt, peakRss }
}

/** The baseline in a fresh process, so its RSS is the baseline's own and not the loader's leftovers. */
function rawExportInChild(engine: Engine, databaseUrl: string, mode: RawMode): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [RAW_CHILD_FLAG, engine, databaseUrl, mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    let result: Measured | null = null
    child.once('message', (message: Measured) => {
      result = message
    })
    child.once('error', reject)
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`the ${engine} baseline process exited with ${String(code)}`))))
  })
}

async function runEngine(engine: Engine, secretKeyHex: string): Promise<Measured[]> {
  const governanceKey = deriveSecrets(Buffer.from(secretKeyHex, 'hex')).governanceKey
  const dir = mkdtempSync(join(settings.tmp, `veil-export-bench-${engine}-`))
  let databaseUrl = `sqlite:${join(dir, 'veil.db')}`
  let drop: () => Promise<void> = async () => undefined
  if (engine === 'postgres') {
    const created = await createTestDatabase()
    databaseUrl = created.url
    drop = created.drop
  }
  try {
    const loadSeconds = await load(databaseUrl, governanceKey)
    log(`  ${engine}: loaded ${int(settings.rows)} activities in ${loadSeconds.toFixed(1)} s`)
    const measured: Measured[] = []
    for (let run = 1; run <= settings.runs; run++) {
      // In turn, so a change of the machine's load affects every path alike.
      for (const measure of [() => exportOverHttp(engine, databaseUrl, secretKeyHex), () => rawExportInChild(engine, databaseUrl, 'csv'), () => rawExportInChild(engine, databaseUrl, 'read')]) {
        const m = await measure()
        if (m.rows !== settings.rows) {
          throw new Error(`${engine}: ${m.path} gave ${m.rows} rows, expected ${settings.rows}`)
        }
        log(`  ${engine} run ${run}: ${m.path}: ${int(m.rows / m.seconds)} rows/s (${m.seconds.toFixed(1)} s, ${int(m.bytes / MIB)} MiB, peak RSS ${int(m.peakRss / MIB)} MiB; load ${loadAverage()})`)
        measured.push(m)
      }
    }
    return measured
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await drop()
  }
}

async function main(): Promise<void> {
  log(`Export benchmark: ${int(settings.rows)} activities, CSV, ${settings.runs} run(s), load average ${loadAverage()}, Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${int(os.totalmem() / MIB)} MiB RAM`)
  const secretKeyHex = randomBytes(32).toString('hex')
  const results: Measured[] = []
  for (const engine of settings.engines) {
    if (engine === 'postgres' && !(await postgresReachable())) {
      log('  postgres: unreachable, skipped')
      continue
    }
    results.push(...(await runEngine(engine, secretKeyHex)))
  }
  log()
  log(`Summary: ${settings.runs} run(s) per path, median (min–max); load average at the end ${loadAverage()}`)
  const mib = (bytes: number | undefined) => (bytes === undefined ? '-' : int(bytes / MIB))
  const rate = (m: Measured) => m.rows / m.seconds
  const rows: string[][] = []
  for (const engine of settings.engines) {
    const ofEngine = results.filter((r) => r.engine === engine)
    const paths = [...new Set(ofEngine.map((r) => r.path))]
    const veilRate = median(ofEngine.filter((r) => r.path === paths[0]).map(rate))
    for (const path of paths) {
      const runs = ofEngine.filter((r) => r.path === path)
      const pathRate = median(runs.map(rate))
      rows.push([
        engine,
        path,
        spread(runs.map(rate)),
        (median(runs.map((r) => r.bytes)) / MIB / median(runs.map((r) => r.seconds))).toFixed(1),
        path === paths[0] ? '' : `${Math.round((veilRate / pathRate) * 100)} %`,
        mib(median(runs.map((r) => r.rssBefore))),
        // The highest of the runs at each checkpoint: what a flat line must stay under.
        ...CHECKPOINTS.map((_, i) => mib(Math.max(...runs.map((r) => r.rssAt[i] ?? Number.NaN)))),
        mib(Math.max(...runs.map((r) => r.peakRss))),
      ])
    }
  }
  log(
    table(
      ['engine', 'path', 'rows/s', 'MiB/s', 'Veil / this', 'RSS MiB before', ...CHECKPOINTS.map((n) => `RSS MiB @${n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`}`), 'peak RSS MiB'],
      rows,
    ),
  )
}

const RAW_CHILD_FLAG = '--raw-baseline'

if (process.argv[2] === RAW_CHILD_FLAG) {
  const [engine, databaseUrl, mode] = process.argv.slice(3) as [Engine, string, RawMode]
  const measured = await rawExport(engine, databaseUrl, mode)
  process.send?.(measured, () => process.disconnect?.())
} else {
  await main()
}
