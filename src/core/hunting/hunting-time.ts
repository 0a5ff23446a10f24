/**
 * Time in the hunting language: timespan units, `datetime(...)` literals, the request's `timespan`
 * (ISO 8601 duration or interval), and how datetime and timespan values are written in answers.
 * Everything is milliseconds: datetimes since the Unix epoch (UTC), timespans as a length.
 *
 * @module
 */

const SECOND = 1_000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** KQL's timespan suffixes (`1d`, `2.5h`, `30m`, `10s`, `100ms`, and their long forms), in milliseconds. */
export const TIMESPAN_UNITS: ReadonlyMap<string, number> = new Map([
  ...['d', 'day', 'days'].map((u) => [u, DAY] as const),
  ...['h', 'hr', 'hrs', 'hour', 'hours'].map((u) => [u, HOUR] as const),
  ...['m', 'min', 'minute', 'minutes'].map((u) => [u, MINUTE] as const),
  ...['s', 'sec', 'second', 'seconds'].map((u) => [u, SECOND] as const),
  ...['ms', 'milli', 'millis', 'millisecond', 'milliseconds'].map((u) => [u, 1] as const),
  ...['microsecond', 'microseconds'].map((u) => [u, 0.001] as const),
  ...['tick', 'ticks'].map((u) => [u, 0.0001] as const),
])

/**
 * The largest timespan or datetime distance a query may name: about 3,000 years. It keeps every
 * computation on times (bins, sums, differences) far inside 64-bit integers on both engines.
 */
export const MAX_TIMESPAN_MS = 1e14

/** 0001-01-01T00:00:00Z: where KQL's datetime bins start, so `bin(Timestamp, 7d)` matches Defender's weeks. */
export const KQL_DATETIME_ORIGIN_MS = -62_135_596_800_000

/** Datetimes a query may name: years 0001 to 9999, as in KQL. */
export const MIN_DATETIME_MS = KQL_DATETIME_ORIGIN_MS
export const MAX_DATETIME_MS = 253_402_300_799_999

const DATETIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/

/**
 * A `datetime(...)` literal's text (`2026-01-01`, `2026-01-01 10:30`, `2026-01-01T10:30:00.5Z`, with an
 * optional offset), as UTC milliseconds; null when it is not one. Digits past the millisecond are cut.
 */
export function parseDatetimeText(text: string): number | null {
  const m = DATETIME_PATTERN.exec(text.trim())
  if (!m) {
    return null
  }
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0)) as [number, number, number, number, number, number]
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3))
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return null
  }
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, ms)
  if (date.getUTCDate() !== day) {
    return null
  }
  let value = date.getTime()
  const offset = m[8]
  if (offset !== undefined && offset !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1
    const digits = offset.slice(1).replace(':', '')
    value -= sign * (Number(digits.slice(0, 2)) * HOUR + Number(digits.slice(2)) * MINUTE)
  }
  return value
}

const CLOCK_TIMESPAN = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/

/** A `timespan(...)` literal's text: `1.02:30:00`, `02:30`, or a number with a unit (`90m`). */
export function parseTimespanText(text: string): number | null {
  const trimmed = text.trim()
  const clock = CLOCK_TIMESPAN.exec(trimmed)
  if (clock) {
    const [days, hours, minutes, seconds] = [clock[2], clock[3], clock[4], clock[5]].map((v) => Number(v ?? 0)) as [number, number, number, number]
    const ms = Number((clock[6] ?? '').padEnd(3, '0').slice(0, 3))
    const value = days * DAY + hours * HOUR + minutes * MINUTE + seconds * SECOND + ms
    return clock[1] ? -value : value
  }
  const unit = /^(-)?(\d+(?:\.\d+)?)([a-z]+)$/.exec(trimmed)
  const factor = unit ? TIMESPAN_UNITS.get(unit[3] ?? '') : undefined
  if (!unit || factor === undefined) {
    return null
  }
  const value = Number(unit[2]) * factor
  return unit[1] ? -value : value
}

const ISO_DURATION = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i

/** An ISO 8601 duration in weeks, days, hours, minutes and seconds (`P30D`, `PT12H`, `P1DT6H`); no years or months, whose length varies. */
export function parseIsoDuration(text: string): number | null {
  const m = ISO_DURATION.exec(text.trim())
  if (!m || text.trim().toUpperCase() === 'P' || text.trim().toUpperCase().endsWith('T')) {
    return null
  }
  const [weeks, days, hours, minutes, seconds] = [m[1], m[2], m[3], m[4], m[5]].map((v) => Number(v ?? 0)) as [number, number, number, number, number]
  return Math.round(weeks * 7 * DAY + days * DAY + hours * HOUR + minutes * MINUTE + seconds * SECOND)
}

/** The time range a hunting query reads, ms since the epoch; `to` null: no upper bound. */
export interface HuntingWindow {
  readonly from: number
  readonly to: number | null
}

/**
 * The request's `timespan`, as the Microsoft Graph hunting API takes it: an ISO 8601 duration back
 * from now (`P30D`, `PT12H`), an interval `START/END` or `START/DURATION` (ISO 8601 datetimes), or for
 * convenience a KQL timespan (`7d`). A duration back from now has no upper bound, so activities
 * stamped slightly in the future (clock skew) are still found. Returns null when the text is none of these.
 */
export function parseHuntingWindow(text: string, now: number): HuntingWindow | null {
  const trimmed = text.trim()
  const slash = trimmed.indexOf('/')
  if (slash >= 0) {
    const start = Date.parse(trimmed.slice(0, slash))
    const endText = trimmed.slice(slash + 1)
    const duration = parseIsoDuration(endText)
    const end = duration === null ? Date.parse(endText) : start + duration
    if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) {
      return null
    }
    return { from: start, to: end }
  }
  const back = parseIsoDuration(trimmed) ?? parseTimespanText(trimmed)
  if (back === null || back <= 0 || back > MAX_TIMESPAN_MS) {
    return null
  }
  return { from: now - Math.round(back), to: null }
}

/** A datetime as an answer shows it: ISO 8601 UTC with milliseconds (`2026-01-01T10:00:00.000Z`). */
export function formatDatetime(ms: number): string {
  return new Date(ms).toISOString()
}

/** A timespan as KQL writes it: `[-][d.]hh:mm:ss[.fff]` (`1.02:00:00`, `00:15:00`, `00:00:01.500`). */
export function formatTimespan(ms: number): string {
  const sign = ms < 0 ? '-' : ''
  let rest = Math.abs(Math.round(ms))
  const days = Math.floor(rest / DAY)
  rest -= days * DAY
  const hours = Math.floor(rest / HOUR)
  rest -= hours * HOUR
  const minutes = Math.floor(rest / MINUTE)
  rest -= minutes * MINUTE
  const seconds = Math.floor(rest / SECOND)
  const millis = rest - seconds * SECOND
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${sign}${days > 0 ? `${days}.` : ''}${two(hours)}:${two(minutes)}:${two(seconds)}${millis > 0 ? `.${String(millis).padStart(3, '0')}` : ''}`
}
