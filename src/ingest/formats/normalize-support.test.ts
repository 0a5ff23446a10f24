import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../../core/governance/governance-record.js'
import { activityId, canonicalText, countryCode, derivedId, get, getObject, looksLikeEmail, normalizeSafely, parseClientIp, parseSourceTime, requireTime, text } from './normalize-support.js'

const RECEIVED = Date.UTC(2026, 0, 10, 12)

describe('parseSourceTime', () => {
  it.each<[string, unknown, number | null]>([
    ['RFC 3339 with Z', '2022-02-08T06:22:28Z', Date.UTC(2022, 1, 8, 6, 22, 28)],
    ['seven fraction digits (Entra), truncated to ms', '2022-02-08T06:22:28.3518405Z', Date.UTC(2022, 1, 8, 6, 22, 28, 351)],
    ['an offset', '2019-10-18T15:30:51.0273716+00:00', Date.UTC(2019, 9, 18, 15, 30, 51, 27)],
    ['an offset without a colon', '2022-08-16T09:26:38.000+0200', Date.UTC(2022, 7, 16, 7, 26, 38)],
    ['no zone (Microsoft 365 CreationTime): UTC', '2015-06-29T20:03:19', Date.UTC(2015, 5, 29, 20, 3, 19)],
    ['a space and no zone', '2022-12-12 15:57:57', Date.UTC(2022, 11, 12, 15, 57, 57)],
    ['a space and nine fraction digits', '2022-12-11 02:57:48.693000000', Date.UTC(2022, 11, 11, 2, 57, 48, 693)],
    ['surrounding blanks', ' 2022-12-12T15:57:57Z ', Date.UTC(2022, 11, 12, 15, 57, 57)],
    ['a date alone', '2022-12-12', null],
    ['a date with a negative-looking tail', '2022-12-12 10:00', null],
    ['digits run together', '2024-12-17 00:00:00000000', null],
    ['a word', 'redacted', null],
    ['epoch ms without the option', 1495479954312, null],
    ['a month 13', '2022-13-01T00:00:00Z', null],
    ['an object', { time: 1 }, null],
  ])('should read %s', (_, value, expected) => {
    expect(parseSourceTime(value)).toBe(expected)
  })

  it('should read epoch ms when asked, and only integers', () => {
    expect(parseSourceTime(1495479954312, { epochMs: true })).toBe(1495479954312)
    expect(parseSourceTime(1.5, { epochMs: true })).toBeNull()
    expect(parseSourceTime('2017-05-22T19:05:54Z', { epochMs: true })).toBe(Date.UTC(2017, 4, 22, 19, 5, 54))
  })

  it('should never throw', () => {
    fc.assert(fc.property(fc.anything(), (value) => {
      const time = parseSourceTime(value, { epochMs: true })
      expect(time === null || Number.isFinite(time)).toBe(true)
    }))
  })
})

describe('requireTime', () => {
  const check = (value: unknown) => normalizeSafely({}, { index: 4, receivedAt: RECEIVED }, () => {
    requireTime(value, '/eventTime', RECEIVED)
    throw new Error('unreachable in these cases')
  })
  it.each<[unknown, string]>([
    [undefined, 'required'],
    [null, 'required'],
    ['', 'required'],
    ['yesterday', 'not an ISO 8601 timestamp'],
    ['1969-12-31T23:59:59Z', 'is before 1970'],
    [new Date(RECEIVED + 86_400_001).toISOString(), 'is more than 1 day in the future'],
  ])('should refuse %j: %s', (value, reason) => {
    expect(check(value)).toEqual({ ok: false, error: { index: 4, field: '/eventTime', reason } })
  })
})

describe('parseClientIp', () => {
  // The address forms of Microsoft 365's ClientIP, as the corpus notes list them, and others seen in the samples.
  it.each<[unknown, string | null]>([
    ['134.170.188.221', '134.170.188.221'],
    ['10.11.12.13:12345', '10.11.12.13'],
    ['[10.11.12.13]:12345', '10.11.12.13'],
    ['::ffff:10.11.12.13', '10.11.12.13'],
    ['[::ffff:10.11.12.13]:12345', '10.11.12.13'],
    ['0:0:0:0:0:ffff:10.11.12.13', '10.11.12.13'],
    ['2001:DB8::ABCD', '2001:db8::abcd'],
    ['[2001:db8::abcd]:12345', '2001:db8::abcd'],
    ['[2001:db8::abcd]', '2001:db8::abcd'],
    ['fe80::1%eth0', 'fe80::1'],
    [' 1.2.3.4 ', '1.2.3.4'],
    ['localhost', null],
    ['AWS Internal', null],
    ['cloudformation.amazonaws.com', null],
    ['<null>', null],
    ['<Attacker source IP>', null],
    ['999.1.1.1', null],
    ['[2001:db8::1', null],
    ['', null],
    [42, null],
    [null, null],
  ])('should read %j as %j', (value, expected) => {
    expect(parseClientIp(value)).toBe(expected)
  })

  it('should give back every IPv4 and IPv6 address, with or without a port', () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
      const expected = ip.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1')
      expect(parseClientIp(ip)).toBe(expected)
      expect(parseClientIp(ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`)).toBe(expected)
    }))
  })
})

describe('countryCode', () => {
  it.each<[unknown, string | null]>([
    ['US', 'US'],
    ['de', 'DE'],
    ['United States', 'US'],
    ['Iceland', 'IS'],
    ['Russia', 'RU'],
    ['Germany', 'DE'],
    ['Myanmar (Burma)', 'MM'],
    ['brazil', 'BR'],
    ['FAKE_COUNTRY', null],
    ['', null],
    [null, null],
  ])('should read %j as %j', (value, expected) => {
    expect(countryCode(value)).toBe(expected)
  })
})

describe('field access', () => {
  it('should find a key as written, lower-cased, or capitalized', () => {
    expect(get({ creationtime: 'a' }, 'CreationTime')).toBe('a')
    expect(get({ ActivityDateTime: 'b' }, 'activityDateTime')).toBe('b')
    expect(get({ eventTime: 'c', eventtime: 'd' }, 'eventTime')).toBe('c')
    expect(get({}, 'x')).toBeUndefined()
  })

  it('should read objects written as JSON text', () => {
    expect(getObject({ InitiatedBy: '{"user":{"id":"1"}}' }, 'initiatedBy')).toEqual({ user: { id: '1' } })
    expect(getObject({ initiatedBy: '{broken' }, 'initiatedBy')).toBeNull()
    expect(getObject({ initiatedBy: [1] }, 'initiatedBy')).toBeNull()
  })

  it('should read scalars as text and empty strings as no value', () => {
    expect([text(' a '), text(''), text(12), text(false), text({}), text('x'.repeat(5000))?.length]).toEqual(['a', null, '12', 'false', null, 4096])
  })
})

describe('looksLikeEmail', () => {
  it.each<[string | null, boolean]>([
    ['admin@contoso.onmicrosoft.com', true],
    ['jane.doe@example.com', true],
    ['app@sharepoint', false],
    ['NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)', false],
    ['a@b@c.d', false],
    ['bob', false],
    [null, false],
  ])('should tell %j: %s', (value, expected) => {
    expect(looksLikeEmail(value)).toBe(expected)
  })
})

describe('activityId', () => {
  it('should prefix the source id with the format', () => {
    expect(activityId('okta', 'abc', {})).toBe('okta:abc')
  })

  it('should derive an id from the content when there is no usable source id', () => {
    const derived = activityId('github', null, { b: 1, a: 2 })
    expect(derived).toMatch(/^github:v1-[0-9a-f]{32}$/)
    expect(derived).toBe(derivedId('github', { a: 2, b: 1 }))
    expect(activityId('github', 'x'.repeat(300), { a: 2, b: 1 })).toBe(derived)
  })
})

describe('canonicalText', () => {
  it('should write the same text as canonicalJson', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(canonicalText(value)).toBe(canonicalJson(value))
    }), { numRuns: 500 })
    expect(canonicalText({ b: undefined, a: [1, { d: 2, c: null }] })).toBe(canonicalJson({ b: undefined, a: [1, { d: 2, c: null }] }))
  })
})

describe('normalizeSafely', () => {
  it('should refuse what is not an object, and contain unexpected errors', () => {
    expect(normalizeSafely([], { index: 1, receivedAt: 0 }, () => { throw new Error('no') })).toEqual({ ok: false, error: { index: 1, field: '', reason: 'must be a JSON object' } })
    expect(normalizeSafely({}, { index: 1, receivedAt: 0 }, () => { throw new RangeError('deep') })).toEqual({ ok: false, error: { index: 1, field: '', reason: 'is not a JSON value Veil can read' } })
  })
})
