/**
 * Semantic checks of a parsed hunting query against `CloudAppEvents`, producing the plan the storage
 * compiles: the table exists, every column and function does (with close names suggested when not),
 * every operator gets the types it takes, and constants are folded (`ago(7d)` becomes a datetime).
 *
 * @module
 */

import { didYouMean, HuntingSyntaxError } from './hunting-error.js'
import type {
  HuntingPlan,
  MatchOperator,
  PlanAggregate,
  PlanAggregateColumn,
  PlanColumn,
  PlanExpr,
  PlanOrderKey,
  PlanStage,
  ScalarFunction,
} from './hunting-plan.js'
import { CLOUD_APP_EVENTS, CLOUD_APP_EVENTS_COLUMNS, DEFENDER_TABLES, type HuntingType } from './hunting-schema.js'
import type { AssignmentSyntax, ExprSyntax, OperatorSyntax, OrderKeySyntax, QuerySyntax } from './hunting-syntax.js'
import { formatDatetime, KQL_DATETIME_ORIGIN_MS, MAX_DATETIME_MS, MIN_DATETIME_MS, parseDatetimeText, type HuntingWindow } from './hunting-time.js'

export interface HuntingCheckOptions {
  /** `now()` and `ago()` are relative to this, ms since the epoch. */
  readonly now: number
  readonly window: HuntingWindow
  readonly maxRows: number
}

const DAY_MS = 86_400_000

const SCALAR_FUNCTIONS = [
  'ago', 'now', 'datetime', 'todatetime', 'tolower', 'toupper', 'strcat', 'strlen', 'tostring', 'bin', 'floor', 'startofday', 'iff', 'iif',
  'coalesce', 'isempty', 'isnotempty', 'isnull', 'isnotnull', 'not',
] as const
const AGGREGATE_FUNCTIONS = ['count', 'countif', 'dcount', 'min', 'max', 'sum', 'avg'] as const

const TYPE_NAMES: Readonly<Record<HuntingType, string>> = { string: 'a string', long: 'a long', real: 'a real', bool: 'a bool', datetime: 'a datetime', timespan: 'a timespan', dynamic: 'a dynamic value' }

interface ScopeColumn {
  readonly name: string
  readonly type: HuntingType
  readonly expr: PlanExpr
}

/** The stage being built: what the operators so far did to its input. */
interface StageBuilder {
  filters: PlanExpr[]
  columns: ScopeColumn[]
  order: PlanOrderKey[]
  limit: number | null
}

function isNumeric(type: HuntingType): boolean {
  return type === 'long' || type === 'real'
}

function literal(type: HuntingType, value: string | number | boolean | null): PlanExpr {
  return { kind: 'literal', type, value }
}

function isLiteral(expr: PlanExpr): expr is Extract<PlanExpr, { kind: 'literal' }> {
  return expr.kind === 'literal'
}

function input(index: number, type: HuntingType): PlanExpr {
  return { kind: 'input', type, index }
}

/** A quote, a backslash or a control character: what a JSON path cannot spell on both engines. */
function hasUnsafeCharacter(name: string): boolean {
  return [...name].some((c) => c === '"' || c === '\\' || c.charCodeAt(0) < 0x20)
}

function not(operand: PlanExpr): PlanExpr {
  return operand.kind === 'not' ? operand.operand : { kind: 'not', type: 'bool', operand }
}

function junction(kind: 'and' | 'or', operands: PlanExpr[]): PlanExpr {
  const flat = operands.flatMap((o) => (o.kind === kind ? o.operands : [o]))
  return flat.length === 1 && flat[0] ? flat[0] : { kind, type: 'bool', operands: flat }
}

class Checker {
  readonly #options: HuntingCheckOptions
  readonly #stages: PlanStage[] = []
  #current: StageBuilder
  #autoNames = 0

  constructor(options: HuntingCheckOptions) {
    this.#options = options
    this.#current = {
      filters: [],
      columns: CLOUD_APP_EVENTS_COLUMNS.map((c) => ({ name: c.name, type: c.type, expr: { kind: 'field', type: c.type, field: c.field } })),
      // Newest first, then by id: what `take` keeps when nothing else is sorted.
      order: [
        { expr: { kind: 'field', type: 'datetime', field: 'time' }, direction: 'desc', nulls: 'last' },
        { expr: { kind: 'field', type: 'string', field: 'id' }, direction: 'desc', nulls: 'last' },
      ],
      limit: null,
    }
  }

  check(query: QuerySyntax): HuntingPlan {
    this.#checkTable(query.table.name, query.table.start)
    for (const operator of query.operators) {
      this.#operator(operator)
    }
    const last = this.#current
    this.#stages.push({ kind: 'rows', filters: last.filters, columns: last.columns, order: last.order, carried: [], limit: last.limit })
    // A grouped stage ignores the order of its input, so the stage before it need not carry one.
    const stages = this.#stages.map((stage, i) => (stage.kind === 'rows' && this.#stages[i + 1]?.kind === 'group' ? { ...stage, carried: [] } : stage))
    return { window: this.#options.window, stages, maxRows: this.#options.maxRows }
  }

  #checkTable(name: string, offset: number): void {
    if (name === CLOUD_APP_EVENTS) {
      return
    }
    const defender = DEFENDER_TABLES.find((t) => t.toLowerCase() === name.toLowerCase())
    if (defender !== undefined) {
      throw new HuntingSyntaxError(`The table '${defender}' is not available: Veil's hunting has one table, CloudAppEvents (cloud app activities)`, offset)
    }
    const hint = didYouMean(name, [CLOUD_APP_EVENTS])
    throw new HuntingSyntaxError(`Unknown table '${name}'${hint || ': hunting has one table, CloudAppEvents'}`, offset)
  }

  /** End the current stage; the next one reads its outputs. */
  #closeRows(): void {
    const b = this.#current
    this.#stages.push({ kind: 'rows', filters: b.filters, columns: b.columns, order: b.order, carried: b.order.map((k) => k.expr), limit: b.limit })
    this.#current = {
      filters: [],
      columns: b.columns.map((c, i) => ({ name: c.name, type: c.type, expr: input(i, c.type) })),
      order: b.order.map((k, j) => ({ expr: input(b.columns.length + j, k.expr.type), direction: k.direction, nulls: k.nulls })),
      limit: null,
    }
  }

  /**
   * A grouped stage over the current stage's input (which has no limit: summarize closes a limited
   * stage first), then a fresh stage over its rows, ordered by the keys.
   */
  #group(keys: PlanColumn[], aggregates: PlanAggregateColumn[]): void {
    this.#stages.push({ kind: 'group', filters: this.#current.filters, keys, aggregates })
    const outputs = [...keys, ...aggregates]
    this.#current = {
      filters: [],
      columns: outputs.map((c, i) => ({ name: c.name, type: c.type, expr: input(i, c.type) })),
      order: keys.map((k, i) => ({ expr: input(i, k.type), direction: 'asc', nulls: 'first' })),
      limit: null,
    }
  }

  #operator(op: OperatorSyntax): void {
    switch (op.kind) {
      case 'where': {
        if (this.#current.limit !== null) {
          this.#closeRows()
        }
        const predicate = this.#expr(op.predicate)
        this.#expectType(predicate, 'bool', op.predicate, 'where needs a condition (true or false)')
        this.#current.filters.push(...(predicate.kind === 'and' ? predicate.operands : [predicate]))
        return
      }
      case 'extend': {
        const columns = [...this.#current.columns]
        for (const item of op.items) {
          const expr = this.#expr(item.expr, columns)
          const name = item.name?.name ?? this.#autoName(item.expr, columns.map((c) => c.name))
          const column = { name, type: expr.type, expr }
          const existing = columns.findIndex((c) => c.name === name)
          if (existing >= 0) {
            columns[existing] = column
          } else {
            columns.push(column)
          }
        }
        this.#current.columns = columns
        return
      }
      case 'project': {
        const columns: ScopeColumn[] = []
        for (const item of op.items) {
          const expr = this.#expr(item.expr)
          const name = item.name?.name ?? this.#autoName(item.expr, columns.map((c) => c.name))
          if (columns.some((c) => c.name === name)) {
            throw new HuntingSyntaxError(`The column '${name}' is projected twice`, (item.name ?? item.expr).start)
          }
          columns.push({ name, type: expr.type, expr })
        }
        this.#current.columns = columns
        return
      }
      case 'project-away': {
        const away = new Set<string>()
        for (const name of op.names) {
          this.#column(name.name, name.start)
          away.add(name.name)
        }
        this.#current.columns = this.#current.columns.filter((c) => !away.has(c.name))
        return
      }
      case 'project-rename': {
        const columns = [...this.#current.columns]
        for (const { name, from } of op.items) {
          const index = columns.findIndex((c) => c.name === from.name)
          if (index < 0) {
            this.#column(from.name, from.start)
          }
          if (name.name !== from.name && columns.some((c) => c.name === name.name)) {
            throw new HuntingSyntaxError(`A column '${name.name}' exists already`, name.start)
          }
          const old = columns[index] as ScopeColumn
          columns[index] = { ...old, name: name.name }
        }
        this.#current.columns = columns
        return
      }
      case 'summarize':
        return this.#summarize(op.aggregates, op.by)
      case 'distinct':
        return this.#summarize([], op.items)
      case 'count':
        if (this.#current.limit !== null) {
          this.#closeRows()
        }
        return this.#group([], [{ name: 'Count', type: 'long', aggregate: { fn: 'count' } }])
      case 'order': {
        if (this.#current.limit !== null) {
          this.#closeRows()
        }
        this.#current.order = [...op.keys.map((k) => this.#orderKey(k)), ...this.#current.order]
        return
      }
      case 'top': {
        if (this.#current.limit !== null) {
          this.#closeRows()
        }
        this.#current.order = [this.#orderKey(op.key), ...this.#current.order]
        this.#current.limit = op.count
        return
      }
      case 'take':
        this.#current.limit = this.#current.limit === null ? op.count : Math.min(this.#current.limit, op.count)
        return
      case 'render':
        return
    }
  }

  #orderKey(key: OrderKeySyntax): PlanOrderKey {
    const expr = this.#expr(key.expr)
    const direction = key.direction ?? 'desc'
    // KQL's defaults: ascending puts missing values first, descending last.
    return { expr, direction, nulls: key.nulls ?? (direction === 'asc' ? 'first' : 'last') }
  }

  #summarize(aggregateItems: readonly AssignmentSyntax[], byItems: readonly AssignmentSyntax[]): void {
    if (this.#current.limit !== null) {
      this.#closeRows()
    }
    const names: string[] = []
    const unique = (name: string, explicit: boolean, offset: number): string => {
      if (!names.includes(name)) {
        names.push(name)
        return name
      }
      if (explicit) {
        throw new HuntingSyntaxError(`The column '${name}' is named twice`, offset)
      }
      let n = 1
      while (names.includes(`${name}${n}`)) {
        n += 1
      }
      names.push(`${name}${n}`)
      return `${name}${n}`
    }
    const keys: PlanColumn[] = byItems.map((item) => {
      const expr = this.#expr(item.expr)
      const name = item.name?.name ?? this.#autoName(item.expr, names)
      return { name: unique(name, item.name !== null, (item.name ?? item.expr).start), type: expr.type, expr }
    })
    const aggregates: PlanAggregateColumn[] = aggregateItems.map((item) => {
      const { aggregate, type, defaultName } = this.#aggregate(item.expr)
      return { name: unique(item.name?.name ?? defaultName, item.name !== null, (item.name ?? item.expr).start), type, aggregate }
    })
    this.#group(keys, aggregates)
  }

  #aggregate(syntax: ExprSyntax): { aggregate: PlanAggregate; type: HuntingType; defaultName: string } {
    if (syntax.kind !== 'call' || !(AGGREGATE_FUNCTIONS as readonly string[]).includes(syntax.name.name)) {
      const hint = syntax.kind === 'call' ? didYouMean(syntax.name.name, AGGREGATE_FUNCTIONS) : ''
      throw new HuntingSyntaxError(`summarize takes aggregations: count(), countif(condition), dcount(x), min(x), max(x), sum(x), avg(x)${hint}`, syntax.start)
    }
    const fn = syntax.name.name as (typeof AGGREGATE_FUNCTIONS)[number]
    const arity = fn === 'count' ? 0 : 1
    if (syntax.args.length !== arity) {
      throw new HuntingSyntaxError(`${fn}() takes ${arity === 0 ? 'no arguments' : 'one argument'}`, syntax.start)
    }
    if (fn === 'count') {
      return { aggregate: { fn }, type: 'long', defaultName: 'count_' }
    }
    const argSyntax = syntax.args[0] as ExprSyntax
    const arg = this.#expr(argSyntax)
    const suffix = this.#autoNameOf(argSyntax) ?? ''
    if (fn === 'countif') {
      this.#expectType(arg, 'bool', argSyntax, 'countif() counts the rows where a condition holds')
      return { aggregate: { fn, predicate: arg }, type: 'long', defaultName: 'countif_' }
    }
    if (fn === 'dcount') {
      return { aggregate: { fn, arg }, type: 'long', defaultName: `dcount_${suffix}` }
    }
    if (fn === 'sum' || fn === 'avg') {
      const numeric = arg.type === 'dynamic' ? ({ kind: 'dynamic-number', type: 'real', subject: arg } as const) : arg
      if (!isNumeric(numeric.type) && numeric.type !== 'timespan') {
        throw new HuntingSyntaxError(`${fn}() takes a number or a timespan, not ${TYPE_NAMES[arg.type]}`, argSyntax.start)
      }
      const type: HuntingType = fn === 'avg' && numeric.type !== 'timespan' ? 'real' : numeric.type
      return { aggregate: { fn, arg: numeric }, type, defaultName: `${fn}_${suffix}` }
    }
    // min and max of a dynamic value compare it as a number, as sum and avg do.
    const value = this.#asNumber(arg)
    if (value.type === 'bool') {
      throw new HuntingSyntaxError(`${fn}() takes a number, a datetime, a timespan or a string, not ${TYPE_NAMES[arg.type]}`, argSyntax.start)
    }
    return { aggregate: { fn, arg: value }, type: value.type, defaultName: `${fn}_${suffix}` }
  }

  /** A column's name as KQL gives it: a column keeps its name, `bin(Timestamp, 1h)` is `Timestamp`, `RawEventData.a` is `RawEventData_a`. */
  #autoNameOf(syntax: ExprSyntax): string | null {
    switch (syntax.kind) {
      case 'name':
        return syntax.name
      case 'member': {
        const base = this.#autoNameOf(syntax.object)
        return base === null ? null : `${base}_${String(syntax.member)}`
      }
      case 'call':
        return ['bin', 'floor', 'startofday'].includes(syntax.name.name) && syntax.args[0] ? this.#autoNameOf(syntax.args[0]) : null
      default:
        return null
    }
  }

  #autoName(syntax: ExprSyntax, taken: readonly string[]): string {
    const name = this.#autoNameOf(syntax)
    if (name !== null) {
      return name
    }
    let candidate: string
    do {
      this.#autoNames += 1
      candidate = `Column${this.#autoNames}`
    } while (taken.includes(candidate))
    return candidate
  }

  #column(name: string, offset: number, columns: readonly ScopeColumn[] = this.#current.columns): ScopeColumn {
    const column = columns.find((c) => c.name === name)
    if (column === undefined) {
      const hint = didYouMean(name, columns.map((c) => c.name))
      const known = CLOUD_APP_EVENTS_COLUMNS.some((c) => c.name === name) ? ' (it was removed by an earlier project or summarize)' : ''
      throw new HuntingSyntaxError(`Unknown column '${name}'${known}${hint}`, offset)
    }
    return column
  }

  #expectType(expr: PlanExpr, type: HuntingType, syntax: ExprSyntax, message: string): void {
    if (expr.type !== type) {
      throw new HuntingSyntaxError(`${message}, not ${TYPE_NAMES[expr.type]}`, syntax.start)
    }
  }

  /** A value as a string: strings as they are, dynamic values and others through tostring(). */
  #asString(expr: PlanExpr, syntax: ExprSyntax, what: string): PlanExpr {
    if (expr.type === 'string') {
      return expr
    }
    if (expr.type === 'timespan') {
      throw new HuntingSyntaxError(`${what} takes a string, not a timespan`, syntax.start)
    }
    if (isLiteral(expr)) {
      if (expr.value === null) {
        return literal('string', '')
      }
      return literal('string', expr.type === 'datetime' ? formatDatetime(Number(expr.value)) : String(expr.value))
    }
    return { kind: 'call', type: 'string', fn: 'tostring', args: [expr] }
  }

  /** A dynamic value used as a number. */
  #asNumber(expr: PlanExpr): PlanExpr {
    return expr.type === 'dynamic' ? { kind: 'dynamic-number', type: 'real', subject: expr } : expr
  }

  #constantString(syntax: ExprSyntax, what: string): string {
    const expr = this.#expr(syntax)
    if (!isLiteral(expr) || expr.type !== 'string') {
      throw new HuntingSyntaxError(`${what} must be a string literal`, syntax.start)
    }
    return String(expr.value)
  }

  #expr(syntax: ExprSyntax, columns: readonly ScopeColumn[] = this.#current.columns): PlanExpr {
    switch (syntax.kind) {
      case 'name':
        return this.#column(syntax.name, syntax.start, columns).expr
      case 'string':
        return literal('string', syntax.value)
      case 'long':
      case 'real':
      case 'timespan':
        return literal(syntax.kind, syntax.value)
      case 'datetime':
        return literal('datetime', syntax.value)
      case 'bool':
        return literal('bool', syntax.value)
      case 'negate': {
        const operand = this.#asNumber(this.#expr(syntax.operand, columns))
        if (!isNumeric(operand.type) && operand.type !== 'timespan') {
          throw new HuntingSyntaxError(`'-' negates a number or a timespan, not ${TYPE_NAMES[operand.type]}`, syntax.start)
        }
        return isLiteral(operand) && typeof operand.value === 'number' ? literal(operand.type, -operand.value) : { kind: 'negate', type: operand.type, operand }
      }
      case 'member': {
        const object = this.#expr(syntax.object, columns)
        if (object.type !== 'dynamic') {
          throw new HuntingSyntaxError(`Only dynamic values (RawEventData) have fields; this is ${TYPE_NAMES[object.type]}`, syntax.memberStart)
        }
        if (typeof syntax.member === 'string' && hasUnsafeCharacter(syntax.member)) {
          throw new HuntingSyntaxError('Field names with quotes, backslashes or control characters are not supported', syntax.memberStart)
        }
        return object.kind === 'path'
          ? { ...object, path: [...object.path, syntax.member] }
          : { kind: 'path', type: 'dynamic', subject: object, path: [syntax.member] }
      }
      case 'in':
        return this.#in(syntax, columns)
      case 'between':
        return this.#between(syntax, columns)
      case 'binary':
        return this.#binary(syntax, columns)
      case 'call':
        return this.#call(syntax, columns)
    }
  }

  #in(syntax: Extract<ExprSyntax, { kind: 'in' }>, columns: readonly ScopeColumn[]): PlanExpr {
    const caseInsensitive = syntax.op.endsWith('~')
    let subject = this.#expr(syntax.subject, columns)
    const values = syntax.values.map((v) => ({ syntax: v, expr: this.#expr(v, columns) }))
    for (const v of values) {
      if (!isLiteral(v.expr) || v.expr.value === null) {
        throw new HuntingSyntaxError(`'${syntax.op}' takes a list of constant values`, v.syntax.start)
      }
    }
    if (subject.type === 'dynamic') {
      subject = values.every((v) => isNumeric(v.expr.type)) && values.length > 0 ? this.#asNumber(subject) : this.#asString(subject, syntax.subject, `'${syntax.op}'`)
    }
    if (caseInsensitive && subject.type !== 'string') {
      throw new HuntingSyntaxError(`'${syntax.op}' compares strings, not ${TYPE_NAMES[subject.type]}`, syntax.opStart)
    }
    const list: Array<string | number | boolean> = []
    for (const { syntax: vSyntax, expr } of values) {
      const compatible = expr.type === subject.type || (isNumeric(expr.type) && isNumeric(subject.type))
      if (!compatible || !isLiteral(expr) || expr.value === null) {
        throw new HuntingSyntaxError(`'${syntax.op}' on ${TYPE_NAMES[subject.type]} takes values of that type, not ${TYPE_NAMES[expr.type]}`, vSyntax.start)
      }
      list.push(expr.value)
    }
    const test: PlanExpr = { kind: 'in', type: 'bool', caseInsensitive, subject, values: list }
    return syntax.op.startsWith('!') ? not(test) : test
  }

  #between(syntax: Extract<ExprSyntax, { kind: 'between' }>, columns: readonly ScopeColumn[]): PlanExpr {
    const subject = this.#asNumber(this.#expr(syntax.subject, columns))
    const low = this.#expr(syntax.low, columns)
    let high = this.#expr(syntax.high, columns)
    if (subject.type === 'datetime' && low.type === 'datetime' && high.type === 'timespan') {
      // KQL: `between (start .. length)` for datetimes.
      high = this.#arith('+', low, high, syntax.high)
    }
    const fits = (bound: PlanExpr): boolean => bound.type === subject.type || (isNumeric(bound.type) && isNumeric(subject.type))
    if (!(isNumeric(subject.type) || subject.type === 'datetime' || subject.type === 'timespan')) {
      throw new HuntingSyntaxError(`'between' takes a number, a datetime or a timespan, not ${TYPE_NAMES[subject.type]}`, syntax.opStart)
    }
    for (const [bound, boundSyntax] of [[low, syntax.low], [high, syntax.high]] as const) {
      if (!fits(bound)) {
        throw new HuntingSyntaxError(`The bounds of 'between' must be of the subject's type (${TYPE_NAMES[subject.type]}), not ${TYPE_NAMES[bound.type]}`, boundSyntax.start)
      }
    }
    const test: PlanExpr = { kind: 'between', type: 'bool', subject, low, high }
    return syntax.negated ? not(test) : test
  }

  #binary(syntax: Extract<ExprSyntax, { kind: 'binary' }>, columns: readonly ScopeColumn[]): PlanExpr {
    const { op } = syntax
    if (op === 'and' || op === 'or') {
      const operands = [syntax.left, syntax.right].map((s) => {
        const e = this.#expr(s, columns)
        this.#expectType(e, 'bool', s, `'${op}' joins conditions`)
        return e
      })
      return junction(op, operands)
    }
    const left = this.#expr(syntax.left, columns)
    const right = this.#expr(syntax.right, columns)
    if (op === '+' || op === '-' || op === '*' || op === '/' || op === '%') {
      return this.#arith(op, left, right, syntax)
    }
    if (op === '==' || op === '!=') {
      const test = this.#equality(left, right, false, syntax)
      return op === '!=' ? not(test) : test
    }
    if (op === '=~' || op === '!~') {
      const test = this.#equality(this.#asString(left, syntax.left, `'${op}'`), this.#asString(right, syntax.right, `'${op}'`), true, syntax)
      return op === '!~' ? not(test) : test
    }
    if (op === '<' || op === '<=' || op === '>' || op === '>=') {
      const [l, r] = [this.#asNumber(left), this.#asNumber(right)]
      const ordered = (t: HuntingType): boolean => isNumeric(t) || t === 'datetime' || t === 'timespan'
      if (!ordered(l.type) || !(l.type === r.type || (isNumeric(l.type) && isNumeric(r.type)))) {
        throw new HuntingSyntaxError(`'${op}' compares numbers, datetimes or timespans of one type, not ${TYPE_NAMES[l.type]} with ${TYPE_NAMES[r.type]}`, syntax.opStart)
      }
      return { kind: 'compare', type: 'bool', op, caseInsensitive: false, left: l, right: r }
    }
    // The string operators: contains, !startswith_cs, has, ...
    const negated = op.startsWith('!')
    const base = negated ? op.slice(1) : op
    const caseSensitive = base.endsWith('_cs')
    const matchOp = (caseSensitive ? base.slice(0, -3) : base) as MatchOperator
    const subject = this.#asString(left, syntax.left, `'${op}'`)
    if (!isLiteral(right) || right.type !== 'string') {
      throw new HuntingSyntaxError(`The right side of '${op}' must be a string literal`, syntax.right.start)
    }
    const test: PlanExpr = { kind: 'match', type: 'bool', op: matchOp, caseSensitive, subject, pattern: String(right.value) }
    return negated ? not(test) : test
  }

  #equality(leftIn: PlanExpr, rightIn: PlanExpr, caseInsensitive: boolean, syntax: Extract<ExprSyntax, { kind: 'binary' }>): PlanExpr {
    let left = leftIn
    let right = rightIn
    // A dynamic value compares with a number as a number, with anything else as a string.
    if (left.type === 'dynamic' && right.type === 'dynamic') {
      left = this.#asString(left, syntax.left, `'${syntax.op}'`)
      right = this.#asString(right, syntax.right, `'${syntax.op}'`)
    } else if (left.type === 'dynamic') {
      left = isNumeric(right.type) ? this.#asNumber(left) : this.#asString(left, syntax.left, `'${syntax.op}'`)
    } else if (right.type === 'dynamic') {
      right = isNumeric(left.type) ? this.#asNumber(right) : this.#asString(right, syntax.right, `'${syntax.op}'`)
    }
    if (left.type === 'string' && right.type === 'bool' && isLiteral(right)) {
      right = literal('string', String(right.value))
    }
    if (!(left.type === right.type || (isNumeric(left.type) && isNumeric(right.type)))) {
      throw new HuntingSyntaxError(`'${syntax.op}' cannot compare ${TYPE_NAMES[left.type]} with ${TYPE_NAMES[right.type]}`, syntax.opStart)
    }
    // Literals go right: the storage's fast paths look for `column == literal`.
    if (isLiteral(left) && !isLiteral(right)) {
      ;[left, right] = [right, left]
    }
    return { kind: 'compare', type: 'bool', op: '==', caseInsensitive, left, right }
  }

  #arith(op: '+' | '-' | '*' | '/' | '%', leftIn: PlanExpr, rightIn: PlanExpr, syntax: ExprSyntax): PlanExpr {
    const left = this.#asNumber(leftIn)
    const right = this.#asNumber(rightIn)
    const [l, r] = [left.type, right.type]
    let type: HuntingType | null = null
    if (isNumeric(l) && isNumeric(r)) {
      type = op === '%' && (l === 'real' || r === 'real') ? null : l === 'long' && r === 'long' ? 'long' : 'real'
    } else if (op === '+' && ((l === 'datetime' && r === 'timespan') || (l === 'timespan' && r === 'datetime'))) {
      type = 'datetime'
    } else if ((op === '+' || op === '-') && l === 'timespan' && r === 'timespan') {
      type = 'timespan'
    } else if (op === '-' && l === 'datetime' && r === 'timespan') {
      type = 'datetime'
    } else if (op === '-' && l === 'datetime' && r === 'datetime') {
      type = 'timespan'
    } else if (op === '*' && ((l === 'timespan' && r === 'long') || (l === 'long' && r === 'timespan'))) {
      type = 'timespan'
    } else if (op === '/' && l === 'timespan' && r === 'long') {
      type = 'timespan'
    } else if (op === '/' && l === 'timespan' && r === 'timespan') {
      type = 'real'
    }
    if (type === null) {
      throw new HuntingSyntaxError(`'${op}' does not apply to ${TYPE_NAMES[l]} and ${TYPE_NAMES[r]}`, syntax.kind === 'binary' ? syntax.opStart : syntax.start)
    }
    if (isLiteral(left) && isLiteral(right) && typeof left.value === 'number' && typeof right.value === 'number') {
      const folded = foldArith(op, left.value, right.value, (l === 'long' && r === 'long') || (type === 'timespan' && op === '/' && r === 'long'))
      if (folded === null) {
        return literal(type, null)
      }
      if (type === 'datetime' && (folded < MIN_DATETIME_MS || folded > MAX_DATETIME_MS)) {
        throw new HuntingSyntaxError('The datetime is out of range (years 0001 to 9999)', syntax.start)
      }
      return literal(type, folded)
    }
    return { kind: 'arith', type, op, left, right }
  }

  #call(syntax: Extract<ExprSyntax, { kind: 'call' }>, columns: readonly ScopeColumn[]): PlanExpr {
    const name = syntax.name.name
    const args = syntax.args
    const arity = (min: number, max = min): void => {
      if (args.length < min || args.length > max) {
        const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`
        throw new HuntingSyntaxError(`${name}() takes ${expected} argument${min === 1 && max === 1 ? '' : 's'}, got ${args.length}`, syntax.start)
      }
    }
    const arg = (i: number): PlanExpr => this.#expr(args[i] as ExprSyntax, columns)
    const argSyntax = (i: number): ExprSyntax => args[i] as ExprSyntax
    const call = (fn: ScalarFunction, type: HuntingType, callArgs: PlanExpr[]): PlanExpr => ({ kind: 'call', type, fn, args: callArgs })
    switch (name) {
      case 'ago':
      case 'now': {
        arity(name === 'ago' ? 1 : 0, 1)
        if (args.length === 0) {
          return literal('datetime', this.#options.now)
        }
        const span = arg(0)
        if (!isLiteral(span) || span.type !== 'timespan') {
          throw new HuntingSyntaxError(`${name}() takes a timespan literal such as 7d or 1h`, argSyntax(0).start)
        }
        const value = name === 'ago' ? this.#options.now - Number(span.value) : this.#options.now + Number(span.value)
        return literal('datetime', value)
      }
      case 'todatetime':
      case 'datetime': {
        arity(1)
        const text = this.#constantString(argSyntax(0), `${name}()'s argument`)
        const ms = parseDatetimeText(text)
        if (ms === null || ms < MIN_DATETIME_MS || ms > MAX_DATETIME_MS) {
          throw new HuntingSyntaxError(`'${text}' is not a datetime (write 2026-01-31 or 2026-01-31 10:30:00, UTC)`, argSyntax(0).start)
        }
        return literal('datetime', ms)
      }
      case 'tolower':
      case 'toupper':
        arity(1)
        return call(name, 'string', [this.#asString(arg(0), argSyntax(0), `${name}()`)])
      case 'strlen':
        arity(1)
        return call('strlen', 'long', [this.#asString(arg(0), argSyntax(0), 'strlen()')])
      case 'tostring':
        arity(1)
        return this.#asString(arg(0), argSyntax(0), 'tostring()')
      case 'strcat':
        arity(1, 64)
        return call('strcat', 'string', args.map((a, i) => this.#asString(arg(i), a, 'strcat()')))
      case 'bin':
      case 'floor':
      case 'startofday': {
        if (name === 'startofday') {
          arity(1)
        } else {
          arity(2)
        }
        const subject = arg(0)
        const size = name === 'startofday' ? literal('timespan', DAY_MS) : arg(1)
        const sizeSyntax = name === 'startofday' ? syntax : argSyntax(1)
        if (name === 'startofday' && subject.type !== 'datetime') {
          throw new HuntingSyntaxError(`startofday() takes a datetime, not ${TYPE_NAMES[subject.type]}`, argSyntax(0).start)
        }
        const sizeType: HuntingType | null = subject.type === 'datetime' || subject.type === 'timespan' ? 'timespan' : subject.type === 'long' ? 'long' : null
        if (sizeType === null) {
          throw new HuntingSyntaxError(`${name}() rounds a datetime, a timespan or a long, not ${TYPE_NAMES[subject.type]}`, argSyntax(0).start)
        }
        if (!isLiteral(size) || size.type !== sizeType || typeof size.value !== 'number' || size.value <= 0 || !Number.isInteger(size.value)) {
          throw new HuntingSyntaxError(`${name}()'s size must be a positive ${sizeType} literal${sizeType === 'timespan' ? ' such as 1h, 1d or 15m' : ''}`, sizeSyntax.start)
        }
        if (isLiteral(subject) && typeof subject.value === 'number') {
          const origin = subject.type === 'datetime' ? KQL_DATETIME_ORIGIN_MS : 0
          return literal(subject.type, Math.floor((subject.value - origin) / size.value) * size.value + origin)
        }
        return call('bin', subject.type, [subject, size])
      }
      case 'iff':
      case 'iif': {
        arity(3)
        const condition = arg(0)
        this.#expectType(condition, 'bool', argSyntax(0), `${name}()'s first argument is a condition`)
        let [whenTrue, whenFalse] = [arg(1), arg(2)]
        if (whenTrue.type === 'dynamic' || whenFalse.type === 'dynamic') {
          whenTrue = this.#asString(whenTrue, argSyntax(1), `${name}()`)
          whenFalse = this.#asString(whenFalse, argSyntax(2), `${name}()`)
        }
        const type = this.#common(whenTrue.type, whenFalse.type, argSyntax(2), name)
        return call('iff', type, [condition, whenTrue, whenFalse])
      }
      case 'coalesce': {
        arity(2, 64)
        const values = args.map((_, i) => arg(i))
        const type = values.reduce<HuntingType>((t, v, i) => this.#common(t, v.type, argSyntax(i), 'coalesce'), values[0]?.type ?? 'string')
        return call('coalesce', type, values)
      }
      case 'isempty':
      case 'isnotempty': {
        arity(1)
        let subject = arg(0)
        if (subject.type === 'dynamic') {
          subject = this.#asString(subject, argSyntax(0), `${name}()`)
        }
        const test: PlanExpr = { kind: 'isempty', type: 'bool', subject }
        return name === 'isempty' ? test : not(test)
      }
      case 'isnull':
      case 'isnotnull': {
        arity(1)
        const test: PlanExpr = { kind: 'isnull', type: 'bool', subject: arg(0) }
        return name === 'isnull' ? test : not(test)
      }
      case 'not': {
        arity(1)
        const operand = arg(0)
        this.#expectType(operand, 'bool', argSyntax(0), 'not() takes a condition')
        return not(operand)
      }
      default: {
        if ((AGGREGATE_FUNCTIONS as readonly string[]).includes(name)) {
          throw new HuntingSyntaxError(`${name}() is an aggregation: use it in summarize`, syntax.start)
        }
        const hint = didYouMean(name, [...SCALAR_FUNCTIONS, ...AGGREGATE_FUNCTIONS])
        throw new HuntingSyntaxError(`Unknown function '${name}'${hint || ` (supported: ${SCALAR_FUNCTIONS.join(', ')})`}`, syntax.name.start)
      }
    }
  }

  /** The type two branches share: the same type, or real for a long and a real. */
  #common(a: HuntingType, b: HuntingType, syntax: ExprSyntax, fn: string): HuntingType {
    if (a === b) {
      return a
    }
    if (isNumeric(a) && isNumeric(b)) {
      return 'real'
    }
    throw new HuntingSyntaxError(`${fn}() needs values of one type, not ${TYPE_NAMES[a]} and ${TYPE_NAMES[b]}`, syntax.start)
  }
}

/** Arithmetic on two constants; integer division truncates like SQL's; null for a division by zero. */
function foldArith(op: '+' | '-' | '*' | '/' | '%', a: number, b: number, integer: boolean): number | null {
  switch (op) {
    case '+':
      return a + b
    case '-':
      return a - b
    case '*':
      return a * b
    case '/':
      return b === 0 ? null : integer ? Math.trunc(a / b) : a / b
    case '%':
      return b === 0 ? null : a % b
  }
}

/** Check a parsed query against CloudAppEvents and plan it. Throws {@link HuntingSyntaxError}. */
export function checkHuntingQuery(query: QuerySyntax, options: HuntingCheckOptions): HuntingPlan {
  return new Checker(options).check(query)
}
