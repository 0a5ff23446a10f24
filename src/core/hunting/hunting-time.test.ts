import { describe, expect, it } from 'vitest'

import { closeNames, positionAt } from './hunting-error.js'
import { formatTimespan, parseDatetimeText, parseHuntingWindow, parseIsoDuration, parseTimespanText } from './hunting-time.js'

const NOW = Date.UTC(2026, 2, 10, 12)

describe('hunting time', () => {
  it('should read datetime literals as UTC, with offsets, and refuse impossible dates', () => {
    expect(parseDatetimeText('2026-01-31')).toBe(Date.UTC(2026, 0, 31))
    expect(parseDatetimeText('2026-01-31 10:30')).toBe(Date.UTC(2026, 0, 31, 10, 30))
    expect(parseDatetimeText('2026-01-31T10:30:15.1234567Z')).toBe(Date.UTC(2026, 0, 31, 10, 30, 15, 123))
    expect(parseDatetimeText('2026-01-31T10:30:00+02:00')).toBe(Date.UTC(2026, 0, 31, 8, 30))
    expect(parseDatetimeText('0001-01-01')).toBe(-62_135_596_800_000)
    for (const bad of ['2026-02-29', '2026-13-01', '2026-01-01 25:00', 'today', '']) {
      expect(parseDatetimeText(bad), bad).toBeNull()
    }
  })

  it('should read timespan literals and ISO 8601 durations', () => {
    expect(parseTimespanText('1.02:30:00')).toBe(26.5 * 3_600_000)
    expect(parseTimespanText('00:15')).toBe(900_000)
    expect(parseTimespanText('-90m')).toBe(-5_400_000)
    expect(parseTimespanText('3 days')).toBeNull()
    expect(parseIsoDuration('P30D')).toBe(30 * 86_400_000)
    expect(parseIsoDuration('P1W')).toBe(7 * 86_400_000)
    expect(parseIsoDuration('PT12H30M')).toBe(12.5 * 3_600_000)
    expect(parseIsoDuration('P1DT0.5S')).toBe(86_400_500)
    expect(parseIsoDuration('P1M')).toBeNull()
  })

  it('should read the request window: durations back from now without an end, or intervals', () => {
    expect(parseHuntingWindow('P7D', NOW)).toEqual({ from: NOW - 7 * 86_400_000, to: null })
    expect(parseHuntingWindow('12h', NOW)).toEqual({ from: NOW - 12 * 3_600_000, to: null })
    expect(parseHuntingWindow('2026-01-01T00:00:00Z/2026-01-08T00:00:00Z', NOW)).toEqual({ from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 8) })
    expect(parseHuntingWindow('2026-01-01T00:00:00Z/P1D', NOW)).toEqual({ from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 2) })
    expect(parseHuntingWindow('P0D', NOW)).toBeNull()
  })

  it('should write timespans as KQL does', () => {
    expect(formatTimespan(0)).toBe('00:00:00')
    expect(formatTimespan(3_600_000)).toBe('01:00:00')
    expect(formatTimespan(7 * 86_400_000 + 1)).toBe('7.00:00:00.001')
  })

  it('should turn offsets into lines and columns', () => {
    const text = 'a\nbc\r\nd'
    expect(positionAt(text, 0)).toEqual({ line: 1, column: 1, offset: 0 })
    expect(positionAt(text, 3)).toEqual({ line: 2, column: 2, offset: 3 })
    expect(positionAt(text, 6)).toEqual({ line: 3, column: 1, offset: 6 })
    expect(positionAt(text, 99)).toEqual({ line: 3, column: 2, offset: 7 })
  })

  it('should suggest close names, case first', () => {
    expect(closeNames('application', ['Application', 'AccountId'])).toEqual(['Application'])
    expect(closeNames('IPAdress', ['IPAddress', 'ObjectId'])).toEqual(['IPAddress'])
    expect(closeNames('Account', ['AccountId', 'AccountType', 'AccountDisplayName', 'City'])).toEqual(['AccountId', 'AccountDisplayName', 'AccountType'])
    expect(closeNames('zzz', ['Application'])).toEqual([])
  })
})
