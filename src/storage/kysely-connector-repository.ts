/**
 * Pull connectors and their state, over Kysely; the same on both engines (see the `0007-connectors`
 * migrations). Every write a runner makes is one statement fenced on its lease, so a node that stalled
 * past its lease cannot move the checkpoint that another node now moves.
 *
 * @module
 */

import { sql, type Kysely, type Selectable, type UpdateObject } from 'kysely'

import { ConflictError } from '../core/errors.js'
import type { Database } from './schema.js'
import type { ConnectorPatch, ConnectorProgress, ConnectorRepository, ConnectorRunEnd, ConnectorState, NewConnector, StoredConnector } from './store.js'

/** Pull connectors: configuration, credentials sealed. */
export interface ConnectorsTable {
  id: string
  name: string
  kind: string
  /** 0 or 1. */
  enabled: number
  interval_seconds: number
  /** JSON of the provider settings (no secrets). */
  settings: string
  /** The credentials, sealed (`config/secret-box.ts`). */
  sealed_credentials: Uint8Array
  /** JSON array of the credential names held. */
  credential_names: string
  version: number
  created_at: number
  created_by: string
  updated_at: number
}

/** Where each connector stands; one row per connector, deleted with it. */
export interface ConnectorStateTable {
  connector_id: string
  /** JSON of the provider's checkpoint; null before the first page. */
  checkpoint: string | null
  start_from: number
  through: number | null
  lease_holder: string | null
  lease_expires_at: number | null
  run_requested_at: number | null
  next_run_at: number | null
  last_run_started_at: number | null
  last_run_ended_at: number | null
  last_success_at: number | null
  last_error_at: number | null
  last_error: string | null
  last_error_kind: string | null
  last_rejection: string | null
  /** Set when a run failed on credentials: no scheduled run until the credentials change or a run is asked for. */
  paused_at: number | null
  paused_reason: string | null
  failures: number
  runs: number
  events_fetched: number
  events_accepted: number
  events_duplicate: number
  events_rejected: number
  events_out_of_scope: number
}

/** The tables of this repository, added to {@link Database} with `withTables`. */
// A type alias, not an interface: `withTables` needs an index signature.
export type ConnectorTables = {
  connectors: ConnectorsTable
  connector_state: ConnectorStateTable
}

type ConnectorDatabase = Database & ConnectorTables

/** Longest error or rejection text kept (the rest is in the server log). */
const MAX_MESSAGE_CHARS = 1000

const optionalNumber = (value: number | string | null): number | null => (value === null ? null : Number(value))

function toConnector(row: Selectable<ConnectorsTable>): StoredConnector {
  const sealed = row.sealed_credentials
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    enabled: Number(row.enabled) === 1,
    intervalSeconds: Number(row.interval_seconds),
    settings: JSON.parse(row.settings) as unknown,
    sealedCredentials: Buffer.isBuffer(sealed) ? sealed : Buffer.from(sealed),
    credentialNames: JSON.parse(row.credential_names) as string[],
    version: Number(row.version),
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    updatedAt: Number(row.updated_at),
  }
}

function toState(row: Selectable<ConnectorStateTable>): ConnectorState {
  return {
    connectorId: row.connector_id,
    checkpoint: row.checkpoint === null ? null : (JSON.parse(row.checkpoint) as unknown),
    startFrom: Number(row.start_from),
    through: optionalNumber(row.through),
    leaseHolder: row.lease_holder,
    leaseExpiresAt: optionalNumber(row.lease_expires_at),
    runRequestedAt: optionalNumber(row.run_requested_at),
    nextRunAt: optionalNumber(row.next_run_at),
    lastRunStartedAt: optionalNumber(row.last_run_started_at),
    lastRunEndedAt: optionalNumber(row.last_run_ended_at),
    lastSuccessAt: optionalNumber(row.last_success_at),
    lastErrorAt: optionalNumber(row.last_error_at),
    lastError: row.last_error,
    lastErrorKind: row.last_error_kind,
    lastRejection: row.last_rejection,
    pausedAt: optionalNumber(row.paused_at),
    pausedReason: row.paused_reason,
    failures: Number(row.failures),
    runs: Number(row.runs),
    counts: {
      fetched: Number(row.events_fetched),
      accepted: Number(row.events_accepted),
      duplicates: Number(row.events_duplicate),
      rejected: Number(row.events_rejected),
      outOfScope: Number(row.events_out_of_scope),
    },
  }
}

export class KyselyConnectorRepository implements ConnectorRepository {
  readonly #db: Kysely<ConnectorDatabase>

  constructor(db: Kysely<Database>) {
    this.#db = db.withTables<ConnectorTables>()
  }

  async list(): Promise<StoredConnector[]> {
    return (await this.#db.selectFrom('connectors').selectAll().orderBy('name').orderBy('id').execute()).map(toConnector)
  }

  async get(id: string): Promise<StoredConnector | null> {
    const row = await this.#db.selectFrom('connectors').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toConnector(row) : null
  }

  async create(connector: NewConnector, startFrom: number): Promise<StoredConnector> {
    // ON CONFLICT DO NOTHING rather than catching the engine's error: on PostgreSQL a unique violation
    // would abort the enclosing transaction.
    const row = await this.#db
      .insertInto('connectors')
      .values({
        id: connector.id,
        name: connector.name,
        kind: connector.kind,
        enabled: connector.enabled ? 1 : 0,
        interval_seconds: connector.intervalSeconds,
        settings: JSON.stringify(connector.settings),
        sealed_credentials: connector.sealedCredentials,
        credential_names: JSON.stringify(connector.credentialNames),
        version: 1,
        created_at: connector.createdAt,
        created_by: connector.createdBy,
        updated_at: connector.createdAt,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst()
    if (!row) {
      throw new ConflictError(`A connector named "${connector.name}" already exists`)
    }
    await this.#db
      .insertInto('connector_state')
      .values({ connector_id: connector.id, checkpoint: null, start_from: startFrom, failures: 0, runs: 0, events_fetched: 0, events_accepted: 0, events_duplicate: 0, events_rejected: 0, events_out_of_scope: 0 })
      .execute()
    return toConnector(row)
  }

  async update(id: string, patch: ConnectorPatch): Promise<StoredConnector | null> {
    if (patch.name !== undefined) {
      const taken = await this.#db.selectFrom('connectors').select('id').where('name', '=', patch.name).where('id', '<>', id).executeTakeFirst()
      if (taken) {
        throw new ConflictError(`A connector named "${patch.name}" already exists`)
      }
    }
    const changes: UpdateObject<ConnectorDatabase, 'connectors'> = { updated_at: patch.updatedAt, version: sql<number>`version + 1` }
    if (patch.name !== undefined) {
      changes.name = patch.name
    }
    if (patch.enabled !== undefined) {
      changes.enabled = patch.enabled ? 1 : 0
    }
    if (patch.intervalSeconds !== undefined) {
      changes.interval_seconds = patch.intervalSeconds
    }
    if (patch.settings !== undefined) {
      changes.settings = JSON.stringify(patch.settings)
    }
    if (patch.sealedCredentials !== undefined) {
      changes.sealed_credentials = patch.sealedCredentials
    }
    if (patch.credentialNames !== undefined) {
      changes.credential_names = JSON.stringify(patch.credentialNames)
    }
    const row = await this.#db.updateTable('connectors').set(changes).where('id', '=', id).returningAll().executeTakeFirst()
    return row ? toConnector(row) : null
  }

  async delete(id: string): Promise<StoredConnector | null> {
    // The state row goes with it; a runner still holding the lease then finds nothing to update and stops.
    await this.#db.deleteFrom('connector_state').where('connector_id', '=', id).execute()
    const row = await this.#db.deleteFrom('connectors').where('id', '=', id).returningAll().executeTakeFirst()
    return row ? toConnector(row) : null
  }

  async state(id: string): Promise<ConnectorState | null> {
    const row = await this.#db.selectFrom('connector_state').selectAll().where('connector_id', '=', id).executeTakeFirst()
    return row ? toState(row) : null
  }

  async states(): Promise<ConnectorState[]> {
    return (await this.#db.selectFrom('connector_state').selectAll().orderBy('connector_id').execute()).map(toState)
  }

  async requestRun(id: string, at: number): Promise<boolean> {
    // An earlier request still pending keeps its time: the run it asked for has not started either.
    const result = await this.#db
      .updateTable('connector_state')
      .set({ run_requested_at: sql<number>`coalesce(run_requested_at, ${at})` })
      .where('connector_id', '=', id)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async resetCheckpoint(id: string, startFrom: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('connector_state')
      .set({ checkpoint: null, start_from: startFrom, through: null, next_run_at: null })
      .where('connector_id', '=', id)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async resume(id: string): Promise<boolean> {
    const result = await this.#db.updateTable('connector_state').set({ paused_at: null, paused_reason: null, next_run_at: null }).where('connector_id', '=', id).executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async acquireLease(id: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('connector_state')
      .set({ lease_holder: holder, lease_expires_at: now + ttlMs })
      .where('connector_id', '=', id)
      .where((eb) => eb.or([eb('lease_holder', 'is', null), eb('lease_holder', '=', holder), eb('lease_expires_at', '<=', now)]))
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async releaseLease(id: string, holder: string): Promise<void> {
    await this.#db.updateTable('connector_state').set({ lease_holder: null, lease_expires_at: null }).where('connector_id', '=', id).where('lease_holder', '=', holder).execute()
  }

  async startRun(id: string, holder: string, at: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('connector_state')
      .set({
        last_run_started_at: at,
        // A request made after the run started stays pending: it asks for another run.
        run_requested_at: sql<number | null>`case when run_requested_at <= ${at} then null else run_requested_at end`,
      })
      .where('connector_id', '=', id)
      .where('lease_holder', '=', holder)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async recordProgress(id: string, holder: string, progress: ConnectorProgress): Promise<boolean> {
    const { counts } = progress
    const changes: UpdateObject<ConnectorDatabase, 'connector_state'> = {
      checkpoint: JSON.stringify(progress.checkpoint),
      lease_expires_at: progress.leaseExpiresAt,
      events_fetched: sql<number>`events_fetched + ${counts.fetched}`,
      events_accepted: sql<number>`events_accepted + ${counts.accepted}`,
      events_duplicate: sql<number>`events_duplicate + ${counts.duplicates}`,
      events_rejected: sql<number>`events_rejected + ${counts.rejected}`,
      events_out_of_scope: sql<number>`events_out_of_scope + ${counts.outOfScope}`,
    }
    if (progress.through !== null) {
      changes.through = progress.through
    }
    if (progress.lastRejection !== null) {
      changes.last_rejection = progress.lastRejection.slice(0, MAX_MESSAGE_CHARS)
    }
    const result = await this.#db.updateTable('connector_state').set(changes).where('connector_id', '=', id).where('lease_holder', '=', holder).executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async finishRun(id: string, holder: string, end: ConnectorRunEnd): Promise<boolean> {
    const changes: UpdateObject<ConnectorDatabase, 'connector_state'> = end.ok
      ? { last_run_ended_at: end.at, last_success_at: end.at, next_run_at: end.nextRunAt, failures: 0, runs: sql<number>`runs + 1`, paused_at: null, paused_reason: null }
      : {
          last_run_ended_at: end.at,
          last_error_at: end.at,
          last_error: end.error.slice(0, MAX_MESSAGE_CHARS),
          last_error_kind: end.errorKind,
          next_run_at: end.nextRunAt,
          failures: sql<number>`failures + 1`,
          runs: sql<number>`runs + 1`,
          ...(end.pause ? { paused_at: end.at, paused_reason: end.error.slice(0, MAX_MESSAGE_CHARS) } : {}),
        }
    const result = await this.#db.updateTable('connector_state').set(changes).where('connector_id', '=', id).where('lease_holder', '=', holder).executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }
}
