/**
 * A time given as a request or command parameter: ms since the epoch or an ISO 8601 date-time with a
 * time zone. One reader, so every route and command accepts the same forms and says the same thing
 * about a value it cannot read.
 *
 * @module
 */

import type { ErrorDetail } from '../errors.js'
import { parseIsoTimestamp } from './defender-query.js'

export const TIME_PARAMETER_HINT = 'must be an ISO 8601 date-time with a time zone (e.g. 2026-05-01T00:00:00Z) or ms since the epoch'

/** The time in ms, or undefined when absent or empty; a value that is not a time adds a problem for `field`. */
export function readTimeParameter(value: string | undefined, field: string, problems: ErrorDetail[]): number | undefined {
  if (value === undefined || value === '') {
    return undefined
  }
  const parsed = /^\d{1,15}$/.test(value) ? Number(value) : parseIsoTimestamp(value)
  if (parsed === null) {
    problems.push({ field, reason: TIME_PARAMETER_HINT })
    return undefined
  }
  return parsed
}
