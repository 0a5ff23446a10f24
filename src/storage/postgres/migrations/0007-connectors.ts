/**
 * Pull connectors and where each one stands: the same tables as on SQLite (see the SQLite migration of
 * the same name): configuration with sealed credentials, and the checkpoint, lease, schedule and status
 * counters. Ids compare byte-wise (`collate "C"`) like every other id column.
 *
 * @module
 */

import { sql, type Kysely, type Migration } from 'kysely'

export const migration0007Connectors: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table connectors (
        id text collate "C" primary key,
        name text not null,
        kind text not null,
        enabled smallint not null,
        interval_seconds integer not null,
        settings text not null,
        sealed_credentials bytea not null,
        credential_names text not null,
        version bigint not null,
        created_at bigint not null,
        created_by text not null,
        updated_at bigint not null
      )`.execute(db)
    await sql`create unique index connectors_name on connectors (name)`.execute(db)

    await sql`
      create table connector_state (
        connector_id text collate "C" primary key references connectors (id) on delete cascade,
        checkpoint text,
        start_from bigint not null,
        through bigint,
        lease_holder text,
        lease_expires_at bigint,
        run_requested_at bigint,
        next_run_at bigint,
        last_run_started_at bigint,
        last_run_ended_at bigint,
        last_success_at bigint,
        last_error_at bigint,
        last_error text,
        last_error_kind text,
        last_rejection text,
        paused_at bigint,
        paused_reason text,
        failures integer not null default 0,
        runs bigint not null default 0,
        events_fetched bigint not null default 0,
        events_accepted bigint not null default 0,
        events_duplicate bigint not null default 0,
        events_rejected bigint not null default 0,
        events_out_of_scope bigint not null default 0
      )`.execute(db)
  },
}
