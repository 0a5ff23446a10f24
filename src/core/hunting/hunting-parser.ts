/**
 * The hunting language's parser: a query is a table name and a pipeline of tabular operators,
 * `CloudAppEvents | where ... | summarize ... by ... | order by ... | take N`.
 *
 * Expression precedence, loosest first, as in KQL: `or`; `and`; one comparison (`==`, `!=`, `<`, `<=`,
 * `>`, `>=`, `=~`, `!~`, the string operators, `in`, `between`); `+ -`; `* / %`; unary `-`; member
 * access (`x.name`, `x['name']`, `x[0]`); literals, names, calls and parentheses.
 *
 * Everything the subset does not have is refused by name, with its position: other tabular
 * operators (`join`, `union`, ...), statements (`let`, ...), SQL.
 *
 * @module
 */

import { didYouMean, HuntingSyntaxError } from './hunting-error.js'
import { tokenize, type Token } from './hunting-lexer.js'
import type { AssignmentSyntax, ExprSyntax, NameSyntax, OperatorSyntax, OrderKeySyntax, QuerySyntax } from './hunting-syntax.js'

/** Bounds on a query's size, checked while parsing (they keep the checker and compiler cheap). */
export interface HuntingSyntaxLimits {
  /** Tabular operators after the table. */
  readonly maxOperators: number
  /** Nesting of expressions (parentheses, calls, operators). */
  readonly maxDepth: number
  /** Values in one `in (...)` list. */
  readonly maxListValues: number
}

export const DEFAULT_SYNTAX_LIMITS: HuntingSyntaxLimits = Object.freeze({ maxOperators: 50, maxDepth: 64, maxListValues: 1_000 })

/** The tabular operators of the subset (`filter`, `sort` and `limit` are the KQL synonyms). */
export const SUPPORTED_OPERATORS = ['where', 'filter', 'project', 'project-away', 'project-rename', 'extend', 'summarize', 'order', 'sort', 'top', 'take', 'limit', 'count', 'distinct', 'render'] as const

/** KQL operators and statements outside the subset, refused by name rather than as a syntax error. */
const UNSUPPORTED_OPERATORS = new Set([
  'join', 'union', 'lookup', 'mv-expand', 'mv-apply', 'make-series', 'parse', 'parse-where', 'parse-kv', 'evaluate', 'invoke', 'as',
  'serialize', 'sample', 'sample-distinct', 'getschema', 'externaldata', 'fork', 'facet', 'partition', 'scan', 'search', 'find',
  'project-keep', 'project-reorder', 'top-nested', 'top-hitters', 'range', 'print', 'let', 'materialize', 'datatable', 'reduce',
  'consume', 'make-graph', 'graph-match', 'set', 'declare', 'alias', 'pattern', 'restrict', 'macro-expand', 'assert-schema',
])

/** Words that start SQL statements: such a query gets a hint that hunting takes KQL. */
const SQL_WORDS = new Set(['select', 'with', 'insert', 'update', 'delete', 'create', 'drop', 'alter', 'pragma', 'explain', 'attach', 'vacuum', 'begin', 'copy', 'grant', 'truncate'])

/** Comparison-level word operators of the subset. */
const STRING_OPERATORS = new Set(
  ['contains', 'startswith', 'endswith', 'has'].flatMap((op) => [op, `!${op}`, `${op}_cs`, `!${op}_cs`]),
)

/** Comparison-level KQL operators outside the subset. */
const UNSUPPORTED_STRING_OPERATORS = new Set(
  ['has_any', 'has_all', 'hasprefix', 'hassuffix', 'matches', 'contains_any', 'has_any_cs', 'hasprefix_cs', 'hassuffix_cs'].flatMap((op) => [op, `!${op}`]),
)

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=', '=~', '!~'])

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the query'
    case 'string':
      return `the string "${token.text}"`
    case 'name':
      return token.quoted ? `['${token.text}']` : `'${token.text}'`
    default:
      return `'${token.text}'`
  }
}

class Parser {
  readonly #tokens: Token[]
  readonly #limits: HuntingSyntaxLimits
  #index = 0
  #depth = 0

  constructor(tokens: Token[], limits: HuntingSyntaxLimits) {
    this.#tokens = tokens
    this.#limits = limits
  }

  get #token(): Token {
    return this.#tokens[this.#index] as Token
  }

  #peek(ahead = 1): Token {
    return this.#tokens[Math.min(this.#index + ahead, this.#tokens.length - 1)] as Token
  }

  #next(): Token {
    const token = this.#token
    if (token.kind !== 'end') {
      this.#index += 1
    }
    return token
  }

  #isSymbol(text: string, token: Token = this.#token): boolean {
    return token.kind === 'symbol' && token.text === text
  }

  /** An unquoted name: keywords are never bracketed. */
  #isWord(word: string, token: Token = this.#token): boolean {
    return token.kind === 'name' && !token.quoted && token.text === word
  }

  #fail(message: string, token: Token = this.#token): never {
    throw new HuntingSyntaxError(message, token.start)
  }

  #expectSymbol(text: string, context: string): Token {
    if (!this.#isSymbol(text)) {
      this.#fail(`Expected '${text}' ${context}, found ${describe(this.#token)}`)
    }
    return this.#next()
  }

  #expectName(context: string): NameSyntax {
    const token = this.#token
    if (token.kind !== 'name') {
      this.#fail(`Expected a name ${context}, found ${describe(token)}`)
    }
    this.#next()
    return { name: token.text, start: token.start, end: token.end }
  }

  parseQuery(): QuerySyntax {
    const first = this.#token
    if (first.kind !== 'name') {
      this.#fail(first.kind === 'end' ? 'The query is empty: start with CloudAppEvents, e.g. CloudAppEvents | take 10' : `A query starts with the table name CloudAppEvents, not ${describe(first)}`)
    }
    if (!first.quoted && SQL_WORDS.has(first.text.toLowerCase())) {
      this.#fail(`This looks like SQL ('${first.text}'). Hunting takes KQL over the CloudAppEvents table, e.g. CloudAppEvents | where Timestamp > ago(1d) | take 10`)
    }
    if (!first.quoted && UNSUPPORTED_OPERATORS.has(first.text)) {
      this.#fail(`'${first.text}' is not supported: a hunting query is CloudAppEvents followed by | and operators`)
    }
    const table = this.#expectName('(the table)')
    const operators: OperatorSyntax[] = []
    while (this.#isSymbol('|')) {
      this.#next()
      if (operators.length >= this.#limits.maxOperators) {
        throw new HuntingSyntaxError(`The query has more than ${this.#limits.maxOperators} operators`, this.#token.start, 'hunting_query_too_expensive')
      }
      operators.push(this.#operator())
    }
    if (this.#isSymbol(';')) {
      this.#next()
    }
    if (this.#token.kind !== 'end') {
      this.#fail(`Unexpected ${describe(this.#token)}: expected '|' and an operator, or the end of the query`)
    }
    return { table, operators }
  }

  /** An operator name, joining `project` `-` `away` written without spaces. */
  #operatorName(): { name: string; start: number } {
    const token = this.#token
    if (token.kind !== 'name' || token.quoted) {
      this.#fail(`Expected an operator after '|', found ${describe(token)}`)
    }
    this.#next()
    let name = token.text
    while (this.#isSymbol('-') && this.#token.start === this.#tokens[this.#index - 1]?.end && this.#peek().kind === 'name' && this.#peek().start === this.#token.end) {
      this.#next()
      name += `-${this.#next().text}`
    }
    return { name, start: token.start }
  }

  #operator(): OperatorSyntax {
    const { name, start } = this.#operatorName()
    const end = (): number => this.#tokens[this.#index - 1]?.end ?? start
    switch (name) {
      case 'where':
      case 'filter': {
        const predicate = this.#expr()
        return { kind: 'where', predicate, start, end: end() }
      }
      case 'project':
      case 'extend':
        return { kind: name, items: this.#assignments(), start, end: end() }
      case 'distinct':
        return { kind: 'distinct', items: this.#assignments(), start, end: end() }
      case 'project-away': {
        const names = [this.#expectName('to remove')]
        while (this.#isSymbol(',')) {
          this.#next()
          names.push(this.#expectName('to remove'))
        }
        return { kind: 'project-away', names, start, end: end() }
      }
      case 'project-rename': {
        const items: Array<{ name: NameSyntax; from: NameSyntax }> = []
        do {
          if (items.length > 0) {
            this.#next()
          }
          const newName = this.#expectName('(the new name)')
          this.#expectSymbol('=', 'in project-rename NewName = OldName')
          items.push({ name: newName, from: this.#expectName('(the column to rename)') })
        } while (this.#isSymbol(','))
        return { kind: 'project-rename', items, start, end: end() }
      }
      case 'summarize': {
        const nothing = this.#isWord('by') || this.#isSymbol('|') || this.#isSymbol(';') || this.#token.kind === 'end'
        const aggregates = nothing ? [] : this.#assignments()
        let by: AssignmentSyntax[] = []
        if (this.#isWord('by')) {
          this.#next()
          by = this.#assignments()
        }
        if (aggregates.length === 0 && by.length === 0) {
          this.#fail('summarize needs an aggregation (count(), dcount(x), min(x), max(x), ...) or a by clause')
        }
        return { kind: 'summarize', aggregates, by, start, end: end() }
      }
      case 'order':
      case 'sort': {
        if (!this.#isWord('by')) {
          this.#fail(`Expected 'by' after '${name}', found ${describe(this.#token)}`)
        }
        this.#next()
        const keys = [this.#orderKey()]
        while (this.#isSymbol(',')) {
          this.#next()
          keys.push(this.#orderKey())
        }
        return { kind: 'order', keys, start, end: end() }
      }
      case 'top': {
        const count = this.#count('top')
        if (!this.#isWord('by')) {
          this.#fail(`Expected 'by' after 'top ${count.value}', found ${describe(this.#token)}`)
        }
        this.#next()
        const key = this.#orderKey()
        return { kind: 'top', count: count.value, countStart: count.start, key, start, end: end() }
      }
      case 'take':
      case 'limit': {
        const count = this.#count(name)
        return { kind: 'take', count: count.value, countStart: count.start, start, end: end() }
      }
      case 'count':
        return { kind: 'count', start, end: end() }
      case 'render':
        // Chart type and its properties: nothing that changes the rows.
        while (!this.#isSymbol('|') && !this.#isSymbol(';') && this.#token.kind !== 'end') {
          this.#next()
        }
        return { kind: 'render', start, end: end() }
      default: {
        const supported = 'where, project, project-away, project-rename, extend, summarize, order by, sort by, top, take, limit, count and distinct'
        if (UNSUPPORTED_OPERATORS.has(name)) {
          throw new HuntingSyntaxError(`The operator '${name}' is not supported: hunting reads one table and supports ${supported}`, start)
        }
        throw new HuntingSyntaxError(`Unknown operator '${name}'${didYouMean(name, SUPPORTED_OPERATORS)} (supported: ${supported})`, start)
      }
    }
  }

  #count(operator: string): { value: number; start: number } {
    const token = this.#token
    if (token.kind !== 'long' || token.value < 0) {
      this.#fail(`Expected a whole number after '${operator}', found ${describe(token)}`)
    }
    this.#next()
    return { value: token.value, start: token.start }
  }

  #orderKey(): OrderKeySyntax {
    const expr = this.#expr()
    let direction: 'asc' | 'desc' | null = null
    let nulls: 'first' | 'last' | null = null
    if (this.#isWord('asc') || this.#isWord('desc')) {
      direction = this.#next().text as 'asc' | 'desc'
    }
    if (this.#isWord('nulls')) {
      this.#next()
      if (!this.#isWord('first') && !this.#isWord('last')) {
        this.#fail(`Expected 'first' or 'last' after 'nulls', found ${describe(this.#token)}`)
      }
      nulls = this.#next().text as 'first' | 'last'
    }
    return { expr, direction, nulls }
  }

  /** `[Name =] expr, ...` */
  #assignments(): AssignmentSyntax[] {
    const items: AssignmentSyntax[] = []
    do {
      if (items.length > 0) {
        this.#next()
      }
      let name: NameSyntax | null = null
      if (this.#token.kind === 'name' && this.#isSymbol('=', this.#peek())) {
        name = this.#expectName('')
        this.#next()
      }
      items.push({ name, expr: this.#expr() })
    } while (this.#isSymbol(','))
    return items
  }

  #expr(): ExprSyntax {
    this.#depth += 1
    try {
      if (this.#depth > this.#limits.maxDepth) {
        throw new HuntingSyntaxError(`The expression is nested more than ${this.#limits.maxDepth} deep`, this.#token.start, 'hunting_query_too_expensive')
      }
      return this.#or()
    } finally {
      this.#depth -= 1
    }
  }

  #binaryLevel(words: readonly string[], operand: () => ExprSyntax): ExprSyntax {
    let left = operand()
    while (words.some((w) => this.#isWord(w))) {
      const op = this.#next()
      const right = operand()
      left = { kind: 'binary', op: op.text, opStart: op.start, left, right, start: left.start, end: right.end }
    }
    return left
  }

  #or(): ExprSyntax {
    return this.#binaryLevel(['or'], () => this.#and())
  }

  #and(): ExprSyntax {
    return this.#binaryLevel(['and'], () => this.#comparison())
  }

  #comparison(): ExprSyntax {
    const left = this.#additive()
    const token = this.#token
    const op = token.kind === 'symbol' || (token.kind === 'name' && !token.quoted) ? token.text : ''
    if (COMPARISONS.has(op) && token.kind === 'symbol') {
      this.#next()
      const right = this.#additive()
      return { kind: 'binary', op, opStart: token.start, left, right, start: left.start, end: right.end }
    }
    if (STRING_OPERATORS.has(op)) {
      this.#next()
      const right = this.#additive()
      return { kind: 'binary', op, opStart: token.start, left, right, start: left.start, end: right.end }
    }
    if (UNSUPPORTED_STRING_OPERATORS.has(op)) {
      this.#fail(`The operator '${op}' is not supported (use contains, startswith, endswith, has, in or ==)`)
    }
    if (op === 'in' || op === '!in' || op === 'in~' || op === '!in~') {
      this.#next()
      this.#expectSymbol('(', `after '${op}'`)
      const values: ExprSyntax[] = []
      if (!this.#isSymbol(')')) {
        values.push(this.#expr())
        while (this.#isSymbol(',')) {
          this.#next()
          if (values.length >= this.#limits.maxListValues) {
            throw new HuntingSyntaxError(`An '${op}' list has more than ${this.#limits.maxListValues} values`, this.#token.start, 'hunting_query_too_expensive')
          }
          values.push(this.#expr())
        }
      }
      const close = this.#expectSymbol(')', `to close the '${op}' list`)
      return { kind: 'in', op, opStart: token.start, subject: left, values, start: left.start, end: close.end }
    }
    if (op === 'between' || op === '!between') {
      this.#next()
      this.#expectSymbol('(', `after '${op}'`)
      const low = this.#additive()
      this.#expectSymbol('..', `between the bounds of '${op} (low .. high)'`)
      const high = this.#additive()
      const close = this.#expectSymbol(')', `to close '${op} (low .. high)'`)
      return { kind: 'between', negated: op === '!between', opStart: token.start, subject: left, low, high, start: left.start, end: close.end }
    }
    if (token.kind === 'symbol' && token.text === '=') {
      this.#fail("'=' assigns a name; compare with '=='")
    }
    if (token.kind === 'symbol' && token.text.startsWith('!') && token.text !== '!=' && token.text !== '!~') {
      this.#fail(`Unknown operator '${token.text}'${didYouMean(token.text, [...STRING_OPERATORS].filter((s) => s.startsWith('!')))}`)
    }
    return left
  }

  #additive(): ExprSyntax {
    let left = this.#multiplicative()
    while (this.#isSymbol('+') || this.#isSymbol('-')) {
      const op = this.#next()
      const right = this.#multiplicative()
      left = { kind: 'binary', op: op.text, opStart: op.start, left, right, start: left.start, end: right.end }
    }
    return left
  }

  #multiplicative(): ExprSyntax {
    let left = this.#unary()
    while (this.#isSymbol('*') || this.#isSymbol('/') || this.#isSymbol('%')) {
      const op = this.#next()
      const right = this.#unary()
      left = { kind: 'binary', op: op.text, opStart: op.start, left, right, start: left.start, end: right.end }
    }
    return left
  }

  #unary(): ExprSyntax {
    if (this.#isSymbol('-')) {
      const minus = this.#next()
      const operand = this.#unary()
      if (operand.kind === 'long' || operand.kind === 'real' || operand.kind === 'timespan') {
        return { ...operand, value: -operand.value, start: minus.start }
      }
      return { kind: 'negate', operand, start: minus.start, end: operand.end }
    }
    if (this.#isSymbol('+')) {
      this.#next()
      return this.#unary()
    }
    return this.#postfix()
  }

  #postfix(): ExprSyntax {
    let expr = this.#primary()
    for (;;) {
      if (this.#isSymbol('.')) {
        this.#next()
        const member = this.#expectName("after '.'")
        expr = { kind: 'member', object: expr, member: member.name, memberStart: member.start, start: expr.start, end: member.end }
      } else if (this.#token.kind === 'name' && this.#token.quoted && this.#token.start === expr.end) {
        // x['name']: the lexer reads ['name'] as a bracketed name.
        const member = this.#next()
        expr = { kind: 'member', object: expr, member: member.text, memberStart: member.start, start: expr.start, end: member.end }
      } else if (this.#isSymbol('[') && this.#token.start === expr.end) {
        this.#next()
        const index = this.#token
        if (index.kind !== 'long') {
          this.#fail(`Expected an array index (a whole number) or a quoted name in [...], found ${describe(index)}`)
        }
        this.#next()
        const close = this.#expectSymbol(']', 'to close the index')
        expr = { kind: 'member', object: expr, member: index.value, memberStart: index.start, start: expr.start, end: close.end }
      } else {
        return expr
      }
    }
  }

  #primary(): ExprSyntax {
    const token = this.#token
    switch (token.kind) {
      case 'string':
        this.#next()
        return { kind: 'string', value: token.text, start: token.start, end: token.end }
      case 'long':
      case 'real':
      case 'timespan':
      case 'datetime':
        this.#next()
        return { kind: token.kind, value: token.value, start: token.start, end: token.end }
      case 'name': {
        this.#next()
        if (!token.quoted && (token.text === 'true' || token.text === 'false')) {
          return { kind: 'bool', value: token.text === 'true', start: token.start, end: token.end }
        }
        if (!token.quoted && this.#isSymbol('(')) {
          this.#next()
          const args: ExprSyntax[] = []
          if (!this.#isSymbol(')')) {
            args.push(this.#expr())
            while (this.#isSymbol(',')) {
              this.#next()
              if (args.length >= 64) {
                throw new HuntingSyntaxError('A call has more than 64 arguments', this.#token.start, 'hunting_query_too_expensive')
              }
              args.push(this.#expr())
            }
          }
          const close = this.#expectSymbol(')', `to close ${token.text}(...)`)
          return { kind: 'call', name: { name: token.text, start: token.start, end: token.end }, args, start: token.start, end: close.end }
        }
        return { kind: 'name', name: token.text, start: token.start, end: token.end }
      }
      case 'symbol':
        if (token.text === '(') {
          this.#next()
          const inner = this.#expr()
          const close = this.#expectSymbol(')', 'to close the parenthesis')
          return { ...inner, start: token.start, end: close.end }
        }
        return this.#fail(`Expected a value, a column or a function, found ${describe(token)}`)
      case 'end':
        return this.#fail('The query ends where a value, a column or a function was expected')
    }
  }
}

/** Parse a query into its syntax tree. Throws {@link HuntingSyntaxError} with the offset of the first problem. */
export function parseHuntingQuery(text: string, limits: HuntingSyntaxLimits = DEFAULT_SYNTAX_LIMITS): QuerySyntax {
  return new Parser(tokenize(text), limits).parseQuery()
}
