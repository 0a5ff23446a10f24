/**
 * The initial PostgreSQL schema.
 *
 * `activities` is partitioned by RANGE(time), one partition per calendar month (UTC), created on
 * demand by the ingest path (`ActivityPartitions`), so retention drops whole partitions. A unique key on
 * a partitioned table must contain the partition key, so the key is `(id, time)`: a re-delivered event
 * carries the same time as the first delivery (the time is part of the event), and is a duplicate
 * exactly as on SQLite. The same id arriving with a different time is a second row here (SQLite calls
 * it a duplicate): refusing it would take a lookup in every partition on every insert. The key's index
 * leads with `id`, which also serves get-by-id in each partition.
 *
 * Indexes are few on purpose, because each one costs ingest speed: `(time, id)` for the default
 * newest-first page, and `(column, time)` for the four filters people page through most (ties within a
 * millisecond are ordered by an incremental sort, cheaper than a wider key on every insert). Text
 * columns use the "C" collation: byte order is cheaper to compare than a locale's and is the order
 * SQLite uses, so both engines sort ids (the keyset's tie break) the same way.
 *
 * @module
 */

import { sql, type Kysely, type Migration } from 'kysely'

/** Filter columns that get a `(column, time)` index. */
const INDEXED_FILTER_COLUMNS = ['actor_upn', 'app', 'action_type', 'ip'] as const

/** Creates every table, index and trigger of a new PostgreSQL store (partitions come later, on demand). */
export const migration0001Init: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table activities (
        id text collate "C" not null,
        time bigint not null,
        received_at bigint,
        is_private smallint not null default 0,
        private_because text,
        sealed bytea,
        id_lc text collate "C",
        actor_upn text collate "C",
        actor_domain text collate "C",
        actor_type text collate "C",
        actor_groups text collate "C",
        app text collate "C",
        action_type text collate "C",
        action_name text collate "C",
        ip text collate "C",
        country text collate "C",
        device_type text collate "C",
        user_agent text collate "C",
        source text collate "C",
        result text collate "C",
        search_text text collate "C",
        doc text,
        raw text,
        primary key (id, time)
      ) partition by range (time)`.execute(db)
    // Partial indexes: non-revealing queries (nearly all) say `is_private = 0`, so every page and every
    // capped count is an index range (an index-only scan for counts) that never touches a private row.
    await sql`create index activities_time_id on activities (time, id) where is_private = 0`.execute(db)
    await sql`create index activities_private_time_id on activities (time, id) where is_private = 1`.execute(db)
    for (const column of INDEXED_FILTER_COLUMNS) {
      await sql`create index ${sql.id(`activities_${column}_time`)} on activities (${sql.id(column)}, time) where is_private = 0`.execute(db)
    }

    await sql`
      create table accounts (
        upn text primary key,
        display_name text,
        roles text not null,
        password_hash text,
        disabled smallint not null default 0,
        created_at bigint not null,
        updated_at bigint not null
      )`.execute(db)

    await sql`
      create table api_tokens (
        id text primary key,
        upn text not null,
        name text not null,
        secret_hash text not null,
        created_at bigint not null,
        expires_at bigint,
        revoked_at bigint,
        last_used_at bigint
      )`.execute(db)
    await sql`create index api_tokens_upn on api_tokens (upn, created_at)`.execute(db)

    await sql`
      create table sessions (
        id_hash text primary key,
        upn text not null,
        csrf_token text not null,
        created_at bigint not null,
        expires_at bigint not null
      )`.execute(db)
    await sql`create index sessions_upn on sessions (upn)`.execute(db)
    await sql`create index sessions_expires_at on sessions (expires_at)`.execute(db)

    await sql`
      create table governance (
        seq bigint primary key,
        time bigint not null,
        action text not null,
        target text not null,
        initiator text not null,
        app text not null,
        ip text,
        status text not null,
        justification text,
        details text not null,
        prev_hash text not null,
        hash text not null
      )`.execute(db)
    // Append-only: UPDATE, DELETE and TRUNCATE are refused. The table's owner can still
    // `alter table governance disable trigger user` (tests do, to tamper); the hash chain is what
    // detects an edit made that way.
    await sql`
      create function governance_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'governance is append-only' using errcode = 'insufficient_privilege';
      end
      $$`.execute(db)
    await sql`
      create trigger governance_no_update_delete before update or delete on governance
      for each row execute function governance_append_only()`.execute(db)
    await sql`
      create trigger governance_no_truncate before truncate on governance
      for each statement execute function governance_append_only()`.execute(db)
  },
}
