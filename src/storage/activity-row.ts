/**
 * Between an activity and its row: the lower-cased filter columns, the search text, and the JSON
 * documents. Both engines write exactly these values, so a query means the same on either.
 *
 * @module
 */

import type { Activity, ClassifiedActivity } from '../core/activity/activity.js'
import type { InsertOutcome } from './store.js'

/** The columns an insert writes, in the order the engines' insert statements bind them. */
export const ACTIVITY_INSERT_COLUMNS = [
  'id',
  'time',
  'received_at',
  'is_private',
  'private_because',
  'sealed',
  'id_lc',
  'actor_upn',
  'actor_domain',
  'actor_type',
  'actor_groups',
  'app',
  'action_type',
  'action_name',
  'ip',
  'country',
  'device_type',
  'user_agent',
  'source',
  'result',
  'search_text',
  'doc',
  'raw',
] as const

/** A column the insert writes. */
export type ActivityInsertColumn = (typeof ACTIVITY_INSERT_COLUMNS)[number]

/** One row to insert; the values line up with {@link ACTIVITY_INSERT_COLUMNS}. */
export interface ActivityInsertRow {
  readonly id: string
  readonly time: number
  readonly received_at: number
  readonly is_private: 0 | 1
  readonly private_because: string | null
  readonly sealed: Uint8Array | null
  readonly id_lc: string | null
  readonly actor_upn: string | null
  readonly actor_domain: string | null
  readonly actor_type: string | null
  readonly actor_groups: string | null
  readonly app: string | null
  readonly action_type: string | null
  readonly action_name: string | null
  readonly ip: string | null
  readonly country: string | null
  readonly device_type: string | null
  readonly user_agent: string | null
  readonly source: string | null
  readonly result: string | null
  readonly search_text: string | null
  readonly doc: string | null
  readonly raw: string | null
}

/**
 * Lower-case a filter value. Empty strings become null so that `isset` means "has a value" whatever
 * the source sent for a missing field.
 */
function lower(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value === '') {
    return null
  }
  return value.toLowerCase()
}

function domainOf(upn: string | null): string | null {
  const at = upn?.lastIndexOf('@') ?? -1
  if (upn === null || at < 0 || at === upn.length - 1) {
    return null
  }
  return upn.slice(at + 1)
}

/** `|g1|g2|`, or null for no groups; `|` inside a group id cannot be told apart from the separator. */
function groupsColumn(groups: readonly string[]): string | null {
  const lowered = groups.map((g) => g.toLowerCase()).filter((g) => g !== '')
  return lowered.length === 0 ? null : `|${lowered.join('|')}|`
}

/**
 * The text that free-text search looks through: the fields a viewer sees in the activity table and
 * drawer. Newline-separated so that a term never matches across two fields by accident of spacing.
 */
export function searchTextOf(activity: Activity): string {
  const { actor, action, location, device, target } = activity
  return [
    actor.upn,
    actor.displayName,
    activity.app,
    action.type,
    action.name,
    activity.ip,
    location.country,
    location.city,
    device.userAgent,
    target.type,
    target.id,
    target.name,
    activity.description,
  ]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join('\n')
    .toLowerCase()
}

/** The row for one classified activity. */
export function toActivityRow({ activity, isPrivate, privateBecause }: ClassifiedActivity): ActivityInsertRow {
  const { raw, ...doc } = activity
  const upn = lower(activity.actor.upn)
  const idLower = activity.id.toLowerCase()
  // JSON.stringify(undefined) is undefined, not a string: a missing raw event is stored as SQL null.
  const rawJson = raw === undefined ? null : JSON.stringify(raw)
  return {
    id: activity.id,
    time: activity.time,
    received_at: activity.receivedAt,
    is_private: isPrivate ? 1 : 0,
    private_because: privateBecause,
    sealed: null,
    id_lc: idLower === activity.id ? null : idLower,
    actor_upn: upn,
    actor_domain: domainOf(upn),
    actor_type: lower(activity.actor.type),
    actor_groups: groupsColumn(activity.actorGroups),
    app: lower(activity.app),
    action_type: lower(activity.action.type),
    action_name: lower(activity.action.name),
    ip: lower(activity.ip),
    country: lower(activity.location.country),
    device_type: lower(activity.device.type),
    user_agent: lower(activity.device.userAgent),
    source: lower(activity.source),
    result: lower(activity.result),
    search_text: searchTextOf(activity),
    doc: JSON.stringify(doc),
    raw: rawJson,
  }
}

/** The columns list pages and get-by-id read. */
export interface ActivityReadRow {
  readonly id: string
  readonly time: number | string
  readonly received_at: number | string
  readonly doc: string | null
}

/**
 * Rebuild an activity from its row. `raw` is `undefined` when the row was read without it (list pages),
 * which becomes `null` in the result.
 *
 * A row without `doc` is a private activity whose details are sealed (a later issue): until they can be
 * decrypted it is shown as a placeholder with its id and times only.
 */
export function fromActivityRow(row: ActivityReadRow, raw?: string | null): Activity {
  const rawValue: unknown = raw === undefined || raw === null ? null : JSON.parse(raw)
  if (row.doc === null) {
    return placeholderActivity(row, rawValue)
  }
  const doc = JSON.parse(row.doc) as Omit<Activity, 'raw'>
  return { ...doc, raw: rawValue }
}

function placeholderActivity(row: ActivityReadRow, raw: unknown): Activity {
  return {
    id: row.id,
    time: Number(row.time),
    receivedAt: Number(row.received_at),
    source: '',
    actor: { upn: null, displayName: null, sourceId: null, type: 'user' },
    app: '',
    action: { type: '', name: '' },
    ip: null,
    location: { country: null, city: null },
    device: { type: null, userAgent: null },
    target: { type: null, id: null, name: null },
    result: 'unknown',
    description: 'Private activity',
    actorGroups: [],
    raw,
  }
}

/** A batch after dropping ids repeated within it: the rows to write, and the outcomes known so far. */
export interface InsertPlan {
  /** First occurrences, with their position in the batch. */
  readonly rows: ReadonlyArray<{ readonly index: number; readonly row: ActivityInsertRow }>
  /** Per batch position; repeats are already `duplicate`, the rest are filled in by the writer. */
  readonly outcomes: InsertOutcome[]
}

/**
 * Plan the insert of a batch. Repeats of an id within the batch are duplicates whatever their time, on
 * both engines, so the writers only ever see distinct ids.
 */
export function planInsert(batch: readonly ClassifiedActivity[]): InsertPlan {
  const seen = new Set<string>()
  const rows: Array<{ index: number; row: ActivityInsertRow }> = []
  const outcomes: InsertOutcome[] = new Array<InsertOutcome>(batch.length).fill('duplicate')
  batch.forEach((classified, index) => {
    if (seen.has(classified.activity.id)) {
      return
    }
    seen.add(classified.activity.id)
    rows.push({ index, row: toActivityRow(classified) })
  })
  return { rows, outcomes }
}
