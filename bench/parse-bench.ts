/**
 * `npm run bench:parse`: how fast the ingest pipeline's parse and normalize stages read each native
 * audit format, measured on the real samples of the corpus replicated to a million events per format,
 * with the store's own insert rate beside it for comparison (the parse stage must not be the ingest
 * bottleneck). Single-threaded, in process: no HTTP, no classification, no store in the parse figures.
 *
 * For each format: the samples that normalize are written as NDJSON lines and repeated into bodies of
 * `BENCH_PARSE_CHUNK` events; each body goes through the parse stage (`parseIngestBody`) and every record
 * through auto-detection, expansion (CloudTrail log files, Google Workspace activities of several
 * events) and normalization, as the pipeline does. Reported: JSON parsing alone, detection and
 * normalization alone (on parsed records), and both, in events per second.
 *
 * Settings (environment):
 * - `BENCH_PARSE_EVENTS` (default 1000000): events per format;
 * - `BENCH_PARSE_CHUNK` (default 10000): events per body (one ingest batch);
 * - `BENCH_PARSE_RUNS` (default 3): runs of every format (in turn) and of the store; medians and range;
 * - `BENCH_PARSE_STORE_ROWS` (default 200000): activities inserted in 10,000-row transactions into a
 *   fresh store per engine; 0 skips the store;
 * - `BENCH_PARSE_ENGINES` (default `sqlite,postgres`); PostgreSQL is skipped with a message when unreachable;
 * - `BENCH_CORPUS`: the corpus directory (default: `../shared/corpus` beside the repository when it is
 *   there, else `test/fixtures/corpus`);
 * - `BENCH_TMPDIR`: where the SQLite file goes.
 *
 * @module
 */

import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Activity } from '../src/core/activity/activity.js'
import { NATIVE_FORMATS } from '../src/ingest/formats/native-formats.js'
import type { IngestFormat } from '../src/ingest/ingest-format.js'
import type { ParsedRecord } from '../src/ingest/ingest-pipeline.js'
import { parseIngestBody } from '../src/ingest/parse-stage.js'
import { veilFormat } from '../src/ingest/veil/veil-ingest-format.js'
import { openStore } from '../src/storage/open-store.js'
import type { NewActivity } from '../src/storage/store.js'
import { corpusPresent, FIXTURE_CORPUS, loadSamples, PRODUCT_FORMATS, SHARED_CORPUS } from '../test/ingest/corpus.js'
import { normalizeRecord } from '../test/ingest/normalize-record.js'
import { createTestDatabase, postgresReachable } from '../test/helpers/pg.js'
import { int, loadAverage, median, spread, table } from './stats.js'

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min}, not "${raw}"`)
  }
  return value
}

const EVENTS = envInt('BENCH_PARSE_EVENTS', 1_000_000, 1)
const CHUNK = envInt('BENCH_PARSE_CHUNK', 10_000, 1)
const STORE_ROWS = envInt('BENCH_PARSE_STORE_ROWS', 200_000, 0)
const RUNS = envInt('BENCH_PARSE_RUNS', 3, 1)
const ENGINES = (process.env.BENCH_PARSE_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim())
const CORPUS = process.env.BENCH_CORPUS ?? (corpusPresent(SHARED_CORPUS) ? SHARED_CORPUS : FIXTURE_CORPUS)
const FORMATS: readonly IngestFormat[] = [veilFormat, ...NATIVE_FORMATS]
const RECEIVED_AT = Date.UTC(2026, 11, 31)
const TRANSACTION_ROWS = 10_000

interface Workload {
  readonly name: string
  /** NDJSON lines of records that normalize without error. */
  readonly lines: readonly string[]
  /** `events[i]`: how many activities `lines[i]` becomes. */
  readonly events: readonly number[]
}

interface ParseResult {
  readonly name: string
  readonly events: number
  readonly bytesPerEvent: number
  readonly jsonPerSecond: number
  readonly normalizePerSecond: number
  readonly totalPerSecond: number
}

/** The corpus samples that normalize, grouped by the format that reads them, and all formats interleaved. */
function workloads(): { perFormat: Workload[]; activities: Activity[] } {
  const byFormat = new Map<string, { lines: string[]; events: number[] }>()
  const activities: Activity[] = []
  for (const sample of loadSamples(CORPUS, Object.keys(PRODUCT_FORMATS))) {
    const outcomes = normalizeRecord(FORMATS, sample.value, RECEIVED_AT)
    if (outcomes === null || outcomes.length === 0 || outcomes.some((o) => !o.result.ok)) {
      continue
    }
    const format = outcomes[0]?.format as string
    const workload = byFormat.get(format) ?? { lines: [], events: [] }
    byFormat.set(format, workload)
    workload.lines.push(JSON.stringify(sample.value))
    workload.events.push(outcomes.length)
    for (const o of outcomes) {
      if (o.result.ok) {
        activities.push(o.result.activity)
      }
    }
  }
  const perFormat = NATIVE_FORMATS.filter((f) => byFormat.has(f.name)).map((f) => ({ name: f.name, ...(byFormat.get(f.name) as { lines: string[]; events: number[] }) }))
  const mixed = { name: 'mixed (auto-detected)', lines: [] as string[], events: [] as number[] }
  for (let i = 0; perFormat.some((w) => i < w.lines.length); i++) {
    for (const w of perFormat) {
      if (i < w.lines.length) {
        mixed.lines.push(w.lines[i] as string)
        mixed.events.push(w.events[i] as number)
      }
    }
  }
  return { perFormat: [...perFormat, mixed], activities }
}

/** One body of at least `CHUNK` events: the workload's lines repeated in turn. */
function body(workload: Workload): { text: string; events: number } {
  const lines: string[] = []
  let events = 0
  for (let i = 0; events < CHUNK; i++) {
    lines.push(workload.lines[i % workload.lines.length] as string)
    events += workload.events[i % workload.events.length] as number
  }
  return { text: lines.join('\n'), events }
}

/** Detect, expand and normalize parsed records as the pipeline does; returns the activities made. */
function normalizeAll(records: readonly ParsedRecord[]): number {
  let made = 0
  for (const record of records) {
    const container = FORMATS.find((f) => f.detect(record.value))
    if (container === undefined) {
      continue
    }
    const parts = container.expand?.(record.value) ?? null
    if (parts === null) {
      made += container.normalize(record.value, { index: record.index, receivedAt: RECEIVED_AT }).ok ? 1 : 0
      continue
    }
    for (const part of parts) {
      const format = FORMATS.find((f) => f.detect(part.value)) ?? container
      made += format.normalize(part.value, { index: record.index, receivedAt: RECEIVED_AT }).ok ? 1 : 0
    }
  }
  return made
}

function measure(workload: Workload): ParseResult {
  const chunk = body(workload)
  const iterations = Math.max(1, Math.ceil(EVENTS / chunk.events))
  // Warm up the JIT on one body before timing.
  normalizeAll(parseIngestBody(chunk.text, 'ndjson').records)

  let jsonMs = 0
  let normalizeMs = 0
  let made = 0
  for (let i = 0; i < iterations; i++) {
    const started = performance.now()
    const parsed = parseIngestBody(chunk.text, 'ndjson')
    const parsedAt = performance.now()
    made += normalizeAll(parsed.records)
    normalizeMs += performance.now() - parsedAt
    jsonMs += parsedAt - started
  }
  const events = chunk.events * iterations
  if (made !== events) {
    throw new Error(`${workload.name}: expected ${events} activities, made ${made}`)
  }
  return {
    name: workload.name,
    events,
    bytesPerEvent: Buffer.byteLength(chunk.text) / chunk.events,
    jsonPerSecond: events / (jsonMs / 1000),
    normalizePerSecond: events / (normalizeMs / 1000),
    totalPerSecond: events / ((jsonMs + normalizeMs) / 1000),
  }
}

let storeRuns = 0

/** Insert `STORE_ROWS` of the corpus's activities (with unique ids) into a fresh store, in 10,000-row transactions. */
async function storeRate(engine: string, activities: readonly Activity[], tmp: string): Promise<number | null> {
  if (engine === 'postgres' && !(await postgresReachable())) {
    console.log('PostgreSQL unreachable: its insert rate is skipped')
    return null
  }
  const database = engine === 'postgres' ? await createTestDatabase() : null
  storeRuns += 1
  const file = join(tmp, `parse-bench-${storeRuns}.db`)
  const store = await openStore({ url: database?.url ?? `sqlite:${file}`, governanceKey: Buffer.alloc(32, 7) })
  try {
    await store.migrate()
    let elapsed = 0
    for (let start = 0; start < STORE_ROWS; start += TRANSACTION_ROWS) {
      const batch: NewActivity[] = []
      for (let n = start; n < Math.min(STORE_ROWS, start + TRANSACTION_ROWS); n++) {
        const activity = activities[n % activities.length] as Activity
        batch.push({ isPrivate: false, activity: { ...activity, id: `${activity.id}#${n}` } })
      }
      const started = performance.now()
      await store.activities.insert(batch)
      elapsed += performance.now() - started
    }
    return STORE_ROWS / (elapsed / 1000)
  } finally {
    await store.close()
    await database?.drop()
    rmSync(file, { force: true })
    rmSync(`${file}-wal`, { force: true })
    rmSync(`${file}-shm`, { force: true })
  }
}

async function main(): Promise<void> {
  const { perFormat, activities } = workloads()
  console.log(`corpus: ${CORPUS === SHARED_CORPUS ? 'the shared corpus' : 'the project fixtures'} (BENCH_CORPUS); ${activities.length} sample events that normalize; ${int(EVENTS)} events per format, bodies of ${int(CHUNK)} events, ${RUNS} run(s); node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}; load average ${loadAverage()}`)
  const runs = new Map<string, ParseResult[]>(perFormat.map((w) => [w.name, []]))
  for (let run = 1; run <= RUNS; run++) {
    // Every format in turn per run, so a change of the machine's load spreads over all of them.
    const figures: string[] = []
    for (const w of perFormat) {
      const result = measure(w)
      runs.get(w.name)?.push(result)
      figures.push(`${w.name} ${int(result.totalPerSecond)}`)
    }
    console.log(`run ${run} (parse+normalize ev/s): ${figures.join(', ')}; load ${loadAverage()}`)
  }
  const of = (name: string): ParseResult[] => runs.get(name) ?? []
  console.log()
  console.log(`parse + normalize, single thread: median (min–max) of ${RUNS} run(s); load average at the end ${loadAverage()}`)
  console.log(
    table(
      ['format', 'events', 'bytes/event', 'JSON parse ev/s', 'detect+normalize ev/s', 'parse+normalize ev/s'],
      perFormat.map((w) => {
        const r = of(w.name)
        return [w.name, int(r[0]?.events ?? 0), int(r[0]?.bytesPerEvent ?? 0), int(median(r.map((x) => x.jsonPerSecond))), int(median(r.map((x) => x.normalizePerSecond))), spread(r.map((x) => x.totalPerSecond))]
      }),
    ),
  )
  if (STORE_ROWS === 0) {
    return
  }
  const tmp = mkdtempSync(join(process.env.BENCH_TMPDIR ?? os.tmpdir(), 'veil-parse-bench-'))
  try {
    const slowest = Math.min(...perFormat.map((w) => median(of(w.name).map((x) => x.totalPerSecond))))
    const rows: string[][] = []
    for (const engine of ENGINES) {
      const rates: number[] = []
      for (let run = 1; run <= RUNS; run++) {
        const rate = await storeRate(engine, activities, tmp)
        if (rate === null) {
          break
        }
        rates.push(rate)
      }
      if (rates.length > 0) {
        rows.push([engine, int(STORE_ROWS), spread(rates), `${(slowest / median(rates)).toFixed(1)}x`])
      }
    }
    console.log()
    console.log(table(['store insert (same activities, fresh store per run)', 'rows', 'rows/s (10,000-row transactions)', 'slowest format (median) parses ... faster'], rows))
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

await main()
