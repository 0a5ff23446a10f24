/**
 * `npm run bench:siem`: SIEM forwarding throughput. N public activities are recorded in a fresh store
 * after a syslog (TCP, CEF, RFC 5424) destination was created, then the forwarder delivers them to a
 * listener on this machine that counts octet-counted frames; the figure is activities per second from
 * the forwarder's start to the last frame counted.
 *
 * Beside it, the raw baseline: the engine's own driver reads the same rows in the same order (SQLite:
 * one `select ... order by rowid` iteration; PostgreSQL: keyset pages over `(tx_id, id)` of the same
 * size as the forwarder's batches), each is parsed, formatted with the same CEF/syslog encoder and
 * framing, and written to the same kind of socket, without cursor, lease, status or fencing. The
 * difference is what durability (a cursor committed per batch) and election cost.
 *
 * The activities are recorded once per engine. `BENCH_SIEM_RUNS` destinations are created, disabled,
 * before that (so each one's cursor sits before every activity); run i enables destination i, forwards
 * everything and disables it again, then runs the baseline; the summary shows medians and the range.
 *
 * Settings (environment):
 * - `BENCH_SIEM_ROWS` (default 1000000): activities;
 * - `BENCH_SIEM_RUNS` (default 3): runs of the forwarder and of the baseline on them;
 * - `BENCH_ENGINES` (default `sqlite,postgres`); PostgreSQL is skipped with a message when unreachable
 *   (`VEIL_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432/postgres);
 * - `BENCH_SIEM_BATCH` (default 1000): the forwarder's batch size (`VEIL_SIEM_BATCH_SIZE`) and the
 *   baseline's page size on PostgreSQL;
 * - `BENCH_SEED`, `BENCH_TMPDIR`.
 *
 * @module
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'

import { loadConfig } from '../src/config/config.js'
import { deriveSecrets } from '../src/config/secrets.js'
import type { Activity } from '../src/core/activity/activity.js'
import { siemDestinationCreator, siemDestinationUpdater } from '../src/siem/destinations/siem-destinations.js'
import { SiemForwarder, VEIL_VERSION } from '../src/siem/forwarder/siem-forwarder.js'
import { withSyslogDefaults, type SyslogDestinationSettings } from '../src/siem/siem-destination-settings.js'
import { createCefSyslogEncoder } from '../src/siem/syslog/cef-syslog-encoder.js'
import { frameOctetCounted } from '../src/siem/syslog/octet-counting.js'
import { CLI_INITIATOR } from '../src/services/service-context.js'
import { openStore } from '../src/storage/open-store.js'
import type { Store } from '../src/storage/store.js'
import { createTestDatabase, postgresReachable } from '../test/helpers/pg.js'
import { fillWithGeneratedActivities } from './fill-store.js'
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
  rows: envInt('BENCH_SIEM_ROWS', 1_000_000, 1000),
  runs: envInt('BENCH_SIEM_RUNS', 3, 1),
  batch: envInt('BENCH_SIEM_BATCH', 1000, 1),
  seed: envInt('BENCH_SEED', 20240501, 0),
  engines: (process.env.BENCH_ENGINES ?? 'sqlite,postgres')
    .split(',')
    .map((e) => e.trim())
    .filter((e): e is Engine => e === 'sqlite' || e === 'postgres'),
  tmpdir: process.env.BENCH_TMPDIR ?? tmpdir(),
}

const SECRETS = deriveSecrets(Buffer.alloc(32, 7))
const INSERT_BATCH = 10_000

/** A TCP listener that counts octet-counted frames (RFC 6587) without keeping them. */
interface FrameCounter {
  readonly port: number
  frames: number
  bytes: number
  /** Resolves once `frames` reaches `n`. */
  reach(n: number): Promise<void>
  close(): Promise<void>
}

async function startFrameCounter(): Promise<FrameCounter> {
  let waiting: { n: number; resolve: () => void } | null = null
  const sockets = new Set<Socket>()
  const counter: FrameCounter = {
    port: 0,
    frames: 0,
    bytes: 0,
    reach: (n) =>
      new Promise<void>((resolve) => {
        if (counter.frames >= n) {
          resolve()
        } else {
          waiting = { n, resolve }
        }
      }),
    close: async () => {
      for (const socket of sockets) {
        socket.destroy()
      }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    // Per connection: the digits of the length being read, or the bytes of the frame still to skip.
    let length = 0
    let skip = 0
    socket.on('data', (chunk: Buffer) => {
      counter.bytes += chunk.length
      let i = 0
      while (i < chunk.length) {
        if (skip > 0) {
          const take = Math.min(skip, chunk.length - i)
          skip -= take
          i += take
          if (skip === 0) {
            counter.frames += 1
          }
          continue
        }
        const byte = chunk[i] as number
        i += 1
        if (byte === 0x20) {
          skip = length
          length = 0
        } else {
          length = length * 10 + (byte - 0x30)
        }
      }
      if (waiting && counter.frames >= waiting.n) {
        waiting.resolve()
        waiting = null
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  Object.assign(counter, { port: (server.address() as { port: number }).port })
  return counter
}

/** Record `rows` generated public activities, 10,000 per transaction (not timed). */
async function fill(store: Store, rows: number): Promise<number> {
  const started = performance.now()
  await fillWithGeneratedActivities(store, { seed: settings.seed, rows, batch: INSERT_BATCH })
  return (performance.now() - started) / 1000
}

/** Write to a socket, waiting for it to drain when its buffer is full. */
function write(socket: Socket, data: Buffer): Promise<void> | null {
  return socket.write(data) ? null : new Promise((resolve) => socket.once('drain', () => resolve()))
}

/** The baseline: read, parse, encode, frame and write, with nothing of the forwarder. */
async function baseline(engine: Engine, url: string, counter: FrameCounter, destination: SyslogDestinationSettings): Promise<number> {
  const encode = createCefSyslogEncoder(withSyslogDefaults(destination), { portalUrl: 'https://veil.example.com', hostname: hostname(), version: VEIL_VERSION, clock: Date.now })
  const socket = connect(counter.port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  const target = counter.frames + settings.rows
  const started = performance.now()
  if (engine === 'sqlite') {
    const db = new BetterSqlite3(url.slice('sqlite:'.length), { readonly: true })
    const rows = db.prepare<[], { doc: string }>('select doc from activities where is_private = 0 order by rowid').iterate()
    for (const row of rows) {
      const pending = write(socket, frameOctetCounted(encode(JSON.parse(row.doc) as Activity)))
      if (pending) {
        await pending
      }
    }
    db.close()
  } else {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    let after = { seq: '0', id: '' }
    for (;;) {
      const { rows } = await client.query<{ seq: string; id: string; doc: string }>(
        'select tx_id::text as seq, id, doc from activities where is_private = 0 and tx_id is not null and (tx_id, id) > ($1::xid8, $2) order by tx_id, id limit $3',
        [after.seq, after.id, settings.batch],
      )
      if (rows.length === 0) {
        break
      }
      for (const row of rows) {
        const pending = write(socket, frameOctetCounted(encode(JSON.parse(row.doc) as Activity)))
        if (pending) {
          await pending
        }
      }
      const last = rows[rows.length - 1] as { seq: string; id: string }
      after = { seq: last.seq, id: last.id }
    }
    await client.end()
  }
  await counter.reach(target)
  const seconds = (performance.now() - started) / 1000
  socket.destroy()
  return settings.rows / seconds
}

/** The forwarder from its start until the listener counted every activity. */
async function forward(store: Store, counter: FrameCounter): Promise<number> {
  const config = loadConfig({ VEIL_SIEM_BATCH_SIZE: String(settings.batch), VEIL_SIEM_POLL_MS: '50', VEIL_LOG_LEVEL: 'silent' })
  const forwarder = new SiemForwarder({ store, config: config.siem, settingsKey: SECRETS.siemSettingsKey, portalUrl: 'https://veil.example.com', metrics: null })
  const target = counter.frames + settings.rows
  const started = performance.now()
  forwarder.start()
  await counter.reach(target)
  const seconds = (performance.now() - started) / 1000
  await forwarder.stop()
  return settings.rows / seconds
}

interface EngineResult {
  readonly engine: Engine
  readonly fillSeconds: number
  /** events/s of each run. */
  readonly forwarder: readonly number[]
  readonly baseline: readonly number[]
}

async function runEngine(engine: Engine): Promise<EngineResult | null> {
  if (engine === 'postgres' && !(await postgresReachable())) {
    console.log('PostgreSQL is unreachable: skipped (VEIL_TEST_PG_URL)')
    return null
  }
  const dir = engine === 'sqlite' ? mkdtempSync(join(settings.tmpdir, 'veil-siem-bench-')) : null
  const database = engine === 'postgres' ? await createTestDatabase() : null
  const url = database?.url ?? `sqlite:${join(dir ?? '', 'veil.db')}`
  const store = await openStore({ url, governanceKey: SECRETS.governanceKey })
  const counter = await startFrameCounter()
  try {
    await store.migrate()
    const destination: SyslogDestinationSettings = { kind: 'syslog', transport: 'tcp', host: '127.0.0.1', port: counter.port }
    const ctx = { store, clock: Date.now, secrets: SECRETS }
    const destinations: string[] = []
    for (let run = 1; run <= settings.runs; run++) {
      destinations.push((await siemDestinationCreator(ctx, CLI_INITIATOR, { name: `bench ${run}`, enabled: false, settings: destination })).id)
    }
    console.log(`${engine}: recording ${int(settings.rows)} activities ...`)
    const fillSeconds = await fill(store, settings.rows)
    if (engine === 'postgres') {
      // What autovacuum does minutes after a bulk load; the baseline's plain keyset query needs the
      // statistics to walk the index (the forwarder's reads do not, see kysely-siem-repository.ts).
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      await client.query('analyze activities')
      await client.end()
    }
    console.log(`${engine}: recorded in ${fillSeconds.toFixed(1)} s`)
    const forwarder: number[] = []
    const raw: number[] = []
    for (const [run, id] of destinations.entries()) {
      await siemDestinationUpdater(ctx, CLI_INITIATOR, id, { enabled: true })
      forwarder.push(await forward(store, counter))
      await siemDestinationUpdater(ctx, CLI_INITIATOR, id, { enabled: false })
      raw.push(await baseline(engine, url, counter, destination))
      console.log(`${engine} run ${run + 1}: forwarder ${int(forwarder[run] as number)} events/s, raw baseline ${int(raw[run] as number)} events/s (load ${loadAverage()})`)
    }
    return { engine, fillSeconds, forwarder, baseline: raw }
  } finally {
    await counter.close()
    await store.close()
    await database?.drop()
    if (dir) {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

const results: EngineResult[] = []
for (const engine of settings.engines) {
  const result = await runEngine(engine)
  if (result) {
    results.push(result)
  }
}
console.log('')
console.log(`SIEM forwarding of ${int(settings.rows)} public activities, CEF over syslog/TCP (octet counting) to a local listener, batches of ${int(settings.batch)}`)
console.log(`${settings.runs} run(s): median (min–max); load average at the end ${loadAverage()}`)
console.log(
  table(
    ['engine', 'forwarder (events/s)', 'raw baseline (events/s)', 'forwarder / baseline (medians)', 'recording (s, not timed above)'],
    results.map((r) => [r.engine, spread(r.forwarder), spread(r.baseline), `${Math.round((median(r.forwarder) / median(r.baseline)) * 100)} %`, r.fillSeconds.toFixed(1)]),
  ),
)
