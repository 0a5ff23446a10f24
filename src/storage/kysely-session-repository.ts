/**
 * Portal sessions over Kysely, the same SQL on both engines.
 *
 * @module
 */

import type { Kysely, Selectable } from 'kysely'

import type { Database, SessionsTable } from './schema.js'
import type { Session, SessionRepository } from './store.js'

function toSession(row: Selectable<SessionsTable>): Session {
  return {
    idHash: row.id_hash,
    upn: row.upn,
    csrfToken: row.csrf_token,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  }
}

/** Sessions keyed by the hash of the cookie's secret. Expiry is the caller's to check on `get`. */
export class KyselySessionRepository implements SessionRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async create(session: Session): Promise<void> {
    await this.#db
      .insertInto('sessions')
      .values({
        id_hash: session.idHash,
        upn: session.upn.toLowerCase(),
        csrf_token: session.csrfToken,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
      })
      .execute()
  }

  async get(idHash: string): Promise<Session | null> {
    const row = await this.#db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst()
    return row ? toSession(row) : null
  }

  async delete(idHash: string): Promise<void> {
    await this.#db.deleteFrom('sessions').where('id_hash', '=', idHash).execute()
  }

  async deleteFor(upn: string): Promise<number> {
    const result = await this.#db.deleteFrom('sessions').where('upn', '=', upn.toLowerCase()).executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.#db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
