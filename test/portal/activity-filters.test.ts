/**
 * The activity log's filters → the API's filter language (docs/query-language.md): what the portal
 * sends for the basic bar, the time range and advanced conditions with NOT, what it refuses to send,
 * and that the URL keeps the state.
 */
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_STATE,
  pivotState,
  searchFromState,
  stateFromSearch,
  toApiFilters,
  withEquals,
  type ActivityFilterState,
} from '../../portal/src/pages/activity-log/activity-filters.js'
import { parseDefenderQuery } from '../../src/core/query/defender-query.js'

const state = (overrides: Partial<ActivityFilterState>): ActivityFilterState => ({ ...DEFAULT_STATE, ...overrides })

describe('activity log filters', () => {
  it('should send the basic bar as "equals" conditions and the time range as date operators', () => {
    const { filters, problems } = toApiFilters(state({ basic: { app: 'Okta', user: 'anna@contoso.com', ip: '198.51.100.7', actionType: 'login', country: 'DE' }, time: { kind: 'last', days: 7 } }))
    expect(problems).toEqual([])
    expect(filters).toEqual({
      app: { eq: ['Okta'] },
      'user.username': { eq: ['anna@contoso.com'] },
      'ip.address': { eq: ['198.51.100.7'] },
      actionType: { eq: ['login'] },
      'location.country': { eq: ['DE'] },
      date: { gte_ndays: 7 },
    })
  })

  it.each<[string, ActivityFilterState['advanced'][number], Record<string, Record<string, unknown>>]>([
    ['equals, several values', { field: 'app', operator: 'eq', value: 'Okta, GitHub', not: false }, { app: { eq: ['Okta', 'GitHub'] } }],
    ['NOT equals', { field: 'app', operator: 'eq', value: 'Okta', not: true }, { app: { neq: ['Okta'] } }],
    ['contains', { field: 'userAgent.userAgent', operator: 'contains', value: 'curl', not: false }, { 'userAgent.userAgent': { contains: ['curl'] } }],
    ['has a value', { field: 'ip.address', operator: 'isset', value: '', not: false }, { 'ip.address': { isset: true } }],
    ['NOT has a value', { field: 'ip.address', operator: 'isset', value: '', not: true }, { 'ip.address': { isnotset: true } }],
    ['free text', { field: 'text', operator: 'contains', value: ' inbox rule ', not: false }, { text: { contains: 'inbox rule' } }],
    ['a time', { field: 'created', operator: 'gte', value: '2026-01-01T00:00:00.000Z', not: false }, { created: { gte: '2026-01-01T00:00:00.000Z' } }],
    ['days', { field: 'date', operator: 'lte_ndays', value: '3', not: false }, { date: { lte_ndays: 3 } }],
  ])('should send an advanced condition: %s', (_, condition, expected) => {
    const { filters, problems } = toApiFilters(state({ advanced: [condition] }))
    expect(problems).toEqual([])
    expect(filters).toEqual(expected)
  })

  it('should combine conditions with AND, merging NOT lists on one field', () => {
    const { filters, problems } = toApiFilters(
      state({
        basic: { ...DEFAULT_STATE.basic, user: 'anna@contoso.com' },
        advanced: [
          { field: 'app', operator: 'eq', value: 'Okta', not: true },
          { field: 'app', operator: 'eq', value: 'GitHub', not: true },
          { field: 'activity.result', operator: 'eq', value: 'failure', not: false },
        ],
      }),
    )
    expect(problems).toEqual([])
    expect(filters).toEqual({ 'user.username': { eq: ['anna@contoso.com'] }, app: { neq: ['Okta', 'GitHub'] }, 'activity.result': { eq: ['failure'] } })
  })

  it('should say what it cannot send instead of sending it', () => {
    const { problems } = toApiFilters(
      state({
        basic: { ...DEFAULT_STATE.basic, app: 'Okta' },
        time: { kind: 'between', from: '2026-02-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' },
        advanced: [
          { field: 'app', operator: 'eq', value: 'GitHub', not: false },
          { field: 'app', operator: 'contains', value: 'x', not: true },
          { field: 'user.domain', operator: 'eq', value: ' , ', not: false },
          { field: 'date', operator: 'gte_ndays', value: 'soon', not: false },
        ],
      }),
    )
    expect(problems).toEqual([
      'Time range: the start is after the end',
      'App equals: two “eq” conditions on the same field; put the values in one condition',
      'App not contains: “contains” cannot be negated',
      'User domain equals: give a value (several: separated by commas)',
      'Activity time within the last N days: give a number of days',
    ])
  })

  it('should produce filters the API parses', () => {
    const { filters } = toApiFilters(
      state({
        basic: { app: 'Okta', user: 'a@contoso.com', ip: '10.0.0.1', actionType: 'login', country: 'DE' },
        time: { kind: 'between', from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' },
        advanced: [
          { field: 'user.tags', operator: 'eq', value: 'hr', not: true },
          { field: 'device.type', operator: 'isset', value: '', not: true },
          { field: 'text', operator: 'contains', value: 'salary', not: false },
          { field: 'created', operator: 'lte_ndays', value: '1', not: false },
        ],
      }),
    )
    expect(() => parseDefenderQuery({ filters, limit: 50 }, { now: Date.now(), defaultLimit: 100, maxLimit: 1000, countLimit: 1000 })).not.toThrow()
  })

  it('should keep the state in the URL', () => {
    const original = state({
      basic: { ...DEFAULT_STATE.basic, user: 'anna@contoso.com', ip: '10.0.0.1' },
      time: { kind: 'between', from: '2026-01-01T00:00:00.000Z', to: null },
      advanced: [{ field: 'app', operator: 'eq', value: 'Okta', not: true }],
      pageSize: 250,
    })
    expect(stateFromSearch(new URLSearchParams(searchFromState(original)))).toEqual(original)
    expect(searchFromState(DEFAULT_STATE)).toBe('')
    expect(stateFromSearch(new URLSearchParams('adv=not-json&size=7&time=7d'))).toEqual(state({ time: { kind: 'last', days: 7 } }))
  })

  it('should add to the filter and pivot', () => {
    const activity = { time: '2026-01-10T12:00:00.000Z', actor: { upn: 'anna@contoso.com' }, ip: '10.0.0.1', app: 'Okta' }
    const filtered = state({ basic: { ...DEFAULT_STATE.basic, app: 'GitHub' }, time: { kind: 'last', days: 30 } })
    expect(withEquals(filtered, 'ip.address', '10.0.0.1').basic.ip).toBe('10.0.0.1')
    expect(withEquals(filtered, 'source', 'okta').advanced).toEqual([{ field: 'source', operator: 'eq', value: 'okta', not: false }])
    expect(pivotState(filtered, 'user', activity)).toEqual(state({ basic: { ...DEFAULT_STATE.basic, user: 'anna@contoso.com' }, time: { kind: 'last', days: 30 } }))
    expect(pivotState(filtered, 'around', activity).time).toEqual({ kind: 'between', from: '2026-01-08T12:00:00.000Z', to: '2026-01-12T12:00:00.000Z' })
    expect(pivotState(filtered, 'around', activity).basic.app).toBe('GitHub')
  })
})
