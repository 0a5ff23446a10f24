/**
 * The parameters an export takes on top of the list's (`filters`, `sortField`, `sortDirection`,
 * `cursor` and the reveal parameters): `format`, `resumeAfter`, `limit` (a row cap; none by default),
 * `bom`. Read the same way from a JSON body, a query string and the command line.
 *
 * @module
 */

import { ValidationError, type ErrorDetail } from '../../core/errors.js'
import { MAX_CURSOR_ID_LENGTH } from '../../core/query/cursor.js'
import { EXPORT_FORMATS, isExportFormat, type ExportFormat } from './export-encoder.js'

/** The keys {@link readExportParameters} takes out of a request. */
export const EXPORT_PARAMETERS = ['format', 'resumeAfter', 'limit', 'skip', 'bom'] as const

export interface ExportParameters {
  readonly format: ExportFormat
  /** The id of the last complete row of a broken export, to continue after it. */
  readonly resumeAfter: string | null
  /** At most this many rows; null: all. */
  readonly maxRows: number | null
  /** CSV only: start with a UTF-8 byte-order mark (for Excel). */
  readonly bom: boolean
}

/**
 * Take the export parameters out of a request; the rest is the list's query (for `parseDefenderQuery`).
 * In a JSON body `limit` is a number and `bom` a boolean; in a query string they are `123` and
 * `true`/`false`. `skip` is refused unless 0: an export continues with `cursor` or `resumeAfter`.
 * Throws `ValidationError` naming every parameter at fault.
 *
 * @example
 * readExportParameters({ format: 'ndjson', filters: {...} }, { fromQueryString: false })
 * // { parameters: { format: 'ndjson', resumeAfter: null, maxRows: null, bom: false }, query: { filters: {...} } }
 */
export function readExportParameters(input: Readonly<Record<string, unknown>>, options: { readonly fromQueryString: boolean }): { parameters: ExportParameters; query: Record<string, unknown> } {
  const { format, resumeAfter, limit, skip, bom, ...query } = input
  const problems: ErrorDetail[] = []
  const given = (value: unknown): boolean => value !== undefined && value !== null && !(options.fromQueryString && value === '')

  let exportFormat: ExportFormat = 'csv'
  if (given(format)) {
    if (isExportFormat(format)) {
      exportFormat = format
    } else {
      problems.push({ field: 'format', reason: `must be ${EXPORT_FORMATS.map((f) => `"${f}"`).join(' or ')}` })
    }
  }

  let resume: string | null = null
  if (given(resumeAfter)) {
    if (typeof resumeAfter !== 'string' || resumeAfter.length > MAX_CURSOR_ID_LENGTH) {
      problems.push({ field: 'resumeAfter', reason: `must be an activity id (a string of at most ${MAX_CURSOR_ID_LENGTH} characters)` })
    } else {
      resume = resumeAfter
    }
  }

  let maxRows: number | null = null
  if (given(limit)) {
    const value = options.fromQueryString && typeof limit === 'string' && /^\d{1,15}$/.test(limit) ? Number(limit) : limit
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      problems.push({ field: 'limit', reason: 'must be a whole number of rows, at least 1 (leave it out for all rows)' })
    } else {
      maxRows = value
    }
  }

  if (given(skip) && skip !== 0 && skip !== '0') {
    problems.push({ field: 'skip', reason: 'exports do not skip; continue with cursor or resumeAfter' })
  }

  let withBom = false
  if (given(bom)) {
    if (bom === true || bom === false) {
      withBom = bom
    } else if (options.fromQueryString && (bom === 'true' || bom === 'false')) {
      withBom = bom === 'true'
    } else {
      problems.push({ field: 'bom', reason: options.fromQueryString ? 'must be true or false' : 'must be a JSON boolean (true or false)' })
    }
  }

  if (problems.length > 0) {
    throw new ValidationError('The export parameters are not valid', problems)
  }
  return { parameters: { format: exportFormat, resumeAfter: resume, maxRows, bom: withBom }, query }
}
