/**
 * Errors of the hunting language: a message and the place in the query text, plus the "did you mean"
 * suggestions unknown names get.
 *
 * @module
 */

import { QueryTextError, type ErrorCode, type TextPosition } from '../errors.js'

/** Line and column (1-based) of `offset` in `text`; lines end at `\n` (a `\r` before it counts as a column). */
export function positionAt(text: string, offset: number): TextPosition {
  const clamped = Math.max(0, Math.min(offset, text.length))
  let line = 1
  let lineStart = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < clamped; i = text.indexOf('\n', i + 1)) {
    line += 1
    lineStart = i + 1
  }
  return { line, column: clamped - lineStart + 1, offset: clamped }
}

/**
 * Raised by the lexer, parser and checker with the offset of the problem; {@link HuntingErrors.at}
 * turns the offset into a line and column once the text is known.
 */
export class HuntingSyntaxError extends Error {
  readonly code: ErrorCode
  readonly offset: number

  constructor(message: string, offset: number, code: ErrorCode = 'hunting_query_invalid') {
    super(message)
    this.name = 'HuntingSyntaxError'
    this.code = code
    this.offset = offset
  }
}

/** The error the caller sees: the message with "(line L, column C)" and the position. */
export function toQueryTextError(error: HuntingSyntaxError, text: string): QueryTextError {
  const position = positionAt(text, error.offset)
  return new QueryTextError(error.code, `${error.message} (line ${position.line}, column ${position.column})`, position)
}

/** Edit distance (insertions, deletions, substitutions), with an early exit past `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) {
    return limit + 1
  }
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let best = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost)
      current.push(value)
      best = Math.min(best, value)
    }
    if (best > limit) {
      return limit + 1
    }
    previous = current
  }
  return previous[b.length] ?? limit + 1
}

/**
 * The names closest to `name` (case-insensitively): a name that differs only in case first, then those
 * within a third of its length in edits (at least 2), nearest first, at most three.
 */
export function closeNames(name: string, candidates: readonly string[]): string[] {
  const wanted = name.toLowerCase()
  const limit = Math.max(2, Math.floor(wanted.length / 3))
  return candidates
    .map((candidate) => ({ candidate, d: candidate.toLowerCase() === wanted ? -1 : distance(wanted, candidate.toLowerCase(), limit) }))
    .filter((c) => c.d <= limit || (wanted.length >= 4 && c.candidate.toLowerCase().includes(wanted)))
    .sort((x, y) => x.d - y.d || x.candidate.localeCompare(y.candidate))
    .slice(0, 3)
    .map((c) => c.candidate)
}

/** `; did you mean 'A' or 'B'?`, or nothing when no name is close. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const close = closeNames(name, candidates)
  if (close.length === 0) {
    return ''
  }
  const quoted = close.map((c) => `'${c}'`)
  return `; did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`}?`
}
