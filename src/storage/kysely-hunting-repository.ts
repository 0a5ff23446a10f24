/**
 * Hunting over Kysely: a checked {@link HuntingPlan} compiled to one SQL statement per query, the same
 * on both engines but for the few places where their SQL differs (JSON, text matching, arithmetic),
 * which {@link HuntingDialect} holds.
 *
 * What the compiled statement always does:
 * - reads public rows only: `is_private = 0` is the first condition of the first stage, whoever asks
 *   (privacy rule 8: private activities are not in the table at all), and it reads no column a private
 *   row keeps (`sealed`, the blind indexes);
 * - reads the plan's time window;
 * - binds every value the query names as a parameter; names in the SQL are either the fixed columns
 *   of `activities` or aliases made here (`c0`, `h0`, `s0`), never text from the query;
 * - cannot fail on a row's data: divisions by zero are null, PostgreSQL arithmetic runs in `numeric`
 *   (no overflow), JSON is read only where its type was checked. An error that a private row could
 *   cause would tell that it exists (privacy rule 4); the predicates may meet private rows before
 *   `is_private = 0` has removed them.
 *
 * Columns kept only in the JSON documents are read with `->>` (SQLite) and `::jsonb #>>` (PostgreSQL);
 * filters use the lower-cased copy columns where they exist, so `Application == "Okta"` is an index
 * range on `app` narrowed by the exact value from the document. Groups are never made on a copy
 * column in place of the value: `Okta` and `OKTA` are two groups in KQL, and only the document tells
 * them apart.
 *
 * @module
 */

import { sql, type CompiledQuery, type Kysely, type RawBuilder } from 'kysely'

import { DomainError } from '../core/errors.js'
import { planOutput, type HuntingPlan, type PlanAggregate, type PlanExpr, type PlanStage } from '../core/hunting/hunting-plan.js'
import type { HuntingField, HuntingType } from '../core/hunting/hunting-schema.js'
import { KQL_DATETIME_ORIGIN_MS, MAX_DATETIME_MS, MIN_DATETIME_MS } from '../core/hunting/hunting-time.js'
import { escapeLike } from './activity-filter.js'
import type { Database } from './schema.js'
import type { HuntingRepository, HuntingResult, HuntingRunOptions, StoreEngine } from './store.js'

type Sql = RawBuilder<unknown>

/** Runs a compiled hunting statement under a deadline, on the engine's terms. */
export interface HuntingExecutor {
  /**
   * The rows, each an array of the `columns` selected (`c0`, `c1`, ...) in order. Throws
   * {@link huntingTimeout} when the deadline (ms since the epoch) passes first.
   */
  execute(query: CompiledQuery, columns: number, deadline: number, timeoutMs: number): Promise<unknown[][]>
  close(): Promise<void>
}

/** The error of a query that ran past its time limit. */
export function huntingTimeout(timeoutMs: number): DomainError {
  return new DomainError('hunting_query_too_expensive', `The query ran past the time limit of ${timeoutMs} ms; narrow the timespan or add filters`)
}

/** Where the engines' SQL differs. */
export interface HuntingDialect {
  readonly engine: StoreEngine
  /** A bound value with its SQL type. */
  param(value: string | number, type: 'string' | 'long' | 'real'): Sql
  /** A typed null. */
  nullOf(type: HuntingType): Sql
  /** A string field of the `doc` JSON, e.g. `['actor', 'upn']`; `parsed`: from the document {@link tableSource} parsed beside the row. */
  docText(path: readonly string[], parsed: boolean): Sql
  /** The `raw` column as the engine's JSON value (SQLite: JSON text, PostgreSQL: jsonb). */
  rawJson(parsed: boolean): Sql
  /** What the first stage reads from: `activities`, with the documents it parses once per row beside it. */
  tableSource(parsed: JsonReads): Sql
  /** A member of a JSON value, as a JSON value. */
  jsonPath(json: Sql, path: ReadonlyArray<string | number>): Sql
  /** A JSON value as KQL's tostring writes it: strings unquoted, the rest as JSON text. */
  jsonText(json: Sql): Sql
  /** A JSON value as a number, or null when it holds none. */
  jsonNumber(json: Sql): Sql
  /** Integer-domain arithmetic (longs, datetimes, timespans) that never overflows. */
  arith(op: '+' | '-' | '*' | '/' | '%', left: Sql, right: Sql, integer: boolean): Sql
  negate(value: Sql): Sql
  /** A datetime (ms) as ISO 8601 text with milliseconds. */
  datetimeText(value: Sql): Sql
  /** Case-sensitive substring tests. */
  containsCs(subject: Sql, needle: Sql): Sql
  endsWithCs(subject: Sql, needle: Sql): Sql
  /** Whether `padded` (the subject between spaces) holds `term` between non-alphanumeric characters. */
  hasTerm(padded: Sql, term: string, lowerPattern: boolean): Sql
  /** An order key: strings in byte order on both engines. */
  orderKey(value: Sql, type: HuntingType): Sql
  /** The same for min() and max(). */
  stringAggregate(fn: 'min' | 'max', value: Sql): Sql
  /** A condition that aborts the statement once its deadline passed (SQLite), or null. */
  readonly deadlineCheck: Sql | null
}

function globEscape(value: string): string {
  return value.replace(/[*?[]/g, (c) => `[${c}]`)
}

function regexEscape(value: string): string {
  return value.replace(/[^A-Za-z0-9]/g, (c) => `\\${c}`)
}

/** A SQLite JSON path: `$.a."b c"[0]`. Keys with a quote never get here (the checker refuses them). */
function sqlitePath(path: ReadonlyArray<string | number>): string {
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `.${p}` : `."${p}"`)).join('')}`
}

export const SQLITE_HUNTING_DIALECT: HuntingDialect = Object.freeze({
  engine: 'sqlite',
  param: (value: string | number, type: 'string' | 'long' | 'real') =>
    // better-sqlite3 binds every number as a REAL: a long must be cast back, or `/` would not divide integers.
    type === 'string' ? sql`${value}` : type === 'long' ? sql`cast(${value} as integer)` : sql`cast(${value} as real)`,
  nullOf: () => sql`null`,
  docText: (path: readonly string[]) => sql`(${sql.ref('doc')} ->> ${sql.lit(`$.${path.join('.')}`)})`,
  rawJson: () => sql.ref('raw'),
  // SQLite keeps the JSON it parsed last within a statement, so reading several fields of `doc` parses it once.
  tableSource: () => sql.table('activities'),
  jsonPath: (json: Sql, path: ReadonlyArray<string | number>) => sql`(${json} -> ${sqlitePath(path)})`,
  jsonText: (json: Sql) => sql`(case json_type(${json}) when 'text' then ${json} ->> '$' when 'null' then null else ${json} end)`,
  jsonNumber: (json: Sql) => sql`(case when json_type(${json}) in ('integer', 'real') then ${json} ->> '$' end)`,
  arith: (op: '+' | '-' | '*' | '/' | '%', left: Sql, right: Sql, integer: boolean) => {
    const l = integer ? left : sql`cast(${left} as real)`
    return op === '/' || op === '%' ? sql`(${l} ${sql.raw(op)} nullif(${right}, 0))` : sql`(${l} ${sql.raw(op)} ${right})`
  },
  negate: (value: Sql) => sql`(- ${value})`,
  datetimeText: (value: Sql) => sql`(strftime('%Y-%m-%dT%H:%M:%S', ${value} / 1000, 'unixepoch') || '.' || substr('00' || (${value} % 1000), -3) || 'Z')`,
  containsCs: (subject: Sql, needle: Sql) => sql`(instr(${subject}, ${needle}) > 0)`,
  endsWithCs: (subject: Sql, needle: Sql) => sql`(substr(${subject}, - length(${needle})) = ${needle})`,
  hasTerm: (padded: Sql, term: string, lowerPattern: boolean) => {
    const pattern = `*[^A-Za-z0-9]${globEscape(term)}[^A-Za-z0-9]*`
    return lowerPattern ? sql`(${padded} glob lower(${pattern}))` : sql`(${padded} glob ${pattern})`
  },
  orderKey: (value: Sql) => value,
  stringAggregate: (fn: 'min' | 'max', value: Sql) => (fn === 'min' ? sql`min(${value})` : sql`max(${value})`),
  deadlineCheck: sql`veil_hunting_alive()`,
})

const PG_TYPES: Readonly<Record<'string' | 'long' | 'real', Sql>> = { string: sql`text`, long: sql`bigint`, real: sql`double precision` }

export const POSTGRES_HUNTING_DIALECT: HuntingDialect = Object.freeze({
  engine: 'postgres',
  // Typed, so that the planner never has to guess a parameter's type from where it stands.
  param: (value: string | number, type: 'string' | 'long' | 'real') => sql`cast(${value} as ${PG_TYPES[type]})`,
  nullOf: (type: HuntingType) =>
    type === 'string' ? sql`cast(null as text)` : type === 'bool' ? sql`cast(null as boolean)` : type === 'dynamic' ? sql`cast(null as jsonb)` : sql`cast(null as numeric)`,
  docText: (path: readonly string[], parsed: boolean) =>
    sql`(${parsed ? sql.ref('hunting_json.doc') : sql`cast(${sql.ref('activities.doc')} as jsonb)`} #>> ${sql.lit(`{${path.join(',')}}`)})`,
  rawJson: (parsed: boolean) => (parsed ? sql.ref('hunting_json.raw') : sql`cast(${sql.ref('activities.raw')} as jsonb)`),
  // PostgreSQL would parse `doc` again for every field read from it. Where a stage reads the document
  // for every row (to filter, sort or group), it is parsed once per row, in a lateral subquery that
  // OFFSET 0 keeps from being inlined into each use; only rows that passed the conditions on
  // `activities` itself (visibility, window, copy columns) get there. Where only the rows a limit
  // keeps show fields, each is read from the column: the planner computes them after the limit.
  tableSource: (parsed: JsonReads) => {
    if (!parsed.doc && !parsed.raw) {
      return sql.table('activities')
    }
    const columns = [
      ...(parsed.doc ? [sql`cast(${sql.ref('activities.doc')} as jsonb) as ${sql.id('doc')}`] : []),
      ...(parsed.raw ? [sql`cast(${sql.ref('activities.raw')} as jsonb) as ${sql.id('raw')}`] : []),
    ]
    return sql`${sql.table('activities')} cross join lateral (select ${sql.join(columns)} offset 0) as ${sql.id('hunting_json')}`
  },
  jsonPath: (json: Sql, path: ReadonlyArray<string | number>) => sql`(${json} #> cast(${path.map(String)} as text[]))`,
  jsonText: (json: Sql) => sql`(case jsonb_typeof(${json}) when 'string' then ${json} #>> '{}' when 'null' then null else cast(${json} as text) end)`,
  jsonNumber: (json: Sql) => sql`(case when jsonb_typeof(${json}) = 'number' then cast(${json} #>> '{}' as numeric) end)`,
  arith: (op: '+' | '-' | '*' | '/' | '%', left: Sql, right: Sql, integer: boolean) => {
    const l = sql`cast(${left} as numeric)`
    const r = sql`cast(${right} as numeric)`
    switch (op) {
      case '/':
        return integer ? sql`div(${l}, nullif(${r}, 0))` : sql`(${l} / nullif(${r}, 0))`
      case '%':
        return sql`mod(${l}, nullif(${r}, 0))`
      default:
        return sql`(${l} ${sql.raw(op)} ${r})`
    }
  },
  negate: (value: Sql) => sql`(- cast(${value} as numeric))`,
  datetimeText: (value: Sql) =>
    sql`(case when ${value} between ${sql.lit(MIN_DATETIME_MS)} and ${sql.lit(MAX_DATETIME_MS)} then to_char(to_timestamp(cast(div(cast(${value} as numeric), 1000) as double precision)) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '.' || lpad(cast(mod(cast(${value} as numeric), 1000) as text), 3, '0') || 'Z' end)`,
  containsCs: (subject: Sql, needle: Sql) => sql`(strpos(${subject}, ${needle}) > 0)`,
  endsWithCs: (subject: Sql, needle: Sql) => sql`(right(${subject}, length(${needle})) = ${needle})`,
  hasTerm: (padded: Sql, term: string, lowerPattern: boolean) => {
    const pattern = `[^A-Za-z0-9]${regexEscape(term)}[^A-Za-z0-9]`
    return lowerPattern ? sql`(${padded} ~ lower(cast(${pattern} as text)))` : sql`(${padded} ~ cast(${pattern} as text))`
  },
  // "C": byte order, as SQLite sorts, whatever the database's locale.
  orderKey: (value: Sql, type: HuntingType) => (type === 'string' ? sql`(${value} collate "C")` : value),
  stringAggregate: (fn: 'min' | 'max', value: Sql) => (fn === 'min' ? sql`min(${value} collate "C")` : sql`max(${value} collate "C")`),
  deadlineCheck: null,
})

/** How a field is read: its exact value, and the lower-cased copy column filters use where there is one. */
interface FieldSql {
  readonly value: Sql
  readonly lower: Sql | null
}

function fieldSql(dialect: HuntingDialect, field: HuntingField, parsed: JsonReads): FieldSql {
  const doc = (...path: string[]): Sql => dialect.docText(path, parsed.doc)
  const withCopy = (value: Sql, column: 'app' | 'action_name' | 'action_type' | 'actor_upn' | 'ip' | 'country' | 'user_agent' | 'device_type'): FieldSql => ({ value, lower: sql.ref(column) })
  switch (field) {
    case 'time':
      return { value: sql.ref('time'), lower: null }
    case 'id':
      return { value: sql.ref('id'), lower: sql`coalesce(${sql.ref('id_lc')}, ${sql.ref('id')})` }
    case 'actionName':
      return withCopy(doc('action', 'name'), 'action_name')
    case 'actionType':
      return withCopy(doc('action', 'type'), 'action_type')
    case 'app':
      return withCopy(doc('app'), 'app')
    case 'actorUpn':
      return withCopy(doc('actor', 'upn'), 'actor_upn')
    case 'ip':
      return withCopy(doc('ip'), 'ip')
    case 'country':
      return withCopy(doc('location', 'country'), 'country')
    case 'userAgent':
      return withCopy(doc('device', 'userAgent'), 'user_agent')
    case 'deviceType':
      return withCopy(doc('device', 'type'), 'device_type')
    case 'actorSourceId':
      return { value: doc('actor', 'sourceId'), lower: null }
    case 'actorDisplayName':
      return { value: doc('actor', 'displayName'), lower: null }
    case 'city':
      return { value: doc('location', 'city'), lower: null }
    case 'targetName':
      return { value: doc('target', 'name'), lower: null }
    case 'targetType':
      return { value: doc('target', 'type'), lower: null }
    case 'targetId':
      return { value: doc('target', 'id'), lower: null }
    case 'actorType':
      // Defender's words for the kinds of account.
      return {
        value: sql`(case ${sql.ref('actor_type')} when 'user' then 'Regular' when 'application' then 'Application' when 'system' then 'System' else ${sql.ref('actor_type')} end)`,
        lower: null,
      }
    case 'isExternalUser':
      // The groups column is `|g1|g2|`, lower-cased; null when the actor had none.
      return { value: sql`(coalesce(${sql.ref('actor_groups')}, '') like '%|builtin:external-users|%')`, lower: null }
    case 'raw':
      return { value: dialect.rawJson(parsed.raw), lower: null }
  }
}

/** Fields read from columns of `activities` alone; every other one but `raw` is read from `doc`. */
const COLUMN_FIELDS: ReadonlySet<HuntingField> = new Set(['time', 'id', 'actorType', 'isExternalUser'])

/** Which JSON documents of a row are parsed once, beside it. */
export interface JsonReads {
  readonly doc: boolean
  readonly raw: boolean
}

/** The fields an expression reads. */
function fieldsOf(expr: PlanExpr, into: Set<HuntingField>): Set<HuntingField> {
  switch (expr.kind) {
    case 'field':
      into.add(expr.field)
      break
    case 'input':
    case 'literal':
      break
    case 'arith':
    case 'compare':
      fieldsOf(expr.left, into)
      fieldsOf(expr.right, into)
      break
    case 'negate':
    case 'not':
      fieldsOf(expr.operand, into)
      break
    case 'match':
    case 'in':
    case 'isempty':
    case 'isnull':
    case 'path':
    case 'dynamic-number':
      fieldsOf(expr.subject, into)
      break
    case 'between':
      ;[expr.subject, expr.low, expr.high].forEach((e) => fieldsOf(e, into))
      break
    case 'and':
    case 'or':
      expr.operands.forEach((e) => fieldsOf(e, into))
      break
    case 'call':
      expr.args.forEach((e) => fieldsOf(e, into))
      break
  }
  return into
}

/**
 * The documents the first stage reads for every row it considers: in its conditions, its sort, its
 * groups, or its outputs when no limit cuts them (the next stage reads them all). A field counts as a
 * read of the document even where a test only needs its copy column: at worst one parse per row that
 * passed the conditions on the table's own columns.
 */
function perRowReads(plan: HuntingPlan): JsonReads {
  const first = plan.stages[0]
  if (first === undefined) {
    return { doc: false, raw: false }
  }
  const exprs: PlanExpr[] = [...first.filters]
  if (first.kind === 'group') {
    exprs.push(...first.keys.map((k) => k.expr))
    for (const { aggregate } of first.aggregates) {
      exprs.push(...(aggregate.fn === 'count' ? [] : aggregate.fn === 'countif' ? [aggregate.predicate] : [aggregate.arg]))
    }
  } else {
    const limited = first.limit !== null || plan.stages.length === 1
    exprs.push(...first.order.map((k) => k.expr))
    if (!limited) {
      exprs.push(...first.columns.map((c) => c.expr), ...first.carried)
    }
  }
  const fields = new Set<HuntingField>()
  exprs.forEach((e) => fieldsOf(e, fields))
  return { doc: [...fields].some((f) => f !== 'raw' && !COLUMN_FIELDS.has(f)), raw: fields.has('raw') }
}

const TRUE = sql`(1 = 1)`
const FALSE = sql`(1 = 0)`

/** Compiles one plan; an instance per query. */
class PlanCompiler {
  readonly #dialect: HuntingDialect
  readonly #plan: HuntingPlan
  /** Visible outputs of the stage the current one reads (its inputs after them are carried order keys). */
  #inputVisible = 0
  /** The documents the first stage reads for every row it considers. */
  readonly #parsed: JsonReads
  /**
   * While compiling the keys and aggregates of a grouped first stage that reads its rows first (see
   * {@link PlanCompiler.#readThenGroup}): the field reads, by alias, that the inner statement computes.
   */
  #rowReads: Map<string, { readonly alias: string; readonly read: Sql }> | null = null

  constructor(dialect: HuntingDialect, plan: HuntingPlan) {
    this.#dialect = dialect
    this.#plan = plan
    this.#parsed = perRowReads(plan)
  }

  /** A field's exact value (`lower`: false) or its lower-cased copy column, or null when it has none. */
  #field(field: HuntingField, lower: boolean): Sql | null {
    const read = fieldSql(this.#dialect, field, this.#parsed)
    const chosen = lower ? read.lower : read.value
    if (chosen === null || this.#rowReads === null) {
      return chosen
    }
    const key = `${field}:${lower ? 'lower' : 'value'}`
    let entry = this.#rowReads.get(key)
    if (entry === undefined) {
      entry = { alias: `f${this.#rowReads.size}`, read: chosen }
      this.#rowReads.set(key, entry)
    }
    return sql.id(entry.alias)
  }

  /**
   * Whether a grouped first stage is compiled as a statement that reads each row's values, grouped by
   * an outer one. On SQLite, a GROUP BY sorts its input, and the sorter records hold the table columns
   * its expressions name besides the keys: grouped directly, each row's whole JSON document (~1 KB) is
   * copied into the sorter (EXPLAIN shows it). Read first, only the values read from it are sorted
   * (about a quarter less time for `summarize count() by Application, bin(Timestamp, 1h)`). The
   * answer is the same: the same expressions over the same rows. PostgreSQL groups by hashing the
   * values, and its lateral parse (see {@link HuntingDialect.tableSource}) reads the document once.
   */
  #readThenGroup(stage: PlanStage): boolean {
    if (this.#dialect.engine !== 'sqlite' || stage.kind !== 'group') {
      return false
    }
    const fields = new Set<HuntingField>()
    stage.keys.forEach((k) => fieldsOf(k.expr, fields))
    for (const { aggregate } of stage.aggregates) {
      if (aggregate.fn !== 'count') {
        fieldsOf(aggregate.fn === 'countif' ? aggregate.predicate : aggregate.arg, fields)
      }
    }
    return [...fields].some((f) => !COLUMN_FIELDS.has(f))
  }

  compile(): Sql {
    let source: Sql = sql``
    let previousVisible = 0
    this.#plan.stages.forEach((stage, index) => {
      this.#inputVisible = previousVisible
      const isLast = index === this.#plan.stages.length - 1
      const statement = this.#stage(stage, index === 0, isLast, source)
      source = sql`(${statement}) as ${sql.id(`s${index}`)}`
      previousVisible = stage.kind === 'rows' ? stage.columns.length : stage.keys.length + stage.aggregates.length
      if (isLast) {
        source = statement
      }
    })
    return source
  }

  #stage(stage: PlanStage, isFirst: boolean, isLast: boolean, source: Sql): Sql {
    const conditions: Sql[] = []
    if (isFirst) {
      // A literal 0, not a parameter: both planners then use the partial indexes `where is_private = 0`.
      conditions.push(sql`${sql.ref('is_private')} = 0`)
      conditions.push(sql`${sql.ref('time')} >= ${this.#dialect.param(this.#plan.window.from, 'long')}`)
      if (this.#plan.window.to !== null) {
        conditions.push(sql`${sql.ref('time')} <= ${this.#dialect.param(this.#plan.window.to, 'long')}`)
      }
    }
    if (isFirst && this.#dialect.deadlineCheck !== null) {
      // Before the query's own conditions: SQLite stops at the first false term of a row, and the
      // check must run for every row read, matching or not.
      conditions.push(this.#dialect.deadlineCheck)
    }
    conditions.push(...stage.filters.map((f) => this.#predicate(f, false)))
    const where = conditions.length > 0 ? sql` where ${sql.join(conditions, sql` and `)}` : sql``
    const from = (): Sql => (isFirst ? this.#dialect.tableSource(this.#parsed) : source)
    if (stage.kind === 'group' && isFirst && this.#readThenGroup(stage)) {
      this.#rowReads = new Map()
      const outputs = [
        ...stage.keys.map((k, i) => sql`${this.#value(k.expr)} as ${sql.id(`c${i}`)}`),
        ...stage.aggregates.map((a, i) => sql`${this.#aggregate(a.aggregate)} as ${sql.id(`c${stage.keys.length + i}`)}`),
      ]
      const reads = [...this.#rowReads.values()].map(({ alias, read }) => sql`${read} as ${sql.id(alias)}`)
      this.#rowReads = null
      // `limit -1` (no limit) keeps SQLite from flattening the inner statement into the grouped one.
      const rows = sql`(select ${reads.length > 0 ? sql.join(reads) : sql`1 as ${sql.id('f0')}`} from ${from()}${where} limit -1) as ${sql.id('r0')}`
      const groupBy = stage.keys.length > 0 ? sql` group by ${sql.join(stage.keys.map((_, i) => sql.lit(i + 1)))}` : sql``
      return sql`select ${sql.join(outputs)} from ${rows}${groupBy}`
    }
    if (stage.kind === 'group') {
      const outputs = [
        ...stage.keys.map((k, i) => sql`${this.#value(k.expr)} as ${sql.id(`c${i}`)}`),
        ...stage.aggregates.map((a, i) => sql`${this.#aggregate(a.aggregate)} as ${sql.id(`c${stage.keys.length + i}`)}`),
      ]
      // By position: an expression with parameters would not match itself in GROUP BY on PostgreSQL.
      const groupBy = stage.keys.length > 0 ? sql` group by ${sql.join(stage.keys.map((_, i) => sql.lit(i + 1)))}` : sql``
      return sql`select ${sql.join(outputs)} from ${from()}${where}${groupBy}`
    }
    const outputs = [
      ...stage.columns.map((c, i) => sql`${this.#value(c.expr)} as ${sql.id(`c${i}`)}`),
      ...(isLast ? [] : stage.carried.map((e, i) => sql`${this.#value(e)} as ${sql.id(`h${i}`)}`)),
    ]
    const limit = isLast ? Math.min(stage.limit ?? Number.POSITIVE_INFINITY, this.#plan.maxRows + 1) : stage.limit
    let tail = sql``
    if (isLast || limit !== null) {
      const keys = stage.order.map((k) => sql`${this.#dialect.orderKey(this.#value(k.expr), k.expr.type)} ${sql.raw(k.direction)} nulls ${sql.raw(k.nulls)}`)
      tail = keys.length > 0 ? sql` order by ${sql.join(keys)}` : sql``
      if (limit !== null) {
        tail = sql`${tail} limit ${sql.lit(limit)}`
      }
    }
    const select = outputs.length > 0 ? sql.join(outputs) : sql`1 as ${sql.id('c0')}`
    return sql`select ${select} from ${from()}${where}${tail}`
  }

  #aggregate(aggregate: PlanAggregate): Sql {
    switch (aggregate.fn) {
      case 'count':
        return sql`count(*)`
      case 'countif':
        return sql`coalesce(sum(case when ${this.#predicate(aggregate.predicate, false)} then 1 else 0 end), 0)`
      case 'dcount':
        // A missing string is KQL's empty string: one distinct value.
        return aggregate.arg.type === 'string' ? sql`count(distinct coalesce(${this.#value(aggregate.arg)}, ''))` : sql`count(distinct ${this.#value(aggregate.arg)})`
      case 'min':
      case 'max':
        return aggregate.arg.type === 'string'
          ? this.#dialect.stringAggregate(aggregate.fn, this.#value(aggregate.arg))
          : aggregate.fn === 'min'
            ? sql`min(${this.#value(aggregate.arg)})`
            : sql`max(${this.#value(aggregate.arg)})`
      case 'sum':
        return sql`sum(${this.#value(aggregate.arg)})`
      case 'avg':
        return sql`avg(${this.#value(aggregate.arg)})`
    }
  }

  #input(index: number): Sql {
    return index < this.#inputVisible ? sql.id(`c${index}`) : sql.id(`h${index - this.#inputVisible}`)
  }

  #literal(expr: Extract<PlanExpr, { kind: 'literal' }>): Sql {
    if (expr.value === null) {
      return this.#dialect.nullOf(expr.type)
    }
    if (typeof expr.value === 'boolean') {
      return expr.value ? sql`true` : sql`false`
    }
    if (typeof expr.value === 'string') {
      return this.#dialect.param(expr.value, 'string')
    }
    return this.#dialect.param(expr.value, expr.type === 'real' ? 'real' : 'long')
  }

  /** The lower-cased copy column of a field, when the expression is one that has it. */
  #lowerCopy(expr: PlanExpr): Sql | null {
    if (expr.kind === 'field') {
      return this.#field(expr.field, true)
    }
    if (expr.kind === 'call' && expr.fn === 'tolower' && expr.args[0]) {
      return this.#lowerCopy(expr.args[0])
    }
    return null
  }

  #value(expr: PlanExpr): Sql {
    const d = this.#dialect
    switch (expr.kind) {
      case 'field':
        return this.#field(expr.field, false) ?? sql`null`
      case 'input':
        return this.#input(expr.index)
      case 'literal':
        return this.#literal(expr)
      case 'arith': {
        const integer = expr.type !== 'real'
        return d.arith(expr.op, this.#value(expr.left), this.#value(expr.right), integer)
      }
      case 'negate':
        return d.negate(this.#value(expr.operand))
      case 'path':
        return d.jsonPath(this.#value(expr.subject), expr.path)
      case 'dynamic-number':
        return d.jsonNumber(this.#value(expr.subject))
      case 'call':
        return this.#call(expr)
      default:
        // A condition used as a value: true or false, never null.
        return sql`(case when ${this.#predicate(expr, false)} then true else false end)`
    }
  }

  #call(expr: Extract<PlanExpr, { kind: 'call' }>): Sql {
    const d = this.#dialect
    const [first, second, third] = expr.args
    const arg = (e: PlanExpr | undefined): Sql => (e === undefined ? sql`null` : this.#value(e))
    switch (expr.fn) {
      case 'tolower':
        return this.#lowerCopy(expr) ?? sql`lower(${arg(first)})`
      case 'toupper':
        return sql`upper(${arg(first)})`
      case 'strlen':
        return sql`length(coalesce(${arg(first)}, ''))`
      case 'strcat':
        return sql`(${sql.join(expr.args.map((a) => sql`coalesce(${this.#value(a)}, '')`), sql` || `)})`
      case 'tostring':
        return this.#text(first)
      case 'bin': {
        // Floor to a multiple of the size, counted from KQL's origin for datetimes (0001-01-01).
        const size = d.param(Number(second?.kind === 'literal' ? second.value : 1), 'long')
        const origin = first?.type === 'datetime' ? d.param(KQL_DATETIME_ORIGIN_MS, 'long') : d.param(0, 'long')
        const offset = d.arith('-', arg(first), origin, true)
        const remainder = d.arith('%', d.arith('+', d.arith('%', offset, size, true), size, true), size, true)
        return d.arith('-', arg(first), remainder, true)
      }
      case 'iff':
        return sql`(case when ${first ? this.#predicate(first, false) : FALSE} then ${arg(second)} else ${arg(third)} end)`
      case 'coalesce':
        // KQL: the first value that is not null, or for strings not empty.
        return expr.type === 'string'
          ? sql`coalesce(${sql.join(expr.args.map((a) => sql`nullif(${this.#value(a)}, '')`))}, '')`
          : sql`coalesce(${sql.join(expr.args.map((a) => this.#value(a)))})`
    }
  }

  /** A value as text (KQL's tostring). */
  #text(expr: PlanExpr | undefined): Sql {
    if (expr === undefined) {
      return sql`null`
    }
    const value = this.#value(expr)
    switch (expr.type) {
      case 'string':
        return value
      case 'dynamic':
        return this.#dialect.jsonText(value)
      case 'datetime':
        return this.#dialect.datetimeText(value)
      case 'bool':
        return sql`(case when ${value} is null then null when ${value} then 'true' else 'false' end)`
      default:
        return sql`cast(${value} as text)`
    }
  }

  /**
   * A condition, with `not` pushed down to the leaves. A string that is missing is KQL's empty string,
   * so the negative form of a string test reads the value through `coalesce(x, '')`; the positive form
   * reads it as is, which keeps `column = value` an index range (a missing value is then just no match).
   */
  #predicate(expr: PlanExpr, negated: boolean): Sql {
    switch (expr.kind) {
      case 'and':
      case 'or': {
        const joiner = (expr.kind === 'and') !== negated ? sql` and ` : sql` or `
        return sql`(${sql.join(expr.operands.map((o) => this.#predicate(o, negated)), joiner)})`
      }
      case 'not':
        return this.#predicate(expr.operand, !negated)
      case 'compare':
        return this.#compare(expr, negated)
      case 'match':
        return this.#match(expr, negated)
      case 'in':
        return this.#in(expr, negated)
      case 'between': {
        const subject = this.#value(expr.subject)
        const test = sql`(${subject} >= ${this.#value(expr.low)} and ${subject} <= ${this.#value(expr.high)})`
        return negated ? sql`not ${test}` : test
      }
      case 'isempty': {
        if (expr.subject.type === 'string') {
          return sql`(coalesce(${this.#value(expr.subject)}, '') ${negated ? sql`<>` : sql`=`} '')`
        }
        return sql`(${this.#value(expr.subject)} ${negated ? sql`is not null` : sql`is null`})`
      }
      case 'isnull':
        if (expr.subject.type === 'string') {
          return negated ? TRUE : FALSE
        }
        return sql`(${this.#value(expr.subject)} ${negated ? sql`is not null` : sql`is null`})`
      case 'literal':
        return expr.value === true ? (negated ? FALSE : TRUE) : negated ? TRUE : FALSE
      default: {
        // A boolean value: a column, an input, iff(...). Missing is not true, and not false either.
        const value = this.#value(expr)
        return negated ? sql`(not ${value})` : sql`(${value})`
      }
    }
  }

  #compare(expr: Extract<PlanExpr, { kind: 'compare' }>, negated: boolean): Sql {
    const { left, right } = expr
    if (expr.op === '==' && left.type === 'string') {
      if (right.kind === 'literal' && typeof right.value === 'string') {
        return this.#stringEquals(left, right.value, expr.caseInsensitive, negated)
      }
      const fold = (e: PlanExpr): Sql => (expr.caseInsensitive ? sql`lower(coalesce(${this.#value(e)}, ''))` : sql`coalesce(${this.#value(e)}, '')`)
      return sql`(${fold(left)} ${negated ? sql`<>` : sql`=`} ${fold(right)})`
    }
    const op = expr.op === '==' ? '=' : expr.op
    const test = sql`(${this.#value(left)} ${sql.raw(op)} ${this.#value(right)})`
    return negated ? sql`not ${test}` : test
  }

  #stringEquals(subject: PlanExpr, value: string, caseInsensitive: boolean, negated: boolean): Sql {
    const d = this.#dialect
    // Compiled only where used: reading the document costs a parse per row on PostgreSQL.
    const exact = (): Sql => this.#value(subject)
    if (negated || value === '') {
      const folded = caseInsensitive ? sql`lower(coalesce(${exact()}, ''))` : sql`coalesce(${exact()}, '')`
      const target = caseInsensitive ? sql`lower(${d.param(value, 'string')})` : d.param(value, 'string')
      return sql`(${folded} ${negated ? sql`<>` : sql`=`} ${target})`
    }
    const copy = this.#lowerCopy(subject)
    if (copy !== null) {
      const lowered = sql`${copy} = ${d.param(value.toLowerCase(), 'string')}`
      // The copy column narrows (an index range where it has one); the document decides the case.
      return caseInsensitive ? sql`(${lowered})` : sql`(${lowered} and ${exact()} = ${d.param(value, 'string')})`
    }
    return caseInsensitive ? sql`(lower(${exact()}) = lower(${d.param(value, 'string')}))` : sql`(${exact()} = ${d.param(value, 'string')})`
  }

  #match(expr: Extract<PlanExpr, { kind: 'match' }>, negated: boolean): Sql {
    const d = this.#dialect
    if (expr.pattern === '') {
      // Every string contains, starts and ends with the empty string.
      return negated ? FALSE : TRUE
    }
    const copy = expr.caseSensitive ? null : this.#lowerCopy(expr.subject)
    const raw = copy ?? this.#value(expr.subject)
    const subject = negated ? sql`coalesce(${raw}, '')` : raw
    let test: Sql
    if (!expr.caseSensitive) {
      // Lower-cased on both sides: the copy column and the JavaScript-lowered pattern, or lower() of both.
      const folded = copy !== null ? subject : sql`lower(${subject})`
      if (expr.op === 'has') {
        test = d.hasTerm(sql`(' ' || ${folded} || ' ')`, copy !== null ? expr.pattern.toLowerCase() : expr.pattern, copy === null)
      } else {
        const escaped = escapeLike(copy !== null ? expr.pattern.toLowerCase() : expr.pattern)
        const pattern = expr.op === 'contains' ? `%${escaped}%` : expr.op === 'startswith' ? `${escaped}%` : `%${escaped}`
        const patternSql = copy !== null ? d.param(pattern, 'string') : sql`lower(${d.param(pattern, 'string')})`
        test = sql`(${folded} like ${patternSql} escape '\\')`
      }
    } else {
      const needle = d.param(expr.pattern, 'string')
      switch (expr.op) {
        case 'contains':
          test = d.containsCs(subject, needle)
          break
        case 'startswith':
          test = sql`(substr(${subject}, 1, length(${needle})) = ${needle})`
          break
        case 'endswith':
          test = d.endsWithCs(subject, needle)
          break
        case 'has':
          test = d.hasTerm(sql`(' ' || ${subject} || ' ')`, expr.pattern, false)
          break
      }
    }
    return negated ? sql`not ${test}` : test
  }

  #in(expr: Extract<PlanExpr, { kind: 'in' }>, negated: boolean): Sql {
    const d = this.#dialect
    const { subject, values } = expr
    if (values.length === 0) {
      return negated ? TRUE : FALSE
    }
    if (subject.type !== 'string') {
      const list = values.map((v) => (typeof v === 'boolean' ? (v ? sql`true` : sql`false`) : d.param(v, typeof v === 'string' ? 'string' : subject.type === 'real' ? 'real' : 'long')))
      const test = sql`(${this.#value(subject)} in (${sql.join(list)}))`
      return negated ? sql`not ${test}` : test
    }
    const strings = values.map(String)
    const exact = (): Sql => this.#value(subject)
    if (negated) {
      const folded = expr.caseInsensitive ? sql`lower(coalesce(${exact()}, ''))` : sql`coalesce(${exact()}, '')`
      const list = strings.map((v) => (expr.caseInsensitive ? sql`lower(${d.param(v, 'string')})` : d.param(v, 'string')))
      return sql`(${folded} not in (${sql.join(list)}))`
    }
    const nonEmpty = strings.filter((v) => v !== '')
    const parts: Sql[] = []
    if (nonEmpty.length > 0) {
      const copy = this.#lowerCopy(subject)
      if (copy !== null) {
        const lowered = sql`${copy} in (${sql.join([...new Set(nonEmpty.map((v) => v.toLowerCase()))].map((v) => d.param(v, 'string')))})`
        parts.push(expr.caseInsensitive ? sql`(${lowered})` : sql`(${lowered} and ${exact()} in (${sql.join(nonEmpty.map((v) => d.param(v, 'string')))}))`)
      } else if (expr.caseInsensitive) {
        parts.push(sql`(lower(${exact()}) in (${sql.join(nonEmpty.map((v) => sql`lower(${d.param(v, 'string')})`))}))`)
      } else {
        parts.push(sql`(${exact()} in (${sql.join(nonEmpty.map((v) => d.param(v, 'string')))}))`)
      }
    }
    if (nonEmpty.length < strings.length) {
      parts.push(sql`(coalesce(${exact()}, '') = '')`)
    }
    return parts.length === 1 ? (parts[0] as Sql) : sql`(${sql.join(parts, sql` or `)})`
  }
}

/** The SQL of a plan for an engine. */
export function compileHuntingPlan(plan: HuntingPlan, dialect: HuntingDialect): RawBuilder<unknown> {
  return new PlanCompiler(dialect, plan).compile()
}

/** A value as the engine returned it, as JavaScript: numbers, booleans, strings, parsed JSON. */
function decode(type: HuntingType, value: unknown): unknown {
  if (value === null || value === undefined) {
    return null
  }
  switch (type) {
    case 'string':
      return String(value)
    case 'long':
    case 'real':
    case 'datetime':
    case 'timespan':
      return Number(value)
    case 'bool':
      return value === true || value === 1 || value === '1' || value === 't'
    case 'dynamic':
      if (typeof value !== 'string') {
        // PostgreSQL's driver parses jsonb.
        return value
      }
      try {
        return JSON.parse(value) as unknown
      } catch {
        return value
      }
  }
}

/** Hunting reads over one engine. Not part of transactions: a query reads what was committed. */
export class KyselyHuntingRepository implements HuntingRepository {
  readonly #db: Kysely<Database>
  readonly #dialect: HuntingDialect
  readonly #executor: HuntingExecutor

  constructor(db: Kysely<Database>, dialect: HuntingDialect, executor: HuntingExecutor) {
    this.#db = db
    this.#dialect = dialect
    this.#executor = executor
  }

  async run(plan: HuntingPlan, options: HuntingRunOptions): Promise<HuntingResult> {
    const columns = planOutput(plan)
    const query = compileHuntingPlan(plan, this.#dialect).compile(this.#db)
    const deadline = (options.startedAt ?? Date.now()) + options.timeoutMs
    const rows = await this.#executor.execute(query, Math.max(columns.length, 1), deadline, options.timeoutMs)
    return {
      columns,
      rows: rows.slice(0, plan.maxRows).map((row) => columns.map((c, i) => decode(c.type, row[i]))),
      truncated: rows.length > plan.maxRows,
    }
  }

  close(): Promise<void> {
    return this.#executor.close()
  }
}
