/**
 * What a stored activity becomes in an export (privacy rule 7: exports stay private).
 *
 * A public activity is exported with its normalized fields. A private activity is absent from an export
 * that does not reveal (the store never returns one to it; if one arrives anyway that is a bug, and the
 * export fails closed). An export made while revealing lists a private activity as a placeholder: its
 * time and "Private activity", nothing else — the sealed details are never opened for an export, and
 * this module never sees them: a private item is read for its time only.
 *
 * The column set of the CSV form and the object of the NDJSON form are defined here too, so that what
 * leaves the server in an export is decided in one pure place. `docs/exports.md` documents both.
 *
 * @module
 */

import type { Activity } from '../activity/activity.js'
import type { Disclosure } from './decide-disclosure.js'

/** What a placeholder row says instead of the private activity's details. */
export const PRIVATE_ACTIVITY_PLACEHOLDER = 'Private activity'

/**
 * A stored activity as an export reads it: a public one whole, a private one only for its time. The
 * storage layer's `StoredActivity` fits this shape; the core names no storage type.
 */
export type ExportSource = { readonly isPrivate: false; readonly activity: Activity } | { readonly isPrivate: true; readonly time: number }

/** One row of an export. */
export type ExportRow =
  /** A public activity, exported with its details. */
  | { readonly kind: 'activity'; readonly activity: Activity }
  /** A private activity in an export made while revealing: its time, nothing else. */
  | { readonly kind: 'placeholder'; readonly time: number }

/**
 * The export row of a stored activity under the export's disclosure.
 *
 * Throws when a private activity reaches an export that does not reveal: the store must not return one
 * there, so this is a bug, and the export stops rather than list it in any form (fail closed).
 *
 * @example
 * exportRowOf({ isPrivate: false, activity }, HIDE_PRIVATE) // { kind: 'activity', activity }
 * exportRowOf(sealed, revealing)                          // { kind: 'placeholder', time: sealed.time }
 * exportRowOf(sealed, HIDE_PRIVATE)                       // throws
 */
export function exportRowOf(item: ExportSource, disclosure: Disclosure): ExportRow {
  if (!item.isPrivate) {
    return { kind: 'activity', activity: item.activity }
  }
  if (!disclosure.includePrivate) {
    throw new Error('A private activity reached an export that does not reveal')
  }
  // Only the time is read: whatever else the item carries (its id, its sealed details) stays out.
  return { kind: 'placeholder', time: item.time }
}

/** ISO 8601 in UTC with milliseconds, as the API presents times. */
export function exportTime(ms: number): string {
  return new Date(ms).toISOString()
}

/** The CSV columns, in order; an export made while revealing adds {@link PRIVATE_COLUMN} at the end. */
export const EXPORT_COLUMNS = [
  'id',
  'time',
  'receivedAt',
  'actorUpn',
  'actorDisplayName',
  'actorType',
  'app',
  'actionType',
  'actionName',
  'ip',
  'country',
  'city',
  'deviceType',
  'userAgent',
  'targetType',
  'targetId',
  'targetName',
  'result',
  'description',
  'source',
] as const
export type ExportColumn = (typeof EXPORT_COLUMNS)[number]

/**
 * The column only an export made while revealing has: `true` on a placeholder row, `false` on the others.
 * Its presence in the header is how the file itself says it was made while revealing.
 */
export const PRIVATE_COLUMN = 'private'

const CELLS: Readonly<Record<ExportColumn, (a: Activity) => string | null>> = {
  id: (a) => a.id,
  time: (a) => exportTime(a.time),
  receivedAt: (a) => exportTime(a.receivedAt),
  actorUpn: (a) => a.actor.upn,
  actorDisplayName: (a) => a.actor.displayName,
  actorType: (a) => a.actor.type,
  app: (a) => a.app,
  actionType: (a) => a.action.type,
  actionName: (a) => a.action.name,
  ip: (a) => a.ip,
  country: (a) => a.location.country,
  city: (a) => a.location.city,
  deviceType: (a) => a.device.type,
  userAgent: (a) => a.device.userAgent,
  targetType: (a) => a.target.type,
  targetId: (a) => a.target.id,
  targetName: (a) => a.target.name,
  result: (a) => a.result,
  description: (a) => a.description,
  source: (a) => a.source,
}

/** The header row of a CSV export. */
export function exportHeader(revealing: boolean): string[] {
  return revealing ? [...EXPORT_COLUMNS, PRIVATE_COLUMN] : [...EXPORT_COLUMNS]
}

/**
 * The CSV cells of a row, lined up with {@link exportHeader}; empty where the activity has no value. A
 * placeholder has its time and {@link PRIVATE_ACTIVITY_PLACEHOLDER} in `description`, every other cell
 * empty.
 */
export function exportCells(row: ExportRow, revealing: boolean): string[] {
  const cells =
    row.kind === 'activity'
      ? EXPORT_COLUMNS.map((column) => CELLS[column](row.activity) ?? '')
      : EXPORT_COLUMNS.map((column) => (column === 'time' ? exportTime(row.time) : column === 'description' ? PRIVATE_ACTIVITY_PLACEHOLDER : ''))
  if (revealing) {
    cells.push(row.kind === 'placeholder' ? 'true' : 'false')
  }
  return cells
}

/**
 * The NDJSON object of a row: a public activity in Veil's generic format (the names of the ingest
 * format, times in ISO 8601, without the raw event); a placeholder is
 * `{"time", "private": true, "description": "Private activity"}`. In an export made while revealing
 * every line carries `private`, which is how the file says it was made while revealing.
 */
export function exportObject(row: ExportRow, revealing: boolean): Record<string, unknown> {
  if (row.kind === 'placeholder') {
    return { time: exportTime(row.time), private: true, description: PRIVATE_ACTIVITY_PLACEHOLDER }
  }
  const a = row.activity
  const object: Record<string, unknown> = {
    id: a.id,
    time: exportTime(a.time),
    receivedAt: exportTime(a.receivedAt),
    source: a.source,
    actor: { upn: a.actor.upn, displayName: a.actor.displayName, sourceId: a.actor.sourceId, type: a.actor.type },
    app: a.app,
    action: { type: a.action.type, name: a.action.name },
    ip: a.ip,
    location: { country: a.location.country, city: a.location.city },
    device: { type: a.device.type, userAgent: a.device.userAgent },
    target: { type: a.target.type, id: a.target.id, name: a.target.name },
    result: a.result,
    description: a.description,
    actorGroups: [...a.actorGroups],
  }
  if (revealing) {
    object.private = false
  }
  return object
}
