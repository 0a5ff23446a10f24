/**
 * Streamed exports of the governance log (CSV or NDJSON), for `GET /api/v1/governance/export`, the
 * portal's Export and `veil governance export`: the records the list's filters select, newest first,
 * as the log stood when the export started, with no row cap.
 *
 * Like the activity export, it pages along the keyset (`beforeSeq`) only as fast as the reader reads
 * (back-pressure, about two pages in memory), and it is itself audited: `governance.export` with
 * `phase: "started"` (who, the filters, the format) is written before the first byte — no record, no
 * export — and `phase: "completed" | "aborted" | "failed"` with the rows written when it ends. The
 * records it writes come after the ones it exports, so an export never contains its own start.
 *
 * CSV cells are neutralized against spreadsheet formulas as in the activity export (a target such as
 * `=cmd@contoso.com` becomes `'=cmd@contoso.com`).
 *
 * @module
 */

import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { stringify } from 'csv-stringify/sync'
import { DomainError } from '../../core/errors.js'
import type { GovernanceDraft, GovernanceRecord } from '../../core/governance/governance-record.js'
import type { GovernanceListOptions } from '../../storage/store.js'
import { encodedPages, exportFileStamp, type ExportProgress } from '../export/encoded-pages.js'
import { CSV_OPTIONS, neutralizeFormula, type ExportFormat } from '../export/export-encoder.js'
import type { Initiator, ServiceContext } from '../service-context.js'

/** Records per store page. */
export const GOVERNANCE_EXPORT_PAGE_SIZE = 1000

/** The CSV columns, in order; `details` is the record's details as JSON. */
export const GOVERNANCE_EXPORT_COLUMNS = ['seq', 'time', 'action', 'target', 'initiator', 'app', 'ip', 'status', 'justification', 'details', 'hash'] as const

/** The list's filters (no paging). */
export type GovernanceExportFilters = Omit<GovernanceListOptions, 'limit' | 'beforeSeq'>

export interface GovernanceExportRequest {
  readonly format: ExportFormat
  readonly filters: GovernanceExportFilters
  /** CSV only: start with a UTF-8 byte-order mark (for Excel). */
  readonly bom: boolean
  readonly initiator: Initiator
  readonly tokenId: string | null
  /** Method and route, or `veil governance export`, for the governance records. */
  readonly route: string
}

export interface GovernanceExportOptions {
  /** Records per store page (default {@link GOVERNANCE_EXPORT_PAGE_SIZE}). */
  readonly pageSize?: number
}

export type GovernanceExportOutcome = 'completed' | 'aborted' | 'failed'

/** An export whose start is recorded: send {@link StartedGovernanceExport.stream}, then call `settle`. */
export interface StartedGovernanceExport {
  /** Links the start and end records; the HTTP API sends it as `Veil-Export-Id`. */
  readonly exportId: string
  readonly contentType: string
  /** e.g. `veil-governance-20261120T120000Z.csv` */
  readonly fileName: string
  readonly stream: Readable
  /**
   * Whether the stream was delivered to the end; writes the end record and resolves with what it says
   * (rejects with `governance_unavailable` when it cannot be written). Only the first call counts.
   */
  settle(delivered: boolean): Promise<{ readonly outcome: GovernanceExportOutcome; readonly rows: number }>
}

/** One record as a CSV row (cells neutralized against formulas). */
export function governanceCsvCells(record: GovernanceRecord): string[] {
  return [String(record.seq), new Date(record.time).toISOString(), record.action, record.target, record.initiator, record.app, record.ip ?? '', record.status, record.justification ?? '', JSON.stringify(record.details), record.hash].map(
    neutralizeFormula,
  )
}

function encoderFor(format: ExportFormat, bom: boolean): { contentType: string; extension: string; begin: string; encode: (records: readonly GovernanceRecord[]) => string } {
  if (format === 'ndjson') {
    return { contentType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson', begin: '', encode: (records) => records.map((r) => `${JSON.stringify(r)}\n`).join('') }
  }
  return {
    contentType: 'text/csv; charset=utf-8; header=present',
    extension: 'csv',
    begin: `${bom ? '\uFEFF' : ''}${stringify([[...GOVERNANCE_EXPORT_COLUMNS]], CSV_OPTIONS)}`,
    encode: (records) => (records.length === 0 ? '' : stringify(records.map(governanceCsvCells), CSV_OPTIONS)),
  }
}

async function append(ctx: ServiceContext, draft: GovernanceDraft, message: string): Promise<void> {
  try {
    await ctx.store.governance.append(draft, ctx.clock())
  } catch (error) {
    throw new DomainError('governance_unavailable', message, [], { cause: error })
  }
}

/**
 * Start an export: read the first page, record the start (fail closed), and return the stream.
 * Throws `governance_unavailable` when the start record cannot be written; nothing was sent then.
 */
export async function governanceExporter(ctx: ServiceContext, request: GovernanceExportRequest, options: GovernanceExportOptions = {}): Promise<StartedGovernanceExport> {
  const pageSize = options.pageSize ?? GOVERNANCE_EXPORT_PAGE_SIZE
  const encoder = encoderFor(request.format, request.bom)
  let beforeSeq: number | undefined
  let done = false
  const readPage = async (): Promise<GovernanceRecord[] | null> => {
    if (done) {
      return null
    }
    const page = await ctx.store.governance.list({ ...request.filters, limit: pageSize, ...(beforeSeq === undefined ? {} : { beforeSeq }) })
    done = page.length < pageSize
    beforeSeq = page.at(-1)?.seq
    return page.length === 0 ? null : page
  }
  // Read before recording, so a store that cannot answer is an ordinary error; and the start record
  // (appended after these records) is not part of the export.
  const first = await readPage()

  const exportId = randomUUID()
  const base = { action: 'governance.export', target: 'governance log', initiator: request.initiator.upn, app: 'Veil', ip: request.initiator.ip, justification: null } as const
  const common = { exportId, format: request.format, route: request.route, tokenId: request.tokenId, channel: request.initiator.channel }
  const filters = { action: request.filters.action ?? null, initiator: request.filters.initiator ?? null, from: request.filters.from ?? null, to: request.filters.to ?? null }
  await append(ctx, { ...base, status: 'succeeded', details: { phase: 'started', ...common, filters } }, 'The governance log could not be written, so the export was not started; try again later')

  const progress: ExportProgress = { rows: 0, complete: false, failed: false }
  let settled: Promise<{ outcome: GovernanceExportOutcome; rows: number }> | null = null
  return {
    exportId,
    contentType: encoder.contentType,
    fileName: `veil-governance-${exportFileStamp(ctx.clock())}.${encoder.extension}`,
    stream: Readable.from(encodedPages(encoder.begin, first, readPage, encoder.encode, progress), { objectMode: false, highWaterMark: 64 * 1024 }),
    settle(delivered) {
      settled ??= (async () => {
        const outcome: GovernanceExportOutcome = progress.failed ? 'failed' : delivered && progress.complete ? 'completed' : 'aborted'
        await append(ctx, { ...base, status: outcome === 'completed' ? 'succeeded' : 'failed', details: { phase: outcome, ...common, rows: progress.rows } }, 'The governance log could not be written: the end of the export is not recorded')
        return { outcome, rows: progress.rows }
      })()
      return settled
    },
  }
}
