/**
 * The activity privacy permission list (who may reveal private activities), and indexes for the
 * governance log's filters (action, initiator, time range).
 *
 * One row per grantee. An expired grant is deleted when its expiry is recorded; `suspended_at` is set
 * while the grantee has no admin role or is disabled (privacy rule 9) and cleared when that ends. Each
 * change is a single-row statement whose affected-row count tells the one node that made it, so a
 * suspension, reinstatement or expiry is recorded exactly once even when several nodes notice it.
 *
 * @module
 */

import { sql, type Kysely, type Migration } from 'kysely'

export const migration0005PrivacyPermissions: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table privacy_permissions (
        upn text primary key,
        granted_by text not null,
        granted_at integer not null,
        expires_at integer,
        suspended_at integer
      )`.execute(db)
    await sql`create index privacy_permissions_expires_at on privacy_permissions (expires_at) where expires_at is not null`.execute(db)

    await sql`create index governance_action_seq on governance (action, seq)`.execute(db)
    await sql`create index governance_initiator_seq on governance (initiator, seq)`.execute(db)
    await sql`create index governance_time on governance (time)`.execute(db)
  },
}
