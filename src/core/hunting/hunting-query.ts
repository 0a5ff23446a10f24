/**
 * Hunting, from a query's text to its plan and from stored values to the answer: the limits on a
 * query, the time window it reads, and how values are written.
 *
 * @example
 * const plan = prepareHuntingQuery('CloudAppEvents | summarize count() by Application', { now: Date.now(), timespan: 'P7D', limits })
 * const rows = await store.hunting.run(plan, { timeoutMs: limits.timeoutMs })
 *
 * @module
 */

import { QueryTextError, ValidationError } from '../errors.js'
import { checkHuntingQuery } from './hunting-checker.js'
import { HuntingSyntaxError, toQueryTextError } from './hunting-error.js'
import { DEFAULT_SYNTAX_LIMITS, parseHuntingQuery } from './hunting-parser.js'
import { planOutput, type HuntingPlan } from './hunting-plan.js'
import { SCHEMA_TYPE_NAMES, type HuntingType } from './hunting-schema.js'
import { formatDatetime, formatTimespan, parseHuntingWindow, type HuntingWindow } from './hunting-time.js'

export interface HuntingLimits {
  /** Longest query text, in characters. */
  readonly maxQueryChars: number
  /** Most rows in an answer; past it the answer is cut and says `truncated`. */
  readonly maxRows: number
  /** The window read when the request names none (ms back from now). */
  readonly defaultWindowMs: number
}

export interface PrepareHuntingOptions {
  readonly now: number
  /** The request's `timespan`: an ISO 8601 duration (`P7D`), an interval (`START/END`), or a KQL timespan (`7d`). */
  readonly timespan?: string | null
  readonly limits: HuntingLimits
}

/** The window a request reads. Throws ValidationError naming `timespan` when it is not one. */
export function huntingWindow(timespan: string | null | undefined, now: number, defaultWindowMs: number): HuntingWindow {
  if (timespan === null || timespan === undefined) {
    return { from: now - defaultWindowMs, to: null }
  }
  const window = parseHuntingWindow(timespan, now)
  if (window === null) {
    const reason = 'must be an ISO 8601 duration (P30D, PT12H), an interval (2026-01-01T00:00:00Z/2026-01-08T00:00:00Z) or a KQL timespan (7d)'
    throw new ValidationError(`The timespan ${reason}`, [{ field: 'timespan', reason }])
  }
  return window
}

/**
 * Parse and check a query, and plan it over the window. Throws QueryTextError
 * (`hunting_query_invalid` or `hunting_query_too_expensive`, with the position) or ValidationError
 * (the timespan).
 */
export function prepareHuntingQuery(text: string, options: PrepareHuntingOptions): HuntingPlan {
  const { limits } = options
  if (text.length > limits.maxQueryChars) {
    throw new QueryTextError('hunting_query_too_expensive', `The query is ${text.length} characters long; the limit is ${limits.maxQueryChars}`, null)
  }
  const window = huntingWindow(options.timespan, options.now, limits.defaultWindowMs)
  try {
    return checkHuntingQuery(parseHuntingQuery(text, DEFAULT_SYNTAX_LIMITS), { now: options.now, window, maxRows: limits.maxRows })
  } catch (error) {
    if (error instanceof HuntingSyntaxError) {
      throw toQueryTextError(error, text)
    }
    throw error
  }
}

/** The answer's `schema`: each column's name and type as Defender's hunting API names them. */
export function huntingSchema(plan: HuntingPlan): Array<{ name: string; type: string }> {
  return planOutput(plan).map((c) => ({ name: c.name, type: SCHEMA_TYPE_NAMES[c.type] }))
}

/** A value as the answer writes it: datetimes in ISO 8601, timespans as KQL writes them, the rest as JSON. */
export function formatHuntingValue(type: HuntingType, value: unknown): unknown {
  if (value === null || value === undefined) {
    return type === 'string' ? '' : null
  }
  switch (type) {
    case 'datetime':
      return formatDatetime(Number(value))
    case 'timespan':
      return formatTimespan(Number(value))
    default:
      return value
  }
}
