/**
 * The engine-neutral activity query: what the HTTP API, the CLI and (later) the portal and exports ask the
 * store for. The Defender-compatible request body is parsed into this shape by `defender-query.ts`; the
 * storage engines compile it to SQL. Nothing here knows about SQL or HTTP.
 *
 * @module
 */

/**
 * Fields a string condition can name. Each maps to one indexed or searchable column in the store. All
 * string comparisons are case-insensitive: values are lower-cased here and the store keeps lower-cased
 * copies of these columns.
 */
export const STRING_FIELDS = [
  'id',
  'actorUpn',
  'actorDomain',
  'actorType',
  'actorGroups',
  'app',
  'actionType',
  'actionName',
  'ip',
  'country',
  'deviceType',
  'userAgent',
  'source',
  'result',
] as const
export type StringField = (typeof STRING_FIELDS)[number]

/** Time fields, ms since the epoch. `time` is when the actor acted, `receivedAt` when Veil recorded it. */
export const TIME_FIELDS = ['time', 'receivedAt'] as const
export type TimeField = (typeof TIME_FIELDS)[number]

export type StringCondition =
  /** Value is one of `values` (`in`), or for `neq` none of them; `neq` also matches rows without a value. */
  | { readonly field: StringField; readonly op: 'eq' | 'neq'; readonly values: readonly string[] }
  /** Value contains / starts with any of `values`. */
  | { readonly field: StringField; readonly op: 'contains' | 'startswith'; readonly values: readonly string[] }
  | { readonly field: StringField; readonly op: 'isset' | 'isnotset' }

/** Inclusive time range; at least one bound is set. `ndays` operators are resolved to bounds at parse time. */
export interface TimeCondition {
  readonly field: TimeField
  readonly op: 'range'
  readonly gte: number | null
  readonly lte: number | null
}

/**
 * Free text over the visible fields of an activity (user, app, action, IP, location, user agent, target,
 * description). Every term must occur (AND); terms are lower-cased.
 */
export interface TextCondition {
  readonly field: 'text'
  readonly op: 'search'
  readonly terms: readonly string[]
}

export type Condition = StringCondition | TimeCondition | TextCondition

export type SortField = TimeField
export type SortDirection = 'asc' | 'desc'

/** Where the previous page ended, for keyset paging. Ties on the sort value are broken by id. */
export interface KeysetPosition {
  readonly sortValue: number
  readonly id: string
}

export interface ActivityQuery {
  /** All conditions must hold (AND). */
  readonly conditions: readonly Condition[]
  readonly sort: { readonly field: SortField; readonly direction: SortDirection }
  readonly limit: number
  /** OFFSET-style paging kept for Defender compatibility; applied after `after`. */
  readonly skip: number
  /** Keyset position from an opaque cursor; `null` for the first page. */
  readonly after: KeysetPosition | null
  /**
   * How many matching activities to count at most for `total`. Counting is the one part of a page whose
   * cost grows with the result size, so it is bounded; past it the page says `moreThanTotal`.
   */
  readonly countLimit: number
}

/** One page of activities. */
export interface ActivityPage<T> {
  readonly items: readonly T[]
  /** Number of matching activities, exact when `moreThanTotal` is false. */
  readonly total: number
  /** True when more than `total` activities match (the count stopped at the query's `countLimit`). */
  readonly moreThanTotal: boolean
  readonly hasNext: boolean
}
