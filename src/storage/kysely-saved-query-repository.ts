/**
 * Saved activity-log queries per admin, over Kysely; the same on both engines (see the `0008-portal`
 * migrations). Every read and delete names the owner, so one admin's queries never reach another.
 *
 * @module
 */

import type { Kysely, Selectable } from 'kysely'

import { ConflictError } from '../core/errors.js'
import type { Database } from './schema.js'
import type { SavedQuery, SavedQueryRepository } from './store.js'

export interface SavedQueriesTable {
  id: string
  /** Lower-cased UPN of the owner. */
  owner_upn: string
  name: string
  /** JSON of `{ filters, sortField?, sortDirection? }`. */
  query: string
  created_at: number
  updated_at: number
}

/** The tables of this repository, added to {@link Database} with `withTables`. */
// A type alias, not an interface: `withTables` needs an index signature.
export type SavedQueryTables = {
  saved_queries: SavedQueriesTable
}

function toSavedQuery(row: Selectable<SavedQueriesTable>): SavedQuery {
  return {
    id: row.id,
    ownerUpn: row.owner_upn,
    name: row.name,
    query: JSON.parse(row.query) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

export class KyselySavedQueryRepository implements SavedQueryRepository {
  readonly #db: Kysely<Database & SavedQueryTables>

  constructor(db: Kysely<Database>) {
    this.#db = db.withTables<SavedQueryTables>()
  }

  async list(ownerUpn: string): Promise<SavedQuery[]> {
    const rows = await this.#db.selectFrom('saved_queries').selectAll().where('owner_upn', '=', ownerUpn).orderBy('name').orderBy('id').execute()
    return rows.map(toSavedQuery)
  }

  async count(ownerUpn: string): Promise<number> {
    const row = await this.#db.selectFrom('saved_queries').select((eb) => eb.fn.countAll<number>().as('n')).where('owner_upn', '=', ownerUpn).executeTakeFirst()
    return Number(row?.n ?? 0)
  }

  async create(query: SavedQuery): Promise<SavedQuery> {
    // ON CONFLICT DO NOTHING rather than catching the engine's error: on PostgreSQL a unique violation
    // would abort the enclosing transaction.
    const row = await this.#db
      .insertInto('saved_queries')
      .values({ id: query.id, owner_upn: query.ownerUpn, name: query.name, query: JSON.stringify(query.query), created_at: query.createdAt, updated_at: query.updatedAt })
      .onConflict((oc) => oc.columns(['owner_upn', 'name']).doNothing())
      .returningAll()
      .executeTakeFirst()
    if (!row) {
      throw new ConflictError(`You have a saved query named "${query.name}" already`)
    }
    return toSavedQuery(row)
  }

  async delete(ownerUpn: string, id: string): Promise<SavedQuery | null> {
    const row = await this.#db.deleteFrom('saved_queries').where('owner_upn', '=', ownerUpn).where('id', '=', id).returningAll().executeTakeFirst()
    return row ? toSavedQuery(row) : null
  }
}
