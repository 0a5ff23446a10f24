/**
 * What the portal needs beyond the earlier tables:
 * - `saved_queries`: an admin's named activity-log filters (only their owner sees them);
 * - `scim_calls`: the last SCIM provisioning call, the last change and the last failure (one row per
 *   slot, overwritten by every call), for the User groups page's SCIM status;
 * - an index on the governance log by action and time, so the overview's reveals per admin reads only
 *   the reveal records of its window instead of the whole chain.
 *
 * @module
 */

import { sql, type Kysely, type Migration } from 'kysely'

export const migration0008Portal: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table saved_queries (
        id text primary key,
        owner_upn text not null,
        name text not null,
        query text not null,
        created_at integer not null,
        updated_at integer not null
      )`.execute(db)
    await sql`create unique index saved_queries_owner_name on saved_queries (owner_upn, name)`.execute(db)

    await sql`
      create table scim_calls (
        slot text primary key,
        at integer not null,
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
