/**
 * Activity reads, shared by both engines; writes are the engine's own (see `ActivityWriter`).
 *
 * @module
 */

import { expressionBuilder, sql, type Kysely } from 'kysely'

import type { Activity } from '../core/activity/activity.js'
import type { Disclosure } from '../core/privacy/decide-disclosure.js'
import type { ActivityPage, ActivityQuery, KeysetPosition } from '../core/query/activity-query.js'
import { fromActivityRow, toSealedRow } from './activity-row.js'
import { activityFilter, keysetFilter, sortColumn } from './activity-filter.js'
import type { Database } from './schema.js'
import type { ActivityRepository, InsertOutcome, NewActivity, NewSealedActivity, StoredActivity, TimeRange } from './store.js'

/** The engine-specific ingest path: the one place where the engines' SQL and APIs differ most. */
export interface ActivityWriter {
  insert(batch: readonly NewActivity[]): Promise<InsertOutcome[]>
  /**
   * Called after rows were rewritten to the private shape: make the old contents unreadable where the
   * engine can (SQLite: checkpoint and truncate the WAL, whose frames still hold the old pages).
   */
  afterSeal(): Promise<void>
}

/**
 * Activities over Kysely.
 *
 * List items carry `raw: null`: pages read only the `doc` column, which keeps them fast however large
 * the source events are. `get` returns the raw event.
 */
export class KyselyActivityRepository implements ActivityRepository {
  readonly #db: Kysely<Database>
  readonly #writer: ActivityWriter

  constructor(db: Kysely<Database>, writer: ActivityWriter) {
    this.#db = db
    this.#writer = writer
  }

  insert(batch: readonly NewActivity[]): Promise<InsertOutcome[]> {
    return batch.length === 0 ? Promise.resolve([]) : this.#writer.insert(batch)
  }

  async list(query: ActivityQuery, disclosure: Disclosure): Promise<ActivityPage<StoredActivity>> {
    const eb = expressionBuilder<Database, 'activities'>()
    const filter = activityFilter(eb, query, disclosure)
    const column = sortColumn(query.sort.field)
    const direction = query.sort.direction

    // A non-revealing page never reads a private row's columns: it sees no private row at all.
    let page = disclosure.includePrivate
      ? this.#db.selectFrom('activities').select(['id', 'time', 'is_private', 'doc', 'sealed']).where(filter)
      : this.#db.selectFrom('activities').select(['id', 'time', 'is_private', 'doc']).where(filter)
    if (query.after) {
      page = page.where(keysetFilter(eb, query.sort.field, direction, query.after))
    }
    const pageQuery = page
      .orderBy(column, direction)
      .orderBy('id', direction)
      // One row more than asked tells whether there is a next page without a second query.
      .limit(query.limit + 1)
      .offset(query.skip)

    // Counting stops at countLimit + 1 rows: enough to know "more than countLimit", and its cost is
    // bounded however many rows match.
    const countQuery = this.#db
      .selectFrom(
        this.#db
          .selectFrom('activities')
          .select(sql<number>`1`.as('one'))
          .where(filter)
          .limit(query.countLimit + 1)
          .as('matching'),
      )
      .select((e) => e.fn.countAll<number | string>().as('n'))

    const rows = await pageQuery.execute()
    // A first page that holds every match is its own count: the common "few results" case then costs
    // one query.
    const isWholeResult = query.after === null && query.skip === 0 && rows.length <= query.limit
    const count = isWholeResult ? rows.length : Number((await countQuery.executeTakeFirstOrThrow()).n)
    const items = rows.slice(0, query.limit).map((row) => fromActivityRow(row))
    return {
      items,
      total: Math.min(count, query.countLimit),
      moreThanTotal: count > query.countLimit,
      hasNext: rows.length > query.limit,
    }
  }

  async get(id: string, disclosure: Disclosure): Promise<StoredActivity | null> {
    const query = disclosure.includePrivate
      ? this.#db.selectFrom('activities').select(['id', 'time', 'is_private', 'doc', 'sealed', 'raw']).where('id', '=', id)
      : this.#db.selectFrom('activities').select(['id', 'time', 'is_private', 'doc', 'raw']).where(sql<boolean>`${sql.ref('is_private')} = 0`).where('id', '=', id)
    // On PostgreSQL the key is (id, time), so a re-used id with another time is a second row; the
    // newest one answers.
    const row = await query.orderBy('time', 'desc').limit(1).executeTakeFirst()
    return row ? fromActivityRow(row, row.raw) : null
  }

  async listPublicInRange(range: TimeRange, after: KeysetPosition | null, limit: number): Promise<Activity[]> {
    const eb = expressionBuilder<Database, 'activities'>()
    let query = this.#db
      .selectFrom('activities')
      .select(['id', 'time', 'is_private', 'doc', 'raw'])
      .where(sql<boolean>`${sql.ref('is_private')} = 0`)
      .where('time', '>=', range.from)
      .where('time', '<=', range.to)
    if (after) {
      query = query.where(keysetFilter(eb, 'time', 'asc', after))
    }
    const rows = await query.orderBy('time', 'asc').orderBy('id', 'asc').limit(limit).execute()
    return rows.map((row) => {
      const stored = fromActivityRow(row, row.raw)
      if (stored.isPrivate) {
        throw new Error(`Expected a public activity, read the private activity ${row.id}`)
      }
      return stored.activity
    })
  }

  async seal(records: readonly NewSealedActivity[]): Promise<string[]> {
    if (records.length === 0) {
      return []
    }
    const sealed = await this.#db.transaction().execute(async (trx) => {
      const done: string[] = []
      for (const record of records) {
        const { id, time, ...values } = toSealedRow(record)
        const result = await trx
          .updateTable('activities')
          .set(values)
          .where('id', '=', id)
          .where('time', '=', time)
          .where(sql<boolean>`${sql.ref('is_private')} = 0`)
          .executeTakeFirst()
        if (Number(result.numUpdatedRows) > 0) {
          done.push(id)
        }
      }
      return done
    })
    await this.#writer.afterSeal()
    return sealed
  }
}
