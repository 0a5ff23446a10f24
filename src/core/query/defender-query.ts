/**
 * Parse the body of Microsoft Defender for Cloud Apps' activities API into Veil's engine-neutral
 * {@link ActivityQuery}, so scripts written for Defender work against Veil unchanged:
 *
 * ```json
 * {"filters": {"user.username": {"eq": ["a@contoso.com"]}, "date": {"gte_ndays": 7}},
 *  "skip": 0, "limit": 100, "sortField": "date", "sortDirection": "desc", "cursor": "<opaque>"}
 * ```
 *
 * Pure: the clock is passed in (`options.now`). Every problem is collected before anything is thrown, so
 * one answer names all of them. `docs/query-language.md` documents the fields and operators.
 *
 * @module
 */

import { ERROR_CODES, ValidationError, type ErrorCode, type ErrorDetail } from '../errors.js'
import { canonicalJson } from '../governance/governance-record.js'
import type { Condition, SortDirection, SortField, StringCondition, StringField, TextCondition, TimeCondition, TimeField } from './activity-query.js'
import { decodeCursor, queryFingerprint, readCursor, type AnchoredActivityQuery } from './cursor.js'

export interface DefenderQueryOptions {
  /** ms since the epoch; `gte_ndays` / `lte_ndays` are resolved against it (or against the cursor's anchor). */
  readonly now: number
  readonly defaultLimit: number
  readonly maxLimit: number
  /** Passed through to {@link ActivityQuery.countLimit}. */
  readonly countLimit: number
  /**
   * Further top-level keys the caller handles itself (e.g. reveal parameters); they are ignored here
   * instead of being refused as unknown.
   */
  readonly ignoreKeys?: readonly string[]
}

type FieldSpec = { readonly kind: 'string'; readonly field: StringField } | { readonly kind: 'time'; readonly field: TimeField } | { readonly kind: 'text' }

/**
 * Defender filter names → Veil fields. `user.type` and `activity.result` are Veil's additions; `app` is a
 * Veil alias of Defender's `service`.
 */
export const DEFENDER_FILTER_FIELDS: ReadonlyMap<string, FieldSpec> = new Map<string, FieldSpec>([
  ['activity.id', { kind: 'string', field: 'id' }],
  ['user.username', { kind: 'string', field: 'actorUpn' }],
  ['user.domain', { kind: 'string', field: 'actorDomain' }],
  ['user.tags', { kind: 'string', field: 'actorGroups' }],
  ['user.type', { kind: 'string', field: 'actorType' }],
  ['service', { kind: 'string', field: 'app' }],
  ['app', { kind: 'string', field: 'app' }],
  ['actionType', { kind: 'string', field: 'actionType' }],
  ['activity.eventActionType', { kind: 'string', field: 'actionName' }],
  ['activity.result', { kind: 'string', field: 'result' }],
  ['ip.address', { kind: 'string', field: 'ip' }],
  ['location.country', { kind: 'string', field: 'country' }],
  ['device.type', { kind: 'string', field: 'deviceType' }],
  ['userAgent.userAgent', { kind: 'string', field: 'userAgent' }],
  ['source', { kind: 'string', field: 'source' }],
  ['text', { kind: 'text' }],
  ['date', { kind: 'time', field: 'time' }],
  ['created', { kind: 'time', field: 'receivedAt' }],
])

export const STRING_OPERATORS = ['eq', 'neq', 'contains', 'startswith', 'isset', 'isnotset'] as const
export const TIME_OPERATORS = ['gte', 'lte', 'range', 'gte_ndays', 'lte_ndays'] as const
export const TEXT_OPERATORS = ['eq', 'contains'] as const

/** Top-level keys of a Defender request that Veil understands. */
export const QUERY_KEYS = ['filters', 'skip', 'limit', 'sortField', 'sortDirection', 'cursor'] as const

/**
 * Top-level keys Defender clients send that do not change the answer in Veil, accepted and ignored:
 * `performAsyncTotal` (Veil always counts, up to `countLimit`) and `isScan` (Veil pages with `cursor`;
 * it does not return `nextQueryFilters`).
 */
export const IGNORED_QUERY_KEYS = ['performAsyncTotal', 'isScan'] as const

/** Most values one operator takes (an `eq` list); keeps SQL parameter lists bounded. */
export const MAX_FILTER_VALUES = 1000
/** Longest filter value; no stored field is longer (ingest bound). */
export const MAX_FILTER_VALUE_LENGTH = 4096
/** Most free-text search terms. */
export const MAX_TEXT_TERMS = 32
/** Largest `gte_ndays` / `lte_ndays` (about 273 years); keeps resolved bounds finite integers. */
export const MAX_NDAYS = 100_000

const DAY_MS = 86_400_000
const SORT_FIELDS: ReadonlyMap<unknown, SortField> = new Map([
  ['date', 'time'],
  ['created', 'receivedAt'],
])
const TIME_FORM_HINT = 'must be ms since the epoch (an integer) or an ISO 8601 date-time with a time zone, e.g. "2024-05-01T00:00:00Z"'

interface Problem {
  readonly code: ErrorCode
  readonly detail: ErrorDetail
}

/** A time bound before `now` is known: absolute, or a number of days before the anchor. */
type Bound = { readonly kind: 'abs'; readonly value: number } | { readonly kind: 'days'; readonly days: number }

interface TimeDraft {
  readonly field: TimeField
  readonly lower: Bound[]
  readonly upper: Bound[]
}

/**
 * Parse a Defender for Cloud Apps activities request body.
 *
 * Throws `ValidationError` whose `details` name every problem (`field` is a path such as
 * `filters.user.username.eq[1]`). The code is the most specific one present: `unknown_filter_field`,
 * then `unknown_filter_operator`, then `validation_failed`; a bad `cursor` is `invalid_cursor`.
 *
 * @example
 * parseDefenderQuery(
 *   { filters: { 'user.username': { eq: ['a@contoso.com'] }, date: { gte_ndays: 7 } }, limit: 100 },
 *   { now: Date.now(), defaultLimit: 100, maxLimit: 1000, countLimit: 10_000 },
 * )
 * // { conditions: [{ field: 'actorUpn', op: 'eq', values: ['a@contoso.com'] },
 * //                { field: 'time', op: 'range', gte: now - 7 days, lte: null }], sort: { field: 'time', direction: 'desc' }, ... }
 */
export function parseDefenderQuery(body: unknown, options: DefenderQueryOptions): AnchoredActivityQuery {
  const problems: Problem[] = []
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
    throw new ValidationError('The request body must be a JSON object.', [{ field: '', reason: 'must be a JSON object' }])
  }
  const request = (body ?? {}) as Record<string, unknown>
  const ignored = new Set<string>([...IGNORED_QUERY_KEYS, ...(options.ignoreKeys ?? [])])
  for (const key of Object.keys(request)) {
    if (!(QUERY_KEYS as readonly string[]).includes(key) && !ignored.has(key)) {
      problems.push(invalid(key, `unknown parameter; expected ${QUERY_KEYS.join(', ')}`))
    }
  }

  const parsed = parseFilters(request.filters, problems)
  const limit = parseInteger(request.limit, 'limit', 1, options.maxLimit, options.defaultLimit, problems)
  const skip = parseInteger(request.skip, 'skip', 0, Number.MAX_SAFE_INTEGER, 0, problems)
  const sortField = parseEnum(request.sortField, 'sortField', SORT_FIELDS, 'time', 'must be "date" or "created"', problems)
  const direction = parseEnum<SortDirection>(
    request.sortDirection,
    'sortDirection',
    new Map<unknown, SortDirection>([
      ['asc', 'asc'],
      ['desc', 'desc'],
    ]),
    'desc',
    'must be "asc" or "desc"',
    problems,
  )
  if (request.cursor !== undefined && request.cursor !== null && typeof request.cursor !== 'string') {
    problems.push(invalid('cursor', 'must be a string (the cursor of the previous page)'))
  }
  throwProblems(problems)

  const sort = { field: sortField, direction }
  const cursor = typeof request.cursor === 'string' && request.cursor !== '' ? request.cursor : null
  // Relative filters of later pages resolve against the first page's instant, so the query stays the same.
  const anchor = cursor === null ? options.now : (readCursor(cursor).anchor ?? options.now)
  const conditions = resolveConditions(parsed, anchor)
  const after = cursor === null ? null : decodeCursor(cursor, sort, queryFingerprint(conditions))
  return { conditions, sort, limit, skip, after, countLimit: options.countLimit, anchor }
}

/**
 * Parse the query string of `GET /api/v1/activities?filters=<url-encoded JSON>&limit=..&skip=..&sortField=..&sortDirection=..&cursor=..`
 * (values already URL-decoded) with the same rules as {@link parseDefenderQuery}.
 */
export function parseDefenderQueryParams(params: Readonly<Record<string, string | readonly string[] | undefined>>, options: DefenderQueryOptions): AnchoredActivityQuery {
  const problems: Problem[] = []
  const body: Record<string, unknown> = {}
  for (const [key, raw] of Object.entries(params)) {
    if (raw === undefined) {
      continue
    }
    if (typeof raw !== 'string' && raw.length !== 1) {
      problems.push(invalid(key, 'must be given once'))
      continue
    }
    const value = typeof raw === 'string' ? raw : (raw[0] as string)
    if (key === 'filters') {
      if (value.trim() === '') {
        continue
      }
      try {
        body.filters = JSON.parse(value) as unknown
      } catch (error) {
        problems.push(invalid('filters', `not valid JSON: ${error instanceof Error ? error.message : String(error)}`))
      }
    } else if (key === 'limit' || key === 'skip') {
      // A string that is not a plain integer is passed on, so the body rules word the error the same way.
      body[key] = /^\d{1,15}$/.test(value) ? Number(value) : value
    } else {
      body[key] = value
    }
  }
  throwProblems(problems)
  return parseDefenderQuery(body, options)
}

/**
 * Parse an RFC 3339 timestamp (the ISO 8601 profile with a mandatory time zone): `2024-05-01T12:00:00Z`,
 * `2024-05-01T14:00:00.123+02:00`. Returns ms since the epoch, or null when `value` is not one. Fractions
 * beyond milliseconds are truncated; leap seconds are refused.
 */
export function parseIsoTimestamp(value: string): number | null {
  const match = ISO_TIMESTAMP.exec(value)
  if (!match) {
    return null
  }
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, oh, om] = match
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h)
  const minute = Number(mi)
  const second = Number(s)
  const offsetHours = zulu ? 0 : Number(oh)
  const offsetMinutes = zulu ? 0 : Number(om ?? '0')
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    return null
  }
  const millis = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0
  const date = new Date(0)
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, millis)
  const offset = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000
  return date.getTime() - offset
}

const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
    return leap ? 29 : 28
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

interface ParsedFilters {
  readonly fixed: Condition[]
  readonly times: Map<TimeField, TimeDraft>
}

function parseFilters(filters: unknown, problems: Problem[]): ParsedFilters {
  const result: ParsedFilters = { fixed: [], times: new Map() }
  if (filters === undefined || filters === null) {
    return result
  }
  if (typeof filters !== 'object' || Array.isArray(filters)) {
    problems.push(invalid('filters', 'must be an object of filter fields, e.g. {"user.username": {"eq": ["a@contoso.com"]}}'))
    return result
  }
  const terms: string[] = []
  let textGiven = false
  for (const [name, operators] of Object.entries(filters as Record<string, unknown>)) {
    const spec = DEFENDER_FILTER_FIELDS.get(name)
    const path = `filters.${name}`
    if (!spec) {
      problems.push({ code: 'unknown_filter_field', detail: { field: path, reason: 'unknown filter field' } })
      continue
    }
    if (operators === null || typeof operators !== 'object' || Array.isArray(operators)) {
      problems.push(invalid(path, 'must be an object of operators, e.g. {"eq": ["value"]}'))
      continue
    }
    const entries = Object.entries(operators as Record<string, unknown>)
    if (entries.length === 0) {
      problems.push(invalid(path, 'must name at least one operator'))
    }
    for (const [op, value] of entries) {
      const opPath = `${path}.${op}`
      if (spec.kind === 'string') {
        const condition = parseStringOperator(spec.field, name, op, value, opPath, problems)
        if (condition) {
          result.fixed.push(condition)
        }
      } else if (spec.kind === 'time') {
        let draft = result.times.get(spec.field)
        if (!draft) {
          draft = { field: spec.field, lower: [], upper: [] }
          result.times.set(spec.field, draft)
        }
        parseTimeOperator(draft, name, op, value, opPath, problems)
      } else {
        if (!(TEXT_OPERATORS as readonly string[]).includes(op)) {
          problems.push(unknownOperator(name, op, TEXT_OPERATORS))
          continue
        }
        textGiven = true
        if (typeof value !== 'string') {
          problems.push(invalid(opPath, 'must be a string of search terms'))
          continue
        }
        if (value.length > MAX_FILTER_VALUE_LENGTH) {
          problems.push(invalid(opPath, `must be at most ${MAX_FILTER_VALUE_LENGTH} characters`))
          continue
        }
        const found = value.split(/\s+/u).filter((term) => term !== '').map((term) => term.toLowerCase())
        if (found.length === 0) {
          problems.push(invalid(opPath, 'must contain at least one search term'))
        }
        terms.push(...found)
      }
    }
  }
  if (textGiven) {
    const unique = [...new Set(terms)].sort()
    if (unique.length > MAX_TEXT_TERMS) {
      problems.push(invalid('filters.text', `must have at most ${MAX_TEXT_TERMS} search terms`))
    } else if (unique.length > 0) {
      const text: TextCondition = { field: 'text', op: 'search', terms: unique }
      result.fixed.push(text)
    }
  }
  return result
}

function parseStringOperator(field: StringField, name: string, op: string, value: unknown, path: string, problems: Problem[]): StringCondition | null {
  switch (op) {
    case 'eq':
    case 'neq':
    case 'contains':
    case 'startswith': {
      const values = parseStringValues(value, path, problems)
      return values ? { field, op, values } : null
    }
    case 'isset':
    case 'isnotset':
      if (value !== true) {
        problems.push(invalid(path, 'must be true'))
        return null
      }
      return { field, op }
    default:
      problems.push(unknownOperator(name, op, STRING_OPERATORS))
      return null
  }
}

/** A scalar or a non-empty list of scalars (strings or numbers) → lower-cased, de-duplicated, sorted. */
function parseStringValues(value: unknown, path: string, problems: Problem[]): string[] | null {
  const items = Array.isArray(value) ? value : [value]
  if (Array.isArray(value)) {
    if (value.length === 0) {
      problems.push(invalid(path, 'must not be an empty list'))
      return null
    }
    if (value.length > MAX_FILTER_VALUES) {
      problems.push(invalid(path, `must have at most ${MAX_FILTER_VALUES} values`))
      return null
    }
  }
  const values: string[] = []
  let ok = true
  items.forEach((item: unknown, i) => {
    const itemPath = Array.isArray(value) ? `${path}[${i}]` : path
    let text: string
    if (typeof item === 'string') {
      text = item
    } else if (typeof item === 'number' && Number.isFinite(item)) {
      text = String(item)
    } else {
      problems.push(invalid(itemPath, 'must be a string or a number'))
      ok = false
      return
    }
    if (text === '') {
      problems.push(invalid(itemPath, 'must not be empty (use isnotset to find activities without a value)'))
      ok = false
    } else if (text.length > MAX_FILTER_VALUE_LENGTH) {
      problems.push(invalid(itemPath, `must be at most ${MAX_FILTER_VALUE_LENGTH} characters`))
      ok = false
    } else {
      values.push(text.toLowerCase())
    }
  })
  return ok ? [...new Set(values)].sort() : null
}

function parseTimeOperator(draft: TimeDraft, name: string, op: string, value: unknown, path: string, problems: Problem[]): void {
  switch (op) {
    case 'gte':
    case 'lte': {
      const time = parseTimeValue(value, path, problems)
      if (time !== null) {
        ;(op === 'gte' ? draft.lower : draft.upper).push({ kind: 'abs', value: time })
      }
      return
    }
    case 'gte_ndays':
    case 'lte_ndays': {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_NDAYS) {
        problems.push(invalid(path, `must be a non-negative number of days, at most ${MAX_NDAYS}`))
        return
      }
      // gte_ndays: N → at or after N days ago; lte_ndays: N → at or before N days ago.
      ;(op === 'gte_ndays' ? draft.lower : draft.upper).push({ kind: 'days', days: value })
      return
    }
    case 'range': {
      const range = parseRange(value, path, problems)
      if (range) {
        if (range.start !== null) {
          draft.lower.push({ kind: 'abs', value: range.start })
        }
        if (range.end !== null) {
          draft.upper.push({ kind: 'abs', value: range.end })
        }
      }
      return
    }
    default:
      problems.push(unknownOperator(name, op, TIME_OPERATORS))
  }
}

function parseTimeValue(value: unknown, path: string, problems: Problem[]): number | null {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) {
      return value
    }
  } else if (typeof value === 'string') {
    const time = parseIsoTimestamp(value)
    if (time !== null) {
      return time
    }
  }
  problems.push(invalid(path, TIME_FORM_HINT))
  return null
}

/** `{"start": t, "end": t}`, `[t1, t2]` or `[{"start": t, "end": t}]`; either end may be null (open). */
function parseRange(value: unknown, path: string, problems: Problem[]): { start: number | null; end: number | null } | null {
  let start: unknown
  let end: unknown
  let startPath: string
  let endPath: string
  const single = Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : undefined
  const object = Array.isArray(value) ? single : value
  if (Array.isArray(value) && value.length === 2) {
    ;[start, end] = value as unknown[]
    startPath = `${path}[0]`
    endPath = `${path}[1]`
  } else if (object !== null && typeof object === 'object' && !Array.isArray(object)) {
    const prefix = single === undefined ? path : `${path}[0]`
    const extra = Object.keys(object).filter((key) => key !== 'start' && key !== 'end')
    if (extra.length > 0) {
      problems.push(invalid(`${prefix}.${extra[0] as string}`, 'unknown key; a range has "start" and "end"'))
      return null
    }
    ;({ start, end } = object as { start?: unknown; end?: unknown })
    startPath = `${prefix}.start`
    endPath = `${prefix}.end`
  } else {
    problems.push(invalid(path, 'must be {"start": time, "end": time} or [start, end]'))
    return null
  }
  const before = problems.length
  const from = start === undefined || start === null ? null : parseTimeValue(start, startPath, problems)
  const to = end === undefined || end === null ? null : parseTimeValue(end, endPath, problems)
  if (problems.length > before) {
    return null
  }
  if (from === null && to === null) {
    problems.push(invalid(path, 'must set start, end or both'))
    return null
  }
  if (from !== null && to !== null && from > to) {
    problems.push(invalid(path, 'start must not be after end'))
    return null
  }
  return { start: from, end: to }
}

/** Resolve relative bounds against `anchor`, merge the bounds of each time field, and order conditions. */
function resolveConditions(parsed: ParsedFilters, anchor: number): Condition[] {
  const resolve = (bound: Bound): number => (bound.kind === 'abs' ? bound.value : Math.round(anchor - bound.days * DAY_MS))
  const conditions: Condition[] = [...parsed.fixed]
  for (const draft of parsed.times.values()) {
    if (draft.lower.length === 0 && draft.upper.length === 0) {
      continue
    }
    const time: TimeCondition = {
      field: draft.field,
      op: 'range',
      gte: draft.lower.length > 0 ? Math.max(...draft.lower.map(resolve)) : null,
      lte: draft.upper.length > 0 ? Math.min(...draft.upper.map(resolve)) : null,
    }
    conditions.push(time)
  }
  // A stable order: the same filters in any key order give the same query.
  return conditions.map((c) => ({ c, key: canonicalJson(c) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(({ c }) => c)
}

function parseInteger(value: unknown, field: string, min: number, max: number, fallback: number, problems: Problem[]): number {
  if (value === undefined || value === null) {
    return fallback
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(invalid(field, `must be an integer from ${min} to ${max}`))
    return fallback
  }
  return value
}

function parseEnum<T>(value: unknown, field: string, allowed: ReadonlyMap<unknown, T>, fallback: T, reason: string, problems: Problem[]): T {
  if (value === undefined || value === null) {
    return fallback
  }
  const found = allowed.get(value)
  if (found === undefined) {
    problems.push(invalid(field, reason))
    return fallback
  }
  return found
}

function invalid(field: string, reason: string): Problem {
  return { code: 'validation_failed', detail: { field, reason } }
}

function unknownOperator(name: string, op: string, allowed: readonly string[]): Problem {
  return { code: 'unknown_filter_operator', detail: { field: `filters.${name}.${op}`, reason: `operator "${op}" is not supported on ${name}; use ${allowed.join(', ')}` } }
}

const CODE_PRIORITY: readonly ErrorCode[] = ['unknown_filter_field', 'unknown_filter_operator', 'validation_failed']

/** Throw one error naming every problem; its code is the most specific one present. */
function throwProblems(problems: readonly Problem[]): void {
  if (problems.length === 0) {
    return
  }
  const code = CODE_PRIORITY.find((c) => problems.some((p) => p.code === c)) ?? 'validation_failed'
  const details = problems.map((p) => p.detail)
  const summary = details.map((d) => `${d.field}: ${d.reason}`).join('; ')
  const lead = code === 'validation_failed' ? 'The query is not valid' : ERROR_CODES[code].replace(/\.$/, '')
  const known = code === 'unknown_filter_field' ? ` Known fields: ${[...DEFENDER_FILTER_FIELDS.keys()].join(', ')}.` : ''
  throw new ValidationError(`${lead}: ${summary.length > 1000 ? `${summary.slice(0, 1000)}…` : summary}.${known}`, details, code)
}
