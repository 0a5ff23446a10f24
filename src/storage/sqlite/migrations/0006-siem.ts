/**
 * SIEM destinations and where each one's delivery stands.
 *
 * `siem_destinations` holds the configuration (changed through the API or CLI, each change a governance
 * record): the settings with every secret redacted, for listing, and the full settings sealed
 * (AES-256-GCM under a key derived from the master secret, never in the database), for the forwarder.
 * `siem_delivery_state` holds what changes with every batch: the durable cursor, a back-fill in
 * progress, the lease that elects the one node forwarding to the destination, and the status counters.
 * It is a separate table so that a batch never rewrites (or races with) the configuration.
 *
 * The feed of new activities on SQLite is the `rowid`: there is one writer at a time, so a row
 * committed later has a larger rowid than every row committed before it, and a reader that has seen
 * rowid N has seen every row below it. No new column or index is needed: `rowid > N` is a range of the
 * table's own b-tree.
 *
 * @module
 */

import { sql, type Kysely, type Migration } from 'kysely'

export const migration0006Siem: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table siem_destinations (
        id text primary key,
        name text not null,
        kind text not null,
        enabled integer not null,
        settings text not null,
        sealed_settings blob not null,
        version integer not null,
        created_at integer not null,
        created_by text not null,
        updated_at integer not null
      )`.execute(db)
    await sql`create unique index siem_destinations_name on siem_destinations (name)`.execute(db)

    await sql`
      create table siem_delivery_state (
        destination_id text primary key references siem_destinations (id) on delete cascade,
        cursor_seq text not null,
        cursor_id text not null,
        backfill_from integer,
        backfill_to integer,
        backfill_after_time integer,
        backfill_after_id text,
        backfill_requested_at integer,
        lease_holder text,
        lease_expires_at integer,
        events_sent integer not null default 0,
        last_delivered_id text,
        last_success_at integer,
        last_error_at integer,
        last_error text,
        gap_before integer,
        gap_recorded_at integer
      )`.execute(db)
  },
}
