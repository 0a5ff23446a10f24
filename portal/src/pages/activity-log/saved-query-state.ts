/**
 * A saved query holds the API's filters (what `POST /api/v1/activities` takes), not the page's form:
 * applying one turns those filters back into the page's state — the basic bar, the time range and
 * advanced conditions — so the form shows what the query asks and the URL can be shared. The inverse of
 * `toApiFilters` for everything the page itself writes; conditions it cannot show (a field or operator
 * the form does not offer, from a query saved through the API) are named, not dropped silently.
 * Pure: no React, no requests.
 */
import type { ApiFilters } from '../../api/types.js'
import { BASIC_FIELDS, DEFAULT_STATE, EMPTY_BASIC, OPERATORS, fieldOf, type ActivityFilterState, type BasicFilters, type Condition, type TimeRange } from './activity-filters.js'

export interface StateFromFilters {
  readonly state: ActivityFilterState
  /** Conditions the form cannot show, each as `field operator`. */
  readonly unshown: readonly string[]
}

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string')

export function stateFromApiFilters(filters: ApiFilters, pageSize: number = DEFAULT_STATE.pageSize): StateFromFilters {
  const basic: { -readonly [K in keyof BasicFilters]: string } = { ...EMPTY_BASIC }
  const advanced: Condition[] = []
  const unshown: string[] = []
  let time: TimeRange = { kind: 'all' }

  for (const [field, operators] of Object.entries(filters)) {
    const entries = Object.entries(operators ?? {})
    const rest: Array<[string, unknown]> = []
    for (const [operator, value] of entries) {
      const basicField = BASIC_FIELDS.find((b) => b.field === field)
      if (basicField && operator === 'eq' && isStringList(value) && value.length === 1 && basic[basicField.key] === '') {
        basic[basicField.key] = value[0] as string
      } else if (field === 'date' && operator === 'gte_ndays' && typeof value === 'number' && time.kind === 'all') {
        time = { kind: 'last', days: value }
      } else {
        rest.push([operator, value])
      }
    }
    // `date` between two times is the custom time range, as the page writes it.
    if (field === 'date' && time.kind === 'all') {
      const gte = rest.find(([op, v]) => op === 'gte' && typeof v === 'string')
      const lte = rest.find(([op, v]) => op === 'lte' && typeof v === 'string')
      if (gte || lte) {
        time = { kind: 'between', from: (gte?.[1] as string | undefined) ?? null, to: (lte?.[1] as string | undefined) ?? null }
        rest.splice(0, rest.length, ...rest.filter((e) => e !== gte && e !== lte))
      }
    }
    for (const [operator, value] of rest) {
      const condition = conditionOf(field, operator, value)
      if (condition) {
        advanced.push(condition)
      } else {
        unshown.push(`${field} ${operator}`)
      }
    }
  }
  return { state: { basic, advanced, time, pageSize }, unshown }
}

function conditionOf(field: string, operator: string, value: unknown): Condition | null {
  const kind = fieldOf(field)?.kind
  if (!kind) {
    return null
  }
  for (const choice of OPERATORS[kind]) {
    const not = choice.negated === operator
    if (choice.operator !== operator && !not) {
      continue
    }
    switch (choice.value) {
      case 'none':
        return value === true ? { field, operator: choice.operator, value: '', not } : null
      case 'list':
        return isStringList(value) && value.length > 0 ? { field, operator: choice.operator, value: value.join(', '), not } : null
      case 'text':
      case 'time':
        return typeof value === 'string' ? { field, operator: choice.operator, value, not } : null
      case 'days':
        return typeof value === 'number' ? { field, operator: choice.operator, value: String(value), not } : null
    }
  }
  return null
}

const IN_WORDS: Readonly<Record<string, (value: string) => string>> = {
  eq: (v) => `= ${v}`,
  neq: (v) => `≠ ${v}`,
  contains: (v) => `contains ${v}`,
  startswith: (v) => `starts with ${v}`,
  isset: () => 'has a value',
  isnotset: () => 'has no value',
  gte: (v) => `at or after ${v}`,
  lte: (v) => `at or before ${v}`,
  gte_ndays: (v) => `within the last ${v} days`,
  lte_ndays: (v) => `more than ${v} days ago`,
}

/** A saved query's filters in words, one condition after another: `App = Okta; Activity time within the last 7 days`. */
export function describeFilters(filters: ApiFilters | undefined): string {
  const parts: string[] = []
  for (const [field, operators] of Object.entries(filters ?? {})) {
    for (const [operator, value] of Object.entries(operators ?? {})) {
      const text = Array.isArray(value) ? value.join(', ') : String(value)
      parts.push(`${fieldOf(field)?.label ?? field} ${IN_WORDS[operator]?.(text) ?? `${operator} ${text}`}`)
    }
  }
  return parts.length === 0 ? 'Every activity' : parts.join('; ')
}
