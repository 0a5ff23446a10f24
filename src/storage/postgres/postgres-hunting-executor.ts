/**
 * Runs hunting statements on PostgreSQL under a time limit: each in its own read-only transaction whose
 * `statement_timeout` is what is left of the limit (`set_config(..., true)` is `SET LOCAL`: it ends with
 * the transaction, so the pooled connection goes back unchanged).
 *
 * @module
 */

import { sql, type CompiledQuery, type Kysely } from 'kysely'

import { huntingTimeout, type HuntingExecutor } from '../kysely-hunting-repository.js'
import type { Database } from '../schema.js'

/** SQLSTATE of a statement cancelled by `statement_timeout`. */
const QUERY_CANCELED = '57014'

function isCancelled(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === QUERY_CANCELED
}

export class PostgresHuntingExecutor implements HuntingExecutor {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async execute(query: CompiledQuery, columns: number, deadline: number, timeoutMs: number): Promise<unknown[][]> {
    const remaining = Math.floor(deadline - Date.now())
    if (remaining <= 0) {
      throw huntingTimeout(timeoutMs)
    }
    try {
      const rows = await this.#db.transaction().execute(async (trx) => {
        await sql`set transaction read only`.execute(trx)
        await sql`select set_config('statement_timeout', ${String(remaining)}, true)`.execute(trx)
        return (await trx.executeQuery<Record<string, unknown>>(query)).rows
      })
      return rows.map((row) => Array.from({ length: columns }, (_, i) => row[`c${i}`]))
    } catch (error) {
      if (isCancelled(error)) {
        throw huntingTimeout(timeoutMs)
      }
      throw error
    }
  }

  async close(): Promise<void> {
    // The pool is the store's; it closes with it.
  }
}
