import { describe, expect, it } from 'vitest'

import { QueryTextError, ValidationError } from '../errors.js'
import type { HuntingPlan, PlanExpr } from './hunting-plan.js'
import { formatHuntingValue, huntingSchema, huntingWindow, prepareHuntingQuery } from './hunting-query.js'

const NOW = Date.UTC(2026, 2, 10, 12)
const DAY = 86_400_000
const LIMITS = { maxQueryChars: 10_000, maxRows: 500, defaultWindowMs: 30 * DAY }

function plan(text: string, timespan: string | null = null): HuntingPlan {
  return prepareHuntingQuery(text, { now: NOW, timespan, limits: LIMITS })
}

function errorOf(text: string): QueryTextError {
  try {
    plan(text)
  } catch (error) {
    if (error instanceof QueryTextError) {
      return error
    }
    throw error
  }
  throw new Error(`no error for ${text}`)
}

function columnsOf(text: string): string[] {
  return huntingSchema(plan(text)).map((c) => `${c.name}:${c.type}`)
}

describe('checkHuntingQuery', () => {
  describe('tables', () => {
    const cases: Array<[string, RegExp]> = [
      ['IdentityLogonEvents | take 1', /The table 'IdentityLogonEvents' is not available: Veil's hunting has one table, CloudAppEvents/],
      ['DeviceProcessEvents', /The table 'DeviceProcessEvents' is not available/],
      ['governance | take 1', /Unknown table 'governance': hunting has one table, CloudAppEvents/],
      ['accounts', /Unknown table 'accounts'/],
      ['activities | count', /Unknown table 'activities'/],
      ['cloudappevents | take 1', /Unknown table 'cloudappevents'; did you mean 'CloudAppEvents'\?/],
    ]
    for (const [text, message] of cases) {
      it(`should refuse ${text.split(' ')[0]} with its position`, () => {
        const error = errorOf(text)
        expect(error.code).toBe('hunting_query_invalid')
        expect(error.message).toMatch(message)
        expect(error.position).toEqual({ line: 1, column: 1, offset: 0 })
      })
    }
  })

  describe('names', () => {
    it('should name an unknown column and suggest close ones', () => {
      expect(errorOf('CloudAppEvents | where Aplication == "x"')).toMatchObject({
        message: "Unknown column 'Aplication'; did you mean 'Application'? (line 1, column 24)",
        position: { line: 1, column: 24, offset: 23 },
      })
      expect(errorOf('CloudAppEvents | project timestamp').message).toMatch(/did you mean 'Timestamp'\?/)
      expect(errorOf('CloudAppEvents | where AccountUpn == "x"').message).toMatch(/Unknown column 'AccountUpn'; did you mean 'AccountId'/)
      expect(errorOf('CloudAppEvents | where Nonsense == 1').message).toBe("Unknown column 'Nonsense' (line 1, column 24)")
    })

    it('should say when a column was removed by an earlier operator', () => {
      expect(errorOf('CloudAppEvents | project Application | where City == "x"').message).toMatch(/Unknown column 'City' \(it was removed by an earlier project or summarize\)/)
      expect(errorOf('CloudAppEvents | summarize count() by Application | where Timestamp > ago(1d)').message).toMatch(/Unknown column 'Timestamp'/)
      expect(errorOf('CloudAppEvents | project-away Nope').message).toMatch(/Unknown column 'Nope'/)
    })

    it('should name an unknown function and suggest close ones', () => {
      expect(errorOf('CloudAppEvents | extend x = tolowr(Application)').message).toMatch(/Unknown function 'tolowr'; did you mean 'tolower'\?/)
      expect(errorOf('CloudAppEvents | where count() > 1').message).toMatch(/count\(\) is an aggregation: use it in summarize/)
      expect(errorOf('CloudAppEvents | summarize cnt()').message).toMatch(/summarize takes aggregations.*did you mean 'count'/)
      expect(errorOf('CloudAppEvents | summarize tolower(Application)').message).toMatch(/summarize takes aggregations/)
      expect(errorOf('CloudAppEvents | where parse_json(RawEventData) == 1').message).toMatch(/Unknown function 'parse_json' \(supported: /)
    })

    it('should refuse a name given twice', () => {
      expect(errorOf('CloudAppEvents | project a = Application, a = City').message).toMatch(/'a' is projected twice/)
      expect(errorOf('CloudAppEvents | summarize n = count(), n = dcount(City)').message).toMatch(/'n' is named twice/)
      expect(errorOf('CloudAppEvents | project-rename City = Application').message).toMatch(/A column 'City' exists already/)
    })
  })

  describe('types', () => {
    const cases: Array<[string, RegExp]> = [
      ['where Application', /where needs a condition \(true or false\), not a string/],
      ['where Timestamp > "2026-01-01"', /'>' compares numbers, datetimes or timespans of one type, not a datetime with a string/],
      ['where Application > "a"', /'>' compares numbers/],
      ['where Application == 1', /'==' cannot compare a string with a long/],
      ['where Timestamp == 1h', /cannot compare a datetime with a timespan/],
      ['extend x = Application + 1', /'\+' does not apply to a string and a long/],
      ['extend x = Timestamp + Timestamp', /'\+' does not apply to a datetime and a datetime/],
      ['where Application contains City', /The right side of 'contains' must be a string literal/],
      ['where CountryCode in (City)', /'in' takes a list of constant values/],
      ['where CountryCode in (1, 2)', /'in' on a string takes values of that type, not a long/],
      ['where Timestamp in~ (ago(1d))', /'in~' compares strings/],
      ['where Application between (1 .. 2)', /'between' takes a number, a datetime or a timespan/],
      ['where Timestamp between (ago(1d) .. 5)', /bounds of 'between' must be of the subject's type/],
      ['extend x = bin(Application, 1h)', /bin\(\) rounds a datetime, a timespan or a long, not a string/],
      ['extend x = bin(Timestamp, 0h)', /size must be a positive timespan literal/],
      ['extend x = bin(Timestamp, 1)', /size must be a positive timespan literal/],
      ['extend x = ago(Application)', /ago\(\) takes a timespan literal/],
      ['extend x = tolower(1h)', /tolower\(\) takes a string, not a timespan/],
      ['extend x = strlen()', /strlen\(\) takes 1 argument, got 0/],
      ['extend x = iff(Application, 1, 2)', /iff\(\)'s first argument is a condition/],
      ['extend x = iff(true, 1, "a")', /iff\(\) needs values of one type/],
      ['extend x = not(Application)', /not\(\) takes a condition/],
      ['summarize sum(Application)', /sum\(\) takes a number or a timespan, not a string/],
      ['summarize max(IsExternalUser)', /max\(\) takes a number, a datetime, a timespan or a string, not a bool/],
      ['summarize countif(Application)', /countif\(\) counts the rows where a condition holds, not a string/],
      ['extend x = Application.field', /Only dynamic values \(RawEventData\) have fields/],
      ['extend x = -Application', /'-' negates a number or a timespan/],
      ['where datetime(2026-01-01) - 1000000000d > Timestamp', /The timespan '1000000000d' is too long/],
      ['extend x = todatetime("soon")', /'soon' is not a datetime/],
      ['extend x = todatetime(Application)', /todatetime\(\)'s argument must be a string literal/],
    ]
    for (const [operator, message] of cases) {
      it(`should refuse ${operator}`, () => {
        const error = errorOf(`CloudAppEvents | ${operator}`)
        expect(error.code).toBe('hunting_query_invalid')
        expect(error.message).toMatch(message)
        expect(error.position?.line).toBe(1)
        expect(error.position?.column).toBeGreaterThan(17)
      })
    }

    it('should compare dynamic values as strings or as numbers, by what they meet', () => {
      const filters = (text: string): PlanExpr[] => {
        const first = plan(`CloudAppEvents | where ${text}`).stages[0]
        return first?.kind === 'rows' ? [...first.filters] : []
      }
      expect(filters('RawEventData.Operation == "x"')[0]).toMatchObject({ kind: 'compare', left: { kind: 'call', fn: 'tostring', args: [{ kind: 'path', path: ['Operation'] }] } })
      expect(filters('RawEventData.n > 5')[0]).toMatchObject({ kind: 'compare', op: '>', left: { kind: 'dynamic-number' } })
      expect(filters('RawEventData.a.b[2] == RawEventData.c')[0]).toMatchObject({ left: { kind: 'call', args: [{ path: ['a', 'b', 2] }] }, right: { kind: 'call' } })
    })
  })

  describe('names of computed columns', () => {
    it('should name columns as KQL does', () => {
      expect(columnsOf('CloudAppEvents | summarize count(), dcount(AccountId), min(Timestamp), max(RawEventData.bytes), countif(IsExternalUser), avg(RawEventData.n) by Application, bin(Timestamp, 1h)')).toEqual([
        'Application:String',
        'Timestamp:DateTime',
        'count_:Int64',
        'dcount_AccountId:Int64',
        'min_Timestamp:DateTime',
        'max_RawEventData_bytes:Double',
        'countif_:Int64',
        'avg_RawEventData_n:Double',
      ])
      expect(columnsOf('CloudAppEvents | summarize count(), count() by tolower(Application)')).toEqual(['Column1:String', 'count_:Int64', 'count_1:Int64'])
      expect(columnsOf('CloudAppEvents | project Timestamp, RawEventData.a.b, strlen(City), X = now() - Timestamp, IsExternalUser')).toEqual([
        'Timestamp:DateTime',
        'RawEventData_a_b:Object',
        'Column1:Int64',
        'X:TimeSpan',
        'IsExternalUser:Boolean',
      ])
      expect(columnsOf('CloudAppEvents | count')).toEqual(['Count:Int64'])
      expect(columnsOf('CloudAppEvents | distinct Application, City')).toEqual(['Application:String', 'City:String'])
      expect(columnsOf('CloudAppEvents | take 1')).toHaveLength(19)
      expect(columnsOf('CloudAppEvents | extend Application = strlen(Application) | project Application')).toEqual(['Application:Int64'])
    })
  })

  describe('plans', () => {
    it('should fold ago(), now() and datetime() into constants relative to the clock', () => {
      const first = plan('CloudAppEvents | where Timestamp > ago(7d) and Timestamp < now() - 1h and Timestamp >= datetime(2026-03-01)').stages[0]
      expect(first?.filters.map((f) => (f.kind === 'compare' ? f.right : null))).toEqual([
        { kind: 'literal', type: 'datetime', value: NOW - 7 * DAY },
        { kind: 'literal', type: 'datetime', value: NOW - 3_600_000 },
        { kind: 'literal', type: 'datetime', value: Date.UTC(2026, 2, 1) },
      ])
    })

    it('should substitute projected columns, so a filter on a renamed column is on the column', () => {
      const [first, ...rest] = plan('CloudAppEvents | project App = Application | where App == "Okta"').stages
      expect(rest).toEqual([])
      expect(first?.filters).toEqual([{ kind: 'compare', type: 'bool', op: '==', caseInsensitive: false, left: { kind: 'field', type: 'string', field: 'app' }, right: { kind: 'literal', type: 'string', value: 'Okta' } }])
    })

    it('should start a stage only where the rows of the last one are needed', () => {
      const kinds = (text: string): string[] => plan(text).stages.map((s) => (s.kind === 'rows' ? `rows${s.limit === null ? '' : `/${s.limit}`}` : 'group'))
      expect(kinds('CloudAppEvents | where true | extend x = 1 | order by x | take 5')).toEqual(['rows/5'])
      expect(kinds('CloudAppEvents | take 5 | where true')).toEqual(['rows/5', 'rows'])
      expect(kinds('CloudAppEvents | take 5 | order by Timestamp')).toEqual(['rows/5', 'rows'])
      expect(kinds('CloudAppEvents | take 5 | take 3 | project City')).toEqual(['rows/3'])
      expect(kinds('CloudAppEvents | summarize count() by City | where count_ > 1 | top 3 by count_')).toEqual(['group', 'rows/3'])
      expect(kinds('CloudAppEvents | take 9 | summarize count()')).toEqual(['rows/9', 'group', 'rows'])
    })

    it('should carry the order of a limited stage to the next, but not into a summarize', () => {
      const { stages } = plan('CloudAppEvents | top 3 by City asc | where true | take 9 | count')
      expect(stages.map((s) => (s.kind === 'rows' ? s.carried.length : -1))).toEqual([3, 0, -1, 0])
      const next = stages[1]
      expect(next?.kind === 'rows' && next.order.map((k) => [k.expr, k.direction, k.nulls])).toEqual([
        [{ kind: 'input', type: 'string', index: 19 }, 'asc', 'first'],
        [{ kind: 'input', type: 'datetime', index: 20 }, 'desc', 'last'],
        [{ kind: 'input', type: 'string', index: 21 }, 'desc', 'last'],
      ])
    })

    it('should ignore render, and keep the row limit and window in the plan', () => {
      const p = plan('CloudAppEvents | summarize count() by bin(Timestamp, 1d) | render timechart', 'P7D')
      expect(p.maxRows).toBe(500)
      expect(p.window).toEqual({ from: NOW - 7 * DAY, to: null })
      expect(plan('CloudAppEvents').window).toEqual({ from: NOW - 30 * DAY, to: null })
    })
  })

  describe('huntingWindow', () => {
    it('should refuse what is not a timespan, naming the field', () => {
      for (const bad of ['P', 'PT', 'P1Y', 'yesterday', '2026-01-02/2026-01-01', '-5d', '']) {
        expect(() => huntingWindow(bad, NOW, DAY), bad).toThrow(ValidationError)
      }
      try {
        huntingWindow('soon', NOW, DAY)
      } catch (error) {
        expect((error as ValidationError).details).toEqual([{ field: 'timespan', reason: expect.stringContaining('ISO 8601') as unknown }])
      }
    })
  })

  describe('formatHuntingValue', () => {
    it('should write datetimes in ISO 8601, timespans as KQL does, and missing strings as empty', () => {
      expect(formatHuntingValue('datetime', Date.UTC(2026, 0, 2, 3, 4, 5, 6))).toBe('2026-01-02T03:04:05.006Z')
      expect(formatHuntingValue('timespan', 26 * 3_600_000 + 1500)).toBe('1.02:00:01.500')
      expect(formatHuntingValue('timespan', -900_000)).toBe('-00:15:00')
      expect(formatHuntingValue('string', null)).toBe('')
      expect(formatHuntingValue('long', null)).toBeNull()
      expect(formatHuntingValue('dynamic', { a: [1] })).toEqual({ a: [1] })
    })
  })
})
