/**
 * Pull connectors and where each one stands.
 *
 * `connectors` holds the configuration (changed through the API or CLI, each change a governance
 * record): provider settings without secrets, and the credentials sealed (AES-256-GCM under a key
 * derived from the master secret, never in the database; `config/secret-box.ts`). `connector_state`
 * holds what changes with every page: the provider checkpoint, the lease that elects the one node
 * running the connector, the schedule and the status counters. It is a separate table so that a
 * running connector never rewrites (or races with) the configuration.
 *
 * @module
 */

import { sql, type Kysely, type Migration } from 'kysely'

export const migration0007Connectors: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table connectors (
        id text primary key,
        name text not null,
        kind text not null,
        enabled integer not null,
        interval_seconds integer not null,
        settings text not null,
        sealed_credentials blob not null,
        credential_names text not null,
        version integer not null,
        created_at integer not null,
        created_by text not null,
        updated_at integer not null
      )`.execute(db)
    await sql`create unique index connectors_name on connectors (name)`.execute(db)

    await sql`
      create table connector_state (
        connector_id text primary key references connectors (id) on delete cascade,
        checkpoint text,
        start_from integer not null,
        through integer,
        lease_holder text,
        lease_expires_at integer,
        run_requested_at integer,
        next_run_at integer,
        last_run_started_at integer,
        last_run_ended_at integer,
        last_success_at integer,
        last_error_at integer,
        last_error text,
        last_error_kind text,
        last_rejection text,
        paused_at integer,
        paused_reason text,
        failures integer not null default 0,
        runs integer not null default 0,
        events_fetched integer not null default 0,
        events_accepted integer not null default 0,
        events_duplicate integer not null default 0,
        events_rejected integer not null default 0,
        events_out_of_scope integer not null default 0
      )`.execute(db)
  },
}
