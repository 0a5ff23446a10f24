/**
 * The opaque keyset cursor of the activity list: where the previous page ended, for which sort and for
 * which query.
 *
 * A cursor is base64url of a small versioned JSON object. It is built only from the last item the caller
 * was shown, the sort, a fingerprint of the query's conditions and the time relative filters were
 * resolved against, so it carries nothing the caller has not seen (privacy rule 4: a cursor never depends
 * on private activities). It is not signed: a client that forges one learns nothing it could not ask
 * for with a filter.
 *
 * Wire form (before base64url): `{"v":1,"f":"time","d":"desc","s":1714560000000,"i":"<id>","q":"<fingerprint>","a":1714560000000}`
 * — version, sort field, sort direction, sort value and id of the last item, query fingerprint, anchor.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { ValidationError } from '../errors.js'
import { canonicalJson } from '../governance/governance-record.js'
import { TIME_FIELDS, type ActivityQuery, type Condition, type KeysetPosition, type SortDirection, type SortField } from './activity-query.js'

/** Bumped whenever the wire form changes; cursors of another version are refused, never guessed at. */
export const CURSOR_VERSION = 1

/** Longest cursor accepted; a real one is well under 600 characters. */
export const MAX_CURSOR_LENGTH = 2048

/** Longest activity id a cursor may carry. */
export const MAX_CURSOR_ID_LENGTH = 1024

export interface CursorSort {
  readonly field: SortField
  readonly direction: SortDirection
}

/** Everything a cursor says, once read. */
export interface CursorState {
  readonly position: KeysetPosition
  readonly sort: CursorSort
  readonly fingerprint: string
  /**
   * The `now` that relative filters (`gte_ndays`, `lte_ndays`) of the first page were resolved against.
   * Later pages resolve them against the same instant, so the window does not slide while paging and the
   * query fingerprint stays the same. `null` when the cursor was made without one.
   */
  readonly anchor: number | null
}

/**
 * An {@link ActivityQuery} as `parseDefenderQuery` returns it: with the instant its relative time filters
 * were resolved against, which {@link nextCursor} writes into the cursor.
 */
export interface AnchoredActivityQuery extends ActivityQuery {
  readonly anchor: number
}

const FINGERPRINT_PATTERN = /^[0-9a-f]{32}$/
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/
const WIRE_KEYS = new Set(['v', 'f', 'd', 's', 'i', 'q', 'a'])

/**
 * A stable hash of a query's conditions: the same conditions in any order, with list values in any order,
 * give the same fingerprint. 32 hex characters (128 bits of SHA-256).
 *
 * @example
 * queryFingerprint([{ field: 'app', op: 'eq', values: ['okta'] }]) // 'a3f1…' (32 hex characters)
 */
export function queryFingerprint(conditions: readonly Condition[]): string {
  const parts = conditions.map((condition) => canonicalJson(normalizeCondition(condition))).sort()
  return createHash('sha256').update(`[${parts.join(',')}]`).digest('hex').slice(0, 32)
}

/**
 * Build a cursor. `queryFingerprint` comes from {@link queryFingerprint}; `anchor` is the instant relative
 * time filters were resolved against (see {@link CursorState.anchor}).
 *
 * @example
 * encodeCursor({ sortValue: 1714560000000, id: 'a1' }, { field: 'time', direction: 'desc' }, fingerprint, now)
 */
export function encodeCursor(position: KeysetPosition, sort: CursorSort, queryFingerprint: string, anchor: number | null = null): string {
  const wire: Record<string, unknown> = {
    v: CURSOR_VERSION,
    f: sort.field,
    d: sort.direction,
    s: position.sortValue,
    i: position.id,
    q: queryFingerprint,
  }
  if (anchor !== null) {
    wire.a = anchor
  }
  return Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url')
}

/**
 * Read a cursor without checking it against a query. Throws `ValidationError` with code `invalid_cursor`
 * when it is malformed or of another version.
 */
export function readCursor(cursor: unknown): CursorState {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL_PATTERN.test(cursor)) {
    throw invalidCursor('is malformed; pass the cursor of the previous page unchanged')
  }
  const bytes = Buffer.from(cursor, 'base64url')
  // Reject anything that does not re-encode to itself (stray bits, padding tricks).
  if (bytes.toString('base64url') !== cursor) {
    throw invalidCursor('is malformed; pass the cursor of the previous page unchanged')
  }
  let wire: unknown
  try {
    wire = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw invalidCursor('is malformed; pass the cursor of the previous page unchanged')
  }
  if (wire === null || typeof wire !== 'object' || Array.isArray(wire)) {
    throw invalidCursor('is malformed; pass the cursor of the previous page unchanged')
  }
  const w = wire as Record<string, unknown>
  if (w.v !== CURSOR_VERSION) {
    throw invalidCursor('was made by another version of Veil; start again from the first page')
  }
  const { f, d, s, i, q, a } = w
  const wellFormed =
    Object.keys(w).every((key) => WIRE_KEYS.has(key)) &&
    (TIME_FIELDS as readonly unknown[]).includes(f) &&
    (d === 'asc' || d === 'desc') &&
    Number.isSafeInteger(s) &&
    typeof i === 'string' &&
    i.length > 0 &&
    i.length <= MAX_CURSOR_ID_LENGTH &&
    typeof q === 'string' &&
    FINGERPRINT_PATTERN.test(q) &&
    (a === undefined || Number.isSafeInteger(a))
  if (!wellFormed) {
    throw invalidCursor('is malformed; pass the cursor of the previous page unchanged')
  }
  return {
    position: { sortValue: s as number, id: i as string },
    sort: { field: f as SortField, direction: d as SortDirection },
    fingerprint: q as string,
    anchor: a === undefined ? null : (a as number),
  }
}

/** Check a cursor that {@link readCursor} accepted against the sort and query it is used with. */
export function verifyCursor(state: CursorState, sort: CursorSort, queryFingerprint: string): KeysetPosition {
  if (state.sort.field !== sort.field || state.sort.direction !== sort.direction) {
    throw invalidCursor('was made for another sort order; keep sortField and sortDirection while paging, or start again from the first page')
  }
  if (state.fingerprint !== queryFingerprint) {
    throw invalidCursor('was made for another query; keep the filters while paging, or start again from the first page')
  }
  return state.position
}

/**
 * Read a cursor and check that it was made for this sort and query. Throws `ValidationError` with code
 * `invalid_cursor` (field `cursor`) when it is malformed, of another version, or for another sort or query.
 */
export function decodeCursor(cursor: string, sort: CursorSort, queryFingerprint: string): KeysetPosition {
  return verifyCursor(readCursor(cursor), sort, queryFingerprint)
}

/**
 * The cursor of the page after the one that ended with `lastItem`. The HTTP layer calls it with the query
 * it listed (as returned by `parseDefenderQuery`) and the last activity it returns to the caller — never
 * with anything the caller is not shown.
 *
 * @example
 * const page = await store.activities.list(query, disclosure)
 * const last = page.items.at(-1)
 * const cursor = page.hasNext && last ? nextCursor(query, last) : null
 */
export function nextCursor(query: ActivityQuery & { readonly anchor?: number }, lastItem: { readonly time: number; readonly receivedAt: number; readonly id: string }): string {
  const sortValue = query.sort.field === 'receivedAt' ? lastItem.receivedAt : lastItem.time
  return encodeCursor({ sortValue, id: lastItem.id }, query.sort, queryFingerprint(query.conditions), query.anchor ?? null)
}

/** Value lists and search terms are sets: order and repeats do not change what a condition means. */
function normalizeCondition(condition: Condition): Condition {
  if ('values' in condition) {
    return { ...condition, values: [...new Set(condition.values)].sort() }
  }
  if (condition.field === 'text') {
    return { ...condition, terms: [...new Set(condition.terms)].sort() }
  }
  return condition
}

function invalidCursor(reason: string): ValidationError {
  return new ValidationError(`The cursor ${reason}.`, [{ field: 'cursor', reason }], 'invalid_cursor')
}
