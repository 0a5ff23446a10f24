/**
 * Streamed exports of the activity log (CSV or NDJSON), for the HTTP API and `veil export`.
 *
 * An export pages through `store.activities.list` with the keyset (pages of {@link EXPORT_PAGE_SIZE}
 * rows, no count), turns every item into an export row in the core (`exportRowOf`: a private activity is
 * a placeholder in a revealing export and a failure in any other) and hands the encoded pages to a Node
 * `Readable`. The next page is read only when the reader asks for more (back-pressure), so memory stays
 * at about two pages whatever the size of the export, and a reader that goes away stops the reading.
 * There is no row cap and no time window.
 *
 * Sealed private activities are never opened here: the service is not given the privacy vault.
 *
 * Order of events: resolve the resume position → read the first page → write the governance start
 * record (fail closed) → the caller sends the stream → the caller reports whether it was delivered →
 * the end record with the row count.
 *
 * @module
 */

import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { ValidationError } from '../../core/errors.js'
import { HIDE_PRIVATE, type Disclosure } from '../../core/privacy/decide-disclosure.js'
import { exportRowOf, type ExportRow } from '../../core/privacy/export-row.js'
import type { KeysetPosition, SortField } from '../../core/query/activity-query.js'
import type { AnchoredActivityQuery } from '../../core/query/cursor.js'
import type { StoredActivity, Store } from '../../storage/store.js'
import type { Initiator, ServiceContext } from '../service-context.js'
import { exportEndRecorder, exportStartRecorder, type ExportAttempt, type ExportOutcome, type ExportResult } from './export-audit.js'
import { encodedPages, exportFileStamp, type ExportProgress } from './encoded-pages.js'
import { createExportEncoder, type ExportFormat } from './export-encoder.js'
import { PlaceholderTally } from './placeholder-tally.js'

/** Rows per store page: large enough that per-page overhead vanishes, small enough to keep memory flat. */
export const EXPORT_PAGE_SIZE = 2000

export interface ExportRequest {
  readonly format: ExportFormat
  /**
   * The query as the list parses it (filters, sort, the list cursor's position in `after`); its `limit`,
   * `skip` and `countLimit` are not used.
   */
  readonly query: AnchoredActivityQuery
  /**
   * What the store may return, as the list decides it (a revealing one with its `privateMatch`). A
   * revealing export lists private activities as placeholders.
   */
  readonly disclosure: Disclosure
  /**
   * Continue after this activity (the id of the last complete row a broken download kept): the export
   * then starts right after it, without BOM and header row, to be appended. Not with a cursor.
   */
  readonly resumeAfter: string | null
  /** Stop after this many rows; null: all of them. */
  readonly maxRows: number | null
  /** CSV only: start with a UTF-8 byte-order mark (for Excel). */
  readonly bom: boolean
  readonly initiator: Initiator
  readonly tokenId: string | null
  /** Method and route, or `veil export`, for the governance records. */
  readonly route: string
  /** What the caller sent, without the reveal parameters, for the governance records. */
  readonly request: Readonly<Record<string, unknown>>
}

export interface ActivityExportOptions {
  /** Rows per store page (default {@link EXPORT_PAGE_SIZE}). */
  readonly pageSize?: number
}

/** How an export ended, as its end record says. */
export interface ExportSummary extends ExportResult {
  readonly exportId: string
}

/** An export whose start is recorded: send {@link StartedExport.stream}, then call {@link StartedExport.settle}. */
export interface StartedExport {
  /** Links the start and end records; the HTTP API sends it as `Veil-Export-Id`. */
  readonly exportId: string
  readonly format: ExportFormat
  /** Made while revealing: private activities appear as placeholder rows. */
  readonly revealing: boolean
  readonly contentType: string
  /** A file name for the download, e.g. `veil-activities-20261120T120000Z.csv`. */
  readonly fileName: string
  /** The encoded export; reading it pages through the store. */
  readonly stream: Readable
  /**
   * Report whether the stream was delivered to the end (true) or the reader went away or the output
   * failed (false), and write the end record. Resolves with what the record says; rejects with
   * `governance_unavailable` when the record cannot be written (the export itself is over by then).
   * Only the first call counts.
   */
  settle(delivered: boolean): Promise<ExportSummary>
}

/**
 * Start an export: check the resume position, read the first page, record the start (fail closed),
 * and return the stream of the whole export.
 *
 * Throws `validation_failed` for a resume position that is not a visible activity, or one given with a
 * cursor; `governance_unavailable` when the start record cannot be written. Nothing has been sent then.
 *
 * @example
 * const started = await activityExporter(ctx, request)
 * await pipeline(started.stream, output).then(() => started.settle(true), () => started.settle(false))
 */
export async function activityExporter(ctx: ServiceContext, request: ExportRequest, options: ActivityExportOptions = {}): Promise<StartedExport> {
  const query = await withResumePosition(ctx.store, request)
  const revealing = request.disclosure.includePrivate
  const encoder = createExportEncoder(request.format, { revealing, continuation: request.resumeAfter !== null, bom: request.bom })
  const tally = new PlaceholderTally()
  const pages = new PageReader(ctx.store, query, request.disclosure, options.pageSize ?? EXPORT_PAGE_SIZE, request.maxRows, tally)
  // Read before recording, so that a query the store refuses is an ordinary error answer.
  const first = await pages.next()

  const exportId = randomUUID()
  const attempt: ExportAttempt = {
    exportId,
    initiator: request.initiator,
    tokenId: request.tokenId,
    route: request.route,
    request: request.request,
    query,
    format: request.format,
    revealing,
    justification: request.disclosure.includePrivate ? request.disclosure.justification : null,
    maxRows: request.maxRows,
    resumeAfter: request.resumeAfter,
  }
  // Before the first byte (privacy rule 5 for a revealing export; every export is a governance record).
  await exportStartRecorder(ctx, attempt)

  const progress: ExportProgress = { rows: 0, complete: false, failed: false }
  let settled: Promise<ExportSummary> | null = null
  return {
    exportId,
    format: request.format,
    revealing,
    contentType: encoder.contentType,
    fileName: `veil-activities-${exportFileStamp(ctx.clock())}${revealing ? '-private-placeholders' : ''}.${encoder.extension}`,
    stream: Readable.from(encodedPages(encoder.begin(), first, () => pages.next(), (rows) => encoder.encode(rows), progress), { objectMode: false, highWaterMark: 64 * 1024 }),
    settle(delivered) {
      settled ??= (async () => {
        const outcome: ExportOutcome = progress.failed ? 'failed' : delivered && progress.complete ? 'completed' : 'aborted'
        const result: ExportResult = { outcome, rows: progress.rows, placeholders: revealing ? tally.summary() : null }
        await exportEndRecorder(ctx, attempt, result)
        return { exportId, ...result }
      })()
      return settled
    },
  }
}

/** Reads an export's pages one after the other along the keyset. */
class PageReader {
  readonly #store: Store
  readonly #query: AnchoredActivityQuery
  readonly #disclosure: Disclosure
  readonly #pageSize: number
  readonly #tally: PlaceholderTally
  #after: KeysetPosition | null
  #remaining: number
  #done = false

  constructor(store: Store, query: AnchoredActivityQuery, disclosure: Disclosure, pageSize: number, maxRows: number | null, tally: PlaceholderTally) {
    this.#store = store
    this.#query = query
    this.#disclosure = disclosure
    this.#pageSize = pageSize
    this.#tally = tally
    this.#after = query.after
    this.#remaining = maxRows ?? Number.POSITIVE_INFINITY
  }

  /** The next page's rows, or null at the end. */
  async next(): Promise<ExportRow[] | null> {
    if (this.#done || this.#remaining <= 0) {
      return null
    }
    const limit = Math.min(this.#pageSize, this.#remaining)
    // countLimit 0: an export needs no total, so the store's count stops at its first row.
    const page = await this.#store.activities.list({ ...this.#query, after: this.#after, skip: 0, limit, countLimit: 0 }, this.#disclosure)
    const last = page.items.at(-1)
    if (!page.hasNext || last === undefined) {
      this.#done = true
    } else {
      this.#after = positionOf(last, this.#query.sort.field)
    }
    this.#remaining -= page.items.length
    if (page.items.length === 0) {
      return null
    }
    return page.items.map((item) => {
      const row = exportRowOf(item, this.#disclosure)
      if (row.kind === 'placeholder' && item.isPrivate) {
        this.#tally.add(item.id)
      }
      return row
    })
  }
}

/** Where the keyset continues after `item`: kept on the server, never sent (it may be a private activity). */
function positionOf(item: StoredActivity, field: SortField): KeysetPosition {
  if (!item.isPrivate) {
    return { sortValue: field === 'receivedAt' ? item.activity.receivedAt : item.activity.time, id: item.activity.id }
  }
  if (field === 'receivedAt') {
    // The store matches no private activity in a query sorted by receivedAt (it keeps no receivedAt for them).
    throw new Error('A private activity was listed in an export sorted by receivedAt')
  }
  return { sortValue: item.time, id: item.id }
}

/**
 * The query with the resume position of `resumeAfter` as its keyset start. The activity is looked up as
 * a non-revealing read would: a private or unknown id is refused in the same words (privacy rule 4).
 */
async function withResumePosition(store: Store, request: ExportRequest): Promise<AnchoredActivityQuery> {
  if (request.resumeAfter === null) {
    return request.query
  }
  if (request.query.after !== null) {
    throw new ValidationError('Give either a cursor or resumeAfter, not both', [{ field: 'resumeAfter', reason: 'cannot be combined with cursor' }])
  }
  const found = await store.activities.get(request.resumeAfter, HIDE_PRIVATE)
  if (found === null || found.isPrivate) {
    throw new ValidationError('resumeAfter names no activity; pass the id of the last complete row of the broken export', [{ field: 'resumeAfter', reason: 'no activity with this id' }])
  }
  return { ...request.query, after: positionOf(found, request.query.sort.field) }
}
