/**
 * The benchmark's data set, built once per invocation and reused by every run and engine: the HTTP
 * bodies (JSON arrays of `batchSize` records, serialized before any timing starts) and the filter values
 * the query benchmark draws from. The raw-engine baseline turns the same bodies into the same rows the
 * server would write (`normalizeVeilRecord` + `toActivityRow`, the server's own code), outside its timing.
 *
 * @module
 */

import { performance } from 'node:perf_hooks'
import { createRandom } from '../src/demo/demo-data.js'
import { normalizeVeilRecord } from '../src/ingest/veil/veil-format.js'
import { toActivityRow, type ActivityInsertRow } from '../src/storage/activity-row.js'
import { createPopulation, querySampleOf, RecordGenerator, type QuerySample } from './generate.js'

export interface Dataset {
  /** One HTTP body per batch: UTF-8 JSON arrays. */
  readonly bodies: ReadonlyArray<Buffer<ArrayBuffer>>
  readonly rows: number
  readonly batchSize: number
  /** Total JSON bytes of the bodies. */
  readonly bytes: number
  /** Filter values drawn from the records (so each exists). */
  readonly samples: readonly QuerySample[]
  readonly people: number
  /** End of the period the records cover, ms since the epoch. */
  readonly now: number
  readonly days: number
  readonly generateSeconds: number
  readonly serializeSeconds: number
}

export interface DatasetOptions {
  readonly seed: number
  readonly rows: number
  readonly batchSize: number
  readonly now: number
  readonly days: number
  readonly people: number
}

const SAMPLE_SIZE = 4000

export function buildDataset(options: DatasetOptions): Dataset {
  const population = createPopulation(options.seed, options.people)
  const generator = new RecordGenerator(population, { seed: options.seed + 1, now: options.now, days: options.days, total: options.rows })
  // A separate stream, so sampling never changes the records.
  const sampler = createRandom(options.seed + 2)
  const samples: QuerySample[] = []
  const bodies: Array<Buffer<ArrayBuffer>> = []
  let bytes = 0
  let generateMs = 0
  let serializeMs = 0
  let seen = 0
  for (;;) {
    let started = performance.now()
    const batch = generator.nextBatch(options.batchSize)
    generateMs += performance.now() - started
    if (batch.length === 0) {
      break
    }
    for (const record of batch) {
      const sample = querySampleOf(record)
      if (sample === null) {
        continue
      }
      // Reservoir sampling: every record with a user has the same chance to be drawn.
      seen += 1
      if (samples.length < SAMPLE_SIZE) {
        samples.push(sample)
      } else {
        const slot = Math.floor(sampler.next() * seen)
        if (slot < SAMPLE_SIZE) {
          samples[slot] = sample
        }
      }
    }
    started = performance.now()
    const body = Buffer.from(JSON.stringify(batch), 'utf8')
    serializeMs += performance.now() - started
    bytes += body.length
    bodies.push(body)
  }
  return {
    bodies,
    rows: generator.generated,
    batchSize: options.batchSize,
    bytes,
    samples,
    people: population.people,
    now: options.now,
    days: options.days,
    generateSeconds: generateMs / 1000,
    serializeSeconds: serializeMs / 1000,
  }
}

/** The rows the server writes for one body: its own normalize stage and row mapping. */
export function insertRowsOf(body: Uint8Array, receivedAt: number): ActivityInsertRow[] {
  const records = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as unknown[]
  return records.map((record, index) => {
    const result = normalizeVeilRecord(record, { index, receivedAt })
    if (!result.ok) {
      throw new Error(`generated record ${index} is invalid: ${JSON.stringify(result.error)}`)
    }
    return toActivityRow({ activity: result.activity, isPrivate: false, privateBecause: null })
  })
}
