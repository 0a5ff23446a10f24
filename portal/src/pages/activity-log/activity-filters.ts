/**
 * The activity log's filters as the page holds them (basic bar, advanced conditions, time range, page
 * size), their place in the URL, and their translation into the API's filter language
 * (docs/query-language.md). Pure: no React, no requests, so the translation is easy to read and test.
 *
 * NOT is what the language has: "not equals" is `neq`, "not set" is `isnotset`. `contains`,
 * `startswith` and the time operators have no negation in the API, so the page does not offer one.
 */
import type { ApiFilters } from '../../api/types.js'

export type FieldKind = 'string' | 'text' | 'time'

export interface FilterField {
  readonly field: string
  readonly label: string
  readonly kind: FieldKind
  readonly hint?: string
}

/** Every filter field the API takes, in the order the advanced filters offer them. */
export const FILTER_FIELDS: readonly FilterField[] = [
  { field: 'user.username', label: 'User name', kind: 'string', hint: 'UPN or email' },
  { field: 'user.domain', label: 'User domain', kind: 'string' },
  { field: 'user.tags', label: 'User group', kind: 'string', hint: 'group id, e.g. hr or builtin:external-users' },
  { field: 'user.type', label: 'User type', kind: 'string', hint: 'user, application or system' },
  { field: 'app', label: 'App', kind: 'string' },
  { field: 'actionType', label: 'Activity type', kind: 'string', hint: 'e.g. login, file.download' },
  { field: 'activity.eventActionType', label: 'Source activity name', kind: 'string', hint: 'the source’s own name, e.g. FileDownloaded' },
  { field: 'activity.result', label: 'Result', kind: 'string', hint: 'success, failure or unknown' },
  { field: 'ip.address', label: 'IP address', kind: 'string' },
  { field: 'location.country', label: 'Country', kind: 'string', hint: 'ISO 3166-1 alpha-2, e.g. DE' },
  { field: 'device.type', label: 'Device type', kind: 'string' },
  { field: 'userAgent.userAgent', label: 'User agent', kind: 'string' },
  { field: 'source', label: 'Source format', kind: 'string', hint: 'veil, o365, okta, …' },
  { field: 'activity.id', label: 'Activity id', kind: 'string' },
  { field: 'text', label: 'Free text', kind: 'text', hint: 'every word must occur' },
  { field: 'date', label: 'Activity time', kind: 'time' },
  { field: 'created', label: 'Recorded time', kind: 'time' },
]

export type ConditionOperator = 'eq' | 'contains' | 'startswith' | 'isset' | 'gte' | 'lte' | 'gte_ndays' | 'lte_ndays'

export interface OperatorChoice {
  readonly operator: ConditionOperator
  readonly label: string
  /** The API's operator for NOT, when there is one. */
  readonly negated: string | null
  /** What the value is: a comma-separated list, one text, a time, a number of days, or none. */
  readonly value: 'list' | 'text' | 'time' | 'days' | 'none'
}

export const OPERATORS: Readonly<Record<FieldKind, readonly OperatorChoice[]>> = {
  string: [
    { operator: 'eq', label: 'equals', negated: 'neq', value: 'list' },
    { operator: 'contains', label: 'contains', negated: null, value: 'list' },
    { operator: 'startswith', label: 'starts with', negated: null, value: 'list' },
    { operator: 'isset', label: 'has a value', negated: 'isnotset', value: 'none' },
  ],
  text: [{ operator: 'contains', label: 'contains the words', negated: null, value: 'text' }],
  time: [
    { operator: 'gte', label: 'at or after', negated: null, value: 'time' },
    { operator: 'lte', label: 'at or before', negated: null, value: 'time' },
    { operator: 'gte_ndays', label: 'within the last N days', negated: null, value: 'days' },
    { operator: 'lte_ndays', label: 'more than N days ago', negated: null, value: 'days' },
  ],
}

/** One advanced condition as the user writes it. */
export interface Condition {
  readonly field: string
  readonly operator: ConditionOperator
  /** Comma-separated values, a text, an ISO time or a number of days. */
  readonly value: string
  readonly not: boolean
}

/** The basic filter bar: each is "equals", the kind of condition a revealing query can match on too. */
export interface BasicFilters {
  readonly app: string
  readonly user: string
  readonly ip: string
  readonly actionType: string
  readonly country: string
}

export const BASIC_FIELDS: ReadonlyArray<{ readonly key: keyof BasicFilters; readonly field: string; readonly label: string; readonly param: string }> = [
  { key: 'app', field: 'app', label: 'App', param: 'app' },
  { key: 'user', field: 'user.username', label: 'User name', param: 'user' },
  { key: 'ip', field: 'ip.address', label: 'IP address', param: 'ip' },
  { key: 'actionType', field: 'actionType', label: 'Activity type', param: 'activity' },
  { key: 'country', field: 'location.country', label: 'Location (country)', param: 'country' },
]

export type TimeRange = { readonly kind: 'all' } | { readonly kind: 'last'; readonly days: number } | { readonly kind: 'between'; readonly from: string | null; readonly to: string | null }

export const TIME_PRESETS: ReadonlyArray<{ readonly value: string; readonly label: string }> = [
  { value: '1d', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: '90d', label: 'Last 90 days' },
  { value: 'all', label: 'All time' },
  { value: 'between', label: 'Custom range' },
]

export const PAGE_SIZES = [20, 50, 100, 250] as const
export const DEFAULT_PAGE_SIZE = 50

export interface ActivityFilterState {
  readonly basic: BasicFilters
  readonly advanced: readonly Condition[]
  readonly time: TimeRange
  readonly pageSize: number
}

export const EMPTY_BASIC: BasicFilters = { app: '', user: '', ip: '', actionType: '', country: '' }

export const DEFAULT_STATE: ActivityFilterState = { basic: EMPTY_BASIC, advanced: [], time: { kind: 'all' }, pageSize: DEFAULT_PAGE_SIZE }

export function fieldOf(field: string): FilterField | undefined {
  return FILTER_FIELDS.find((f) => f.field === field)
}

export function operatorOf(field: string, operator: ConditionOperator): OperatorChoice | undefined {
  const kind = fieldOf(field)?.kind
  return kind ? OPERATORS[kind].find((o) => o.operator === operator) : undefined
}

// ---------------------------------------------------------------------------------------------------
// The URL: /activity?user=…&app=…&time=7d&adv=[…]&size=50

function isCondition(value: unknown): value is Condition {
  if (typeof value !== 'object' || value === null) {
    return false
  }
  const c = value as Record<string, unknown>
  return typeof c.field === 'string' && typeof c.operator === 'string' && typeof c.value === 'string' && typeof c.not === 'boolean' && operatorOf(c.field, c.operator as ConditionOperator) !== undefined
}

export function stateFromSearch(search: URLSearchParams): ActivityFilterState {
  const basic = { ...EMPTY_BASIC }
  for (const b of BASIC_FIELDS) {
    basic[b.key] = search.get(b.param) ?? ''
  }
  let advanced: Condition[] = []
  try {
    const parsed: unknown = JSON.parse(search.get('adv') ?? '[]')
    advanced = Array.isArray(parsed) ? parsed.filter(isCondition) : []
  } catch {
    advanced = []
  }
  const timeParam = search.get('time') ?? 'all'
  const days = /^(\d+)d$/.exec(timeParam)
  const time: TimeRange = days ? { kind: 'last', days: Number(days[1]) } : timeParam === 'between' ? { kind: 'between', from: search.get('from'), to: search.get('to') } : { kind: 'all' }
  const size = Number(search.get('size'))
  const pageSize = (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE
  return { basic, advanced, time, pageSize }
}

export function searchFromState(state: ActivityFilterState): string {
  const params = new URLSearchParams()
  for (const b of BASIC_FIELDS) {
    const value = state.basic[b.key].trim()
    if (value) {
      params.set(b.param, value)
    }
  }
  if (state.time.kind === 'last') {
    params.set('time', `${state.time.days}d`)
  } else if (state.time.kind === 'between') {
    params.set('time', 'between')
    if (state.time.from) {
      params.set('from', state.time.from)
    }
    if (state.time.to) {
      params.set('to', state.time.to)
    }
  }
  if (state.advanced.length > 0) {
    params.set('adv', JSON.stringify(state.advanced))
  }
  if (state.pageSize !== DEFAULT_PAGE_SIZE) {
    params.set('size', String(state.pageSize))
  }
  return params.toString()
}

// ---------------------------------------------------------------------------------------------------
// The API's filter language

export interface TranslatedFilters {
  readonly filters: ApiFilters
  /** Conditions the API cannot take as written, each said in words; nothing is sent while there are any. */
  readonly problems: readonly string[]
}

const splitList = (value: string): string[] =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')

export function toApiFilters(state: ActivityFilterState): TranslatedFilters {
  const filters: ApiFilters = {}
  const problems: string[] = []
  const add = (field: string, operator: string, value: unknown, label: string) => {
    const operators = (filters[field] ??= {})
    const existing = operators[operator]
    if (existing === undefined) {
      operators[operator] = value
    } else if (operator === 'neq' && Array.isArray(existing) && Array.isArray(value)) {
      operators[operator] = [...(existing as unknown[]), ...(value as unknown[])] // none of A and none of B: none of either
    } else {
      problems.push(`${label}: two “${operator}” conditions on the same field; put the values in one condition`)
    }
  }

  for (const b of BASIC_FIELDS) {
    const value = state.basic[b.key].trim()
    if (value) {
      add(b.field, 'eq', [value], b.label)
    }
  }

  if (state.time.kind === 'last') {
    add('date', 'gte_ndays', state.time.days, 'Time range')
  } else if (state.time.kind === 'between') {
    if (state.time.from) {
      add('date', 'gte', state.time.from, 'Time range')
    }
    if (state.time.to) {
      add('date', 'lte', state.time.to, 'Time range')
    }
    if (state.time.from && state.time.to && state.time.from > state.time.to) {
      problems.push('Time range: the start is after the end')
    }
  }

  for (const condition of state.advanced) {
    const field = fieldOf(condition.field)
    const choice = operatorOf(condition.field, condition.operator)
    if (!field || !choice) {
      continue
    }
    const label = `${field.label} ${condition.not ? 'not ' : ''}${choice.label}`
    const operator = condition.not ? choice.negated : choice.operator
    if (operator === null) {
      problems.push(`${label}: “${choice.label}” cannot be negated`)
      continue
    }
    switch (choice.value) {
      case 'none':
        add(field.field, operator, true, label)
        break
      case 'list': {
        const values = splitList(condition.value)
        if (values.length === 0) {
          problems.push(`${label}: give a value (several: separated by commas)`)
        } else {
          add(field.field, operator, values, label)
        }
        break
      }
      case 'text':
        if (condition.value.trim() === '') {
          problems.push(`${label}: give the words to look for`)
        } else {
          add(field.field, operator, condition.value.trim(), label)
        }
        break
      case 'time':
        if (!condition.value || Number.isNaN(Date.parse(condition.value))) {
          problems.push(`${label}: give a date and time`)
        } else {
          add(field.field, operator, condition.value, label)
        }
        break
      case 'days': {
        const days = Number(condition.value)
        if (condition.value.trim() === '' || !Number.isFinite(days) || days < 0) {
          problems.push(`${label}: give a number of days`)
        } else {
          add(field.field, operator, days, label)
        }
        break
      }
    }
  }
  return { filters, problems }
}

/** The state with one more "equals" condition: the basic bar's field where there is one, else an advanced condition. */
export function withEquals(state: ActivityFilterState, field: string, value: string): ActivityFilterState {
  const basic = BASIC_FIELDS.find((b) => b.field === field)
  if (basic) {
    return { ...state, basic: { ...state.basic, [basic.key]: value } }
  }
  return { ...state, advanced: [...state.advanced, { field, operator: 'eq', value, not: false }] }
}

const HOURS_48 = 48 * 3_600_000

export type Pivot = 'user' | 'ip' | 'app' | 'around'

/**
 * The activity drawer's pivots: the same user, IP or app (that filter alone, the time range kept), or
 * the 48 hours either side of the activity (the filters kept).
 */
export function pivotState(state: ActivityFilterState, pivot: Pivot, activity: { readonly time: string; readonly actor: { readonly upn: string | null }; readonly ip: string | null; readonly app: string }): ActivityFilterState {
  if (pivot === 'around') {
    const at = Date.parse(activity.time)
    return { ...state, time: { kind: 'between', from: new Date(at - HOURS_48).toISOString(), to: new Date(at + HOURS_48).toISOString() } }
  }
  const only = (key: keyof BasicFilters, value: string | null): ActivityFilterState => ({ ...state, basic: { ...EMPTY_BASIC, [key]: value ?? '' }, advanced: [] })
  return pivot === 'user' ? only('user', activity.actor.upn) : pivot === 'ip' ? only('ip', activity.ip) : only('app', activity.app)
}
