/**
 * Veil's generic JSON format as an ingest format of the pipeline (`--format veil`, `?format=veil`).
 * The format itself — schema, record splitting, normalization — lives in `veil-format.ts`.
 *
 * @module
 */

import type { IngestFormat } from '../ingest-format.js'
import { isVeilRecord, normalizeVeilRecord } from './veil-format.js'

export const veilFormat: IngestFormat = Object.freeze({
  name: 'veil',
  detect: isVeilRecord,
  normalize: normalizeVeilRecord,
})
