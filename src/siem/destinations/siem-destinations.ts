/**
 * SIEM destinations: the use cases behind `/api/v1/siem/destinations` and `veil siem`. Each change
 * (create, update, enable/disable, delete, back-fill) commits together with its governance record, whose
 * before/after show the settings redacted and name the secrets that changed, never their values.
 *
 * Secrets are write-only: answers show {@link redactSiemDestinationSettings}'s copy. On an update, a
 * secret sent back as `********` (or a webhook `secret` left out) keeps its stored value, so a client
 * can send back the settings it read with one field changed.
 *
 * Validation is done here, for the API and the CLI alike, with every problem named by its field
 * (`name`, `settings.port`, `backfill.from`).
 *
 * @module
 */

import { randomUUID } from 'node:crypto'

import { NotFoundError, ValidationError, type ErrorDetail } from '../../core/errors.js'
import type { Initiator, ServiceContext } from '../../services/service-context.js'
import type { SiemBacklog, SiemDeliveryState, StoreTransaction, StoredSiemDestination } from '../../storage/store.js'
import { REDACTED, redactSiemDestinationSettings, validateSiemDestinationSettings, type SiemDestinationSettings } from '../siem-destination-settings.js'
import { SiemDeliveryError, type SiemSink, type SiemSinkContext } from '../siem-sink.js'
import { openSiemSettings, sealSiemSettings } from './siem-settings-box.js'

const MAX_NAME_LENGTH = 100

/** A destination as the API shows it: settings redacted. */
export interface SiemDestinationView {
  readonly id: string
  readonly name: string
  readonly kind: string
  readonly enabled: boolean
  readonly settings: SiemDestinationSettings
  readonly version: number
  readonly createdAt: number
  readonly createdBy: string
  readonly updatedAt: number
}

export function viewOf(destination: StoredSiemDestination): SiemDestinationView {
  return {
    id: destination.id,
    name: destination.name,
    kind: destination.kind,
    enabled: destination.enabled,
    settings: destination.settings as SiemDestinationSettings,
    version: destination.version,
    createdAt: destination.createdAt,
    createdBy: destination.createdBy,
    updatedAt: destination.updatedAt,
  }
}

/** The full settings of a stored destination, secrets included: for the forwarder and the connection test only. */
export function openDestinationSettings(key: Buffer, destination: StoredSiemDestination): SiemDestinationSettings {
  return openSiemSettings(key, destination.id, destination.sealedSettings) as SiemDestinationSettings
}

/** ms since the epoch, or an ISO 8601 date-time with a time zone. */
function parseTime(value: unknown, field: string, problems: ErrorDetail[]): number | null {
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

/** A back-fill window: `from` required, `to` default now. */
function readBackfillWindow(input: unknown, field: string, now: number, problems: ErrorDetail[]): { from: number; to: number } | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    problems.push({ field, reason: 'must be an object with from (and optionally to)' })
    return null
  }
  const window = input as Record<string, unknown>
  for (const key of Object.keys(window)) {
    if (key !== 'from' && key !== 'to') {
      problems.push({ field: `${field ? `${field}.` : ''}${key}`, reason: 'is not a known field (from, to)' })
    }
  }
  const from = parseTime(window.from, field ? `${field}.from` : 'from', problems)
  const to = window.to === undefined || window.to === null ? now : parseTime(window.to, field ? `${field}.to` : 'to', problems)
  if (from !== null && to !== null && from > to) {
    problems.push({ field: field ? `${field}.to` : 'to', reason: 'must not be before from' })
  }
  return from === null || to === null ? null : { from, to }
}

function readName(value: unknown, problems: ErrorDetail[]): string | null {
  const name = typeof value === 'string' ? value.trim() : ''
  if (name === '' || name.length > MAX_NAME_LENGTH || [...name].some((c) => c.charCodeAt(0) < 0x20)) {
    problems.push({ field: 'name', reason: `must be 1 to ${MAX_NAME_LENGTH} characters without control characters` })
    return null
  }
  return name
}

function readSettings(value: unknown, problems: ErrorDetail[]): SiemDestinationSettings | null {
  const redacted = containsRedacted(value)
  if (redacted !== null) {
    problems.push({ field: redacted === '' ? 'settings' : `settings.${redacted}`, reason: `is "${REDACTED}": send the secret itself` })
    return null
  }
  const checked = validateSiemDestinationSettings(value)
  if (!checked.ok) {
    problems.push(...checked.errors.map((e) => ({ field: e.field === '' ? 'settings' : `settings.${e.field}`, reason: e.reason })))
    return null
  }
  return checked.settings
}

/** The dotted path of the first string equal to the redaction marker, '' for the value itself, or null. */
function containsRedacted(value: unknown, path = ''): string | null {
  if (value === REDACTED) {
    return path
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      const found = containsRedacted(inner, path ? `${path}.${key}` : key)
      if (found !== null) {
        return found
      }
    }
  }
  return null
}

/** `next` with every `********` replaced by the stored value at the same path (when there is one). */
function restoreRedacted(next: unknown, stored: unknown): unknown {
  if (next === REDACTED) {
    return typeof stored === 'string' ? stored : next
  }
  if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
    const storedObject = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {}
    return Object.fromEntries(Object.entries(next).map(([key, value]) => [key, restoreRedacted(value, storedObject[key])]))
  }
  return next
}

/** Paths of the secrets whose values differ between two full settings (added, changed or removed). */
function changedSecrets(before: SiemDestinationSettings | null, after: SiemDestinationSettings | null): string[] {
  const paths = new Set<string>()
  const collect = (settings: SiemDestinationSettings | null) => {
    const walk = (value: unknown, path: string) => {
      if (value === REDACTED) {
        paths.add(path)
      } else if (typeof value === 'object' && value !== null) {
        for (const [key, inner] of Object.entries(value)) {
          walk(inner, path ? `${path}.${key}` : key)
        }
      }
    }
    if (settings) {
      walk(redactSiemDestinationSettings(settings), '')
    }
  }
  collect(before)
  collect(after)
  const at = (settings: SiemDestinationSettings | null, path: string): unknown =>
    path.split('.').reduce<unknown>((value, key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined), settings)
  return [...paths].filter((path) => at(before, path) !== at(after, path)).sort()
}

/** What the governance log shows of a destination: its settings redacted. */
function governanceView(destination: StoredSiemDestination): Record<string, unknown> {
  return { name: destination.name, kind: destination.kind, enabled: destination.enabled, settings: destination.settings }
}

function targetOf(destination: StoredSiemDestination): string {
  return `${destination.name} (${destination.id})`
}

async function recordChange(
  tx: StoreTransaction,
  initiator: Initiator,
  target: StoredSiemDestination,
  details: Record<string, unknown>,
  time: number,
  action: 'siem_destination.change' | 'siem_destination.backfill' = 'siem_destination.change',
): Promise<void> {
  await tx.governance.append(
    { action, target: targetOf(target), initiator: initiator.upn, app: 'Veil', ip: initiator.ip, status: 'succeeded', justification: null, details: { ...details, channel: initiator.channel } },
    time,
  )
}

/** Every destination, by name. */
export async function siemDestinationsReader(ctx: ServiceContext): Promise<SiemDestinationView[]> {
  return (await ctx.store.siem.list()).map(viewOf)
}

async function existing(ctx: ServiceContext, id: string): Promise<StoredSiemDestination> {
  const destination = await ctx.store.siem.get(id)
  if (!destination) {
    throw new NotFoundError(`No SIEM destination ${id}`)
  }
  return destination
}

/** One destination; NotFoundError when there is none. */
export async function siemDestinationReader(ctx: ServiceContext, id: string): Promise<SiemDestinationView> {
  return viewOf(await existing(ctx, id))
}

export interface SiemDestinationInput {
  readonly name?: unknown
  readonly enabled?: unknown
  readonly settings?: unknown
  /** Optional: deliver the activities of this window (by activity time) first; default none. */
  readonly backfill?: unknown
}

/**
 * Create a destination. It receives the activities recorded from now on, after the back-fill window if
 * one is given (`{ from, to? }`, by activity time).
 */
export async function siemDestinationCreator(ctx: ServiceContext, initiator: Initiator, input: SiemDestinationInput): Promise<SiemDestinationView> {
  const problems: ErrorDetail[] = []
  if (typeof input !== 'object' || input === null) {
    throw new ValidationError('The SIEM destination is not valid', [{ field: 'body', reason: 'must be an object with name and settings' }])
  }
  for (const key of Object.keys(input)) {
    if (!['name', 'enabled', 'settings', 'backfill'].includes(key)) {
      problems.push({ field: key, reason: 'is not a known field (name, enabled, settings, backfill)' })
    }
  }
  const now = ctx.clock()
  const name = readName(input.name, problems)
  if (input.enabled !== undefined && typeof input.enabled !== 'boolean') {
    problems.push({ field: 'enabled', reason: 'must be true or false' })
  }
  let settings: SiemDestinationSettings | null = null
  if (input.settings === undefined) {
    problems.push({ field: 'settings', reason: 'is required' })
  } else {
    settings = readSettings(input.settings, problems)
  }
  const backfill = input.backfill === undefined || input.backfill === null ? null : readBackfillWindow(input.backfill, 'backfill', now, problems)
  if (problems.length > 0 || name === null || settings === null) {
    throw new ValidationError('The SIEM destination is not valid', problems)
  }
  const id = randomUUID()
  const created = await ctx.store.transaction(async (tx) => {
    const destination = await tx.siem.create(
      {
        id,
        name,
        kind: settings.kind,
        enabled: input.enabled !== false,
        settings: redactSiemDestinationSettings(settings),
        sealedSettings: sealSiemSettings(ctx.secrets.siemSettingsKey, id, settings),
        createdAt: now,
        createdBy: initiator.upn,
      },
      backfill ? { ...backfill, requestedAt: now } : null,
    )
    await recordChange(tx, initiator, destination, { change: 'create', after: governanceView(destination), backfill, secretsSet: changedSecrets(null, settings) }, now)
    return destination
  })
  return viewOf(created)
}

/**
 * Change a destination: `name`, `enabled`, and/or `settings` (replaced whole; secrets sent as
 * `********` or a webhook `secret` left out keep their stored values). A change that changes nothing
 * writes no record.
 */
export async function siemDestinationUpdater(ctx: ServiceContext, initiator: Initiator, id: string, input: Omit<SiemDestinationInput, 'backfill'>): Promise<SiemDestinationView> {
  const problems: ErrorDetail[] = []
  if (typeof input !== 'object' || input === null) {
    throw new ValidationError('The change is not valid', [{ field: 'body', reason: 'must be an object with name, enabled and/or settings' }])
  }
  for (const key of Object.keys(input)) {
    if (!['name', 'enabled', 'settings'].includes(key)) {
      problems.push({ field: key, reason: 'is not a known field (name, enabled, settings)' })
    }
  }
  const name = input.name === undefined ? undefined : readName(input.name, problems)
  if (input.enabled !== undefined && typeof input.enabled !== 'boolean') {
    problems.push({ field: 'enabled', reason: 'must be true or false' })
  }
  if (problems.length > 0) {
    throw new ValidationError('The change is not valid', problems)
  }
  const now = ctx.clock()
  const updated = await ctx.store.transaction(async (tx) => {
    const before = await tx.siem.get(id)
    if (!before) {
      throw new NotFoundError(`No SIEM destination ${id}`)
    }
    const storedSettings = openDestinationSettings(ctx.secrets.siemSettingsKey, before)
    let settings: SiemDestinationSettings | undefined
    if (input.settings !== undefined) {
      let next = restoreRedacted(input.settings, storedSettings)
      if (typeof next === 'object' && next !== null && (next as { kind?: unknown }).kind === 'webhook' && (next as { secret?: unknown }).secret === undefined && storedSettings.kind === 'webhook') {
        next = { ...next, secret: storedSettings.secret }
      }
      settings = readSettings(next, problems) ?? undefined
      if (problems.length > 0) {
        throw new ValidationError('The change is not valid', problems)
      }
    }
    const enabled = input.enabled as boolean | undefined
    const sameSettings = settings === undefined || JSON.stringify(settings) === JSON.stringify(storedSettings)
    if ((name === undefined || name === before.name) && (enabled === undefined || enabled === before.enabled) && sameSettings) {
      return before
    }
    const after = await tx.siem.update(id, {
      name: name ?? undefined,
      enabled,
      ...(settings && !sameSettings ? { kind: settings.kind, settings: redactSiemDestinationSettings(settings), sealedSettings: sealSiemSettings(ctx.secrets.siemSettingsKey, id, settings) } : {}),
      updatedAt: now,
    })
    if (!after) {
      throw new NotFoundError(`No SIEM destination ${id}`)
    }
    const change = enabled !== undefined && enabled !== before.enabled && name === undefined && sameSettings ? (enabled ? 'enable' : 'disable') : 'update'
    await recordChange(tx, initiator, after, { change, before: governanceView(before), after: governanceView(after), secretsChanged: settings && !sameSettings ? changedSecrets(storedSettings, settings) : [] }, now)
    return after
  })
  return viewOf(updated)
}

/** Delete a destination with its cursor; its forwarder stops at its next step. */
export async function siemDestinationRemover(ctx: ServiceContext, initiator: Initiator, id: string): Promise<SiemDestinationView> {
  const now = ctx.clock()
  const removed = await ctx.store.transaction(async (tx) => {
    const destination = await tx.siem.delete(id)
    if (!destination) {
      throw new NotFoundError(`No SIEM destination ${id}`)
    }
    await recordChange(tx, initiator, destination, { change: 'delete', before: governanceView(destination) }, now)
    return destination
  })
  return viewOf(removed)
}

/**
 * Deliver the public activities of a window (by activity time, `{ from, to? }`) again, oldest first,
 * before the live feed goes on; replaces a back-fill in progress.
 */
export async function siemBackfillRequester(ctx: ServiceContext, initiator: Initiator, id: string, input: unknown): Promise<{ from: number; to: number }> {
  const problems: ErrorDetail[] = []
  const now = ctx.clock()
  const window = readBackfillWindow(input, '', now, problems)
  if (problems.length > 0 || window === null) {
    throw new ValidationError('The back-fill is not valid', problems)
  }
  await ctx.store.transaction(async (tx) => {
    const destination = await tx.siem.get(id)
    if (!destination || !(await tx.siem.setBackfill(id, { ...window, requestedAt: now }))) {
      throw new NotFoundError(`No SIEM destination ${id}`)
    }
    await recordChange(tx, initiator, destination, { from: window.from, to: window.to }, now, 'siem_destination.backfill')
  })
  return window
}

export interface SiemTestDeps {
  readonly sinkContext: SiemSinkContext
  readonly createSink: (settings: SiemDestinationSettings, context: SiemSinkContext) => SiemSink
}

export type SiemTestResult =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly ms: number; readonly failure: string; readonly retryable: boolean; readonly message: string }

/** "Test connection": connect (TLS handshake) or POST an empty batch with the stored settings. Sends no activity. */
export async function siemDestinationTester(ctx: ServiceContext, deps: SiemTestDeps, id: string): Promise<SiemTestResult> {
  const destination = await existing(ctx, id)
  const sink = deps.createSink(openDestinationSettings(ctx.secrets.siemSettingsKey, destination), deps.sinkContext)
  const started = performance.now()
  try {
    await sink.test()
    return { ok: true, ms: Math.round(performance.now() - started) }
  } catch (error) {
    const ms = Math.round(performance.now() - started)
    if (error instanceof SiemDeliveryError) {
      return { ok: false, ms, failure: error.failure, retryable: error.retryable, message: error.message }
    }
    return { ok: false, ms, failure: 'connection', retryable: true, message: 'The test failed unexpectedly; the server log has the details' }
  } finally {
    await sink.close().catch(() => undefined)
  }
}

export interface SiemStatusOptions {
  /** A destination further behind is `behind`. */
  readonly maxLagSeconds: number
  /** Pending activities are counted up to this. */
  readonly pendingCountLimit: number
  /** Real time (the lease is in real time, whatever the service clock says). */
  readonly now: () => number
}

/** How a destination is doing, first match: disabled, failing, backfilling, behind, delivering, up_to_date. */
export type SiemDeliveryCondition = 'disabled' | 'failing' | 'backfilling' | 'behind' | 'delivering' | 'up_to_date'

export interface SiemDestinationStatus {
  readonly id: string
  readonly name: string
  readonly enabled: boolean
  readonly condition: SiemDeliveryCondition
  /** Seconds since the oldest activity not yet delivered was recorded; 0 when up to date. */
  readonly lagSeconds: number
  /** Lag over VEIL_SIEM_MAX_LAG_SECONDS: the destination keeps going from its cursor, nothing is skipped. */
  readonly behind: boolean
  readonly pendingEvents: number
  readonly morePending: boolean
  readonly eventsSent: number
  readonly lastDeliveredId: string | null
  readonly lastSuccessAt: number | null
  readonly lastErrorAt: number | null
  readonly lastError: string | null
  /** The node forwarding to it now (its lease runs), or null when none is. */
  readonly forwardingNode: string | null
  readonly backfill: { readonly from: number; readonly to: number; readonly deliveredThrough: number | null } | null
  /** Activities retention removed before the destination received them: every one older than `droppedBefore` may be missing. */
  readonly gap: SiemDeliveryState['gap']
}

function conditionOf(facts: { enabled: boolean; failing: boolean; backfilling: boolean; behind: boolean; pending: boolean }): SiemDeliveryCondition {
  if (!facts.enabled) {
    return 'disabled'
  }
  if (facts.failing) {
    return 'failing'
  }
  if (facts.backfilling) {
    return 'backfilling'
  }
  if (facts.behind) {
    return 'behind'
  }
  return facts.pending ? 'delivering' : 'up_to_date'
}

/** The status of a destination from its stored state and its backlog. */
export function statusOf(destination: StoredSiemDestination, state: SiemDeliveryState, backlog: SiemBacklog, options: SiemStatusOptions): SiemDestinationStatus {
  const now = options.now()
  const lagSeconds = backlog.oldestPendingReceivedAt === null ? 0 : Math.max(0, Math.round((now - backlog.oldestPendingReceivedAt) / 1000))
  const behind = lagSeconds > options.maxLagSeconds
  const failing = state.lastErrorAt !== null && state.lastErrorAt >= (state.lastSuccessAt ?? 0)
  const condition = conditionOf({ enabled: destination.enabled, failing, backfilling: state.backfill !== null, behind, pending: backlog.pending > 0 })
  return {
    id: destination.id,
    name: destination.name,
    enabled: destination.enabled,
    condition,
    lagSeconds,
    behind,
    pendingEvents: backlog.pending,
    morePending: backlog.morePending,
    eventsSent: state.eventsSent,
    lastDeliveredId: state.lastDeliveredId,
    lastSuccessAt: state.lastSuccessAt,
    lastErrorAt: state.lastErrorAt,
    lastError: state.lastError,
    forwardingNode: state.leaseHolder !== null && (state.leaseExpiresAt ?? 0) > now ? state.leaseHolder : null,
    backfill: state.backfill ? { from: state.backfill.from, to: state.backfill.to, deliveredThrough: state.backfill.after?.sortValue ?? null } : null,
    gap: state.gap,
  }
}

/** The delivery status of one destination, computed now from the store (any node answers the same). */
export async function siemDestinationStatusReader(ctx: ServiceContext, options: SiemStatusOptions, id: string): Promise<SiemDestinationStatus> {
  const destination = await existing(ctx, id)
  const state = await ctx.store.siem.state(id)
  if (!state) {
    throw new NotFoundError(`No SIEM destination ${id}`)
  }
  const backlog = await ctx.store.siem.backlog(state.cursor, options.pendingCountLimit)
  return statusOf(destination, state, backlog, options)
}
