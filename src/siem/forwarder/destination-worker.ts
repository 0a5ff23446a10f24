/**
 * The delivery loop of one SIEM destination on this node. Each step:
 *
 * 1. reads the destination (deleted or disabled: stop) and takes or renews its lease (another node
 *    holds it: wait, reading only, until it lapses);
 * 2. reads up to `batchSize` public activities after the cursor: the back-fill's window first while one
 *    is in progress, else the live feed;
 * 3. checks them with the core's `forwardableActivities` (a private one fails the batch, closed);
 * 4. `sink.deliver(...)`, and only when it resolved, records the new cursor, fenced on the lease.
 *
 * A failed delivery is recorded in the status and retried from the cursor after a back-off that doubles
 * from the poll interval up to `retryMaxMs` (a non-retryable failure, e.g. an HTTP 400, waits the
 * longest). The sink is kept across failures: a stream sink re-sends what it wrote just before a
 * connection broke on the next connection (see `SiemSink.deliver`), so a listener that died with
 * buffered messages loses none of them.
 *
 * @module
 */

import { forwardableActivities } from '../../core/privacy/forwarding.js'
import type { SiemDeliveryState, SiemFeedItem, Store, StoredSiemDestination } from '../../storage/store.js'
import type { SiemDestinationSettings } from '../siem-destination-settings.js'
import { SiemDeliveryError, type SiemSink, type SiemSinkContext } from '../siem-sink.js'
import { Nap } from './nap.js'

/** The forwarder's metrics (see `http/metrics.ts`), by destination id. */
export interface SiemForwarderMetrics {
  readonly siemLagSeconds: { set(labels: { destination: string }, value: number): void; remove(labels: { destination: string }): void }
  readonly siemPendingEvents: { set(labels: { destination: string }, value: number): void; remove(labels: { destination: string }): void }
  readonly siemEventsSent: { inc(labels: { destination: string }, value: number): void }
  readonly siemDeliveryFailures: { inc(labels: { destination: string }): void }
}

/** The part of a pino logger the forwarder uses. */
export interface SiemForwarderLogger {
  info(details: Record<string, unknown>, message: string): void
  warn(details: Record<string, unknown>, message: string): void
  error(details: Record<string, unknown>, message: string): void
}

export interface WorkerDeps {
  readonly store: Store
  readonly nodeId: string
  readonly pollMs: number
  readonly batchSize: number
  readonly leaseMs: number
  readonly retryMaxMs: number
  readonly pendingCountLimit: number
  /** Real time: leases and status times. */
  readonly now: () => number
  readonly openSettings: (destination: StoredSiemDestination) => SiemDestinationSettings
  readonly createSink: (settings: SiemDestinationSettings, context: SiemSinkContext) => SiemSink
  readonly sinkContext: SiemSinkContext
  readonly metrics: SiemForwarderMetrics | null
  readonly logger: SiemForwarderLogger
}

/** How long to pause before the next step; null: go on at once. */
type Pause = { readonly ms: number; readonly wakeable: boolean } | null

const STOP = Symbol('stop')

/** Backlog metrics are recomputed at most this often while a destination is busy. */
const METRICS_INTERVAL_MS = 1000

/**
 * The wait before retry number `failures` (1, 2, ...): doubling from `baseMs`, at most `capMs`, with
 * half of it random so that nodes and destinations do not retry in step.
 */
export function retryDelay(failures: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

export class DestinationWorker {
  readonly id: string
  /** Settles when the loop has ended and the lease is released. */
  readonly done: Promise<void>
  readonly #deps: WorkerDeps
  readonly #nap = new Nap()
  #stopping = false
  #abandoned = false
  #sink: SiemSink | null = null
  #sinkVersion = -1
  #leaseUntil = 0
  #failures = 0
  #metricsAt = 0
  #heartbeat: NodeJS.Timeout | null = null
  #renewing: Promise<void> | null = null

  constructor(id: string, deps: WorkerDeps) {
    this.id = id
    this.#deps = deps
    this.done = this.#run()
  }

  /** New activities were committed: an idle worker looks now. */
  wake(): void {
    this.#nap.wake()
  }

  /** Finish the batch in flight (if any), then stop. */
  stop(): void {
    this.#stopping = true
    this.#nap.wakeAll()
  }

  /**
   * Give up the batch in flight: it is never recorded, so the cursor stays where it is and the next
   * holder delivers the batch again. The lease is released now, without waiting for the delivery to
   * settle (a sink may finish its request first); nothing this worker does afterwards touches the store.
   */
  async abandon(): Promise<void> {
    this.#abandoned = true
    this.stop()
    // No renewal may land after the release below.
    this.#stopHeartbeat()
    await this.#renewing
    void this.#sink?.close().catch(() => undefined)
    if (this.#leaseUntil > 0) {
      this.#leaseUntil = 0
      await this.#deps.store.siem.releaseLease(this.id, this.#deps.nodeId).catch(() => undefined)
    }
  }

  async #run(): Promise<void> {
    try {
      while (!this.#stopping) {
        let pause: Pause | typeof STOP
        try {
          pause = await this.#step()
        } catch (error) {
          // The store unreachable, settings that no longer open, a private activity in a batch: logged,
          // recorded where possible, retried from the cursor after a back-off.
          pause = await this.#failed(error)
        }
        if (pause === STOP) {
          break
        }
        if (pause && !this.#stopping) {
          await this.#nap.sleep(pause.ms, pause.wakeable)
        }
      }
    } finally {
      await this.#shutdown()
    }
  }

  async #step(): Promise<Pause | typeof STOP> {
    const { store, nodeId, leaseMs, pollMs, batchSize } = this.#deps
    const destination = await store.siem.get(this.id)
    if (!destination || !destination.enabled) {
      return STOP
    }
    if (this.#leaseUntil - this.#deps.now() < leaseMs / 2) {
      const wait = await this.#takeLease()
      if (wait !== null) {
        return wait
      }
    }
    const state = await store.siem.state(this.id)
    if (!state) {
      return STOP
    }
    const sink = this.#sinkFor(destination)
    const backfill = state.backfill
    const batch = backfill
      ? await store.siem.readBackfill({ from: backfill.from, to: backfill.to }, backfill.after, state.cursor, batchSize)
      : await store.siem.readAfter(state.cursor, batchSize)
    await this.#updateMetrics(state, batch.length === 0)
    if (batch.length === 0) {
      if (backfill) {
        // The window is delivered; the live feed goes on from the cursor captured before it.
        if (await store.siem.finishBackfill(this.id, nodeId, backfill.requestedAt)) {
          this.#deps.logger.info({ destination: this.id, from: backfill.from, to: backfill.to }, 'SIEM back-fill delivered')
        }
        return null
      }
      return { ms: pollMs, wakeable: true }
    }
    return this.#deliver(sink, state, batch)
  }

  /** Take or renew the lease; null when held, else how long to wait before looking again. */
  async #takeLease(): Promise<Pause | null> {
    const { store, nodeId, leaseMs, pollMs } = this.#deps
    const state = await store.siem.state(this.id)
    const now = this.#deps.now()
    // Reading first: a standby node only reads while the holder's lease runs, it does not write.
    if (state && state.leaseHolder !== null && state.leaseHolder !== nodeId && (state.leaseExpiresAt ?? 0) > now) {
      await this.#standBy()
      return { ms: Math.max(1, Math.min(pollMs, (state.leaseExpiresAt ?? now) - now + 1)), wakeable: false }
    }
    if (!state || !(await store.siem.acquireLease(this.id, nodeId, now, leaseMs))) {
      await this.#standBy()
      return { ms: pollMs, wakeable: false }
    }
    this.#leaseUntil = now + leaseMs
    return null
  }

  /**
   * A delivery may outlast the lease (a webhook retries inside `deliver`): renew it while working, so
   * another node does not take the destination over in the middle of a batch.
   */
  #startHeartbeat(): void {
    const { store, nodeId, leaseMs } = this.#deps
    this.#heartbeat = setInterval(() => {
      if (this.#renewing) {
        return
      }
      const now = this.#deps.now()
      this.#renewing = store.siem.acquireLease(this.id, nodeId, now, leaseMs).then(
        (held) => {
          this.#leaseUntil = held ? now + leaseMs : 0
        },
        () => undefined,
      ).finally(() => {
        this.#renewing = null
      })
    }, Math.max(10, Math.floor(leaseMs / 3)))
    this.#heartbeat.unref()
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) {
      clearInterval(this.#heartbeat)
      this.#heartbeat = null
    }
  }

  /** Another node forwards: hold no connection and export no gauges for this destination. */
  async #standBy(): Promise<void> {
    this.#leaseUntil = 0
    this.#dropMetrics()
    await this.#closeSink()
  }

  async #deliver(sink: SiemSink, state: SiemDeliveryState, batch: readonly SiemFeedItem[]): Promise<Pause | typeof STOP> {
    const { store, nodeId, leaseMs } = this.#deps
    const activities = forwardableActivities(batch.map((entry) => entry.item))
    this.#startHeartbeat()
    try {
      await sink.deliver(activities)
    } catch (error) {
      return this.#failed(error)
    } finally {
      this.#stopHeartbeat()
    }
    if (this.#abandoned) {
      return STOP
    }
    const at = this.#deps.now()
    const last = activities[activities.length - 1]
    const lastEntry = batch[batch.length - 1]
    if (!last || !lastEntry) {
      return null
    }
    const recorded = await store.siem.recordDelivery(this.id, nodeId, {
      ...(state.backfill ? { backfill: { requestedAt: state.backfill.requestedAt, after: { sortValue: last.time, id: last.id } } } : { cursor: lastEntry.position }),
      count: activities.length,
      lastDeliveredId: last.id,
      at,
      leaseExpiresAt: at + leaseMs,
    })
    this.#deps.metrics?.siemEventsSent.inc({ destination: this.id }, activities.length)
    if (recorded) {
      this.#leaseUntil = at + leaseMs
      this.#failures = 0
    } else {
      // The lease went to another node (this one stalled past it), or the back-fill was replaced: the
      // batch was delivered but is not recorded, so it may be delivered again (at least once).
      this.#leaseUntil = 0
    }
    return null
  }

  async #failed(error: unknown): Promise<Pause | typeof STOP> {
    if (this.#abandoned || (this.#stopping && error instanceof SiemDeliveryError && error.failure === 'closed')) {
      return STOP
    }
    this.#failures += 1
    const { store, nodeId, pollMs, retryMaxMs } = this.#deps
    const delivery = error instanceof SiemDeliveryError
    // A SiemDeliveryError's message says what failed and names no activity; anything else stays in the log.
    const message = delivery ? error.message : 'Forwarding failed inside Veil; the server log has the details'
    const wait = delivery && !error.retryable ? retryMaxMs : retryDelay(this.#failures, Math.max(10, Math.min(1000, pollMs)), retryMaxMs)
    this.#deps.metrics?.siemDeliveryFailures.inc({ destination: this.id })
    if (delivery) {
      this.#deps.logger.warn({ destination: this.id, failure: error.failure, retryable: error.retryable, attempt: this.#failures, retryInMs: wait, err: error.message }, 'SIEM delivery failed; retrying from the cursor')
    } else {
      this.#deps.logger.error({ destination: this.id, attempt: this.#failures, retryInMs: wait, err: error }, 'SIEM forwarding step failed; retrying from the cursor')
    }
    try {
      await store.siem.recordFailure(this.id, nodeId, message, this.#deps.now())
    } catch {
      // The store is what failed; the log has it.
    }
    return { ms: wait, wakeable: false }
  }

  #sinkFor(destination: StoredSiemDestination): SiemSink {
    if (this.#sink && this.#sinkVersion === destination.version) {
      return this.#sink
    }
    // New settings: close the old connection (without waiting) and open with the new ones.
    void this.#sink?.close().catch(() => undefined)
    this.#sink = this.#deps.createSink(this.#deps.openSettings(destination), this.#deps.sinkContext)
    this.#sinkVersion = destination.version
    return this.#sink
  }

  async #updateMetrics(state: SiemDeliveryState, idle: boolean): Promise<void> {
    const metrics = this.#deps.metrics
    const now = this.#deps.now()
    if (!metrics || (!idle && now - this.#metricsAt < METRICS_INTERVAL_MS)) {
      return
    }
    this.#metricsAt = now
    const backlog = await this.#deps.store.siem.backlog(state.cursor, this.#deps.pendingCountLimit)
    const labels = { destination: this.id }
    metrics.siemPendingEvents.set(labels, backlog.pending)
    metrics.siemLagSeconds.set(labels, backlog.oldestPendingReceivedAt === null ? 0 : Math.max(0, (now - backlog.oldestPendingReceivedAt) / 1000))
  }

  #dropMetrics(): void {
    this.#deps.metrics?.siemLagSeconds.remove({ destination: this.id })
    this.#deps.metrics?.siemPendingEvents.remove({ destination: this.id })
  }

  async #closeSink(): Promise<void> {
    const sink = this.#sink
    this.#sink = null
    this.#sinkVersion = -1
    await sink?.close().catch(() => undefined)
  }

  async #shutdown(): Promise<void> {
    this.#dropMetrics()
    await this.#closeSink()
    if (this.#leaseUntil > 0) {
      this.#leaseUntil = 0
      // Another node may take over at once instead of waiting for the lease to lapse.
      await this.#deps.store.siem.releaseLease(this.id, this.#deps.nodeId).catch(() => undefined)
    }
  }
}
