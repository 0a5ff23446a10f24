/**
 * What the portal needs beyond the earlier tables: the same as on SQLite (see the SQLite migration of
 * the same name): saved queries per admin, the last SCIM provisioning calls, and an index on the
 * governance log by action and time. Ids compare byte-wise (`collate "C"`) like every other id column.
 *
 * @module
 */

import { sql, type Kysely, type Migration } from 'kysely'

export const migration0008Portal: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table saved_queries (
        id text collate "C" primary key,
        owner_upn text collate "C" not null,
        name text collate "C" not null,
        query text not null,
        created_at bigint not null,
        updated_at bigint not null
      )`.execute(db)
    await sql`create unique index saved_queries_owner_name on saved_queries (owner_upn, name)`.execute(db)

    await sql`
      create table scim_calls (
        slot text collate "C" primary key,
        at bigint not null,
        method text not null,
        route text not null,
        operation text not null,
        resource_id text,
        status integer not null,
        outcome text not null,
        initiator text not null,
        token_id text
      )`.execute(db)

    await sql`create index governance_action_time on governance (action, time)`.execute(db)
  },
}
