/**
 * Private activities (privacy rule 2): blind-index columns on `activities` and the wrapped data keys.
 *
 * A private row keeps its details only in `sealed`; the four `bi_*` columns hold keyed hashes of its
 * UPN, IP, app and action type so a revealing query can find it without decrypting every row. Their
 * indexes are partial (`where is_private = 1`): public rows, which leave the columns null, cost them
 * nothing on ingest, and a revealing query names `is_private = 1` literally so both planners use them.
 * Columns and indexes added to the partitioned table reach every partition, existing and future.
 *
 * @module
 */

import { sql, type Kysely, type Migration } from 'kysely'

/** The blind-index columns, each with a `(column, time) where is_private = 1` index. */
const BLIND_INDEX_COLUMNS = ['bi_actor_upn', 'bi_ip', 'bi_app', 'bi_action_type'] as const

export const migration0004Privacy: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const column of BLIND_INDEX_COLUMNS) {
      await sql`alter table activities add column ${sql.id(column)} text collate "C"`.execute(db)
      await sql`create index ${sql.id(`activities_${column}_time`)} on activities (${sql.id(column)}, time) where is_private = 1`.execute(db)
    }

    await sql`
      create table data_keys (
        id text primary key,
        wrapped bytea not null,
        kek_fingerprint text not null,
        active smallint not null,
        created_at bigint not null,
        rewrapped_at bigint
      )`.execute(db)
    // At most one active key, whichever node creates it first.
    await sql`create unique index data_keys_one_active on data_keys (active) where active = 1`.execute(db)
  },
}
