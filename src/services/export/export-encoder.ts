/**
 * The two export formats on the wire: CSV (RFC 4180: comma, `"` quoting, CRLF line ends, UTF-8, a header
 * row) and NDJSON (one JSON object per line, `\n`). What a row contains is decided in the core
 * (`core/privacy/export-row.ts`); this module only encodes it.
 *
 * CSV cells that a spreadsheet would read as a formula are neutralized (OWASP "CSV injection"): a cell
 * starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, which spreadsheets
 * take as "text" and do not display; so does a cell starting with `'`, which makes the rule reversible
 * (a program reading the file drops one leading `'`).
 *
 * @module
 */

import { stringify } from 'csv-stringify/sync'
import { exportCells, exportHeader, exportObject, type ExportRow } from '../../core/privacy/export-row.js'

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export function isExportFormat(value: unknown): value is ExportFormat {
  return typeof value === 'string' && (EXPORT_FORMATS as readonly string[]).includes(value)
}

export interface ExportEncoderOptions {
  /** The export was made while revealing: CSV adds the `private` column, NDJSON the `private` key. */
  readonly revealing: boolean
  /**
   * The output continues a file (a resumed export): no byte-order mark and no header row, so the
   * continuation can be appended to what the broken download kept.
   */
  readonly continuation: boolean
  /** Start a CSV file with a UTF-8 byte-order mark, which Excel needs to read UTF-8. */
  readonly bom: boolean
}

export interface ExportEncoder {
  readonly format: ExportFormat
  /** The HTTP content type. */
  readonly contentType: string
  /** File name extension, without the dot. */
  readonly extension: string
  /** What the file starts with (CSV: the optional BOM and the header row); empty for a continuation. */
  begin(): string
  /** The encoded rows, each ending with its line end. */
  encode(rows: readonly ExportRow[]): string
}

/**
 * First characters that make a spreadsheet read a cell as a formula (OWASP), and `'` itself, so that
 * the neutralization can be undone without ambiguity: a cell that starts with `'` had one added.
 */
const NEUTRALIZED_STARTS = new Set(['=', '+', '-', '@', '\t', '\r', "'"])

/**
 * A cell a spreadsheet would not evaluate: a leading `'` when it starts with a formula trigger (or with
 * `'`). Spreadsheets take that `'` as "text" and do not display it, so the user sees the original value.
 *
 * @example
 * neutralizeFormula('=HYPERLINK("http://x")') // "'=HYPERLINK(\"http://x\")"
 * neutralizeFormula('alice@contoso.com')      // unchanged
 */
export function neutralizeFormula(cell: string): string {
  return cell.length > 0 && NEUTRALIZED_STARTS.has(cell.charAt(0)) ? `'${cell}` : cell
}

/** The original value of a CSV cell a program read: {@link neutralizeFormula} undone. */
export function restoreNeutralizedCell(cell: string): string {
  return cell.startsWith("'") ? cell.slice(1) : cell
}

/** csv-stringify's options for RFC 4180 output (CRLF, a field with a line break quoted); the governance export uses them too. */
export const CSV_OPTIONS = {
  record_delimiter: 'windows',
  // RFC 4180 quotes a field with a line break; csv-stringify by itself quotes only the record delimiter.
  quoted_match: /[\r\n]/,
} as const

export function createExportEncoder(format: ExportFormat, options: ExportEncoderOptions): ExportEncoder {
  const { revealing, continuation } = options
  if (format === 'ndjson') {
    return {
      format,
      contentType: 'application/x-ndjson; charset=utf-8',
      extension: 'ndjson',
      begin: () => '',
      encode: (rows) => rows.map((row) => `${JSON.stringify(exportObject(row, revealing))}\n`).join(''),
    }
  }
  return {
    format,
    contentType: `text/csv; charset=utf-8; header=${continuation ? 'absent' : 'present'}`,
    extension: 'csv',
    begin: () => (continuation ? '' : `${options.bom ? '\uFEFF' : ''}${stringify([exportHeader(revealing)], CSV_OPTIONS)}`),
    encode: (rows) => (rows.length === 0 ? '' : stringify(rows.map((row) => exportCells(row, revealing).map(neutralizeFormula)), CSV_OPTIONS)),
  }
}
