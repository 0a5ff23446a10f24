import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ValidationError, type ErrorCode } from '../errors.js'
import type { Condition } from './activity-query.js'
import { nextCursor } from './cursor.js'
import { DEFENDER_FILTER_FIELDS, parseDefenderQuery, parseDefenderQueryParams, parseIsoTimestamp, type DefenderQueryOptions } from './defender-query.js'

const NOW = Date.UTC(2024, 4, 15, 12, 0, 0)
const DAY = 86_400_000
const OPTIONS: DefenderQueryOptions = { now: NOW, defaultLimit: 100, maxLimit: 1000, countLimit: 10_000 }

function conditionsOf(filters: unknown): readonly Condition[] {
  return parseDefenderQuery({ filters }, OPTIONS).conditions
}

function failure(run: () => unknown): ValidationError {
  try {
    run()
  } catch (error) {
    if (error instanceof ValidationError) {
      return error
    }
    throw error
  }
  throw new Error('expected a ValidationError')
}

describe('parseDefenderQuery', () => {
  it('should apply the defaults to an empty body', () => {
    for (const body of [undefined, null, {}, { filters: {} }, { filters: null }]) {
      expect(parseDefenderQuery(body, OPTIONS)).toEqual({
        conditions: [],
        sort: { field: 'time', direction: 'desc' },
        limit: 100,
        skip: 0,
        after: null,
        countLimit: 10_000,
        anchor: NOW,
      })
    }
  })

  it('should parse the example of the product brief', () => {
    const query = parseDefenderQuery(
      { filters: { 'user.username': { eq: ['A@Contoso.com'] }, date: { gte_ndays: 7 } }, skip: 5, limit: 10, sortField: 'created', sortDirection: 'asc' },
      OPTIONS,
    )
    expect(query.conditions).toEqual([
      { field: 'actorUpn', op: 'eq', values: ['a@contoso.com'] },
      { field: 'time', op: 'range', gte: NOW - 7 * DAY, lte: null },
    ])
    expect(query).toMatchObject({ skip: 5, limit: 10, sort: { field: 'receivedAt', direction: 'asc' } })
  })

  it.each<[string, string]>([
    ['activity.id', 'id'],
    ['user.username', 'actorUpn'],
    ['user.domain', 'actorDomain'],
    ['user.tags', 'actorGroups'],
    ['user.type', 'actorType'],
    ['service', 'app'],
    ['app', 'app'],
    ['actionType', 'actionType'],
    ['activity.eventActionType', 'actionName'],
    ['activity.result', 'result'],
    ['ip.address', 'ip'],
    ['location.country', 'country'],
    ['device.type', 'deviceType'],
    ['userAgent.userAgent', 'userAgent'],
    ['source', 'source'],
  ])('should map the filter %s to the field %s', (name, field) => {
    expect(conditionsOf({ [name]: { eq: 'X' } })).toEqual([{ field, op: 'eq', values: ['x'] }])
  })

  it.each<[string, unknown, Condition[]]>([
    ['eq with a list', { eq: ['B', 'a', 'b'] }, [{ field: 'actorUpn', op: 'eq', values: ['a', 'b'] }]],
    ['eq with a scalar', { eq: 'A' }, [{ field: 'actorUpn', op: 'eq', values: ['a'] }]],
    ['neq', { neq: ['A'] }, [{ field: 'actorUpn', op: 'neq', values: ['a'] }]],
    ['contains', { contains: 'Contoso' }, [{ field: 'actorUpn', op: 'contains', values: ['contoso'] }]],
    ['startswith with a list', { startswith: ['Adm', 'svc'] }, [{ field: 'actorUpn', op: 'startswith', values: ['adm', 'svc'] }]],
    ['isset', { isset: true }, [{ field: 'actorUpn', op: 'isset' }]],
    ['isnotset', { isnotset: true }, [{ field: 'actorUpn', op: 'isnotset' }]],
    [
      'several operators (AND)',
      { startswith: 'a', neq: 'a@b.c' },
      [
        { field: 'actorUpn', op: 'neq', values: ['a@b.c'] },
        { field: 'actorUpn', op: 'startswith', values: ['a'] },
      ],
    ],
  ])('should parse the string operator %s', (_, operators, expected) => {
    expect(conditionsOf({ 'user.username': operators })).toEqual(expected)
  })

  it('should accept Defender service ids as numbers and lower-case every value', () => {
    expect(conditionsOf({ service: { eq: [11770, 'Okta'] } })).toEqual([{ field: 'app', op: 'eq', values: ['11770', 'okta'] }])
  })

  it.each<[string, unknown, { gte: number | null; lte: number | null }]>([
    ['gte in ms', { gte: 1_000 }, { gte: 1_000, lte: null }],
    ['lte in ms', { lte: 2_000 }, { gte: null, lte: 2_000 }],
    ['gte as ISO 8601', { gte: '2024-05-01T00:00:00Z' }, { gte: Date.UTC(2024, 4, 1), lte: null }],
    ['lte as ISO 8601 with an offset', { lte: '2024-05-01T02:00:00+02:00' }, { gte: null, lte: Date.UTC(2024, 4, 1) }],
    ['range as an object', { range: { start: 1_000, end: 2_000 } }, { gte: 1_000, lte: 2_000 }],
    ['range open at the end', { range: { start: 1_000 } }, { gte: 1_000, lte: null }],
    ['range as a pair', { range: [1_000, '1970-01-01T00:00:02Z'] }, { gte: 1_000, lte: 2_000 }],
    ['range as a pair open at the start', { range: [null, 2_000] }, { gte: null, lte: 2_000 }],
    ['range as a list of one object', { range: [{ start: 1_000, end: 2_000 }] }, { gte: 1_000, lte: 2_000 }],
    ['gte_ndays', { gte_ndays: 7 }, { gte: NOW - 7 * DAY, lte: null }],
    ['lte_ndays', { lte_ndays: 1 }, { gte: null, lte: NOW - DAY }],
    ['fractional days', { gte_ndays: 0.5 }, { gte: NOW - DAY / 2, lte: null }],
    ['the tighter of several bounds', { gte: 1_000, gte_ndays: 7, range: { start: 5, end: NOW }, lte: NOW + DAY }, { gte: NOW - 7 * DAY, lte: NOW }],
  ])('should parse the time operator %s', (_, operators, bounds) => {
    expect(conditionsOf({ date: operators })).toEqual([{ field: 'time', op: 'range', ...bounds }])
  })

  it('should map created to receivedAt, one condition per time field', () => {
    expect(conditionsOf({ created: { gte: 1 }, date: { lte: 2 } })).toEqual([
      { field: 'receivedAt', op: 'range', gte: 1, lte: null },
      { field: 'time', op: 'range', gte: null, lte: 2 },
    ])
  })

  it.each<[string, unknown, string[]]>([
    ['eq', { eq: '  Alice   Bob\tALICE ' }, ['alice', 'bob']],
    ['contains', { contains: 'mailbox' }, ['mailbox']],
    ['eq and contains together', { eq: 'b', contains: 'a' }, ['a', 'b']],
  ])('should split free text given with %s into lower-cased terms', (_, operators, terms) => {
    expect(conditionsOf({ text: operators })).toEqual([{ field: 'text', op: 'search', terms }])
  })

  it('should give the same query for the same filters in any order', () => {
    const a = parseDefenderQuery({ filters: { app: { eq: ['x', 'y'] }, date: { gte: 1 }, 'user.username': { neq: 'z' } } }, OPTIONS)
    const b = parseDefenderQuery({ filters: { 'user.username': { neq: 'z' }, date: { gte: 1 }, app: { eq: ['y', 'x'] } } }, OPTIONS)
    expect(a).toEqual(b)
  })

  it.each<[string, unknown, ErrorCode, { field: string; reason: string }[]]>([
    ['a body that is not an object', [1], 'validation_failed', [{ field: '', reason: 'must be a JSON object' }]],
    [
      'every unknown filter field',
      { filters: { 'user.username': { eq: 'a' }, 'user.orgUnit': { eq: 'x' }, instance: { eq: 1 } } },
      'unknown_filter_field',
      [
        { field: 'filters.user.orgUnit', reason: 'unknown filter field' },
        { field: 'filters.instance', reason: 'unknown filter field' },
      ],
    ],
    ['a time operator on a string field', { filters: { 'user.username': { gte: 5 } } }, 'unknown_filter_operator', [{ field: 'filters.user.username.gte', reason: expect.stringContaining('"gte" is not supported on user.username') as string }]],
    ['a string operator on a time field', { filters: { date: { eq: 5 } } }, 'unknown_filter_operator', [{ field: 'filters.date.eq', reason: expect.stringContaining('"eq" is not supported on date') as string }]],
    ['an unknown operator', { filters: { app: { like: 'x' } } }, 'unknown_filter_operator', [{ field: 'filters.app.like', reason: expect.stringContaining('use eq, neq, contains, startswith, isset, isnotset') as string }]],
    ['isset on text', { filters: { text: { isset: true } } }, 'unknown_filter_operator', [{ field: 'filters.text.isset', reason: expect.stringContaining('use eq, contains') as string }]],
    ['a value that is not a string or number', { filters: { 'user.username': { eq: ['a', true] } } }, 'validation_failed', [{ field: 'filters.user.username.eq[1]', reason: 'must be a string or a number' }]],
    ['an object value', { filters: { app: { eq: { id: 1 } } } }, 'validation_failed', [{ field: 'filters.app.eq', reason: 'must be a string or a number' }]],
    ['an empty list', { filters: { app: { eq: [] } } }, 'validation_failed', [{ field: 'filters.app.eq', reason: 'must not be an empty list' }]],
    ['an empty string', { filters: { app: { contains: '' } } }, 'validation_failed', [{ field: 'filters.app.contains', reason: expect.stringContaining('must not be empty') as string }]],
    ['too many values', { filters: { app: { eq: Array.from({ length: 1001 }, (_, i) => i) } } }, 'validation_failed', [{ field: 'filters.app.eq', reason: 'must have at most 1000 values' }]],
    ['isset false', { filters: { 'ip.address': { isset: false } } }, 'validation_failed', [{ field: 'filters.ip.address.isset', reason: 'must be true' }]],
    ['a filter that is not an object', { filters: { app: ['x'] } }, 'validation_failed', [{ field: 'filters.app', reason: expect.stringContaining('must be an object of operators') as string }]],
    ['a filter without operators', { filters: { app: {} } }, 'validation_failed', [{ field: 'filters.app', reason: 'must name at least one operator' }]],
    ['filters that are not an object', { filters: 'app=x' }, 'validation_failed', [{ field: 'filters', reason: expect.stringContaining('must be an object') as string }]],
    ['a date in another form', { filters: { date: { gte: '01/05/2024' } } }, 'validation_failed', [{ field: 'filters.date.gte', reason: expect.stringContaining('ISO 8601 date-time with a time zone') as string }]],
    ['a date without a zone', { filters: { date: { lte: '2024-05-01T00:00:00' } } }, 'validation_failed', [{ field: 'filters.date.lte', reason: expect.stringContaining('ms since the epoch') as string }]],
    ['a fractional ms epoch', { filters: { date: { gte: 1.5 } } }, 'validation_failed', [{ field: 'filters.date.gte', reason: expect.stringContaining('ms since the epoch') as string }]],
    ['negative days', { filters: { date: { gte_ndays: -1 } } }, 'validation_failed', [{ field: 'filters.date.gte_ndays', reason: 'must be a non-negative number of days, at most 100000' }]],
    ['too many days', { filters: { date: { gte_ndays: 1e308 } } }, 'validation_failed', [{ field: 'filters.date.gte_ndays', reason: 'must be a non-negative number of days, at most 100000' }]],
    ['days as a string', { filters: { date: { lte_ndays: '7' } } }, 'validation_failed', [{ field: 'filters.date.lte_ndays', reason: 'must be a non-negative number of days, at most 100000' }]],
    ['an inverted range', { filters: { date: { range: { start: 2, end: 1 } } } }, 'validation_failed', [{ field: 'filters.date.range', reason: 'start must not be after end' }]],
    ['an empty range', { filters: { date: { range: {} } } }, 'validation_failed', [{ field: 'filters.date.range', reason: 'must set start, end or both' }]],
    ['a range with a bad end', { filters: { date: { range: [1, 'soon'] } } }, 'validation_failed', [{ field: 'filters.date.range[1]', reason: expect.stringContaining('ms since the epoch') as string }]],
    ['a range with an unknown key', { filters: { date: { range: { from: 1 } } } }, 'validation_failed', [{ field: 'filters.date.range.from', reason: expect.stringContaining('unknown key') as string }]],
    ['a range of three', { filters: { date: { range: [1, 2, 3] } } }, 'validation_failed', [{ field: 'filters.date.range', reason: expect.stringContaining('must be {"start"') as string }]],
    ['blank free text', { filters: { text: { eq: '   ' } } }, 'validation_failed', [{ field: 'filters.text.eq', reason: 'must contain at least one search term' }]],
    ['free text that is not a string', { filters: { text: { contains: ['a'] } } }, 'validation_failed', [{ field: 'filters.text.contains', reason: 'must be a string of search terms' }]],
    ['a limit of 0', { limit: 0 }, 'validation_failed', [{ field: 'limit', reason: 'must be an integer from 1 to 1000' }]],
    ['a limit over the maximum', { limit: 1001 }, 'validation_failed', [{ field: 'limit', reason: 'must be an integer from 1 to 1000' }]],
    ['a fractional limit', { limit: 1.5 }, 'validation_failed', [{ field: 'limit', reason: 'must be an integer from 1 to 1000' }]],
    ['a limit as a string', { limit: '10' }, 'validation_failed', [{ field: 'limit', reason: 'must be an integer from 1 to 1000' }]],
    ['a negative skip', { skip: -1 }, 'validation_failed', [{ field: 'skip', reason: expect.stringContaining('must be an integer from 0') as string }]],
    ['an unknown sort field', { sortField: 'app' }, 'validation_failed', [{ field: 'sortField', reason: 'must be "date" or "created"' }]],
    ['an unknown sort direction', { sortDirection: 'DESC' }, 'validation_failed', [{ field: 'sortDirection', reason: 'must be "asc" or "desc"' }]],
    ['a cursor that is not a string', { cursor: 5 }, 'validation_failed', [{ field: 'cursor', reason: expect.stringContaining('must be a string') as string }]],
    ['an unknown top-level key', { filter: {} }, 'validation_failed', [{ field: 'filter', reason: expect.stringContaining('unknown parameter') as string }]],
    ['a malformed cursor', { cursor: 'nope' }, 'invalid_cursor', [{ field: 'cursor', reason: expect.stringContaining('malformed') as string }]],
  ])('should refuse %s', (_, body, code, details) => {
    const error = failure(() => parseDefenderQuery(body, OPTIONS))
    expect(error.code).toBe(code)
    expect(error.details).toEqual(expect.arrayContaining(details))
  })

  it('should name every problem at once, with the most specific code', () => {
    const error = failure(() => parseDefenderQuery({ filters: { nope: { eq: 1 }, app: { gte: 1 }, 'ip.address': { eq: [] } }, limit: 0 }, OPTIONS))
    expect(error.code).toBe('unknown_filter_field')
    expect(error.details.map((d) => d.field)).toEqual(['filters.nope', 'filters.app.gte', 'filters.ip.address.eq', 'limit'])
    expect(error.message).toContain('Known fields: activity.id')
  })

  it.each(['performAsyncTotal', 'isScan'])('should ignore Defender key %s', (key) => {
    expect(parseDefenderQuery({ [key]: true }, OPTIONS).conditions).toEqual([])
  })

  it('should ignore the keys the caller handles itself', () => {
    expect(parseDefenderQuery({ reveal: true }, { ...OPTIONS, ignoreKeys: ['reveal'] }).limit).toBe(100)
  })

  it('should know every field the docs list', () => {
    expect([...DEFENDER_FILTER_FIELDS.keys()].sort()).toEqual(
      [
        'activity.eventActionType',
        'activity.id',
        'activity.result',
        'actionType',
        'app',
        'created',
        'date',
        'device.type',
        'ip.address',
        'location.country',
        'service',
        'source',
        'text',
        'user.domain',
        'user.tags',
        'user.type',
        'user.username',
        'userAgent.userAgent',
      ].sort(),
    )
  })

  it('should throw nothing but ValidationError, whatever the body', () => {
    const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null))
    const operators = fc.dictionary(fc.constantFrom('eq', 'neq', 'contains', 'startswith', 'isset', 'isnotset', 'gte', 'lte', 'range', 'gte_ndays', 'lte_ndays', 'x'), fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.constantFrom('start', 'end', 'x'), scalar)))
    const filters = fc.dictionary(fc.constantFrom(...DEFENDER_FILTER_FIELDS.keys(), 'unknown'), fc.oneof(operators, scalar))
    const body = fc.oneof(fc.jsonValue(), fc.record({ filters: fc.oneof(filters, scalar), limit: scalar, skip: scalar, sortField: scalar, sortDirection: scalar, cursor: scalar }, { requiredKeys: [] }))
    fc.assert(
      fc.property(body, (input) => {
        try {
          const query = parseDefenderQuery(input, OPTIONS)
          expect(query.limit).toBeGreaterThanOrEqual(1)
          for (const condition of query.conditions) {
            if (condition.op === 'range') {
              expect([condition.gte, condition.lte].every((bound) => bound === null || Number.isSafeInteger(bound))).toBe(true)
            }
          }
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError)
        }
      }),
      { numRuns: 500 },
    )
  })
})

describe('parseDefenderQuery cursor', () => {
  const body = { filters: { app: { eq: 'okta' }, date: { gte_ndays: 7 } }, limit: 2 }
  const last = { time: NOW - DAY, receivedAt: NOW, id: 'a2' }

  it('should decode the cursor of the previous page into after', () => {
    const first = parseDefenderQuery(body, OPTIONS)
    const second = parseDefenderQuery({ ...body, cursor: nextCursor(first, last) }, OPTIONS)
    expect(second.after).toEqual({ sortValue: NOW - DAY, id: 'a2' })
    expect(second.conditions).toEqual(first.conditions)
  })

  it('should keep a relative window where the first page put it', () => {
    const first = parseDefenderQuery(body, OPTIONS)
    const later = { ...OPTIONS, now: NOW + 3_600_000 }
    const second = parseDefenderQuery({ ...body, cursor: nextCursor(first, last) }, later)
    expect(second.conditions).toEqual(first.conditions)
    expect(second.anchor).toBe(NOW)
    // Without a cursor the window moves with the clock.
    expect(parseDefenderQuery(body, later).conditions).not.toEqual(first.conditions)
  })

  it.each<[string, Record<string, unknown>, string]>([
    ['other filters', { filters: { app: { eq: 'github' }, date: { gte_ndays: 7 } } }, 'another query'],
    ['another sort direction', { sortDirection: 'asc' }, 'another sort order'],
    ['another sort field', { sortField: 'created' }, 'another sort order'],
  ])('should refuse a cursor used with %s', (_, change, reason) => {
    const cursor = nextCursor(parseDefenderQuery(body, OPTIONS), last)
    const error = failure(() => parseDefenderQuery({ ...body, ...change, cursor }, OPTIONS))
    expect(error.code).toBe('invalid_cursor')
    expect(error.details[0]?.reason).toContain(reason)
  })

  it('should accept another limit or skip with the same cursor', () => {
    const cursor = nextCursor(parseDefenderQuery(body, OPTIONS), last)
    expect(parseDefenderQuery({ ...body, limit: 50, skip: 1, cursor }, OPTIONS).after).toEqual({ sortValue: NOW - DAY, id: 'a2' })
  })

  it('should treat an empty or null cursor as the first page', () => {
    expect(parseDefenderQuery({ cursor: '' }, OPTIONS).after).toBeNull()
    expect(parseDefenderQuery({ cursor: null }, OPTIONS).after).toBeNull()
  })
})

describe('parseDefenderQueryParams', () => {
  it('should parse the query string like the body', () => {
    const params = { filters: JSON.stringify({ 'user.username': { eq: ['a@contoso.com'] } }), limit: '10', skip: '2', sortField: 'created', sortDirection: 'asc', cursor: undefined }
    expect(parseDefenderQueryParams(params, OPTIONS)).toEqual(
      parseDefenderQuery({ filters: { 'user.username': { eq: ['a@contoso.com'] } }, limit: 10, skip: 2, sortField: 'created', sortDirection: 'asc' }, OPTIONS),
    )
  })

  it('should accept a parameter given once as a list', () => {
    expect(parseDefenderQueryParams({ limit: ['7'] }, OPTIONS).limit).toBe(7)
  })

  it('should treat empty filters as none', () => {
    expect(parseDefenderQueryParams({ filters: '' }, OPTIONS).conditions).toEqual([])
  })

  it.each<[string, Record<string, string | string[]>, string, string]>([
    ['filters that are not JSON', { filters: '{"app":' }, 'filters', 'not valid JSON'],
    ['a limit that is not a number', { limit: 'ten' }, 'limit', 'must be an integer'],
    ['a fractional skip', { skip: '1.5' }, 'skip', 'must be an integer'],
    ['a repeated parameter', { limit: ['1', '2'] }, 'limit', 'must be given once'],
    ['an unknown parameter', { sort: 'date' }, 'sort', 'unknown parameter'],
  ])('should refuse %s', (_, params, field, reason) => {
    const error = failure(() => parseDefenderQueryParams(params, OPTIONS))
    expect(error.code).toBe('validation_failed')
    expect(error.details).toEqual([{ field, reason: expect.stringContaining(reason) as string }])
  })
})

describe('parseIsoTimestamp', () => {
  it.each<[string, number | null]>([
    ['2024-05-01T12:00:00Z', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01t12:00:00z', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01 12:00:00Z', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T12:00:00.5Z', Date.UTC(2024, 4, 1, 12, 0, 0, 500)],
    ['2024-05-01T12:00:00.1234567Z', Date.UTC(2024, 4, 1, 12, 0, 0, 123)],
    ['2024-05-01T14:30:00+02:30', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T07:00:00-0500', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T14:00:00+02', Date.UTC(2024, 4, 1, 12)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['0050-01-01T00:00:00Z', -60_589_296_000_000],
    ['2023-02-29T00:00:00Z', null],
    ['2024-04-31T00:00:00Z', null],
    ['2024-13-01T00:00:00Z', null],
    ['2024-05-01T24:00:00Z', null],
    ['2024-05-01T12:60:00Z', null],
    ['2024-05-01T23:59:60Z', null],
    ['2024-05-01T12:00:00+24:00', null],
    ['2024-05-01T12:00:00', null],
    ['2024-05-01T12:00Z', null],
    ['2024-05-01', null],
    ['1714564800000', null],
    ['', null],
  ])('should read %j as %j', (text, expected) => {
    expect(parseIsoTimestamp(text)).toBe(expected)
  })

  it('should read back every instant written by toISOString', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_000_000_000_000, max: 253_402_300_799_999 }), (ms) => {
        expect(parseIsoTimestamp(new Date(ms).toISOString())).toBe(ms)
      }),
    )
  })
})
