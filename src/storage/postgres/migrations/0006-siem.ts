/**
 * SIEM destinations, where each one's delivery stands, and the feed of new activities.
 *
 * `siem_destinations` and `siem_delivery_state` are as on SQLite (see the SQLite migration of the same
 * name): configuration with sealed settings, and the cursor, back-fill, lease and status counters.
 *
 * The feed: on PostgreSQL, transactions commit in any order, so neither a sequence nor a timestamp can
 * be a cursor: a transaction that took sequence value 10 may commit after one that took 11, and a
 * reader that moved its cursor past 11 would never see 10. Instead every activity row records the
 * transaction that inserted it (`tx_id`, default `pg_current_xact_id()`), and the forwarder reads only
 * rows with `tx_id < pg_snapshot_xmin(pg_current_snapshot())`: every transaction below the snapshot's
 * xmin has finished (committed or rolled back), so no row with such a `tx_id` can appear later. Rows are
 * read in `(tx_id, id)` order and the cursor is the last `(tx_id, id)` delivered. A row of a transaction
 * still running (or below one still running) waits until it has settled; a long-running write
 * transaction anywhere on the server therefore holds back forwarding, which the lag metric shows.
 *
 * The column is added without a default first and the default set afterwards: adding a column with a
 * volatile default would rewrite every existing partition, whereas this way existing rows keep null
 * (older than any destination, which starts at "now") and only new rows get a transaction id. The index
 * leaves those rows out (`tx_id is not null`), so building it writes nothing for the existing history.
 * Private rows have no `tx_id` (a trigger clears it, on insert and when a row is made private
 * retroactively): the feed never reads them anyway, and a private row keeps nothing that tells when it
 * was recorded.
 *
 * @module
 */

import { sql, type Kysely, type Migration } from 'kysely'

export const migration0006Siem: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`alter table activities add column tx_id xid8`.execute(db)
    await sql`alter table activities alter column tx_id set default pg_current_xact_id()`.execute(db)
    await sql`create index activities_tx_id_id on activities (tx_id, id) where is_private = 0 and tx_id is not null`.execute(db)
    // A private row keeps nothing but id, time, marker, ciphertext and blind indexes (privacy rule 2):
    // which transaction recorded it would tell when it was recorded (its receivedAt is sealed) and which
    // public activities came in the same batch. The WHEN clause is evaluated without calling the
    // function, so public rows pay a comparison, not a trigger call. It fires on UPDATE too, for rows
    // made private retroactively. Row triggers of a partitioned table reach every partition.
    await sql`
      create function activities_private_without_tx_id() returns trigger language plpgsql as $$
      begin
        new.tx_id := null;
        return new;
      end
      $$`.execute(db)
    await sql`
      create trigger activities_private_without_tx_id before insert or update on activities
      for each row when (new.is_private = 1 and new.tx_id is not null)
      execute function activities_private_without_tx_id()`.execute(db)

    await sql`
      create table siem_destinations (
        id text collate "C" primary key,
        name text not null,
        kind text not null,
        enabled smallint not null,
        settings text not null,
        sealed_settings bytea not null,
        version bigint not null,
        created_at bigint not null,
        created_by text not null,
        updated_at bigint not null
      )`.execute(db)
    await sql`create unique index siem_destinations_name on siem_destinations (name)`.execute(db)

    await sql`
      create table siem_delivery_state (
        destination_id text collate "C" primary key references siem_destinations (id) on delete cascade,
        cursor_seq text not null,
        cursor_id text collate "C" not null,
        backfill_from bigint,
        backfill_to bigint,
        backfill_after_time bigint,
        backfill_after_id text collate "C",
        backfill_requested_at bigint,
        lease_holder text,
        lease_expires_at bigint,
        events_sent bigint not null default 0,
        last_delivered_id text,
        last_success_at bigint,
        last_error_at bigint,
        last_error text,
        gap_before bigint,
        gap_recorded_at bigint
      )`.execute(db)
  },
}
