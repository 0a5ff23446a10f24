/**
 * An ingest format: how one source's events become Veil activities. Veil's generic JSON is the first;
 * the native formats of Microsoft 365, Entra ID, Okta, ... are added as further formats, not as special
 * cases of the pipeline.
 *
 * @module
 */

import type { Activity } from '../core/activity/activity.js'

export interface RecordError {
  readonly index: number
  /** JSON pointer of the offending field (`/actor/upn`), or `` for the record as a whole. */
  readonly field: string
  readonly reason: string
}

export type NormalizeResult = { readonly ok: true; readonly activity: Activity } | { readonly ok: false; readonly error: RecordError }

export interface IngestFormat {
  /** The name used by `--format` and `?format=` (`veil`, `o365`, `okta`, ...). */
  readonly name: string
  /** Whether a record looks like this format; used when the format is auto-detected per record. */
  detect(record: unknown): boolean
  /** Turn one record into an activity, or say which field is wrong and why. Never throws. */
  normalize(record: unknown, context: { index: number; receivedAt: number }): NormalizeResult
}
