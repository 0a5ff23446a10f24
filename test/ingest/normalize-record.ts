/**
 * The pipeline's detect → expand → normalize step for one record, without the store: for tests and the
 * parse benchmark.
 */
import type { IngestFormat, NormalizeResult } from '../../src/ingest/ingest-format.js'

export interface Outcome {
  /** The format that normalized the event (the one detected, or the one named). */
  readonly format: string
  /** JSON pointer of the event in the record ('' for a record of one event). */
  readonly pointer: string
  readonly value: unknown
  readonly result: NormalizeResult
}

/**
 * Detect (unless `named`), expand and normalize one record as the pipeline does; null when no format
 * detects it.
 */
export function normalizeRecord(formats: readonly IngestFormat[], record: unknown, receivedAt: number, named?: IngestFormat): Outcome[] | null {
  const container = named ?? formats.find((f) => f.detect(record))
  if (container === undefined) {
    return null
  }
  const parts = container.expand?.(record) ?? null
  if (parts === null) {
    return [{ format: container.name, pointer: '', value: record, result: container.normalize(record, { index: 0, receivedAt }) }]
  }
  return parts.map((part) => {
    const format = named ?? formats.find((f) => f.detect(part.value)) ?? container
    return { format: format.name, pointer: part.pointer, value: part.value, result: format.normalize(part.value, { index: 0, receivedAt }) }
  })
}
