/**
 * Settings over Kysely: one row per key with a JSON value and a version that increases with each
 * change (an upsert), identical on both engines.
 *
 * @module
 */

import { sql, type Kysely } from 'kysely'
import type { Database } from './schema.js'
import type { Setting, SettingsRepository } from './store.js'

export class KyselySettingsRepository implements SettingsRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async get<T>(key: string): Promise<Setting<T> | null> {
    const row = await this.#db.selectFrom('settings').select(['value', 'version', 'updated_at']).where('key', '=', key).executeTakeFirst()
    return row ? { value: JSON.parse(row.value) as T, version: Number(row.version), updatedAt: Number(row.updated_at) } : null
  }

  async put<T>(key: string, value: T, at: number): Promise<Setting<T>> {
    const json = JSON.stringify(value)
    const row = await this.#db
      .insertInto('settings')
      .values({ key, value: json, version: 1, updated_at: at })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: at, version: sql<number>`settings.version + 1` }))
      .returning(['version'])
      .executeTakeFirstOrThrow()
    return { value: JSON.parse(json) as T, version: Number(row.version), updatedAt: at }
  }
}
