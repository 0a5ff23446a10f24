/**
 * The parse stage: an ingest body (JSON array, one JSON object, or NDJSON) becomes records with their
 * positions; a line that does not parse becomes a per-record error and the others go on.
 *
 * @module
 */

import type { ParsedBatch } from './ingest-pipeline.js'
import { splitRecords } from './veil/veil-format.js'

export function parseIngestBody(body: string): ParsedBatch {
  const split = splitRecords(body)
  return {
    records: split.records.map((value, i) => {
      const bytes = split.bytes[i]
      return bytes === null || bytes === undefined ? { index: split.indexes[i] as number, value } : { index: split.indexes[i] as number, value, bytes }
    }),
    errors: split.errors,
  }
}
