/**
 * One run of one connector on this node, under its lease:
 *
 * 1. take the lease (another node holds it: nothing happens) and note the run's start;
 * 2. open the credentials (sealed under the master secret) and read the stored settings;
 * 3. pull pages of native events from the committed checkpoint; hand each page to the ingest pipeline
 *    (the same parse → normalize → classify → seal → store as every other source, so privacy,
 *    classification and de-duplication apply unchanged) in the connector's format, and only after the
 *    pipeline acknowledged the page (its transaction committed) commit the page's checkpoint, fenced on
 *    the lease;
 * 4. record how the run ended and when the next one is due, and give the lease up.
 *
 * A run that stops half-way (shutdown, lease lost, crash) has committed the checkpoint of the last page
 * stored and nothing after it, so the next run, on any node, fetches the rest: no gap; a page stored but
 * not yet committed is fetched again, and its events are duplicates the ingest recognizes by id.
 *
 * @module
 */

import type { ConnectorsConfig } from '../config/config.js'
import { openJson, SecretBoxError } from '../config/secret-box.js'
import type { ErrorDetail } from '../core/errors.js'
import { type IngestOptions, type IngestReport, type ParsedBatch, visibleIngestCounts } from '../ingest/ingest-pipeline.js'
import type { ConnectorCounts, ConnectorState, Store, StoredConnector } from '../storage/store.js'
import { ConnectorError, ConnectorStopped, type ConnectorErrorKind } from './connector-error.js'
import { ConnectorHttp, type ConnectorRetry } from './connector-http.js'
import type { ConnectorKind } from './connector-kind.js'
import { connectorKindOf } from './connector-kinds.js'

/** The part of the ingest pipeline a connector uses. */
export interface ConnectorIngest {
  ingest(parsed: ParsedBatch, options: IngestOptions): Promise<IngestReport>
}

/** The part of a pino logger connectors use. */
export interface ConnectorLogger {
  info(details: Record<string, unknown>, message: string): void
  warn(details: Record<string, unknown>, message: string): void
  error(details: Record<string, unknown>, message: string): void
}

export interface ConnectorRunDeps {
  readonly store: Store
  readonly ingest: ConnectorIngest
  readonly config: ConnectorsConfig
  /** `Secrets.connectorCredentialsKey`. */
  readonly credentialsKey: Buffer
  /** This node's lease-holder name. */
  readonly nodeId: string
  /** Real time: leases, schedule, status. */
  readonly now: () => number
  readonly logger: ConnectorLogger
  /** Records per pipeline batch (a page of a few thousand events goes in several). */
  readonly recordsPerBatch?: number
  /** Told after every batch the pipeline acknowledged (metrics). */
  readonly onReport?: (connector: StoredConnector, report: IngestReport) => void
  /** Told before each retry within a run (metrics, logs). */
  readonly onRetry?: (connector: StoredConnector, retry: ConnectorRetry) => void
  /** Told how each run on this node ended (metrics); not for runs skipped because another node has the lease. */
  readonly onOutcome?: (connectorId: string, outcome: ConnectorRunOutcome) => void
  /** Stand-in kinds (tests); default the built-in ones. */
  readonly kindOf?: (name: string) => ConnectorKind | null
}

export type ConnectorRunOutcome =
  | { readonly status: 'succeeded'; readonly counts: ConnectorCounts; readonly pages: number; readonly nextRunAt: number }
  | { readonly status: 'failed'; readonly counts: ConnectorCounts; readonly pages: number; readonly nextRunAt: number; readonly errorKind: ConnectorErrorKind; readonly error: string; readonly paused: boolean }
  /** Another node holds the lease, or the connector is gone or disabled: nothing was done. */
  | { readonly status: 'skipped'; readonly reason: 'leased' | 'missing' | 'disabled' }
  /** Stopped from outside (shutdown, lease lost, deleted): what was committed stays, the rest is fetched by the next run. */
  | { readonly status: 'stopped'; readonly counts: ConnectorCounts; readonly pages: number }

const DEFAULT_RECORDS_PER_BATCH = 500

const ZERO: ConnectorCounts = Object.freeze({ fetched: 0, accepted: 0, duplicates: 0, rejected: 0, outOfScope: 0 })

function add(a: ConnectorCounts, b: ConnectorCounts): ConnectorCounts {
  return { fetched: a.fetched + b.fetched, accepted: a.accepted + b.accepted, duplicates: a.duplicates + b.duplicates, rejected: a.rejected + b.rejected, outOfScope: a.outOfScope + b.outOfScope }
}

/** The first rejected record of a report, as the status shows it. */
function firstRejection(report: IngestReport, offset: number): string | null {
  const r = report.results.find((result) => result.status === 'rejected')
  if (!r) {
    return null
  }
  const where = `record ${offset + r.index}${r.item === undefined ? '' : ` event ${r.item}`}`
  return `${where}: ${r.error?.field ? `${r.error.field}: ` : ''}${r.error?.reason ?? 'rejected'}${r.error?.format ? ` (format ${r.error.format})` : ''}`
}

/** The wait before the next try after `failures` failed runs in a row: doubling, capped, half random. */
export function connectorRetryDelay(failures: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/** When the next run is due after a failure, by its kind. */
function nextRunAfterFailure(error: ConnectorError, state: ConnectorState, connector: StoredConnector, config: ConnectorsConfig, now: number): number {
  const interval = connector.intervalSeconds * 1000
  if (error.retryAt !== null) {
    return Math.max(error.retryAt, now)
  }
  if (error.kind === 'credentials' || error.kind === 'configuration') {
    // Retrying a refused secret sooner only gets the account locked or throttled.
    return now + interval
  }
  return now + connectorRetryDelay(state.failures + 1, Math.max(config.retryBaseMs, 1000), Math.max(config.retryMaxMs, 1000))
}

/** The connector's credentials, opened; a blob that does not open is a configuration error. */
export function openConnectorCredentials(key: Buffer, connector: StoredConnector): unknown {
  try {
    return openJson(key, `connector:${connector.id}`, connector.sealedCredentials)
  } catch (error) {
    if (error instanceof SecretBoxError) {
      throw new ConnectorError('configuration', 'The stored credentials do not open with this master secret (VEIL_SECRET_KEY / key file): was the key changed? Set the credentials again.', { cause: error })
    }
    throw error
  }
}

/** Settings and credentials as the kind reads them; a problem is a configuration error naming its field. */
export function readConnectorInputs(kind: ConnectorKind, connector: StoredConnector, credentials: unknown): { settings: unknown; credentials: unknown } {
  const problems: ErrorDetail[] = []
  const settings = kind.readSettings(connector.settings, problems)
  const creds = kind.readCredentials(credentials, problems)
  if (settings === null || creds === null || problems.length > 0) {
    throw new ConnectorError('configuration', `The connector's configuration is not valid: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`)
  }
  return { settings, credentials: creds }
}

/**
 * Run connector `id` once on this node if it can take the lease. `signal` stops it (shutdown); a lost
 * lease stops it too. Never throws for a provider's or the configuration's fault: that is the outcome.
 */
export async function connectorRunner(deps: ConnectorRunDeps, id: string, signal: AbortSignal): Promise<ConnectorRunOutcome> {
  const { store, nodeId, config, now } = deps
  const connector = await store.connectors.get(id)
  if (!connector) {
    return { status: 'skipped', reason: 'missing' }
  }
  if (!connector.enabled) {
    return { status: 'skipped', reason: 'disabled' }
  }
  if (!(await store.connectors.acquireLease(id, nodeId, now(), config.leaseMs))) {
    return { status: 'skipped', reason: 'leased' }
  }
  const controller = new AbortController()
  const stop = () => controller.abort()
  signal.addEventListener('abort', stop, { once: true })
  if (signal.aborted) {
    controller.abort()
  }
  // Renewed every third of its term, so a slow provider never lets the lease lapse under a live run.
  let renewing: Promise<void> = Promise.resolve()
  const heartbeat = setInterval(() => {
    renewing = store.connectors
      .acquireLease(id, nodeId, now(), config.leaseMs)
      .then((held) => {
        if (!held) {
          deps.logger.warn({ connector: id }, 'connector lease lost; stopping the run')
          controller.abort()
        }
      })
      .catch(() => undefined)
  }, Math.max(10, Math.floor(config.leaseMs / 3)))
  heartbeat.unref()
  try {
    return await runHeld(deps, connector, controller.signal)
  } finally {
    clearInterval(heartbeat)
    await renewing
    signal.removeEventListener('abort', stop)
    await store.connectors.releaseLease(id, nodeId).catch(() => undefined)
  }
}

async function runHeld(deps: ConnectorRunDeps, connector: StoredConnector, signal: AbortSignal): Promise<ConnectorRunOutcome> {
  const { store, nodeId, config, now, logger } = deps
  const id = connector.id
  const startedAt = now()
  if (!(await store.connectors.startRun(id, nodeId, startedAt))) {
    return { status: 'stopped', counts: ZERO, pages: 0 }
  }
  const state = await store.connectors.state(id)
  if (!state) {
    return { status: 'stopped', counts: ZERO, pages: 0 }
  }
  let counts: ConnectorCounts = ZERO
  let pages = 0
  try {
    const kind = (deps.kindOf ?? connectorKindOf)(connector.kind)
    if (!kind) {
      throw new ConnectorError('configuration', `Veil has no connector of kind "${connector.kind}"`)
    }
    const inputs = readConnectorInputs(kind, connector, openConnectorCredentials(deps.credentialsKey, connector))
    const http = new ConnectorHttp({
      provider: kind.provider,
      timeoutMs: config.timeoutMs,
      attempts: config.attempts,
      retryBaseMs: config.retryBaseMs,
      maxWaitMs: config.maxWaitMs,
      signal,
      onRetry: (retry) => {
        logger.info({ connector: id, status: retry.status, waitMs: retry.waitMs, attempt: retry.attempt }, 'connector request retried')
        deps.onRetry?.(connector, retry)
      },
    })
    const perBatch = Math.max(1, deps.recordsPerBatch ?? DEFAULT_RECORDS_PER_BATCH)
    const pulled = kind.pull({ settings: inputs.settings, credentials: inputs.credentials, checkpoint: state.checkpoint, startFrom: state.startFrom, http, now })
    for await (const page of pulled) {
      if (signal.aborted) {
        throw new ConnectorStopped('stopped')
      }
      let pageCounts: ConnectorCounts = ZERO
      let rejection: string | null = page.problem ?? null
      for (let offset = 0; offset < page.records.length; offset += perBatch) {
        const chunk = page.records.slice(offset, offset + perBatch)
        // Acknowledged means committed: `ingest` resolves only after the batch's transaction.
        const report = await deps.ingest.ingest({ records: chunk.map((value, index) => ({ index, value })), errors: [] }, { format: kind.format })
        deps.onReport?.(connector, report)
        // The status counts what an admin may see: private activities are left out, of `fetched` too (rule 4).
        const visible = visibleIngestCounts(report)
        pageCounts = add(pageCounts, { fetched: visible.accepted + visible.duplicates + visible.rejected + visible.outOfScope, ...visible })
        rejection ??= firstRejection(report, offset)
      }
      const committed = await store.connectors.recordProgress(id, nodeId, { checkpoint: page.checkpoint, through: page.through, counts: pageCounts, lastRejection: rejection, leaseExpiresAt: now() + config.leaseMs })
      if (!committed) {
        // The lease went to another node (or the connector was deleted): it goes on from the last commit.
        throw new ConnectorStopped('lease lost')
      }
      counts = add(counts, pageCounts)
      pages += 1
    }
    const nextRunAt = now() + connector.intervalSeconds * 1000
    await store.connectors.finishRun(id, nodeId, { ok: true, at: now(), nextRunAt })
    logger.info({ connector: id, pages, ...counts }, 'connector run succeeded')
    return { status: 'succeeded', counts, pages, nextRunAt }
  } catch (caught) {
    if (caught instanceof ConnectorStopped || signal.aborted) {
      logger.info({ connector: id, pages }, 'connector run stopped; the next run goes on from the last checkpoint')
      return { status: 'stopped', counts, pages }
    }
    let error: ConnectorError
    if (caught instanceof ConnectorError) {
      error = caught
    } else {
      // The store refused a batch (or a bug): nothing past the last checkpoint was committed.
      logger.error({ connector: id, err: caught }, 'connector run failed')
      error = new ConnectorError('internal', 'The run failed inside Veil (the events of a page could not be stored, or an unexpected error); the server log has the details. The next run goes on from the last checkpoint.')
    }
    const paused = error.kind === 'credentials'
    const at = now()
    const nextRunAt = nextRunAfterFailure(error, state, connector, config, at)
    await store.connectors.finishRun(id, nodeId, { ok: false, at, nextRunAt, error: error.message, errorKind: error.kind, pause: paused }).catch((e: unknown) => logger.error({ connector: id, err: e }, 'could not record the connector run'))
    logger.warn({ connector: id, kind: error.kind, paused }, `connector run failed: ${error.message}`)
    return { status: 'failed', counts, pages, nextRunAt, errorKind: error.kind, error: error.message, paused }
  }
}
