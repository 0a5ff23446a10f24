/**
 * Organization-wide settings (managed domains, scope, privacy groups, ...): one JSON value per key.
 *
 * @module
 */

import { sql, type Kysely, type Migration } from 'kysely'

export const migration0002Settings: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table settings (
        key text primary key,
        value text not null,
        version integer not null,
        updated_at integer not null
      )
    `.execute(db)
  },
}
