/**
 * Between an activity and its row: the lower-cased filter columns, the search text, and the JSON
 * documents of a public activity; the ciphertext and blind indexes of a private one (and nothing else:
 * see {@link toSealedRow}). Both engines write exactly these values, so a query means the same on either.
 *
 * @module
 */

import type { Activity, ClassifiedActivity } from '../core/activity/activity.js'
import type { InsertOutcome, NewActivity, NewSealedActivity, PublicActivity, StoredActivity } from './store.js'

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

/** The blind-index columns, set on private rows only. */
export const BLIND_INDEX_COLUMNS = ['bi_actor_upn', 'bi_ip', 'bi_app', 'bi_action_type'] as const
export type BlindIndexColumn = (typeof BLIND_INDEX_COLUMNS)[number]

/** Every column the engines' insert statements bind, public and private rows alike. */
export const STORED_ROW_COLUMNS = [...ACTIVITY_INSERT_COLUMNS, ...BLIND_INDEX_COLUMNS] as const
export type StoredRowColumn = (typeof STORED_ROW_COLUMNS)[number]

/** One row to insert; the values line up with {@link ACTIVITY_INSERT_COLUMNS}. */
export interface ActivityInsertRow {
  readonly id: string
  readonly time: number
  readonly received_at: number | null
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

/** A row as the engines insert it: {@link STORED_ROW_COLUMNS}. */
export type StoredRow = ActivityInsertRow & Readonly<Record<BlindIndexColumn, string | null>>

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

/**
 * The row of a public activity. A private activity is never written in the clear: it must be sealed
 * first (see {@link toSealedRow}), and this function refuses it.
 */
export function toActivityRow(record: PublicActivity | ClassifiedActivity): ActivityInsertRow {
  if (record.isPrivate) {
    throw new Error('A private activity must be sealed before it is stored')
  }
  const { activity } = record
  const { raw, ...doc } = activity
  const upn = lower(activity.actor.upn)
  const idLower = activity.id.toLowerCase()
  // JSON.stringify(undefined) is undefined, not a string: a missing raw event is stored as SQL null.
  const rawJson = raw === undefined ? null : JSON.stringify(raw)
  return {
    id: activity.id,
    time: activity.time,
    received_at: activity.receivedAt,
    is_private: 0,
    private_because: null,
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

/**
 * The row of a private activity: its id, its time, the private marker, the ciphertext and the blind
 * indexes. Every other column is null, spelled out here so that nothing else of a private activity can
 * reach the database by accident (privacy rule 2).
 */
export function toSealedRow(record: NewSealedActivity): StoredRow {
  return {
    id: record.id,
    time: record.time,
    received_at: null,
    is_private: 1,
    private_because: null,
    sealed: record.sealed,
    id_lc: null,
    actor_upn: null,
    actor_domain: null,
    actor_type: null,
    actor_groups: null,
    app: null,
    action_type: null,
    action_name: null,
    ip: null,
    country: null,
    device_type: null,
    user_agent: null,
    source: null,
    result: null,
    search_text: null,
    doc: null,
    raw: null,
    bi_actor_upn: record.blindIndexes.actorUpn,
    bi_ip: record.blindIndexes.ip,
    bi_app: record.blindIndexes.app,
    bi_action_type: record.blindIndexes.actionType,
  }
}

/** The row of a public activity, with the blind-index columns (null). */
function toPublicRow(record: PublicActivity): StoredRow {
  return { ...toActivityRow(record), bi_actor_upn: null, bi_ip: null, bi_app: null, bi_action_type: null }
}

/** The columns list pages and get-by-id read. */
export interface ActivityReadRow {
  readonly id: string
  readonly time: number | string
  readonly is_private: number | string
  readonly doc: string | null
  /** Read by revealing queries only; absent otherwise. */
  readonly sealed?: Uint8Array | null
}

/**
 * Rebuild a stored activity from its row: a public one from its `doc` (and `raw`: `undefined` when the
 * row was read without it, for list pages, which becomes `null`), a private one as its sealed record.
 */
export function fromActivityRow(row: ActivityReadRow, raw?: string | null): StoredActivity {
  if (Number(row.is_private) === 1) {
    if (row.sealed === null || row.sealed === undefined) {
      throw new Error(`The private activity ${row.id} has no sealed details`)
    }
    const sealed = Buffer.isBuffer(row.sealed) ? row.sealed : Buffer.from(row.sealed)
    return { isPrivate: true, id: row.id, time: Number(row.time), sealed }
  }
  if (row.doc === null) {
    throw new Error(`The public activity ${row.id} has no details`)
  }
  const rawValue: unknown = raw === undefined || raw === null ? null : JSON.parse(raw)
  const doc = JSON.parse(row.doc) as Omit<Activity, 'raw'>
  return { isPrivate: false, activity: { ...doc, raw: rawValue } }
}

/** A batch after dropping ids repeated within it: the rows to write, and the outcomes known so far. */
export interface InsertPlan {
  /** First occurrences, with their position in the batch. */
  readonly rows: ReadonlyArray<{ readonly index: number; readonly row: StoredRow }>
  /** Per batch position; repeats are already `duplicate`, the rest are filled in by the writer. */
  readonly outcomes: InsertOutcome[]
}

/** The id of a record to insert. */
export function idOf(record: NewActivity): string {
  return record.isPrivate ? record.id : record.activity.id
}

/**
 * Plan the insert of a batch. Repeats of an id within the batch are duplicates whatever their time, on
 * both engines, so the writers only ever see distinct ids.
 */
export function planInsert(batch: readonly NewActivity[]): InsertPlan {
  const seen = new Set<string>()
  const rows: Array<{ index: number; row: StoredRow }> = []
  const outcomes: InsertOutcome[] = new Array<InsertOutcome>(batch.length).fill('duplicate')
  batch.forEach((record, index) => {
    const id = idOf(record)
    if (seen.has(id)) {
      return
    }
    seen.add(id)
    rows.push({ index, row: record.isPrivate ? toSealedRow(record) : toPublicRow(record) })
  })
  return { rows, outcomes }
}
