/**
 * The ingest pipeline: parse → normalize → classify → seal → store. Each stage is a separate piece so
 * later capabilities add formats (normalize) and privacy classification (classify) without touching the
 * others; the seal stage encrypts private activities before the store sees them. A bad record never
 * stops the batch: it gets a per-record error naming its index and field, and every valid record of the
 * same batch is stored.
 *
 * @module
 */

import type { Activity, ClassifiedActivity } from '../core/activity/activity.js'
import type { IngestFormat, RecordError } from './ingest-format.js'
import type { GroupCommitWriter } from './group-commit-writer.js'
import type { Classifier } from './classifier.js'
import type { IngestSealStage } from './seal-stage.js'

/** `out_of_scope`: valid, but its actor is not monitored in its app (scoped deployment), so not recorded. */
export type RecordStatus = 'accepted' | 'duplicate' | 'rejected' | 'out_of_scope'

export interface RecordResult {
  readonly index: number
  /**
   * For a record that holds several events (a CloudTrail log file, a Google Workspace activity with
   * several `events`): the event's position among them, from 0; absent for a record of one event.
   */
  readonly item?: number
  readonly status: RecordStatus
  /** The activity id, for accepted and duplicate records. */
  readonly id?: string
  /** For rejected records: which field and why (and the format tried). */
  readonly error?: { readonly field: string; readonly reason: string; readonly format?: string }
}

export interface IngestReport {
  readonly accepted: number
  readonly duplicates: number
  readonly rejected: number
  /** Valid records not recorded because their actor is out of scope. */
  readonly outOfScope: number
  /**
   * How many of `accepted` and `duplicates` are private activities. Only the ingest's caller, who sent
   * the records, is told their outcomes; every count an admin reads (metrics, the overview's ingest rate,
   * connector status) takes its numbers from {@link visibleIngestCounts}, which leaves these out, so no
   * count depends on private activities (privacy rule 4).
   */
  readonly privateAccepted: number
  readonly privateDuplicates: number
  /** One entry per record (per event, for a record that holds several), in input order. */
  readonly results: readonly RecordResult[]
}

/** One record found by the parse stage, with its position in the input. */
export interface ParsedRecord {
  readonly index: number
  readonly value: unknown
  /** Serialized size in bytes, when the parser knows it cheaply (NDJSON lines). */
  readonly bytes?: number
}

export interface ParsedBatch {
  readonly records: readonly ParsedRecord[]
  readonly errors: readonly RecordError[]
}

export interface IngestPipelineOptions {
  readonly formats: readonly IngestFormat[]
  readonly classifier: Classifier
  /** Seals private activities; the store never receives one in the clear. */
  readonly sealer: IngestSealStage
  readonly writer: GroupCommitWriter
  readonly clock: () => number
  readonly maxRecordBytes: number
  readonly maxBatchRecords: number
}

export interface IngestOptions {
  /** A format name; omitted or `auto` detects the format per record. */
  readonly format?: string
}

export class UnknownFormatError extends Error {
  constructor(readonly format: string, readonly known: readonly string[]) {
    super(`Unknown format "${format}"; known formats: ${known.join(', ')}, auto`)
    this.name = 'UnknownFormatError'
  }
}

export class IngestPipeline {
  readonly #options: IngestPipelineOptions

  constructor(options: IngestPipelineOptions) {
    this.#options = Object.freeze({ ...options })
  }

  get formatNames(): string[] {
    return this.#options.formats.map((f) => f.name)
  }

  /** Run already-parsed records through normalize → classify → seal → store. */
  async ingest(parsed: ParsedBatch, options: IngestOptions = {}): Promise<IngestReport> {
    const { formats, maxRecordBytes, maxBatchRecords } = this.#options
    const named = options.format && options.format !== 'auto' ? formats.find((f) => f.name === options.format) : undefined
    if (options.format && options.format !== 'auto' && !named) {
      throw new UnknownFormatError(options.format, this.formatNames)
    }
    const receivedAt = this.#options.clock()
    const results: RecordResult[] = parsed.errors.map((e) => rejected(e.index, e.field, e.reason))
    const privateCounts = { accepted: 0, duplicates: 0 }
    const activities: Activity[] = []
    const positions: { readonly index: number; readonly item?: number }[] = []
    // Events seen so far: the batch limit counts the events of expanded records too.
    let parts = 0

    for (const record of parsed.records) {
      if (record.index >= maxBatchRecords) {
        results.push(rejected(record.index, '', `the batch holds more than ${maxBatchRecords} records; send the rest in another batch`))
        continue
      }
      // A record of several events (a CloudTrail log file) is split first: the size limit is per event.
      const container = named ?? formats.find((f) => f.detect(record.value))
      const expanded = container?.expand?.(record.value) ?? null
      if (container && expanded) {
        expanded.forEach((part, item) => {
          parts += 1
          if (parts > maxBatchRecords) {
            results.push({ ...rejected(record.index, part.pointer, `the batch holds more than ${maxBatchRecords} events; send the rest in another batch`), item })
            return
          }
          const bytes = maxRecordBytes < Infinity ? approximateBytes(part.value, maxRecordBytes) : 0
          if (bytes > maxRecordBytes) {
            results.push({ ...rejected(record.index, part.pointer, `the event is ${bytes} bytes, over the limit of ${maxRecordBytes} bytes`), item })
            return
          }
          // Auto-detection looks at each event again: one Event Hub batch may mix sign-ins and audits.
          const format = named ?? formats.find((f) => f.detect(part.value)) ?? container
          const normalized = format.normalize(part.value, { index: record.index, receivedAt })
          if (!normalized.ok) {
            results.push({ index: record.index, item, status: 'rejected', error: { field: part.pointer + normalized.error.field, reason: normalized.error.reason, format: format.name } })
            return
          }
          activities.push(normalized.activity)
          positions.push({ index: record.index, item })
        })
        continue
      }
      const bytes = record.bytes ?? (maxRecordBytes < Infinity ? approximateBytes(record.value, maxRecordBytes) : 0)
      if (bytes > maxRecordBytes) {
        results.push(rejected(record.index, '', `the record is ${bytes} bytes, over the limit of ${maxRecordBytes} bytes`))
        continue
      }
      parts += 1
      const format = container
      if (!format) {
        results.push(rejected(record.index, '', `not a record of any known format (${this.formatNames.join(', ')})`))
        continue
      }
      const normalized = format.normalize(record.value, { index: record.index, receivedAt })
      if (!normalized.ok) {
        results.push({ index: record.index, status: 'rejected', error: { field: normalized.error.field, reason: normalized.error.reason, format: format.name } })
        continue
      }
      activities.push(normalized.activity)
      positions.push({ index: record.index })
    }

    if (activities.length > 0) {
      const classifications = await this.#options.classifier.classify(activities, receivedAt)
      const recorded: ClassifiedActivity[] = []
      const recordedPositions: (typeof positions)[number][] = []
      classifications.forEach((classified, i) => {
        const position = positions[i] as (typeof positions)[number]
        if (classified === null) {
          results.push({ ...position, status: 'out_of_scope', id: (activities[i] as Activity).id })
        } else {
          recorded.push(classified)
          recordedPositions.push(position)
        }
      })
      const outcomes = await this.#options.writer.write(await this.#options.sealer.seal(recorded))
      outcomes.forEach((outcome, i) => {
        if ((recorded[i] as ClassifiedActivity).isPrivate) {
          privateCounts[outcome === 'inserted' ? 'accepted' : 'duplicates'] += 1
        }
        results.push({ ...(recordedPositions[i] as (typeof positions)[number]), status: outcome === 'inserted' ? 'accepted' : 'duplicate', id: (recorded[i] as ClassifiedActivity).activity.id })
      })
    }

    results.sort((a, b) => a.index - b.index || (a.item ?? -1) - (b.item ?? -1))
    const counts = { accepted: 0, duplicate: 0, rejected: 0, out_of_scope: 0 }
    for (const r of results) {
      counts[r.status] += 1
    }
    return { accepted: counts.accepted, duplicates: counts.duplicate, rejected: counts.rejected, outOfScope: counts.out_of_scope, privateAccepted: privateCounts.accepted, privateDuplicates: privateCounts.duplicates, results }
  }
}

/** The counts of a report that anyone but the ingest's caller may see: private activities left out. */
export interface VisibleIngestCounts {
  readonly accepted: number
  readonly duplicates: number
  readonly rejected: number
  readonly outOfScope: number
}

/**
 * A report's counts without its private activities, for metrics, the overview and connector status:
 * an admin who may not reveal must not learn from a count how many private activities arrived, or when.
 */
export function visibleIngestCounts(report: IngestReport): VisibleIngestCounts {
  return { accepted: report.accepted - report.privateAccepted, duplicates: report.duplicates - report.privateDuplicates, rejected: report.rejected, outOfScope: report.outOfScope }
}

function rejected(index: number, field: string, reason: string): RecordResult {
  return { index, status: 'rejected', error: { field, reason } }
}

/**
 * Size of a parsed record as JSON, computed only when it could exceed the limit: walking strings is
 * cheap, serializing every record of every batch is not.
 */
function approximateBytes(value: unknown, limit: number): number {
  let total = 0
  const stack: unknown[] = [value]
  while (stack.length > 0 && total <= limit) {
    const item = stack.pop()
    if (typeof item === 'string') {
      total += item.length + 2
    } else if (Array.isArray(item)) {
      total += 2 + item.length
      stack.push(...item)
    } else if (item !== null && typeof item === 'object') {
      for (const [k, v] of Object.entries(item)) {
        total += k.length + 4
        stack.push(v)
      }
    } else {
      total += 8
    }
  }
  return total > limit ? Buffer.byteLength(JSON.stringify(value)) : total
}
