/**
 * The directory: users, their identifiers for matching, groups, and memberships with their history.
 *
 * Indexes answer the questions the directory is asked: "groups of user U at T" (`(user_id,
 * valid_from)`), "members of group G at T" (`(group_id, valid_from)`), "current members of G" and "at
 * most one open membership per group and user" (the partial unique index on open spans), and "which
 * users changed since change N" (`directory_users (seq)`, for the caches of every node). Uniqueness
 * that only holds among live rows (UPN, group name, identifier) is a partial unique index, so a
 * deleted user's UPN or a deleted group's name can be used again. Keys and sort columns use the "C"
 * collation, so both engines order users and groups the same way.
 *
 * `directory_state` holds the change counter; every directory write transaction increments it first,
 * and the row lock it takes serializes directory writers across nodes, so change numbers become
 * visible in the order they were handed out.
 *
 * @module
 */

import { sql, type Kysely, type Migration } from 'kysely'

export const migration0003Directory: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`create table directory_state (id integer primary key, seq bigint not null)`.execute(db)
    await sql`insert into directory_state (id, seq) values (1, 0)`.execute(db)

    await sql`
      create table directory_users (
        id text collate "C" primary key,
        upn text collate "C" not null,
        display_name text,
        external_id text,
        emails text not null default '[]',
        active smallint not null default 1,
        created_at bigint not null,
        updated_at bigint not null,
        deleted_at bigint,
        seq bigint not null
      )`.execute(db)
    await sql`create unique index directory_users_upn on directory_users (upn) where deleted_at is null`.execute(db)
    await sql`create index directory_users_seq on directory_users (seq)`.execute(db)

    await sql`
      create table directory_identifiers (
        id bigint generated always as identity primary key,
        user_id text collate "C" not null references directory_users (id),
        kind text not null,
        space text collate "C" not null,
        value text collate "C" not null,
        retired_at bigint
      )`.execute(db)
    await sql`create unique index directory_identifiers_live on directory_identifiers (space, value) where retired_at is null`.execute(db)
    await sql`create index directory_identifiers_user on directory_identifiers (user_id)`.execute(db)

    await sql`
      create table directory_groups (
        id text collate "C" primary key,
        display_name text not null,
        display_name_lc text collate "C" not null,
        external_id text,
        external_id_lc text collate "C",
        created_at bigint not null,
        updated_at bigint not null,
        deleted_at bigint
      )`.execute(db)
    await sql`create unique index directory_groups_name on directory_groups (display_name_lc) where deleted_at is null`.execute(db)
    await sql`create index directory_groups_external_id on directory_groups (external_id_lc)`.execute(db)

    await sql`
      create table directory_memberships (
        id bigint generated always as identity primary key,
        group_id text collate "C" not null references directory_groups (id),
        user_id text collate "C" not null references directory_users (id),
        valid_from bigint not null,
        valid_to bigint
      )`.execute(db)
    await sql`create unique index directory_memberships_open on directory_memberships (group_id, user_id) where valid_to is null`.execute(db)
    await sql`create index directory_memberships_user on directory_memberships (user_id, valid_from)`.execute(db)
    await sql`create index directory_memberships_group on directory_memberships (group_id, valid_from)`.execute(db)
  },
}
