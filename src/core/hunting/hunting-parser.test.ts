import { describe, expect, it } from 'vitest'

import { QueryTextError } from '../errors.js'
import type { HuntingSyntaxError } from './hunting-error.js'
import { tokenize } from './hunting-lexer.js'
import { parseHuntingQuery } from './hunting-parser.js'
import { prepareHuntingQuery } from './hunting-query.js'
import type { ExprSyntax } from './hunting-syntax.js'

const LIMITS = { maxQueryChars: 10_000, maxRows: 10_000, defaultWindowMs: 30 * 86_400_000 }

/** The error a query text gets, as the caller sees it. */
function errorOf(text: string): QueryTextError {
  try {
    prepareHuntingQuery(text, { now: Date.UTC(2026, 0, 1), limits: LIMITS })
  } catch (error) {
    if (error instanceof QueryTextError) {
      return error
    }
    throw error
  }
  throw new Error(`no error for ${text}`)
}

/** An expression written back with full parentheses, to read precedence at a glance. */
function show(e: ExprSyntax): string {
  switch (e.kind) {
    case 'name':
      return e.name
    case 'string':
      return JSON.stringify(e.value)
    case 'long':
    case 'real':
    case 'timespan':
    case 'datetime':
      return `${e.kind}:${e.value}`
    case 'bool':
      return String(e.value)
    case 'call':
      return `${e.name.name}(${e.args.map(show).join(', ')})`
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`
    case 'negate':
      return `(-${show(e.operand)})`
    case 'member':
      return `${show(e.object)}[${JSON.stringify(e.member)}]`
    case 'in':
      return `(${show(e.subject)} ${e.op} [${e.values.map(show).join(', ')}])`
    case 'between':
      return `(${show(e.subject)} ${e.negated ? '!' : ''}between ${show(e.low)}..${show(e.high)})`
  }
}

function whereOf(text: string): string {
  const op = parseHuntingQuery(`CloudAppEvents | where ${text}`).operators[0]
  if (op?.kind !== 'where') {
    throw new Error('not a where')
  }
  return show(op.predicate)
}

describe('tokenize', () => {
  it('should read strings with escapes, single quotes, verbatim strings and bracketed names', () => {
    const tokens = tokenize(`"a\\"b\\n\\u0041" 'it''s' @"C:\\dir ""x""" h"hidden" ['Column name']`)
    expect(tokens.map((t) => [t.kind, t.text])).toEqual([
      ['string', 'a"b\nA'],
      ['string', 'it'],
      ['string', 's'],
      ['string', 'C:\\dir "x"'],
      ['string', 'hidden'],
      ['name', 'Column name'],
      ['end', ''],
    ])
    expect(tokens[5]?.quoted).toBe(true)
  })

  it('should read numbers, timespans and datetime and timespan literals', () => {
    const tokens = tokenize('42 1.5 2e3 7d 1.5h 30m 10s 100ms 2days datetime(2026-01-02 03:04:05) timespan(1.02:00:00) time(90m)')
    expect(tokens.map((t) => [t.kind, t.value])).toEqual([
      ['long', 42],
      ['real', 1.5],
      ['real', 2000],
      ['timespan', 7 * 86_400_000],
      ['timespan', 5_400_000],
      ['timespan', 1_800_000],
      ['timespan', 10_000],
      ['timespan', 100],
      ['timespan', 2 * 86_400_000],
      ['datetime', Date.UTC(2026, 0, 2, 3, 4, 5)],
      ['timespan', 26 * 3_600_000],
      ['timespan', 5_400_000],
      ['end', Number.NaN],
    ])
  })

  it('should read word operators with ! and ~, ranges and comments', () => {
    const tokens = tokenize('a !contains b !in~ (1..2) in~ !between // a comment | where\n!=')
    expect(tokens.filter((t) => t.kind === 'symbol').map((t) => t.text)).toEqual(['!contains', '!in~', '(', '..', ')', 'in~', '!between', '!='])
  })

  it('should keep offsets', () => {
    const tokens = tokenize('CloudAppEvents\n| take 5')
    expect(tokens.map((t) => [t.text, t.start, t.end])).toEqual([
      ['CloudAppEvents', 0, 14],
      ['|', 15, 16],
      ['take', 17, 21],
      ['5', 22, 23],
      ['', 23, 23],
    ])
  })

  const bad: Array<[string, number, RegExp]> = [
    ['"not closed', 0, /not closed/],
    ['x "bad \\q escape"', 7, /Unknown escape/],
    ['x # y', 2, /Unexpected character '#'/],
    ['5kg', 0, /not a number or a timespan/],
    ['datetime(yesterday)', 9, /not a datetime/],
    ['datetime(2026-02-30)', 9, /not a datetime/],
    ['timespan(soon)', 9, /not a timespan/],
    ['1tick', 0, /whole number of milliseconds/],
    ['99999999999999999999', 0, /too large/],
  ]
  for (const [text, offset, message] of bad) {
    it(`should refuse ${text} at offset ${offset}`, () => {
      expect(() => tokenize(text)).toThrow(message)
      try {
        tokenize(text)
      } catch (error) {
        expect((error as HuntingSyntaxError).offset).toBe(offset)
      }
    })
  }
})

describe('parseHuntingQuery', () => {
  it('should parse every tabular operator', () => {
    const query = parseHuntingQuery(
      [
        'CloudAppEvents',
        '| where Timestamp > ago(1d)',
        '| filter true',
        '| extend Lower = tolower(Application), Application',
        '| project Application, Lower, N = 1',
        '| project-away N',
        '| project-rename App = Application',
        '| summarize n = count(), dcount(Lower) by App, bin(Timestamp, 1h)',
        '| order by n desc, App asc nulls last',
        '| sort by App',
        '| top 5 by n asc nulls first',
        '| take 3',
        '| limit 2',
        '| distinct App',
        '| count',
        '| render timechart with (title="x")',
        ';',
      ].join('\n'),
    )
    expect(query.table.name).toBe('CloudAppEvents')
    expect(query.operators.map((o) => o.kind)).toEqual([
      'where',
      'where',
      'extend',
      'project',
      'project-away',
      'project-rename',
      'summarize',
      'order',
      'order',
      'top',
      'take',
      'take',
      'distinct',
      'count',
      'render',
    ])
    const order = query.operators[7]
    expect(order?.kind === 'order' && order.keys.map((k) => [k.direction, k.nulls])).toEqual([
      ['desc', null],
      ['asc', 'last'],
    ])
    const summarize = query.operators[6]
    expect(summarize?.kind === 'summarize' && [summarize.aggregates.map((a) => a.name?.name ?? null), summarize.by.length]).toEqual([['n', null], 2])
  })

  it('should bind and tighter than or, comparisons tighter than and, * tighter than +', () => {
    expect(whereOf('a == 1 or b == 2 and c == 3')).toBe('((a == long:1) or ((b == long:2) and (c == long:3)))')
    expect(whereOf('(a == 1 or b == 2) and c == 3')).toBe('(((a == long:1) or (b == long:2)) and (c == long:3))')
    expect(whereOf('a + b * c - d / e % f > 1')).toBe('(((a + (b * c)) - ((d / e) % f)) > long:1)')
    expect(whereOf('-a < -1 and -1d < b')).toBe('(((-a) < long:-1) and (timespan:-86400000 < b))')
    expect(whereOf('not(a contains "x") or b !startswith_cs "y"')).toBe('(not((a contains "x")) or (b !startswith_cs "y"))')
  })

  it('should parse in, between, member access and calls', () => {
    expect(whereOf('A in ("x", "y") and B !in~ ("z")')).toBe('((A in ["x", "y"]) and (B !in~ ["z"]))')
    expect(whereOf('T between (ago(1d) .. now())')).toBe('(T between ago(timespan:86400000)..now())')
    expect(whereOf('T !between (1..5)')).toBe('(T !between long:1..long:5)')
    expect(whereOf('RawEventData.a.b["c d"][0] == 1')).toBe('(RawEventData["a"]["b"]["c d"][0] == long:1)')
    expect(whereOf('strcat(a, "-", b) =~ "x" and isempty(c)')).toBe('((strcat(a, "-", b) =~ "x") and isempty(c))')
    expect(whereOf("['Odd name'] == true")).toBe('(Odd name == true)')
  })

  const errors: Array<[string, string, number, number, RegExp]> = [
    ['an empty query', '  ', 1, 3, /The query is empty/],
    ['SQL', 'SELECT * FROM activities', 1, 1, /looks like SQL/],
    ['a statement', 'let x = 1; CloudAppEvents', 1, 1, /'let' is not supported/],
    ['union', 'union CloudAppEvents, IdentityLogonEvents', 1, 1, /'union' is not supported/],
    ['join', 'CloudAppEvents\n| join (CloudAppEvents) on ReportId', 2, 3, /The operator 'join' is not supported/],
    ['externaldata', 'CloudAppEvents | externaldata', 1, 18, /'externaldata' is not supported/],
    ['mv-expand', 'CloudAppEvents | mv-expand RawEventData', 1, 18, /'mv-expand' is not supported/],
    ['a misspelled operator', 'CloudAppEvents | wher x', 1, 18, /Unknown operator 'wher'; did you mean 'where'\?/],
    ['an unclosed parenthesis', 'CloudAppEvents\n| where (a == 1', 2, 16, /Expected '\)' to close the parenthesis, found the end of the query/],
    ['= for ==', 'CloudAppEvents | where a = 1', 1, 26, /compare with '=='/],
    ['order without by', 'CloudAppEvents | order Timestamp', 1, 24, /Expected 'by' after 'order'/],
    ['take without a number', 'CloudAppEvents | take ten', 1, 23, /Expected a whole number after 'take'/],
    ['a missing operand', 'CloudAppEvents | where a ==', 1, 28, /ends where a value/],
    ['text after the query', 'CloudAppEvents | take 5 5', 1, 25, /expected '\|' and an operator/],
    ['an unsupported string operator', 'CloudAppEvents | where a has_any ("x")', 1, 26, /'has_any' is not supported/],
    ['a pipe with nothing after it', 'CloudAppEvents |', 1, 17, /Expected an operator after '\|'/],
    ['summarize with nothing', 'CloudAppEvents | summarize', 1, 27, /summarize needs an aggregation/],
  ]
  for (const [what, text, line, column, message] of errors) {
    it(`should point at ${what} (line ${line}, column ${column})`, () => {
      const error = errorOf(text)
      expect(error.code).toBe('hunting_query_invalid')
      expect(error.message).toMatch(message)
      expect(error.position).toMatchObject({ line, column })
      expect(error.message).toContain(`(line ${line}, column ${column})`)
      // The offset is where a caret goes: the same place as line and column.
      const lines = text.split('\n')
      expect(lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1).toBe(error.position?.offset)
    })
  }

  it('should refuse queries over the size limits as too expensive', () => {
    const tooMany = `CloudAppEvents${' | take 1'.repeat(51)}`
    expect(errorOf(tooMany)).toMatchObject({ code: 'hunting_query_too_expensive', message: expect.stringMatching(/more than 50 operators/) as unknown })
    const deep = `CloudAppEvents | where ${'('.repeat(70)}true${')'.repeat(70)}`
    expect(errorOf(deep)).toMatchObject({ code: 'hunting_query_too_expensive', message: expect.stringMatching(/nested more than 64 deep/) as unknown })
    const longList = `CloudAppEvents | where CountryCode in (${Array.from({ length: 1001 }, (_, i) => `"${i}"`).join(',')})`
    expect(errorOf(longList)).toMatchObject({ code: 'hunting_query_too_expensive', message: expect.stringMatching(/more than 1000 values/) as unknown })
    const longText = `CloudAppEvents | where Application == "${'x'.repeat(10_000)}"`
    expect(errorOf(longText)).toMatchObject({ code: 'hunting_query_too_expensive', position: null })
  })
})
