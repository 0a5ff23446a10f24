/**
 * Wrapped data keys over Kysely, the same SQL on both engines.
 *
 * @module
 */

import type { Kysely, Selectable } from 'kysely'

import type { DataKeysTable, Database } from './schema.js'
import type { DataKeyRepository, StoredDataKey } from './store.js'

function toDataKey(row: Selectable<DataKeysTable>): StoredDataKey {
  return {
    id: row.id,
    wrapped: Buffer.isBuffer(row.wrapped) ? row.wrapped : Buffer.from(row.wrapped),
    kekFingerprint: row.kek_fingerprint,
    active: Number(row.active) === 1,
    createdAt: Number(row.created_at),
    rewrappedAt: row.rewrapped_at === null ? null : Number(row.rewrapped_at),
  }
}

/** Wrapped data keys over Kysely; see {@link DataKeyRepository}. */
export class KyselyDataKeyRepository implements DataKeyRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async list(): Promise<StoredDataKey[]> {
    return (await this.#db.selectFrom('data_keys').selectAll().orderBy('created_at').orderBy('id').execute()).map(toDataKey)
  }

  async get(id: string): Promise<StoredDataKey | null> {
    const row = await this.#db.selectFrom('data_keys').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toDataKey(row) : null
  }

  async active(): Promise<StoredDataKey | null> {
    const row = await this.#db.selectFrom('data_keys').selectAll().where('active', '=', 1).executeTakeFirst()
    return row ? toDataKey(row) : null
  }

  async createActive(key: Omit<StoredDataKey, 'active' | 'rewrappedAt'>): Promise<StoredDataKey> {
    // The partial unique index on active keys makes a second active key a conflict, which is ignored:
    // whoever inserted first wins, and everyone reads the winner back.
    await this.#db
      .insertInto('data_keys')
      .values({ id: key.id, wrapped: key.wrapped, kek_fingerprint: key.kekFingerprint, active: 1, created_at: key.createdAt, rewrapped_at: null })
      .onConflict((oc) => oc.doNothing())
      .execute()
    const active = await this.active()
    if (!active) {
      throw new Error('No active data key after creating one')
    }
    return active
  }

  async rewrap(id: string, wrapped: Buffer, kekFingerprint: string, expectedFingerprint: string, at: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('data_keys')
      .set({ wrapped, kek_fingerprint: kekFingerprint, rewrapped_at: at })
      .where('id', '=', id)
      .where('kek_fingerprint', '=', expectedFingerprint)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }
}
