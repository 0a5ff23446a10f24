/**
 * Pull connectors: the use cases behind `/api/v1/connectors` and `veil connectors`. Each change
 * (create, update, delete, run request) commits with its governance record (`connector.change`,
 * `connector.run`), whose before/after show the settings and the names of the credentials that
 * changed, never their values.
 *
 * Credentials are write-only: they are sealed (`config/secret-box.ts`, under
 * `Secrets.connectorCredentialsKey`, with `connector:<id>` as additional data) and answers show only
 * their names with `********`. On an update, credentials left out (or sent as `********`) keep their
 * stored values.
 *
 * Validation is done here, for the API and the CLI alike, every problem named by its field
 * (`settings.tenantId`, `credentials.apiToken`).
 *
 * @module
 */

import { randomUUID } from 'node:crypto'

import { sealJson } from '../config/secret-box.js'
import { NotFoundError, ValidationError, type ErrorDetail } from '../core/errors.js'
import type { Initiator, ServiceContext } from '../services/service-context.js'
import type { ConnectorCounts, ConnectorState, StoreTransaction, StoredConnector } from '../storage/store.js'
import { ConnectorError, ConnectorStopped } from './connector-error.js'
import { ConnectorHttp } from './connector-http.js'
import type { ConnectorKind } from './connector-kind.js'
import { CONNECTOR_KIND_NAMES, connectorKindOf } from './connector-kinds.js'
import { openConnectorCredentials, readConnectorInputs } from './connector-run.js'

export const REDACTED = '********'
const MAX_NAME_LENGTH = 100
const MIN_INTERVAL_SECONDS = 10
const MAX_INTERVAL_SECONDS = 86_400
/** Where a new connector starts by default: the last day, so the first run shows recent activity. */
const DEFAULT_LOOKBACK_MS = 86_400_000

/** How a connector is doing, first match. */
export type ConnectorCondition = 'disabled' | 'paused' | 'running' | 'failing' | 'waiting' | 'ok'

export interface ConnectorStatus {
  readonly condition: ConnectorCondition
  /** Every event up to this time (ms) has been fetched; null until a run reached the end once. */
  readonly through: number | null
  /** Seconds from `through` to now: how far behind the provider the connector is; null before the first complete run. */
  readonly lagSeconds: number | null
  readonly lastRunStartedAt: number | null
  readonly lastRunEndedAt: number | null
  readonly lastSuccessAt: number | null
  readonly lastErrorAt: number | null
  readonly lastError: string | null
  /** `credentials`, `rate_limited`, `unavailable`, `protocol`, `configuration`, `internal`. */
  readonly lastErrorKind: string | null
  /** The last event the pipeline rejected (record, field, reason) or event lost at the provider. */
  readonly lastRejection: string | null
  /** Set when the provider refused the credentials: no scheduled run until they change (a requested run still runs). */
  readonly pausedAt: number | null
  readonly pausedReason: string | null
  /** Failed runs since the last success. */
  readonly failures: number
  readonly runs: number
  readonly nextRunAt: number | null
  readonly runRequestedAt: number | null
  /** The node running it now (its lease runs), or null. */
  readonly runningNode: string | null
  /**
   * Events fetched, and what the pipeline made of them, since the connector was created. Private
   * activities are counted nowhere here, not even in `fetched`: an admin reading the status must not
   * learn how many arrived (privacy rule 4).
   */
  readonly events: ConnectorCounts
}

/** A connector as the API shows it: credentials as names with `********`. */
export interface ConnectorView {
  readonly id: string
  readonly name: string
  readonly kind: string
  readonly provider: string
  readonly format: string
  readonly enabled: boolean
  readonly intervalSeconds: number
  readonly settings: unknown
  readonly credentials: Readonly<Record<string, string>>
  readonly version: number
  readonly createdAt: number
  readonly createdBy: string
  readonly updatedAt: number
  readonly status: ConnectorStatus | null
}

export function connectorStatusOf(connector: StoredConnector, state: ConnectorState, now: number): ConnectorStatus {
  const runningNode = state.leaseHolder !== null && (state.leaseExpiresAt ?? 0) > now ? state.leaseHolder : null
  const failing = state.lastErrorAt !== null && state.lastErrorAt >= (state.lastSuccessAt ?? 0)
  const condition: ConnectorCondition = !connector.enabled
    ? 'disabled'
    : state.pausedAt !== null
      ? 'paused'
      : runningNode !== null
        ? 'running'
        : failing
          ? 'failing'
          : state.lastSuccessAt === null
            ? 'waiting'
            : 'ok'
  return {
    condition,
    through: state.through,
    lagSeconds: state.through === null ? null : Math.max(0, Math.round((now - state.through) / 1000)),
    lastRunStartedAt: state.lastRunStartedAt,
    lastRunEndedAt: state.lastRunEndedAt,
    lastSuccessAt: state.lastSuccessAt,
    lastErrorAt: state.lastErrorAt,
    lastError: state.lastError,
    lastErrorKind: state.lastErrorKind,
    lastRejection: state.lastRejection,
    pausedAt: state.pausedAt,
    pausedReason: state.pausedReason,
    failures: state.failures,
    runs: state.runs,
    nextRunAt: state.nextRunAt,
    runRequestedAt: state.runRequestedAt,
    runningNode,
    events: state.counts,
  }
}

function viewOf(connector: StoredConnector, state: ConnectorState | null, now: number): ConnectorView {
  const kind = connectorKindOf(connector.kind)
  return {
    id: connector.id,
    name: connector.name,
    kind: connector.kind,
    provider: kind?.provider ?? connector.kind,
    format: kind?.format ?? connector.kind,
    enabled: connector.enabled,
    intervalSeconds: connector.intervalSeconds,
    settings: connector.settings,
    credentials: Object.fromEntries(connector.credentialNames.map((name) => [name, REDACTED])),
    version: connector.version,
    createdAt: connector.createdAt,
    createdBy: connector.createdBy,
    updatedAt: connector.updatedAt,
    status: state ? connectorStatusOf(connector, state, now) : null,
  }
}

/** What the governance log shows of a connector: never a credential. */
function governanceView(connector: StoredConnector): Record<string, unknown> {
  return { name: connector.name, kind: connector.kind, enabled: connector.enabled, intervalSeconds: connector.intervalSeconds, settings: connector.settings, credentials: [...connector.credentialNames] }
}

async function recordChange(tx: StoreTransaction, initiator: Initiator, connector: StoredConnector, details: Record<string, unknown>, time: number, action: 'connector.change' | 'connector.run' = 'connector.change'): Promise<void> {
  await tx.governance.append(
    { action, target: `${connector.name} (${connector.id})`, initiator: initiator.upn, app: 'Veil', ip: initiator.ip, status: 'succeeded', justification: null, details: { ...details, channel: initiator.channel } },
    time,
  )
}

function readName(value: unknown, problems: ErrorDetail[]): string | null {
  const name = typeof value === 'string' ? value.trim() : ''
  if (name === '' || name.length > MAX_NAME_LENGTH || [...name].some((c) => c.charCodeAt(0) < 0x20)) {
    problems.push({ field: 'name', reason: `must be 1 to ${MAX_NAME_LENGTH} characters without control characters` })
    return null
  }
  return name
}

function readInterval(value: unknown, problems: ErrorDetail[]): number | null {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_INTERVAL_SECONDS || value > MAX_INTERVAL_SECONDS) {
    problems.push({ field: 'intervalSeconds', reason: `must be a whole number of seconds from ${MIN_INTERVAL_SECONDS} to ${MAX_INTERVAL_SECONDS}` })
    return null
  }
  return value
}

/** ms since the epoch, or an ISO 8601 date-time with a time zone. */
function readTime(value: unknown, field: string, problems: ErrorDetail[]): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    return value
  }
  if (typeof value === 'string' && /(Z|[+-]\d{2}:?\d{2})$/i.test(value.trim())) {
    const ms = Date.parse(value)
    if (Number.isFinite(ms)) {
      return ms
    }
  }
  problems.push({ field, reason: 'must be ms since the epoch or an ISO 8601 date-time with a time zone, e.g. "2026-05-01T00:00:00Z"' })
  return null
}

function readKind(value: unknown, problems: ErrorDetail[]): ConnectorKind | null {
  const kind = typeof value === 'string' ? connectorKindOf(value) : null
  if (!kind) {
    problems.push({ field: 'kind', reason: `must be one of ${CONNECTOR_KIND_NAMES.join(', ')}` })
  }
  return kind
}

function unknownFields(input: object, allowed: readonly string[], problems: ErrorDetail[]): void {
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) {
      problems.push({ field: key, reason: `is not a known field (${allowed.join(', ')})` })
    }
  }
}

/** The first field holding the redaction marker, for a create (where nothing is stored to keep). */
function redactedField(credentials: unknown): string | null {
  if (typeof credentials === 'object' && credentials !== null) {
    for (const [key, value] of Object.entries(credentials)) {
      if (value === REDACTED) {
        return key
      }
    }
  }
  return null
}

/** Credentials with defaults filled: the kind's full credentials, sealed for this connector. */
function sealCredentials(ctx: ServiceContext, id: string, credentials: unknown): Buffer {
  return sealJson(ctx.secrets.connectorCredentialsKey, `connector:${id}`, credentials)
}

async function existing(ctx: ServiceContext, id: string): Promise<StoredConnector> {
  const connector = await ctx.store.connectors.get(id)
  if (!connector) {
    throw new NotFoundError(`No connector ${id}`)
  }
  return connector
}

/** Every connector, by name, with its status. */
export async function connectorsReader(ctx: ServiceContext, now: () => number = Date.now): Promise<ConnectorView[]> {
  const states = new Map((await ctx.store.connectors.states()).map((s) => [s.connectorId, s]))
  return (await ctx.store.connectors.list()).map((c) => viewOf(c, states.get(c.id) ?? null, now()))
}

/** One connector with its status; NotFoundError when there is none. */
export async function connectorReader(ctx: ServiceContext, id: string, now: () => number = Date.now): Promise<ConnectorView> {
  const connector = await existing(ctx, id)
  return viewOf(connector, await ctx.store.connectors.state(id), now())
}

export interface ConnectorInput {
  readonly name?: unknown
  readonly kind?: unknown
  readonly enabled?: unknown
  readonly intervalSeconds?: unknown
  readonly settings?: unknown
  readonly credentials?: unknown
  /** Where the first run starts (ms or ISO 8601); default a day ago, no further back than the provider keeps. */
  readonly startFrom?: unknown
}

/** Create a connector; its first run is due at once. */
export async function connectorCreator(ctx: ServiceContext, initiator: Initiator, input: ConnectorInput): Promise<ConnectorView> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError('The connector is not valid', [{ field: 'body', reason: 'must be an object with name, kind, settings and credentials' }])
  }
  const problems: ErrorDetail[] = []
  unknownFields(input, ['name', 'kind', 'enabled', 'intervalSeconds', 'settings', 'credentials', 'startFrom'], problems)
  const now = ctx.clock()
  const name = readName(input.name, problems)
  const kind = readKind(input.kind, problems)
  if (input.enabled !== undefined && typeof input.enabled !== 'boolean') {
    problems.push({ field: 'enabled', reason: 'must be true or false' })
  }
  const interval = input.intervalSeconds === undefined ? (kind?.defaultIntervalSeconds ?? null) : readInterval(input.intervalSeconds, problems)
  let startFrom = input.startFrom === undefined || input.startFrom === null ? now - DEFAULT_LOOKBACK_MS : readTime(input.startFrom, 'startFrom', problems)
  const redacted = redactedField(input.credentials)
  if (redacted !== null) {
    problems.push({ field: `credentials.${redacted}`, reason: `is "${REDACTED}": send the credential itself` })
  }
  const settings = kind ? kind.readSettings(input.settings ?? {}, problems) : null
  const credentials = kind && redacted === null ? kind.readCredentials(input.credentials ?? {}, problems) : null
  if (problems.length > 0 || name === null || kind === null || interval === null || startFrom === null || settings === null || credentials === null) {
    throw new ValidationError('The connector is not valid', problems)
  }
  if (kind.maxLookbackMs !== null) {
    startFrom = Math.max(startFrom, now - kind.maxLookbackMs)
  }
  const id = randomUUID()
  const created = await ctx.store.transaction(async (tx) => {
    const connector = await tx.connectors.create(
      {
        id,
        name,
        kind: kind.kind,
        enabled: input.enabled !== false,
        intervalSeconds: interval,
        settings,
        sealedCredentials: sealCredentials(ctx, id, credentials),
        credentialNames: [...kind.credentialNames],
        createdAt: now,
        createdBy: initiator.upn,
      },
      startFrom,
    )
    await recordChange(tx, initiator, connector, { change: 'create', after: governanceView(connector), startFrom, credentialsSet: [...kind.credentialNames] }, now)
    return connector
  })
  return viewOf(created, await ctx.store.connectors.state(id), Date.now())
}

/**
 * Change a connector: `name`, `enabled`, `intervalSeconds`, `settings` (replaced whole, defaults
 * filled), `credentials` (the ones given replace the stored ones; left out or `********`: kept), and
 * `startFrom` (forgets the checkpoint: the next run starts there). New credentials or settings lift a
 * pause. A change that changes nothing writes no record.
 */
export async function connectorUpdater(ctx: ServiceContext, initiator: Initiator, id: string, input: Omit<ConnectorInput, 'kind'>): Promise<ConnectorView> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError('The change is not valid', [{ field: 'body', reason: 'must be an object' }])
  }
  const problems: ErrorDetail[] = []
  unknownFields(input, ['name', 'enabled', 'intervalSeconds', 'settings', 'credentials', 'startFrom'], problems)
  const name = input.name === undefined ? undefined : readName(input.name, problems)
  if (input.enabled !== undefined && typeof input.enabled !== 'boolean') {
    problems.push({ field: 'enabled', reason: 'must be true or false' })
  }
  const interval = input.intervalSeconds === undefined ? undefined : readInterval(input.intervalSeconds, problems)
  const startFrom = input.startFrom === undefined ? undefined : readTime(input.startFrom, 'startFrom', problems)
  if (input.credentials !== undefined && (typeof input.credentials !== 'object' || input.credentials === null || Array.isArray(input.credentials))) {
    problems.push({ field: 'credentials', reason: 'must be an object of the credentials to replace' })
  }
  if (problems.length > 0) {
    throw new ValidationError('The change is not valid', problems)
  }
  const now = ctx.clock()
  const updated = await ctx.store.transaction(async (tx) => {
    const before = await tx.connectors.get(id)
    if (!before) {
      throw new NotFoundError(`No connector ${id}`)
    }
    const kind = connectorKindOf(before.kind)
    if (!kind) {
      throw new ValidationError('The change is not valid', [{ field: 'kind', reason: `"${before.kind}" is not a connector kind this version of Veil knows` }])
    }
    const settings = input.settings === undefined ? undefined : kind.readSettings(input.settings, problems)
    let credentials: unknown
    const changedCredentials: string[] = []
    if (input.credentials !== undefined) {
      const stored = openStored(ctx, before)
      const given = Object.fromEntries(Object.entries(input.credentials as Record<string, unknown>).filter(([, value]) => value !== REDACTED && value !== undefined))
      const merged = { ...stored, ...given }
      credentials = kind.readCredentials(merged, problems)
      changedCredentials.push(...Object.keys(given).filter((key) => JSON.stringify(given[key]) !== JSON.stringify(stored[key])))
    }
    if (problems.length > 0) {
      throw new ValidationError('The change is not valid', problems)
    }
    const sameSettings = settings === undefined || JSON.stringify(settings) === JSON.stringify(before.settings)
    const sameCredentials = changedCredentials.length === 0
    const enabled = input.enabled as boolean | undefined
    if (
      (name === undefined || name === before.name) &&
      (enabled === undefined || enabled === before.enabled) &&
      (interval === undefined || interval === before.intervalSeconds) &&
      sameSettings &&
      sameCredentials &&
      startFrom === undefined
    ) {
      return before
    }
    const after = await tx.connectors.update(id, {
      name: name ?? undefined,
      enabled,
      intervalSeconds: interval ?? undefined,
      ...(sameSettings ? {} : { settings }),
      ...(sameCredentials ? {} : { sealedCredentials: sealCredentials(ctx, id, credentials) }),
      updatedAt: now,
    })
    if (!after) {
      throw new NotFoundError(`No connector ${id}`)
    }
    if (startFrom !== undefined && startFrom !== null) {
      await tx.connectors.resetCheckpoint(id, kind.maxLookbackMs === null ? startFrom : Math.max(startFrom, now - kind.maxLookbackMs))
    }
    if (!sameSettings || !sameCredentials || (enabled === true && !before.enabled)) {
      // What a pause waited for has changed: try again at once.
      await tx.connectors.resume(id)
    }
    const change = enabled !== undefined && enabled !== before.enabled && name === undefined && interval === undefined && sameSettings && sameCredentials && startFrom === undefined ? (enabled ? 'enable' : 'disable') : 'update'
    await recordChange(tx, initiator, after, { change, before: governanceView(before), after: governanceView(after), credentialsChanged: changedCredentials.sort(), ...(startFrom === undefined ? {} : { startFrom }) }, now)
    return after
  })
  return viewOf(updated, await ctx.store.connectors.state(id), Date.now())
}

function openStored(ctx: ServiceContext, connector: StoredConnector): Record<string, unknown> {
  try {
    const opened = openConnectorCredentials(ctx.secrets.connectorCredentialsKey, connector)
    return typeof opened === 'object' && opened !== null ? (opened as Record<string, unknown>) : {}
  } catch {
    // Credentials that no longer open (another master secret) can still be replaced whole.
    return {}
  }
}

/** Delete a connector with its checkpoint; a run in flight stops at its next page. */
export async function connectorRemover(ctx: ServiceContext, initiator: Initiator, id: string): Promise<ConnectorView> {
  const now = ctx.clock()
  const removed = await ctx.store.transaction(async (tx) => {
    const connector = await tx.connectors.delete(id)
    if (!connector) {
      throw new NotFoundError(`No connector ${id}`)
    }
    await recordChange(tx, initiator, connector, { change: 'delete', before: governanceView(connector) }, now)
    return connector
  })
  return viewOf(removed, null, Date.now())
}

/** Ask for a run as soon as possible, on whichever node takes the lease (also when paused). */
export async function connectorRunRequester(ctx: ServiceContext, initiator: Initiator, id: string): Promise<{ readonly requestedAt: number }> {
  const now = ctx.clock()
  const requestedAt = Date.now()
  await ctx.store.transaction(async (tx) => {
    const connector = await tx.connectors.get(id)
    if (!connector || !(await tx.connectors.requestRun(id, requestedAt))) {
      throw new NotFoundError(`No connector ${id}`)
    }
    await recordChange(tx, initiator, connector, { requestedAt }, now, 'connector.run')
  })
  return { requestedAt }
}

export interface ConnectorTestOptions {
  readonly timeoutMs: number
}

export type ConnectorTestResult =
  | { readonly ok: true; readonly ms: number; /** Events in the first page (not stored). */ readonly events: number }
  | { readonly ok: false; readonly ms: number; readonly errorKind: string; readonly message: string }

/**
 * Check the stored credentials and settings: sign in and read the first page from the checkpoint (one
 * try per request, no waiting), storing nothing and committing nothing.
 */
export async function connectorTester(ctx: ServiceContext, options: ConnectorTestOptions, id: string): Promise<ConnectorTestResult> {
  const connector = await existing(ctx, id)
  const state = await ctx.store.connectors.state(id)
  const started = performance.now()
  const controller = new AbortController()
  const ms = () => Math.round(performance.now() - started)
  try {
    const kind = connectorKindOf(connector.kind)
    if (!kind) {
      throw new ConnectorError('configuration', `Veil has no connector of kind "${connector.kind}"`)
    }
    const inputs = readConnectorInputs(kind, connector, openConnectorCredentials(ctx.secrets.connectorCredentialsKey, connector))
    const http = new ConnectorHttp({ provider: kind.provider, timeoutMs: options.timeoutMs, attempts: 1, retryBaseMs: 1, maxWaitMs: 0, signal: controller.signal })
    const pages = kind.pull({ settings: inputs.settings, credentials: inputs.credentials, checkpoint: state?.checkpoint ?? null, startFrom: state?.startFrom ?? Date.now(), http, now: Date.now })[Symbol.asyncIterator]()
    try {
      const first = await pages.next()
      return { ok: true, ms: ms(), events: first.done ? 0 : first.value.records.length }
    } finally {
      await pages.return?.()
    }
  } catch (error) {
    if (error instanceof ConnectorError) {
      return { ok: false, ms: ms(), errorKind: error.kind, message: error.message }
    }
    if (error instanceof ConnectorStopped) {
      return { ok: false, ms: ms(), errorKind: 'unavailable', message: 'The test was stopped' }
    }
    return { ok: false, ms: ms(), errorKind: 'internal', message: 'The test failed unexpectedly; the server log has the details' }
  } finally {
    controller.abort()
  }
}
