/**
 * Compiles an `ActivityQuery`'s conditions and keyset position to Kysely expressions. The SQL is the
 * same on both engines: plain comparisons on the lower-cased copy columns, `LIKE ... ESCAPE '\'` for
 * substring matches, and a keyset predicate written so the `(time, id)` and `(column, time)` indexes
 * serve it as a range.
 *
 * @module
 */

import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely'

import type { Disclosure, PrivateMatch } from '../core/privacy/decide-disclosure.js'
import type { BlindIndexField } from '../core/privacy/envelope.js'
import type {
  ActivityQuery,
  Condition,
  KeysetPosition,
  SortDirection,
  SortField,
  StringCondition,
  StringField,
  TimeField,
} from '../core/query/activity-query.js'
import type { ActivitiesTable, Database } from './schema.js'

type ActivitiesBuilder = ExpressionBuilder<Database, 'activities'>
type TextColumn = {
  [K in keyof ActivitiesTable]: ActivitiesTable[K] extends string | null ? K : never
}[keyof ActivitiesTable]

/** The copy column of each string field; `id` and `actorGroups` are compiled specially. */
const STRING_COLUMNS: Readonly<Record<Exclude<StringField, 'id' | 'actorGroups'>, TextColumn>> = Object.freeze({
  actorUpn: 'actor_upn',
  actorDomain: 'actor_domain',
  actorType: 'actor_type',
  app: 'app',
  actionType: 'action_type',
  actionName: 'action_name',
  ip: 'ip',
  country: 'country',
  deviceType: 'device_type',
  userAgent: 'user_agent',
  source: 'source',
  result: 'result',
})

const TIME_COLUMNS: Readonly<Record<TimeField, 'time' | 'received_at'>> = Object.freeze({
  time: 'time',
  receivedAt: 'received_at',
})

/** The blind-index column of each field a revealing query can match private activities by. */
const BLIND_INDEX_COLUMNS: Readonly<Record<BlindIndexField, 'bi_actor_upn' | 'bi_ip' | 'bi_app' | 'bi_action_type'>> = Object.freeze({
  actorUpn: 'bi_actor_upn',
  ip: 'bi_ip',
  app: 'bi_app',
  actionType: 'bi_action_type',
})

function isBlindIndexField(field: string): field is BlindIndexField {
  return Object.hasOwn(BLIND_INDEX_COLUMNS, field)
}

/**
 * The privacy markers, as literals rather than bound parameters: SQLite uses a partial index (`where
 * is_private = 1`) only when the query spells the same term, and a literal keeps both planners sure.
 */
const IS_PUBLIC = sql<SqlBool>`${sql.ref('is_private')} = 0`
const IS_PRIVATE = sql<SqlBool>`${sql.ref('is_private')} = 1`

const ALWAYS_FALSE = sql<SqlBool>`1 = 0`
const ALWAYS_TRUE = sql<SqlBool>`1 = 1`

/** The column a sort field orders by. */
export function sortColumn(field: SortField): 'time' | 'received_at' {
  return TIME_COLUMNS[field]
}

/** Escape LIKE's wildcards (and the escape character itself) so a value matches literally. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, '\\$&')
}

function like(column: Expression<string | null>, pattern: string): Expression<SqlBool> {
  // SQLite has no default LIKE escape character, so it is named explicitly on both engines.
  return sql<SqlBool>`${column} like ${pattern} escape '\\'`
}

function anyOf(eb: ActivitiesBuilder, parts: Expression<SqlBool>[]): Expression<SqlBool> {
  if (parts.length === 0) {
    return ALWAYS_FALSE
  }
  return parts.length === 1 && parts[0] ? parts[0] : eb.or(parts)
}

/** `id` keeps its exact spelling as the key; its lower-cased copy is stored only when it differs. */
function idExpression(): Expression<string | null> {
  return sql<string | null>`coalesce(${sql.ref('id_lc')}, ${sql.ref('id')})`
}

function groupsCondition(eb: ActivitiesBuilder, condition: StringCondition): Expression<SqlBool> {
  const column = eb.ref('actor_groups')
  switch (condition.op) {
    case 'eq':
      return anyOf(eb, condition.values.map((v) => like(column, `%|${escapeLike(v)}|%`)))
    case 'neq':
      return eb.or([eb(column, 'is', null), eb.not(anyOf(eb, condition.values.map((v) => like(column, `%|${escapeLike(v)}|%`))))])
    case 'contains':
      return anyOf(eb, condition.values.map((v) => like(column, `%${escapeLike(v)}%`)))
    case 'startswith':
      // Each group starts right after a separator.
      return anyOf(eb, condition.values.map((v) => like(column, `%|${escapeLike(v)}%`)))
    case 'isset':
      return eb(column, 'is not', null)
    case 'isnotset':
      return eb(column, 'is', null)
  }
}

function stringCondition(eb: ActivitiesBuilder, condition: StringCondition): Expression<SqlBool> {
  if (condition.field === 'actorGroups') {
    return groupsCondition(eb, condition)
  }
  const column = condition.field === 'id' ? idExpression() : eb.ref(STRING_COLUMNS[condition.field])
  switch (condition.op) {
    case 'eq':
      return condition.values.length === 0 ? ALWAYS_FALSE : eb(column, 'in', [...condition.values])
    case 'neq':
      // SQL's `NOT IN` is unknown for null; a row without the value is "not equal" to every value.
      return condition.values.length === 0
        ? ALWAYS_TRUE
        : eb.or([eb(column, 'is', null), eb(column, 'not in', [...condition.values])])
    case 'contains':
      return anyOf(eb, condition.values.map((v) => like(column, `%${escapeLike(v)}%`)))
    case 'startswith':
      return anyOf(eb, condition.values.map((v) => like(column, `${escapeLike(v)}%`)))
    case 'isset':
      return eb(column, 'is not', null)
    case 'isnotset':
      return eb(column, 'is', null)
  }
}

function condition(eb: ActivitiesBuilder, c: Condition): Expression<SqlBool> {
  switch (c.field) {
    case 'text':
      return eb.and(c.terms.filter((t) => t !== '').map((t) => like(eb.ref('search_text'), `%${escapeLike(t)}%`)))
    case 'time':
    case 'receivedAt': {
      const column = TIME_COLUMNS[c.field]
      const bounds: Expression<SqlBool>[] = []
      if (c.gte !== null) {
        bounds.push(eb(column, '>=', c.gte))
      }
      if (c.lte !== null) {
        bounds.push(eb(column, '<=', c.lte))
      }
      return eb.and(bounds)
    }
    default:
      return stringCondition(eb, c)
  }
}

/**
 * The WHERE of a query.
 *
 * Public rows: `is_private = 0` first, then every condition (AND). With a disclosure that hides private
 * activities that is all: they are absent from the rows every other predicate, the count, the sort and
 * the keyset see, and no blind-index column is read (privacy rule 4).
 *
 * A revealing disclosure ORs in the private rows that match, see {@link privateRowsFilter}.
 */
export function activityFilter(eb: ActivitiesBuilder, query: Pick<ActivityQuery, 'conditions' | 'sort'>, disclosure: Disclosure): Expression<SqlBool> {
  const publicRows = eb.and([IS_PUBLIC, ...query.conditions.map((c) => condition(eb, c))])
  if (!disclosure.includePrivate) {
    return publicRows
  }
  const privateRows = privateRowsFilter(eb, query, disclosure.privateMatch ?? {})
  return privateRows === null ? publicRows : eb.or([publicRows, privateRows])
}

/**
 * The private rows a revealing query matches, or null for none. A private row keeps in the clear only
 * its id and time, plus blind indexes of its UPN, IP, app and action type, so it can match only:
 * - `time` ranges, as a public row does;
 * - `eq` on those four fields, through the blind indexes of the query's values in `privateMatch`
 *   (values without one cannot match).
 * Any other condition (another field or operator, free text, a `receivedAt` range), or a sort by
 * `receivedAt` (which a private row does not keep), and no private row matches: the answer then holds
 * exactly the public rows the query matches.
 */
function privateRowsFilter(eb: ActivitiesBuilder, query: Pick<ActivityQuery, 'conditions' | 'sort'>, match: PrivateMatch): Expression<SqlBool> | null {
  if (query.sort.field !== 'time') {
    return null
  }
  const parts: Expression<SqlBool>[] = [IS_PRIVATE]
  for (const c of query.conditions) {
    if (c.field === 'time') {
      parts.push(condition(eb, c))
    } else if (c.field !== 'text' && c.field !== 'receivedAt' && c.op === 'eq' && isBlindIndexField(c.field)) {
      const known = match[c.field]
      const hashes = [...new Set(c.values.map((v) => known?.get(v)).filter((h): h is string => h !== undefined))]
      if (hashes.length === 0) {
        return null
      }
      parts.push(eb(BLIND_INDEX_COLUMNS[c.field], 'in', hashes))
    } else {
      return null
    }
  }
  return eb.and(parts)
}

/**
 * Rows strictly after `position` in `(column, id)` order. Written as `column <= v AND (column < v OR
 * id < i)` (mirrored for ascending) rather than a row-value comparison: the first conjunct is a plain
 * range both planners use on the leading time column of an index, and the second only trims the ties.
 */
export function keysetFilter(
  eb: ActivitiesBuilder,
  field: SortField,
  direction: SortDirection,
  position: KeysetPosition,
): Expression<SqlBool> {
  const column = sortColumn(field)
  const ahead = direction === 'desc' ? '<' : '>'
  const aheadOrTie = direction === 'desc' ? '<=' : '>='
  return eb.and([
    eb(column, aheadOrTie, position.sortValue),
    eb.or([eb(column, ahead, position.sortValue), eb('id', ahead, position.id)]),
  ])
}
