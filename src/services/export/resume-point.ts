/**
 * Where a broken export file can be continued: the end of its last complete row that has an id, and that
 * id (what `resumeAfter` takes). `veil export --resume` truncates the file there and appends the rest.
 * A row is complete when its line end was written; whatever follows the last complete row (a row cut in
 * the middle, placeholder rows, which have no id) is dropped and comes again with the continuation.
 *
 * @module
 */

import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { parse, type InfoRecord } from 'csv-parse'
import { EXPORT_COLUMNS } from '../../core/privacy/export-row.js'
import { restoreNeutralizedCell, type ExportFormat } from './export-encoder.js'

export interface ResumePoint {
  /** The id of the last complete row with one. */
  readonly id: string
  /** The file's length up to and including that row's line end. */
  readonly bytes: number
}

/** The resume point of an export file, or null when it holds no complete row with an id. */
export async function findResumePoint(path: string, format: ExportFormat): Promise<ResumePoint | null> {
  return format === 'csv' ? findCsvResumePoint(path) : findNdjsonResumePoint(path)
}

async function findNdjsonResumePoint(path: string): Promise<ResumePoint | null> {
  let found: ResumePoint | null = null
  let offset = 0
  let carry = Buffer.alloc(0)
  for await (const chunk of createReadStream(path)) {
    let buffer = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer)
    let newline = buffer.indexOf(0x0a)
    while (newline >= 0) {
      const line = buffer.subarray(0, newline).toString('utf8')
      offset += newline + 1
      const id = idOfLine(line)
      if (id !== null) {
        found = { id, bytes: offset }
      }
      buffer = buffer.subarray(newline + 1)
      newline = buffer.indexOf(0x0a)
    }
    // A line without its line end is incomplete (for now: its end may be in the next chunk).
    carry = Buffer.from(buffer)
  }
  return found
}

function idOfLine(line: string): string | null {
  try {
    const value: unknown = JSON.parse(line)
    if (value !== null && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') {
      return (value as { id: string }).id
    }
  } catch {
    // A damaged line is not a resume point.
  }
  return null
}

async function findCsvResumePoint(path: string): Promise<ResumePoint | null> {
  // The last two rows with an id: the last one may turn out to be cut before its line end.
  let found: ResumePoint | null = null
  let before: ResumePoint | null = null
  let idColumn = -1
  let lastByte = -1
  const parser = parse({
    bom: true,
    relax_column_count: true,
    on_record: (record: string[], info: InfoRecord) => {
      if (info.records === 1) {
        idColumn = record.indexOf(EXPORT_COLUMNS[0])
      } else if (idColumn >= 0) {
        const id = restoreNeutralizedCell(record[idColumn] ?? '')
        if (id !== '') {
          before = found
          found = { id, bytes: info.bytes }
        }
      }
      return null
    },
  })
  const input = createReadStream(path)
  input.on('data', (chunk) => {
    const bytes = chunk as Buffer
    lastByte = bytes.length > 0 ? (bytes[bytes.length - 1] as number) : lastByte
  })
  try {
    for await (const record of input.pipe(parser)) {
      void record
    }
  } catch {
    // A row cut inside a quoted cell is not given at all: the rows before it are complete.
  }
  const last = found as ResumePoint | null
  // A row that ends where the file ends is complete only if its line end was written too.
  if (last !== null && last.bytes === (await stat(path)).size && lastByte !== 0x0a) {
    return before
  }
  return last
}
