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

/** One event of a record that holds several, and where it sits in that record. */
export interface RecordPart {
  /** JSON pointer of the event inside the record (`/Records/3`); prefixed to the field of its errors. */
  readonly pointer: string
  readonly value: unknown
}

export interface IngestFormat {
  /** The name used by `--format` and `?format=` (`veil`, `o365`, `okta`, ...). */
  readonly name: string
  /** Whether a record looks like this format; used when the format is auto-detected per record. */
  detect(record: unknown): boolean
  /** Turn one record into an activity, or say which field is wrong and why. Never throws. */
  normalize(record: unknown, context: { index: number; receivedAt: number }): NormalizeResult
  /**
   * Split a record that holds several events (a CloudTrail log file's `Records`, the `events` of a
   * Google Workspace activity, an API page) into its events, or null when it is one event. Each part
   * becomes its own activity (or error), reported with the record's index and the part's position.
   * Never throws.
   */
  expand?(record: unknown): readonly RecordPart[] | null
}
