/**
 * The hunting language's lexer: KQL tokens with their offsets in the text.
 *
 * - names: `Application`, `project`, `_x1`, and bracketed names `['Name with spaces']`;
 * - strings: `"..."` and `'...'` with `\\`-escapes, verbatim `@"..."` (a doubled quote is a quote);
 * - numbers: `42` (long), `1.5`, `2e3` (real); a number followed by a unit is a timespan (`7d`, `1.5h`,
 *   `30m`, `10s`, `100ms`, `2days`);
 * - `datetime(...)` and `timespan(...)`/`time(...)` literals, read whole because their content is not
 *   made of tokens (`datetime(2026-01-01 10:00)`);
 * - symbols: `| ( ) [ ] , . .. ; = == != =~ !~ < <= > >= + - * / %`, and the word operators written with
 *   `!` or `~` (`!contains`, `!in`, `in~`, `!in~`, `!between`, `!startswith`, ...);
 * - `//` comments to the end of the line.
 *
 * @module
 */

import { HuntingSyntaxError } from './hunting-error.js'
import { MAX_DATETIME_MS, MAX_TIMESPAN_MS, MIN_DATETIME_MS, TIMESPAN_UNITS, parseDatetimeText, parseTimespanText } from './hunting-time.js'

export type TokenKind = 'name' | 'string' | 'long' | 'real' | 'timespan' | 'datetime' | 'symbol' | 'end'

export interface Token {
  readonly kind: TokenKind
  /** The name, the string's value, or the symbol; the source text for numbers and literals. */
  readonly text: string
  /** Numbers, and timespans and datetimes in milliseconds. */
  readonly value: number
  /** A bracketed name (`['x']`): never a keyword. */
  readonly quoted: boolean
  readonly start: number
  readonly end: number
}

const SYMBOLS = ['..', '==', '!=', '=~', '!~', '<=', '>=', '|', '(', ')', '[', ']', ',', '.', ';', '=', '<', '>', '+', '-', '*', '/', '%'] as const

function isNameStart(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z_$]/.test(c)
}

function isNamePart(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$]/.test(c)
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9'
}

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', '"': '"', "'": "'", n: '\n', t: '\t', r: '\r', '0': '\0' }

/** Split a query into tokens; the last one is `end`. Throws {@link HuntingSyntaxError} at the first bad character. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const push = (kind: TokenKind, value: string, start: number, extra: { value?: number; quoted?: boolean } = {}): void => {
    tokens.push({ kind, text: value, value: extra.value ?? Number.NaN, quoted: extra.quoted ?? false, start, end: i })
  }

  const readString = (quote: string, verbatim: boolean, start: number): string => {
    let value = ''
    i += 1
    for (;;) {
      const c = text[i]
      if (c === undefined || (c === '\n' && !verbatim)) {
        throw new HuntingSyntaxError('The string is not closed', start)
      }
      if (c === quote) {
        if (verbatim && text[i + 1] === quote) {
          value += quote
          i += 2
          continue
        }
        i += 1
        return value
      }
      if (c === '\\' && !verbatim) {
        const next = text[i + 1]
        if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16))
          i += 6
          continue
        }
        const escaped = next === undefined ? undefined : ESCAPES[next]
        if (escaped === undefined) {
          throw new HuntingSyntaxError(`Unknown escape \\${next ?? ''} in a string (use \\\\, \\", \\', \\n, \\t, \\r or \\uXXXX)`, i)
        }
        value += escaped
        i += 2
        continue
      }
      value += c
      i += 1
    }
  }

  /** The text of `name(...)` up to the closing parenthesis, for the literals that are not made of tokens. */
  const readParenthesized = (name: string, start: number): { inner: string; innerStart: number } => {
    const open = text.indexOf('(', i)
    const close = text.indexOf(')', open)
    if (close < 0) {
      throw new HuntingSyntaxError(`${name}(...) is not closed`, start)
    }
    const inner = text.slice(open + 1, close)
    i = close + 1
    return { inner, innerStart: open + 1 }
  }

  while (i < text.length) {
    const c = text[i] as string
    const start = i
    if (/\s/.test(c)) {
      i += 1
      continue
    }
    if (c === '/' && text[i + 1] === '/') {
      const newline = text.indexOf('\n', i)
      i = newline < 0 ? text.length : newline + 1
      continue
    }
    if (c === '"' || c === "'") {
      const value = readString(c, false, start)
      push('string', value, start)
      continue
    }
    if ((c === '@' || c === 'h' || c === 'H') && (text[i + 1] === '"' || text[i + 1] === "'")) {
      // @"..." is verbatim; h"..." (KQL's obfuscated string, kept out of logs) reads like a normal string.
      i += 1
      const value = readString(text[i] as string, c === '@', start)
      push('string', value, start)
      continue
    }
    if (c === '[' && (text[i + 1] === "'" || text[i + 1] === '"')) {
      // ['Name'] is a name, not an index: it may hold any character.
      i += 1
      const value = readString(text[i] as string, false, start)
      while (/\s/.test(text[i] ?? '')) {
        i += 1
      }
      if (text[i] !== ']') {
        throw new HuntingSyntaxError("A bracketed name ['...'] needs its closing ]", i)
      }
      i += 1
      push('name', value, start, { quoted: true })
      continue
    }
    if (isDigit(c) || (c === '.' && isDigit(text[i + 1]) && tokens[tokens.length - 1]?.text !== '.')) {
      while (isDigit(text[i])) {
        i += 1
      }
      let isReal = false
      if (text[i] === '.' && isDigit(text[i + 1])) {
        isReal = true
        i += 1
        while (isDigit(text[i])) {
          i += 1
        }
      }
      if ((text[i] === 'e' || text[i] === 'E') && (isDigit(text[i + 1]) || ((text[i + 1] === '+' || text[i + 1] === '-') && isDigit(text[i + 2])))) {
        isReal = true
        i += 2
        while (isDigit(text[i])) {
          i += 1
        }
      }
      const numberText = text.slice(start, i)
      if (isNameStart(text[i])) {
        const unitStart = i
        while (isNamePart(text[i])) {
          i += 1
        }
        const unit = text.slice(unitStart, i)
        const factor = TIMESPAN_UNITS.get(unit)
        if (factor === undefined) {
          throw new HuntingSyntaxError(`'${numberText}${unit}' is not a number or a timespan (units: d, h, m, s, ms)`, start)
        }
        const ms = Number(numberText) * factor
        if (!Number.isInteger(ms)) {
          throw new HuntingSyntaxError(`The timespan '${numberText}${unit}' is not a whole number of milliseconds`, start)
        }
        if (Math.abs(ms) > MAX_TIMESPAN_MS) {
          throw new HuntingSyntaxError(`The timespan '${numberText}${unit}' is too long`, start)
        }
        push('timespan', text.slice(start, i), start, { value: ms })
        continue
      }
      const value = Number(numberText)
      if (!isReal && !Number.isSafeInteger(value)) {
        throw new HuntingSyntaxError(`The number ${numberText} is too large (at most ${Number.MAX_SAFE_INTEGER})`, start)
      }
      if (!Number.isFinite(value)) {
        throw new HuntingSyntaxError(`The number ${numberText} is too large`, start)
      }
      push(isReal ? 'real' : 'long', numberText, start, { value })
      continue
    }
    if (isNameStart(c)) {
      while (isNamePart(text[i])) {
        i += 1
      }
      const name = text.slice(start, i)
      const afterSpaces = /^\s*\(/.exec(text.slice(i))
      if (name === 'datetime' && afterSpaces) {
        const { inner, innerStart } = readParenthesized(name, start)
        const unquoted = /^\s*(["'])(.*)\1\s*$/.exec(inner)?.[2] ?? inner
        const ms = parseDatetimeText(unquoted)
        if (ms === null || ms < MIN_DATETIME_MS || ms > MAX_DATETIME_MS) {
          throw new HuntingSyntaxError(`'${inner.trim()}' is not a datetime (write datetime(2026-01-31) or datetime(2026-01-31 10:30:00), UTC)`, innerStart)
        }
        push('datetime', text.slice(start, i), start, { value: ms })
        continue
      }
      if ((name === 'timespan' || name === 'time') && afterSpaces) {
        const { inner, innerStart } = readParenthesized(name, start)
        const ms = parseTimespanText(inner)
        if (ms === null || !Number.isInteger(ms) || Math.abs(ms) > MAX_TIMESPAN_MS) {
          throw new HuntingSyntaxError(`'${inner.trim()}' is not a timespan (write ${name}(1h), ${name}(90m) or ${name}(1.02:00:00))`, innerStart)
        }
        push('timespan', text.slice(start, i), start, { value: ms })
        continue
      }
      if (name === 'in' && text[i] === '~') {
        i += 1
        push('symbol', 'in~', start)
        continue
      }
      push('name', name, start)
      continue
    }
    if (c === '!' && isNameStart(text[i + 1])) {
      i += 1
      while (isNamePart(text[i])) {
        i += 1
      }
      if (text.slice(start, i) === '!in' && text[i] === '~') {
        i += 1
      }
      push('symbol', text.slice(start, i), start)
      continue
    }
    const symbol = SYMBOLS.find((s) => text.startsWith(s, i))
    if (symbol === undefined) {
      throw new HuntingSyntaxError(`Unexpected character '${c}'`, start)
    }
    i += symbol.length
    push('symbol', symbol, start)
  }
  push('end', '', text.length)
  return tokens
}
