/**
 * The last SCIM provisioning calls, over Kysely; the same on both engines (see the `0008-portal`
 * migrations). One row per slot, upserted by every call on any node; a call older than what a slot
 * holds (a slower node finishing late) leaves the slot alone.
 *
 * @module
 */

import type { Kysely, Selectable } from 'kysely'

import type { Database } from './schema.js'
import type { ScimCall, ScimCallSlot, ScimStatusRepository } from './store.js'

export interface ScimCallsTable {
  slot: string
  at: number
  method: string
  route: string
  operation: string
  resource_id: string | null
  status: number
  outcome: string
  initiator: string
  token_id: string | null
}

/** The tables of this repository, added to {@link Database} with `withTables`. */
// A type alias, not an interface: `withTables` needs an index signature.
export type ScimStatusTables = {
  scim_calls: ScimCallsTable
}

const SLOTS: readonly ScimCallSlot[] = ['last_call', 'last_change', 'last_failure']

function toCall(row: Selectable<ScimCallsTable>): ScimCall {
  return {
    at: Number(row.at),
    method: row.method,
    route: row.route,
    operation: row.operation,
    resourceId: row.resource_id,
    status: Number(row.status),
    outcome: row.outcome === 'succeeded' ? 'succeeded' : 'failed',
    initiator: row.initiator,
    tokenId: row.token_id,
  }
}

export class KyselyScimStatusRepository implements ScimStatusRepository {
  readonly #db: Kysely<Database & ScimStatusTables>

  constructor(db: Kysely<Database>) {
    this.#db = db.withTables<ScimStatusTables>()
  }

  async record(call: ScimCall, slots: readonly ScimCallSlot[]): Promise<void> {
    if (slots.length === 0) {
      return
    }
    const row = { at: call.at, method: call.method, route: call.route, operation: call.operation, resource_id: call.resourceId, status: call.status, outcome: call.outcome, initiator: call.initiator, token_id: call.tokenId }
    await this.#db
      .insertInto('scim_calls')
      .values(slots.map((slot) => ({ slot, ...row })))
      .onConflict((oc) =>
        oc
          .column('slot')
          .doUpdateSet((eb) => ({
            at: eb.ref('excluded.at'),
            method: eb.ref('excluded.method'),
            route: eb.ref('excluded.route'),
            operation: eb.ref('excluded.operation'),
            resource_id: eb.ref('excluded.resource_id'),
            status: eb.ref('excluded.status'),
            outcome: eb.ref('excluded.outcome'),
            initiator: eb.ref('excluded.initiator'),
            token_id: eb.ref('excluded.token_id'),
          }))
          .whereRef('scim_calls.at', '<=', 'excluded.at'),
      )
      .execute()
  }

  async read(): Promise<Partial<Record<ScimCallSlot, ScimCall>>> {
    const rows = await this.#db.selectFrom('scim_calls').selectAll().where('slot', 'in', [...SLOTS]).execute()
    const status: Partial<Record<ScimCallSlot, ScimCall>> = {}
    for (const row of rows) {
      status[row.slot as ScimCallSlot] = toCall(row)
    }
    return status
  }
}
