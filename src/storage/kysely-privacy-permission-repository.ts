/**
 * The activity privacy permission list over Kysely, the same SQL on both engines.
 *
 * @module
 */

import type { Kysely, Selectable } from 'kysely'

import type { Database, PrivacyPermissionsTable } from './schema.js'
import type { PrivacyGrant, PrivacyPermissionRepository } from './store.js'

function toGrant(row: Selectable<PrivacyPermissionsTable>): PrivacyGrant {
  return {
    upn: row.upn,
    grantedBy: row.granted_by,
    grantedAt: Number(row.granted_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    suspendedAt: row.suspended_at === null ? null : Number(row.suspended_at),
  }
}

export class KyselyPrivacyPermissionRepository implements PrivacyPermissionRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async get(upn: string): Promise<PrivacyGrant | null> {
    const row = await this.#db.selectFrom('privacy_permissions').selectAll().where('upn', '=', upn).executeTakeFirst()
    return row ? toGrant(row) : null
  }

  async list(): Promise<PrivacyGrant[]> {
    return (await this.#db.selectFrom('privacy_permissions').selectAll().orderBy('upn').execute()).map(toGrant)
  }

  async put(grant: PrivacyGrant): Promise<void> {
    const values = { granted_by: grant.grantedBy, granted_at: grant.grantedAt, expires_at: grant.expiresAt, suspended_at: grant.suspendedAt }
    await this.#db
      .insertInto('privacy_permissions')
      .values({ upn: grant.upn, ...values })
      .onConflict((oc) => oc.column('upn').doUpdateSet(values))
      .execute()
  }

  async delete(upn: string): Promise<PrivacyGrant | null> {
    const row = await this.#db.deleteFrom('privacy_permissions').where('upn', '=', upn).returningAll().executeTakeFirst()
    return row ? toGrant(row) : null
  }

  async deleteExpired(upn: string, now: number): Promise<PrivacyGrant | null> {
    const row = await this.#db
      .deleteFrom('privacy_permissions')
      .where('upn', '=', upn)
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', now)
      .returningAll()
      .executeTakeFirst()
    return row ? toGrant(row) : null
  }

  async expired(now: number): Promise<string[]> {
    const rows = await this.#db.selectFrom('privacy_permissions').select('upn').where('expires_at', 'is not', null).where('expires_at', '<=', now).orderBy('upn').execute()
    return rows.map((r) => r.upn)
  }

  async setSuspended(upn: string, suspendedAt: number | null): Promise<boolean> {
    const result = await this.#db
      .updateTable('privacy_permissions')
      .set({ suspended_at: suspendedAt })
      .where('upn', '=', upn)
      .where('suspended_at', suspendedAt === null ? 'is not' : 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }
}
