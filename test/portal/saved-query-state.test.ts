/**
 * Applying a saved query: the API filters it holds turned back into the activity log's form (basic bar,
 * time range, advanced conditions with NOT), the inverse of what the page sends; filters the form
 * cannot show are named.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_STATE, toApiFilters, type ActivityFilterState } from '../../portal/src/pages/activity-log/activity-filters.js'
import { describeFilters, stateFromApiFilters } from '../../portal/src/pages/activity-log/saved-query-state.js'

const state = (overrides: Partial<ActivityFilterState>): ActivityFilterState => ({ ...DEFAULT_STATE, ...overrides })

describe('saved query → activity log form', () => {
  it.each<[string, ActivityFilterState]>([
    ['the empty filter', DEFAULT_STATE],
    ['the basic bar and a relative time range', state({ basic: { app: 'Okta', user: 'anna@contoso.com', ip: '198.51.100.7', actionType: 'login', country: 'DE' }, time: { kind: 'last', days: 7 } })],
    ['a custom time range', state({ time: { kind: 'between', from: '2026-01-01T00:00:00.000Z', to: '2026-01-31T00:00:00.000Z' } })],
    [
      'advanced conditions with NOT',
      state({
        basic: { ...DEFAULT_STATE.basic, app: 'Okta' },
        advanced: [
          { field: 'user.tags', operator: 'eq', value: 'hr, finance', not: true },
          { field: 'ip.address', operator: 'isset', value: '', not: false },
          { field: 'device.type', operator: 'isset', value: '', not: true },
          { field: 'text', operator: 'contains', value: 'salaries 2026', not: false },
          { field: 'created', operator: 'lte_ndays', value: '3', not: false },
          { field: 'userAgent.userAgent', operator: 'startswith', value: 'Mozilla', not: false },
        ],
      }),
    ],
  ])('should give back %s as the page sends it', (_, original) => {
    const sent = toApiFilters(original).filters
    const { state: back, unshown } = stateFromApiFilters(sent)
    expect(unshown).toEqual([])
    expect(toApiFilters(back)).toEqual({ filters: sent, problems: [] })
  })

  it('should put several values of a basic field into an advanced condition, and keep the page size given', () => {
    const { state: back } = stateFromApiFilters({ app: { eq: ['Okta', 'Slack'] } }, 100)
    expect(back.basic.app).toBe('')
    expect(back.advanced).toEqual([{ field: 'app', operator: 'eq', value: 'Okta, Slack', not: false }])
    expect(back.pageSize).toBe(100)
  })

  it('should name filters the form cannot show', () => {
    expect(stateFromApiFilters({ 'activity.objectName': { eq: ['x'] }, app: { eq: ['Okta'], contains: 5 } }).unshown).toEqual(['activity.objectName eq', 'app contains'])
  })

  it('should describe a saved query in words', () => {
    expect(describeFilters({})).toBe('Every activity')
    expect(describeFilters({ app: { eq: ['Okta'] }, date: { gte_ndays: 7 }, 'ip.address': { isset: true } })).toBe('App = Okta; Activity time within the last 7 days; IP address has a value')
  })
})
