/**
 * The governance log over Kysely. The SQL is shared; how appends are serialized is the engine's
 * (`GovernanceChainLock`).
 *
 * @module
 */

import type { Kysely, Selectable } from 'kysely'

import {
  sealGovernanceRecord,
  type GovernanceAction,
  type GovernanceDraft,
  type GovernanceRecord,
  type GovernanceStatus,
} from '../core/governance/governance-record.js'
import type { Database, GovernanceTable } from './schema.js'
import type { GovernanceListOptions, GovernanceRepository } from './store.js'

/** How many records `readChain` reads per query. */
export const GOVERNANCE_CHAIN_CHUNK = 1000

/**
 * Called first in every append's transaction; returns once this transaction alone may read the head
 * and append. Until the transaction ends no other append may proceed, on any connection or node.
 */
export type GovernanceChainLock = (trx: Kysely<Database>) => Promise<void>

function toRecord(row: Selectable<GovernanceTable>): GovernanceRecord {
  return {
    seq: Number(row.seq),
    time: Number(row.time),
    action: row.action as GovernanceAction,
    target: row.target,
    initiator: row.initiator,
    app: row.app,
    ip: row.ip,
    status: row.status as GovernanceStatus,
    justification: row.justification,
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  }
}

/** The append-only, hash-chained governance log. */
export class KyselyGovernanceRepository implements GovernanceRepository {
  readonly #db: Kysely<Database>
  readonly #key: Buffer
  readonly #lock: GovernanceChainLock

  /** `db` is the store's Kysely instance or a transaction; appends on the former open their own. */
  constructor(db: Kysely<Database>, key: Buffer, lock: GovernanceChainLock) {
    this.#db = db
    this.#key = key
    this.#lock = lock
  }

  append(draft: GovernanceDraft, time: number): Promise<GovernanceRecord> {
    if (this.#db.isTransaction) {
      return this.#appendIn(this.#db, draft, time)
    }
    return this.#db.transaction().execute((trx) => this.#appendIn(trx, draft, time))
  }

  async #appendIn(trx: Kysely<Database>, draft: GovernanceDraft, time: number): Promise<GovernanceRecord> {
    await this.#lock(trx)
    const head = await trx.selectFrom('governance').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst()
    // Seal what will be read back: details go through JSON once, so a value JSON does not keep
    // (undefined, a Date, a class instance) cannot make a stored record fail verification.
    const details = JSON.parse(JSON.stringify(draft.details)) as Record<string, unknown>
    const record = sealGovernanceRecord(
      this.#key,
      { ...draft, details },
      head ? { seq: Number(head.seq), hash: head.hash } : null,
      time,
    )
    await trx
      .insertInto('governance')
      .values({
        seq: record.seq,
        time: record.time,
        action: record.action,
        target: record.target,
        initiator: record.initiator,
        app: record.app,
        ip: record.ip,
        status: record.status,
        justification: record.justification,
        details: JSON.stringify(record.details),
        prev_hash: record.prevHash,
        hash: record.hash,
      })
      .execute()
    return record
  }

  async list(options: GovernanceListOptions): Promise<GovernanceRecord[]> {
    let query = this.#db.selectFrom('governance').selectAll()
    if (options.beforeSeq !== undefined) {
      query = query.where('seq', '<', options.beforeSeq)
    }
    if (options.action !== undefined) {
      query = query.where('action', '=', options.action)
    }
    if (options.initiator !== undefined) {
      query = query.where('initiator', '=', options.initiator)
    }
    if (options.from !== undefined) {
      query = query.where('time', '>=', options.from)
    }
    if (options.to !== undefined) {
      query = query.where('time', '<=', options.to)
    }
    const rows = await query.orderBy('seq', 'desc').limit(options.limit).execute()
    return rows.map(toRecord)
  }

  async *readChain(): AsyncIterable<GovernanceRecord> {
    // Keyset by seq in separate short queries rather than one long cursor: the chain is append-only,
    // so pages never shift, and no transaction stays open while the caller verifies.
    let after = 0
    for (;;) {
      const rows = await this.#db
        .selectFrom('governance')
        .selectAll()
        .where('seq', '>', after)
        .orderBy('seq', 'asc')
        .limit(GOVERNANCE_CHAIN_CHUNK)
        .execute()
      for (const row of rows) {
        yield toRecord(row)
      }
      const last = rows.at(-1)
      if (!last || rows.length < GOVERNANCE_CHAIN_CHUNK) {
        return
      }
      after = Number(last.seq)
    }
  }
}
