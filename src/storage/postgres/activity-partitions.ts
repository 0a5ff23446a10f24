/**
 * Monthly partitions of `activities`, created on demand before rows for a month are inserted.
 *
 * A partition is created as a plain table and then attached: `ATTACH PARTITION` takes only a SHARE
 * UPDATE EXCLUSIVE lock on `activities`, which does not wait for (or block) running reads and inserts,
 * whereas `CREATE TABLE ... PARTITION OF` needs an ACCESS EXCLUSIVE lock and would stall ingest behind a
 * long export. Both steps tolerate another node doing the same at the same time.
 *
 * @module
 */

import { sql, type Kysely } from 'kysely'

import type { Database } from '../schema.js'
import { pgErrorCode } from './postgres-errors.js'

/** A calendar month (UTC) and the time range of its partition, ms since the epoch, upper bound exclusive. */
export interface MonthRange {
  readonly name: string
  readonly from: number
  readonly to: number
}

/** The month that contains `time`. */
export function monthOf(time: number): MonthRange {
  const date = new Date(time)
  if (!Number.isFinite(date.getTime())) {
    throw new RangeError(`Activity time ${time} is not a valid date.`)
  }
  const year = date.getUTCFullYear()
  const month = date.getUTCMonth()
  const yearPart = year < 0 ? `n${-year}` : String(year).padStart(4, '0')
  return {
    name: `activities_p${yearPart}_${String(month + 1).padStart(2, '0')}`,
    from: Date.UTC(year, month, 1),
    to: Date.UTC(year, month + 1, 1),
  }
}

/**
 * What `create table if not exists` raises when another session creates the same table at the same
 * moment (IF NOT EXISTS checks before it inserts into the catalog): duplicate_table; duplicate_object
 * "type ... already exists" for the table's row type; unique_violation on a catalog index. A name taken
 * by something that is not this table then fails the attach, which is not tolerated.
 */
const ALREADY_CREATED = new Set(['42P07', '42710', '23505'])
/** wrong_object_type: "... is already a partition". */
const ALREADY_ATTACHED = '42809'

/** Creates partitions on demand and remembers which exist. */
export class ActivityPartitions {
  readonly #db: Kysely<Database>
  readonly #known = new Set<string>()
  readonly #pending = new Map<string, Promise<void>>()

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  /** Make sure a partition exists for every time in `times`. */
  async ensure(times: Iterable<number>): Promise<void> {
    const months = new Map<string, MonthRange>()
    for (const time of times) {
      const month = monthOf(time)
      if (!this.#known.has(month.name)) {
        months.set(month.name, month)
      }
    }
    await Promise.all([...months.values()].map((month) => this.#ensureMonth(month)))
  }

  /** Forget what is known, e.g. after an insert found a partition missing. */
  forget(): void {
    this.#known.clear()
  }

  #ensureMonth(month: MonthRange): Promise<void> {
    let pending = this.#pending.get(month.name)
    if (!pending) {
      pending = this.#create(month).finally(() => this.#pending.delete(month.name))
      this.#pending.set(month.name, pending)
    }
    return pending
  }

  async #create(month: MonthRange): Promise<void> {
    const table = sql.id(month.name)
    if (!(await this.#isAttached(month.name))) {
      try {
        await sql`create table if not exists ${table} (like activities including defaults)`.execute(this.#db)
      } catch (error) {
        if (!ALREADY_CREATED.has(pgErrorCode(error) ?? '')) {
          throw error
        }
      }
      try {
        await sql`alter table activities attach partition ${table} for values from (${sql.lit(month.from)}) to (${sql.lit(month.to)})`.execute(
          this.#db,
        )
      } catch (error) {
        // Another node attached it first; anything else (an overlapping partition) is a real error.
        if (pgErrorCode(error) !== ALREADY_ATTACHED || !(await this.#isAttached(month.name))) {
          throw error
        }
      }
    }
    this.#known.add(month.name)
  }

  async #isAttached(name: string): Promise<boolean> {
    const { rows } = await sql<{ attached: boolean }>`
      select exists (
        select 1 from pg_inherits i
        join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'activities'::regclass and c.relname = ${name}
          and c.relnamespace = (select relnamespace from pg_class where oid = 'activities'::regclass)
      ) as attached`.execute(this.#db)
    return rows[0]?.attached === true
  }
}
