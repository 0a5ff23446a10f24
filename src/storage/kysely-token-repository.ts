/**
 * API tokens over Kysely, the same SQL on both engines.
 *
 * @module
 */

import type { Kysely, Selectable } from 'kysely'

import type { ApiTokensTable, Database } from './schema.js'
import type { ApiToken, TokenRepository } from './store.js'

function nullableNumber(value: number | string | null): number | null {
  return value === null ? null : Number(value)
}

function toToken(row: Selectable<ApiTokensTable>): ApiToken {
  return {
    id: row.id,
    upn: row.upn,
    name: row.name,
    secretHash: row.secret_hash,
    createdAt: Number(row.created_at),
    expiresAt: nullableNumber(row.expires_at),
    revokedAt: nullableNumber(row.revoked_at),
    lastUsedAt: nullableNumber(row.last_used_at),
  }
}

/** API tokens; only the secret's hash is stored. */
export class KyselyTokenRepository implements TokenRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async create(token: Omit<ApiToken, 'revokedAt' | 'lastUsedAt'>): Promise<ApiToken> {
    const row = await this.#db
      .insertInto('api_tokens')
      .values({
        id: token.id,
        upn: token.upn.toLowerCase(),
        name: token.name,
        secret_hash: token.secretHash,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        revoked_at: null,
        last_used_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toToken(row)
  }

  async get(id: string): Promise<ApiToken | null> {
    const row = await this.#db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toToken(row) : null
  }

  async list(upn?: string): Promise<ApiToken[]> {
    let query = this.#db.selectFrom('api_tokens').selectAll()
    if (upn !== undefined) {
      query = query.where('upn', '=', upn.toLowerCase())
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute()
    return rows.map(toToken)
  }

  async revoke(id: string, at: number): Promise<ApiToken | null> {
    // A second revoke keeps the first revocation time.
    const row = await this.#db
      .updateTable('api_tokens')
      .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
    return row ? toToken(row) : null
  }

  async touch(id: string, at: number): Promise<void> {
    // Only move forward: concurrent requests may touch out of order.
    await this.#db
      .updateTable('api_tokens')
      .set({ last_used_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
      .execute()
  }
}
