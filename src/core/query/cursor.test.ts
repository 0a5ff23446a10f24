import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors.js'
import type { ActivityQuery, Condition } from './activity-query.js'
import { CURSOR_VERSION, decodeCursor, encodeCursor, nextCursor, queryFingerprint, readCursor, type CursorSort } from './cursor.js'

const DESC: CursorSort = { field: 'time', direction: 'desc' }
const CONDITIONS: Condition[] = [
  { field: 'actorUpn', op: 'eq', values: ['a@contoso.com', 'b@contoso.com'] },
  { field: 'time', op: 'range', gte: 1_000, lte: null },
]
const FINGERPRINT = queryFingerprint(CONDITIONS)

function wire(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')
}

function cursorError(run: () => unknown): ValidationError {
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

describe('queryFingerprint', () => {
  it('should be 32 hex characters', () => {
    expect(FINGERPRINT).toMatch(/^[0-9a-f]{32}$/)
  })

  it.each<[string, Condition[]]>([
    ['conditions in another order', [...CONDITIONS].reverse()],
    ['values in another order', [{ field: 'actorUpn', op: 'eq', values: ['b@contoso.com', 'a@contoso.com'] }, CONDITIONS[1] as Condition]],
    ['repeated values', [{ field: 'actorUpn', op: 'eq', values: ['a@contoso.com', 'b@contoso.com', 'a@contoso.com'] }, CONDITIONS[1] as Condition]],
  ])('should not change with %s', (_, conditions) => {
    expect(queryFingerprint(conditions)).toBe(FINGERPRINT)
  })

  it.each<[string, Condition[]]>([
    ['another value', [{ field: 'actorUpn', op: 'eq', values: ['a@contoso.com'] }, CONDITIONS[1] as Condition]],
    ['another operator', [{ field: 'actorUpn', op: 'neq', values: ['a@contoso.com', 'b@contoso.com'] }, CONDITIONS[1] as Condition]],
    ['another bound', [CONDITIONS[0] as Condition, { field: 'time', op: 'range', gte: 1_001, lte: null }]],
    ['one condition less', [CONDITIONS[0] as Condition]],
    ['no conditions', []],
  ])('should change with %s', (_, conditions) => {
    expect(queryFingerprint(conditions)).not.toBe(FINGERPRINT)
  })
})

describe('encodeCursor / decodeCursor', () => {
  it.each([
    [{ sortValue: 1_714_560_000_000, id: 'a1' }, DESC, null],
    [{ sortValue: 0, id: 'x'.repeat(256) }, { field: 'receivedAt', direction: 'asc' } as const, 1_714_560_000_000],
    [{ sortValue: -5, id: 'ünïcödé/+=' }, DESC, 0],
  ])('should round-trip %j', (position, sort, anchor) => {
    const cursor = encodeCursor(position, sort, FINGERPRINT, anchor)
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeCursor(cursor, sort, FINGERPRINT)).toEqual(position)
    expect(readCursor(cursor)).toEqual({ position, sort, fingerprint: FINGERPRINT, anchor })
  })

  const good = { v: CURSOR_VERSION, f: 'time', d: 'desc', s: 5, i: 'a1', q: FINGERPRINT }
  it.each<[string, unknown, string]>([
    ['a number', 42, 'malformed'],
    ['an empty string', '', 'malformed'],
    ['characters outside base64url', 'abc+/=', 'malformed'],
    ['a string too long', 'a'.repeat(5000), 'malformed'],
    ['bytes that are not JSON', Buffer.from('not json').toString('base64url'), 'malformed'],
    ['JSON that is not an object', wire([1, 2]), 'malformed'],
    ['another version', wire({ ...good, v: 2 }), 'another version'],
    ['no version', wire({ ...good, v: undefined }), 'another version'],
    ['an unknown key', wire({ ...good, x: 1 }), 'malformed'],
    ['an unknown sort field', wire({ ...good, f: 'app' }), 'malformed'],
    ['a sort value that is not an integer', wire({ ...good, s: 1.5 }), 'malformed'],
    ['an empty id', wire({ ...good, i: '' }), 'malformed'],
    ['a short fingerprint', wire({ ...good, q: 'abc' }), 'malformed'],
    ['an anchor that is not a number', wire({ ...good, a: 'now' }), 'malformed'],
    ['another sort direction', encodeCursor({ sortValue: 5, id: 'a1' }, { field: 'time', direction: 'asc' }, FINGERPRINT), 'another sort order'],
    ['another sort field', encodeCursor({ sortValue: 5, id: 'a1' }, { field: 'receivedAt', direction: 'desc' }, FINGERPRINT), 'another sort order'],
    ['another query', encodeCursor({ sortValue: 5, id: 'a1' }, DESC, queryFingerprint([])), 'another query'],
  ])('should refuse %s with invalid_cursor', (_, cursor, reason) => {
    const error = cursorError(() => decodeCursor(cursor as string, DESC, FINGERPRINT))
    expect(error.code).toBe('invalid_cursor')
    expect(error.details).toEqual([{ field: 'cursor', reason: expect.stringContaining(reason) as unknown }])
  })

  it('should refuse any string that is not a cursor with invalid_cursor, and nothing else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const error = cursorError(() => decodeCursor(text, DESC, FINGERPRINT))
        expect(error.code).toBe('invalid_cursor')
      }),
    )
  })
})

describe('nextCursor', () => {
  const query: ActivityQuery = { conditions: CONDITIONS, sort: DESC, limit: 10, skip: 0, after: null, countLimit: 1000 }
  const last = { time: 2_000, receivedAt: 3_000, id: 'last' }

  it.each([
    ['time', 2_000],
    ['receivedAt', 3_000],
  ] as const)('should position after the last item by %s', (field, sortValue) => {
    const sort = { field, direction: 'desc' } as const
    const cursor = nextCursor({ ...query, sort }, last)
    expect(decodeCursor(cursor, sort, FINGERPRINT)).toEqual({ sortValue, id: 'last' })
  })

  it('should carry the anchor of the query', () => {
    expect(readCursor(nextCursor({ ...query, anchor: 42 }, last)).anchor).toBe(42)
    expect(readCursor(nextCursor(query, last)).anchor).toBeNull()
  })

  it('should carry nothing but the sort, the query fingerprint, the anchor and the last item', () => {
    const payload = JSON.parse(Buffer.from(nextCursor({ ...query, anchor: 42 }, last), 'base64url').toString('utf8')) as Record<string, unknown>
    expect(payload).toEqual({ v: 1, f: 'time', d: 'desc', s: 2_000, i: 'last', q: FINGERPRINT, a: 42 })
  })
})
