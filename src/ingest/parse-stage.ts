/**
 * The parse stage: an ingest body (JSON array, one JSON object, or NDJSON) becomes records with their
 * positions; a line that does not parse becomes a per-record error and the others go on.
 *
 * @module
 */

import type { ParsedBatch } from './ingest-pipeline.js'
import { splitRecords, type SplitFormat } from './veil/veil-format.js'

/** How to read a body with this content type: NDJSON types are always read line by line. */
export function splitFormatFor(contentType: string | undefined): SplitFormat | 'auto' {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  return ['application/x-ndjson', 'application/jsonl', 'application/x-jsonlines'].includes(type) ? 'ndjson' : 'auto'
}

export function parseIngestBody(body: string, format: SplitFormat | 'auto' = 'auto'): ParsedBatch {
  const split = splitRecords(body, format)
  return {
    records: split.records.map((value, i) => {
      const bytes = split.bytes[i]
      return bytes === null || bytes === undefined ? { index: split.indexes[i] as number, value } : { index: split.indexes[i] as number, value, bytes }
    }),
    errors: split.errors,
  }
}
