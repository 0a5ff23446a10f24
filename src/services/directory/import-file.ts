/**
 * Membership import files, as the CLI (`veil groups import`) and the REST API
 * (`POST /api/v1/directory/import`) take them, turned into `ImportRow`s for the directory service.
 *
 * - **CSV**: a header `group,upn[,displayName][,externalId][,action]` (column names compared
 *   case-insensitively, in any order), then one membership per record. A BOM, quoted fields, quoted
 *   line breaks and CRLF are fine. A header with unknown or missing columns fails the whole file with a
 *   ValidationError naming the expected and the found columns.
 * - **JSON**: an array of objects with the same keys, or NDJSON (one object per line).
 *
 * Row numbers count data records from 1 (the CSV header is not a row; blank lines are not counted;
 * for a JSON array the element's position, for NDJSON the non-blank line's). A record of the wrong
 * shape (wrong number of fields, not an object, a value of the wrong type, an unknown key, an unknown
 * action) is a per-row rejection; the other rows are still imported unless the import is atomic.
 *
 * @module
 */

import { CsvError, parse } from 'csv-parse/sync'

import { ValidationError } from '../../core/errors.js'
import type { Initiator } from '../service-context.js'
import type { DirectoryService, ImportOptions, ImportRejection, ImportReport, ImportRow } from './directory-service.js'

export type ImportFileFormat = 'csv' | 'json' | 'ndjson'

/** The columns (CSV) or keys (JSON) of an import row; `group` and `upn` are required. */
export const IMPORT_COLUMNS = ['group', 'upn', 'displayName', 'externalId', 'action'] as const
type ImportColumn = (typeof IMPORT_COLUMNS)[number]
const REQUIRED_COLUMNS: readonly ImportColumn[] = ['group', 'upn']
const EXPECTED_HEADER = 'group,upn[,displayName][,externalId][,action]'

export type ParsedRejection = ImportRejection & { readonly group?: string }

export interface ParsedImportFile {
  readonly format: ImportFileFormat
  readonly rows: ImportRow[]
  /** Rows whose shape was wrong; with the group they named when it could be read. */
  readonly rejected: ParsedRejection[]
}

/** `json` covers both a JSON array and NDJSON; `auto` looks at the first character. */
export type ImportFileFormatOption = 'csv' | 'json' | 'auto'

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

/** The format of an import file: JSON when it starts with `[` or `{` (after a BOM and blanks), CSV otherwise. */
export function detectImportFormat(text: string): ImportFileFormat {
  const start = stripBom(text).trimStart()
  return start.startsWith('[') ? 'json' : start.startsWith('{') ? 'ndjson' : 'csv'
}

/**
 * Parse an import file into rows and per-row rejections. Throws ValidationError only for a file that
 * cannot be read at all: empty, a CSV with a wrong header or broken quoting, a malformed JSON array.
 */
export function parseImportFile(text: string, format: ImportFileFormatOption = 'auto'): ParsedImportFile {
  if (stripBom(text).trim() === '') {
    throw new ValidationError('The import file is empty', [{ field: 'file', reason: `must have a CSV header ${EXPECTED_HEADER} and rows, or be JSON` }])
  }
  const detected = detectImportFormat(text)
  if (format === 'csv' || (format === 'auto' && detected === 'csv')) {
    return parseCsv(text)
  }
  return detected === 'json' ? parseJsonArray(text) : parseNdjson(text)
}

function parseCsv(text: string): ParsedImportFile {
  let records: string[][]
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][]
  } catch (error) {
    const reason = error instanceof CsvError ? error.message : String(error)
    throw new ValidationError(`The CSV file is malformed: ${reason}`, [{ field: 'file', reason }])
  }
  const [header = [], ...data] = records
  const columns = header.map((name) => IMPORT_COLUMNS.find((c) => c.toLowerCase() === name.trim().toLowerCase()))
  const unknown = header.filter((_, i) => columns[i] === undefined)
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c))
  const repeated = IMPORT_COLUMNS.filter((c) => columns.filter((x) => x === c).length > 1)
  if (unknown.length > 0 || missing.length > 0 || repeated.length > 0) {
    const found = header.map((h) => h.trim()).join(',')
    const problems = [
      ...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []),
      ...(unknown.length > 0 ? [`unknown ${unknown.map((u) => `"${u.trim()}"`).join(', ')}`] : []),
      ...(repeated.length > 0 ? [`repeated ${repeated.join(', ')}`] : []),
    ]
    throw new ValidationError(`The CSV header must be ${EXPECTED_HEADER}; found ${found} (${problems.join('; ')})`, [
      { field: 'header', reason: `expected columns ${EXPECTED_HEADER}, found ${found}: ${problems.join('; ')}` },
    ])
  }
  const rows: ImportRow[] = []
  const rejected: ParsedRejection[] = []
  data.forEach((record, index) => {
    const row = index + 1
    const value = (column: ImportColumn): string | undefined => {
      const at = columns.indexOf(column)
      return at >= 0 ? record[at] : undefined
    }
    if (record.every((field) => field.trim() === '')) {
      return // an empty record (",,,"), as spreadsheets write after the last row
    }
    const group = value('group')
    if (record.length !== header.length) {
      rejected.push({ row, field: 'row', reason: `has ${record.length} fields, the header has ${header.length}`, ...(group ? { group } : {}) })
      return
    }
    const action = parseAction(value('action'))
    if (action === null) {
      rejected.push({ row, field: 'action', reason: `"${value('action') ?? ''}" is not add or remove`, ...(group ? { group } : {}) })
      return
    }
    rows.push({ row, group: group ?? '', upn: value('upn') ?? '', displayName: emptyToNull(value('displayName')), externalId: emptyToNull(value('externalId')), ...(action ? { action } : {}) })
  })
  return { format: 'csv', rows, rejected }
}

function emptyToNull(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value
}

/** `add`, `remove`, undefined for none, null for anything else. */
function parseAction(value: unknown): 'add' | 'remove' | undefined | null {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    return undefined
  }
  if (typeof value !== 'string') {
    return null
  }
  const action = value.trim().toLowerCase()
  return action === 'add' || action === 'remove' ? action : null
}

function parseJsonArray(text: string): ParsedImportFile {
  let value: unknown
  try {
    value = JSON.parse(stripBom(text))
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ValidationError(`The JSON file is malformed: ${reason}`, [{ field: 'file', reason }])
  }
  if (!Array.isArray(value)) {
    throw new ValidationError('The JSON file must be an array of rows', [{ field: 'file', reason: 'must be a JSON array of objects, or NDJSON' }])
  }
  const rows: ImportRow[] = []
  const rejected: ParsedRejection[] = []
  value.forEach((item: unknown, index) => jsonRow(item, index + 1, rows, rejected))
  return { format: 'json', rows, rejected }
}

function parseNdjson(text: string): ParsedImportFile {
  const rows: ImportRow[] = []
  const rejected: ParsedRejection[] = []
  let row = 0
  for (const line of stripBom(text).split(/\r?\n/)) {
    if (line.trim() === '') {
      continue
    }
    row += 1
    let item: unknown
    try {
      item = JSON.parse(line)
    } catch (error) {
      rejected.push({ row, field: 'row', reason: `is not valid JSON: ${error instanceof Error ? error.message : String(error)}` })
      continue
    }
    jsonRow(item, row, rows, rejected)
  }
  return { format: 'ndjson', rows, rejected }
}

function jsonRow(item: unknown, row: number, rows: ImportRow[], rejected: ParsedRejection[]): void {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    rejected.push({ row, field: 'row', reason: 'must be a JSON object with group and upn' })
    return
  }
  const record = item as Record<string, unknown>
  const group = typeof record.group === 'string' ? record.group : undefined
  const reject = (field: string, reason: string) => rejected.push({ row, field, reason, ...(group ? { group } : {}) })
  const unknown = Object.keys(record).find((key) => !(IMPORT_COLUMNS as readonly string[]).includes(key))
  if (unknown !== undefined) {
    reject(unknown, `is not an import attribute; expected ${IMPORT_COLUMNS.join(', ')}`)
    return
  }
  for (const field of REQUIRED_COLUMNS) {
    if (typeof record[field] !== 'string') {
      reject(field, record[field] === undefined ? 'is required' : 'must be a string')
      return
    }
  }
  for (const field of ['displayName', 'externalId'] as const) {
    if (record[field] !== undefined && record[field] !== null && typeof record[field] !== 'string') {
      reject(field, 'must be a string or null')
      return
    }
  }
  const action = parseAction(record.action)
  if (action === null) {
    reject('action', `${JSON.stringify(record.action)} is not add or remove`)
    return
  }
  rows.push({
    row,
    group: record.group as string,
    upn: record.upn as string,
    displayName: emptyToNull(record.displayName as string | null | undefined ?? undefined),
    externalId: emptyToNull(record.externalId as string | null | undefined ?? undefined),
    ...(action ? { action } : {}),
  })
}

export interface ImportFileOptions extends Pick<ImportOptions, 'mode' | 'atomic'> {
  readonly format?: ImportFileFormatOption
  /** File name (or `-`, `request`) for the governance record. */
  readonly name?: string
}

/**
 * Parse a file and import it: shape rejections and the service's own rejections end in one report
 * (sorted by row), and count for `atomic` like any other.
 */
export async function importMembershipFile(directory: DirectoryService, initiator: Initiator, text: string, options: ImportFileOptions): Promise<ImportReport & { readonly format: ImportFileFormat }> {
  const parsed = parseImportFile(text, options.format ?? 'auto')
  const report = await directory.importMemberships(initiator, parsed.rows, {
    mode: options.mode,
    atomic: options.atomic,
    source: { name: options.name, format: parsed.format, bytes: Buffer.byteLength(text) },
    rejectedBeforehand: parsed.rejected,
  })
  return { ...report, format: parsed.format }
}
