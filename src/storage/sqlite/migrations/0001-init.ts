/**
 * The initial SQLite schema.
 *
 * Activities keep SQLite's rowid as the physical key (appends stay at the end of the table b-tree) and a
 * unique index on `id` for idempotency. Indexes are few on purpose, because each one costs ingest
 * speed: `(time, id)` for the default newest-first page, and `(column, time)` for the four filters
 * people page through most (user, app, action type, IP). Those four do not end in `id`: measured, that
 * made inserts ~10% slower, while the only cost of leaving it out is sorting rows that share one
 * millisecond within one filter value ("USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"), which are few.
 *
 * @module
 */

import { sql, type Kysely, type Migration } from 'kysely'

/** Filter columns that get a `(column, time)` index. */
const INDEXED_FILTER_COLUMNS = ['actor_upn', 'app', 'action_type', 'ip'] as const

/** Creates every table and index of a new SQLite store. */
export const migration0001Init: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table activities (
        id text not null,
        time integer not null,
        received_at integer,
        is_private integer not null default 0,
        private_because text,
        sealed blob,
        id_lc text,
        actor_upn text,
        actor_domain text,
        actor_type text,
        actor_groups text,
        app text,
        action_type text,
        action_name text,
        ip text,
        country text,
        device_type text,
        user_agent text,
        source text,
        result text,
        search_text text,
        doc text,
        raw text
      )`.execute(db)
    await sql`create unique index activities_id on activities (id)`.execute(db)
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
        disabled integer not null default 0,
        created_at integer not null,
        updated_at integer not null
      )`.execute(db)

    await sql`
      create table api_tokens (
        id text primary key,
        upn text not null,
        name text not null,
        secret_hash text not null,
        created_at integer not null,
        expires_at integer,
        revoked_at integer,
        last_used_at integer
      )`.execute(db)
    await sql`create index api_tokens_upn on api_tokens (upn, created_at)`.execute(db)

    await sql`
      create table sessions (
        id_hash text primary key,
        upn text not null,
        csrf_token text not null,
        created_at integer not null,
        expires_at integer not null
      )`.execute(db)
    await sql`create index sessions_upn on sessions (upn)`.execute(db)
    await sql`create index sessions_expires_at on sessions (expires_at)`.execute(db)

    await sql`
      create table governance (
        seq integer primary key,
        time integer not null,
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
    // Append-only. Whoever can write the file can drop these triggers; the hash chain is what detects
    // that (tests tamper with `drop trigger governance_no_update` / `governance_no_delete`).
    await sql`
      create trigger governance_no_update before update on governance
      begin select raise(abort, 'governance is append-only'); end`.execute(db)
    await sql`
      create trigger governance_no_delete before delete on governance
      begin select raise(abort, 'governance is append-only'); end`.execute(db)
  },
}
