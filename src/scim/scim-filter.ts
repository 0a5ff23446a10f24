/**
 * The SCIM filter and attribute-path grammar (RFC 7644 §3.4.2.2, §3.5.2), reduced to what identity
 * providers send: equality comparisons joined by `and`, value paths such as
 * `emails[type eq "work"].value eq "x"` and `members[value eq "id"]`, and schema-qualified names
 * (`urn:ietf:params:scim:schemas:core:2.0:User:userName`). Attribute names are case-insensitive and
 * come out lower-cased. Anything else — `or`, `not`, other operators, nested value paths — is a 400
 * `invalidFilter` (or `invalidPath` for a PATCH path) that says what is supported.
 *
 * Parsing is pure; what a parsed filter means for users or groups is decided in `scim-query.ts`.
 *
 * @module
 */

import { badRequest, type ScimError, type ScimType } from './scim-error.js'

/** A comparison value: a JSON string, number, boolean or null. */
export type FilterValue = string | number | boolean | null

/** An attribute reference: `name.givenName` → `{ attribute: 'name', subAttribute: 'givenname' }`. */
export interface AttributePath {
  /** The schema URN the name was qualified with, or null. */
  readonly schema: string | null
  /** Lower-cased attribute name. */
  readonly attribute: string
  /** Lower-cased sub-attribute name, or null. */
  readonly subAttribute: string | null
}

/** `sub eq value` inside a value path's brackets. */
export interface ValueComparison {
  /** Lower-cased sub-attribute name. */
  readonly subAttribute: string
  readonly value: FilterValue
}

/**
 * One `eq` comparison. A value path is folded in: `emails[type eq "work"].value eq "x"` is
 * `emails.value eq "x"` where `type eq "work"`; `members[value eq "id"]` is `members.value eq "id"`.
 */
export interface FilterComparison {
  readonly path: AttributePath
  readonly value: FilterValue
  /** The other comparisons of the value path's brackets, all of which must hold. */
  readonly where: readonly ValueComparison[]
}

/** A parsed filter: comparisons that must all hold. */
export type ScimFilter = readonly FilterComparison[]

/** A PATCH operation's target: an attribute path, optionally narrowed by a value filter. */
export interface PatchPath {
  readonly path: AttributePath
  readonly where: readonly ValueComparison[]
  /** The path as sent, for error messages. */
  readonly text: string
}

/** Longest filter or path accepted; identity providers send a few dozen characters. */
export const MAX_FILTER_LENGTH = 4096

const OPERATORS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr'])
const SUPPORTED = 'Veil supports eq comparisons joined by and, e.g. userName eq "a@b.com" and externalId eq "x"'
const ATTR_NAME = /^(\$ref|[A-Za-z][A-Za-z0-9_-]*)$/
const WORD_CHAR = /[A-Za-z0-9_$:.\-+]/

type Token = { readonly kind: 'word'; readonly text: string; readonly at: number } | { readonly kind: 'string'; readonly value: string; readonly at: number } | { readonly kind: '(' | ')' | '[' | ']'; readonly at: number }

function tokenize(text: string, scimType: ScimType): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i += 1
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ kind: c, at: i })
      i += 1
    } else if (c === '"') {
      let j = i + 1
      while (j < text.length && text[j] !== '"') {
        j += text[j] === '\\' ? 2 : 1
      }
      if (j >= text.length) {
        throw badRequest(scimType, `Unterminated string starting at position ${i + 1}`)
      }
      let value: unknown
      try {
        value = JSON.parse(text.slice(i, j + 1))
      } catch {
        throw badRequest(scimType, `Malformed string at position ${i + 1}`)
      }
      tokens.push({ kind: 'string', value: value as string, at: i })
      i = j + 1
    } else if (WORD_CHAR.test(c)) {
      let j = i
      while (j < text.length && WORD_CHAR.test(text[j] as string)) {
        j += 1
      }
      tokens.push({ kind: 'word', text: text.slice(i, j), at: i })
      i = j
    } else {
      throw badRequest(scimType, `Unexpected character ${JSON.stringify(c)} at position ${i + 1}`)
    }
  }
  return tokens
}

/**
 * Split a (possibly schema-qualified) attribute name into schema, attribute and sub-attribute.
 *
 * @example
 * parseAttributeName('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName', 'invalidPath')
 * // { schema: 'urn:ietf:params:scim:schemas:core:2.0:User', attribute: 'name', subAttribute: 'givenname' }
 */
export function parseAttributeName(text: string, scimType: ScimType): AttributePath {
  let schema: string | null = null
  let rest = text
  if (/^urn:/i.test(text)) {
    const colon = text.lastIndexOf(':')
    schema = text.slice(0, colon)
    rest = text.slice(colon + 1)
  }
  const parts = rest.split('.')
  if (parts.length > 2 || !parts.every((p) => ATTR_NAME.test(p))) {
    throw badRequest(scimType, `${JSON.stringify(text)} is not a valid attribute name`)
  }
  return { schema, attribute: (parts[0] as string).toLowerCase(), subAttribute: parts[1]?.toLowerCase() ?? null }
}

/** Recursive-descent parser over the tokens of one filter or path. */
class Parser {
  readonly #tokens: Token[]
  readonly #text: string
  readonly #scimType: ScimType
  #pos = 0

  constructor(text: string, scimType: ScimType) {
    if (text.length > MAX_FILTER_LENGTH) {
      throw badRequest(scimType, `The ${scimType === 'invalidPath' ? 'path' : 'filter'} is longer than ${MAX_FILTER_LENGTH} characters`)
    }
    this.#text = text
    this.#scimType = scimType
    this.#tokens = tokenize(text, scimType)
  }

  fail(message: string): ScimError {
    return badRequest(this.#scimType, message)
  }

  peek(): Token | undefined {
    return this.#tokens[this.#pos]
  }

  next(): Token | undefined {
    const token = this.#tokens[this.#pos]
    this.#pos += 1
    return token
  }

  atEnd(): boolean {
    return this.#pos >= this.#tokens.length
  }

  describe(token: Token | undefined): string {
    if (!token) {
      return 'the end'
    }
    return token.kind === 'word' ? `"${token.text}" at position ${token.at + 1}` : token.kind === 'string' ? `a string at position ${token.at + 1}` : `"${token.kind}" at position ${token.at + 1}`
  }

  isKeyword(token: Token | undefined, word: string): boolean {
    return token?.kind === 'word' && token.text.toLowerCase() === word
  }

  /** filter := term ( "and" term )* */
  conjunction(closing: ')' | ']' | null): FilterComparison[] {
    const all = [...this.term()]
    for (;;) {
      const token = this.peek()
      if (token === undefined || (closing !== null && token.kind === closing)) {
        return all
      }
      if (this.isKeyword(token, 'and')) {
        this.next()
        all.push(...this.term())
      } else if (this.isKeyword(token, 'or')) {
        throw this.fail(`"or" is not supported. ${SUPPORTED}`)
      } else {
        throw this.fail(`Expected "and" but found ${this.describe(token)}. ${SUPPORTED}`)
      }
    }
  }

  /** term := "(" filter ")" | attrPath op value | attrPath "[" valFilter "]" [ "." sub op value ] */
  term(): FilterComparison[] {
    const token = this.next()
    if (token?.kind === '(') {
      const inner = this.conjunction(')')
      if (this.next()?.kind !== ')') {
        throw this.fail('Missing ")"')
      }
      return inner
    }
    if (this.isKeyword(token, 'not')) {
      throw this.fail(`"not" is not supported. ${SUPPORTED}`)
    }
    if (token?.kind !== 'word') {
      throw this.fail(`Expected an attribute name but found ${this.describe(token)}`)
    }
    let path = parseAttributeName(token.text, this.#scimType)
    let where: ValueComparison[] = []
    if (this.peek()?.kind === '[') {
      if (path.subAttribute !== null) {
        throw this.fail(`A value filter must follow an attribute, not a sub-attribute (${token.text})`)
      }
      this.next()
      where = this.valueFilter()
      const after = this.peek()
      if (after?.kind === 'word' && after.text.startsWith('.')) {
        this.next()
        const sub = parseAttributeName(after.text.slice(1), this.#scimType)
        if (sub.subAttribute !== null) {
          throw this.fail(`${JSON.stringify(after.text)} is not a valid sub-attribute`)
        }
        path = { ...path, subAttribute: sub.attribute }
      } else if (after === undefined || after.kind === ')' || this.isKeyword(after, 'and') || this.isKeyword(after, 'or')) {
        // A value path on its own (`members[value eq "id"]`): it tests the `value` sub-attribute.
        const valueTest = where.find((w) => w.subAttribute === 'value')
        if (!valueTest) {
          throw this.fail(`${token.text}[...] needs a value eq "..." comparison inside the brackets`)
        }
        return [{ path: { ...path, subAttribute: 'value' }, value: valueTest.value, where: where.filter((w) => w !== valueTest) }]
      }
    }
    const operator = this.next()
    if (operator?.kind !== 'word' || !OPERATORS.has(operator.text.toLowerCase())) {
      throw this.fail(`Expected an operator after ${token.text} but found ${this.describe(operator)}`)
    }
    if (operator.text.toLowerCase() !== 'eq') {
      throw this.fail(`Operator "${operator.text}" is not supported. ${SUPPORTED}`)
    }
    return [{ path, value: this.value(), where }]
  }

  /** Inside brackets: sub eq value ( "and" sub eq value )* */
  valueFilter(): ValueComparison[] {
    const comparisons = this.conjunction(']')
    if (this.next()?.kind !== ']') {
      throw this.fail('Missing "]"')
    }
    return comparisons.map((c) => {
      if (c.path.schema !== null || c.path.subAttribute !== null || c.where.length > 0) {
        throw this.fail('Inside [...] only simple sub-attribute comparisons are supported, e.g. [type eq "work"]')
      }
      return { subAttribute: c.path.attribute, value: c.value }
    })
  }

  value(): FilterValue {
    const token = this.next()
    if (token?.kind === 'string') {
      return token.value
    }
    if (token?.kind === 'word') {
      const lower = token.text.toLowerCase()
      if (lower === 'true' || lower === 'false') {
        return lower === 'true'
      }
      if (lower === 'null') {
        return null
      }
      if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(token.text)) {
        return Number(token.text)
      }
    }
    throw this.fail(`Expected a value (a "quoted string", true, false, null or a number) but found ${this.describe(token)}`)
  }

  /** path := attrPath [ "[" valFilter "]" ] [ "." subAttr ] */
  patchPath(): PatchPath {
    const token = this.next()
    if (token?.kind !== 'word') {
      throw this.fail(`Expected an attribute name but found ${this.describe(token)}`)
    }
    let path = parseAttributeName(token.text, this.#scimType)
    let where: ValueComparison[] = []
    if (this.peek()?.kind === '[') {
      if (path.subAttribute !== null) {
        throw this.fail(`A value filter must follow an attribute, not a sub-attribute (${token.text})`)
      }
      this.next()
      where = this.valueFilter()
      const after = this.next()
      if (after !== undefined) {
        if (after.kind !== 'word' || !after.text.startsWith('.')) {
          throw this.fail(`Unexpected ${this.describe(after)} after "]"`)
        }
        const sub = parseAttributeName(after.text.slice(1), this.#scimType)
        if (sub.subAttribute !== null) {
          throw this.fail(`${JSON.stringify(after.text)} is not a valid sub-attribute`)
        }
        path = { ...path, subAttribute: sub.attribute }
      }
    }
    if (!this.atEnd()) {
      throw this.fail(`Unexpected ${this.describe(this.peek())} in path`)
    }
    return { path, where, text: this.#text }
  }
}

/**
 * Parse a `filter` query parameter. Throws a 400 `invalidFilter` ScimError naming what is wrong.
 *
 * @example
 * parseScimFilter('emails[type eq "work"].value eq "a@b.com" and externalId eq "x"')
 * // [{ path: { schema: null, attribute: 'emails', subAttribute: 'value' }, value: 'a@b.com', where: [{ subAttribute: 'type', value: 'work' }] },
 * //  { path: { schema: null, attribute: 'externalid', subAttribute: null }, value: 'x', where: [] }]
 */
export function parseScimFilter(text: string): ScimFilter {
  const parser = new Parser(text, 'invalidFilter')
  if (parser.atEnd()) {
    throw badRequest('invalidFilter', 'The filter is empty')
  }
  const filter = parser.conjunction(null)
  if (!parser.atEnd()) {
    throw parser.fail(`Unexpected ${parser.describe(parser.peek())}`)
  }
  return filter
}

/**
 * Parse a PATCH operation's `path`. Throws a 400 `invalidPath` ScimError.
 *
 * @example
 * parsePatchPath('members[value eq "2819c223"]')
 * // { path: { schema: null, attribute: 'members', subAttribute: null }, where: [{ subAttribute: 'value', value: '2819c223' }], text: '...' }
 */
export function parsePatchPath(text: string): PatchPath {
  const parser = new Parser(text, 'invalidPath')
  if (parser.atEnd()) {
    throw badRequest('invalidPath', 'The path is empty')
  }
  return parser.patchPath()
}
