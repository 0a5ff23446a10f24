/**
 * The SIEM forwarder of one node: a loop per enabled destination (`DestinationWorker`) that delivers
 * the public activities after the destination's durable cursor, at least once and in order.
 *
 * Several nodes sharing one database forward each activity once: per destination, one node holds a
 * lease row (holder, expiry; renewed with every batch, during a long delivery and while idle) and every cursor
 * update is fenced on it (`where lease_holder = me`). A node that stalls past its lease can neither
 * move the cursor nor keep the destination: the next node delivers again from the cursor (duplicates
 * around a failover, never a gap). The same works for two processes on one SQLite file.
 *
 * Stopping finishes the batch in flight (within the sink's timeout) or abandons it: its connection is
 * closed and nothing past what was delivered is recorded.
 *
 * @module
 */

import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'

import type { SiemForwarderConfig } from '../../config/config.js'
import type { Store, StoredSiemDestination } from '../../storage/store.js'
import type { SiemDestinationSettings } from '../siem-destination-settings.js'
import { createSiemSink, type SiemSink, type SiemSinkContext } from '../siem-sink.js'
import { openDestinationSettings } from '../destinations/siem-destinations.js'
import { DestinationWorker, type SiemForwarderLogger, type SiemForwarderMetrics } from './destination-worker.js'
import { Nap } from './nap.js'

/** Veil's version, as the CEF header carries it. */
export const VEIL_VERSION = '0.1.0'

export interface SiemForwarderOptions {
  readonly store: Store
  readonly config: SiemForwarderConfig
  /** `Secrets.siemSettingsKey`: opens the destinations' sealed settings. */
  readonly settingsKey: Buffer
  /** Base URL of the portal, for CEF's cs1 (portalURL) links. */
  readonly portalUrl: string
  readonly metrics?: SiemForwarderMetrics | null
  readonly logger?: SiemForwarderLogger
  /** Real time for leases and status (default `Date.now`); never a test's frozen clock. */
  readonly now?: () => number
  /** This node's lease-holder name (default host/pid/random). */
  readonly nodeId?: string
  /** The sink factory (default `createSiemSink`). */
  readonly createSink?: (settings: SiemDestinationSettings, context: SiemSinkContext) => SiemSink
}

const SILENT: SiemForwarderLogger = Object.freeze({ info: () => undefined, warn: () => undefined, error: () => undefined })

/** A lease-holder name that tells operators which node forwards: host, process, and a random part for restarts. */
export function siemNodeId(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`
}

export class SiemForwarder {
  readonly nodeId: string
  /** What every sink of this node gets (and the connection test uses). */
  readonly sinkContext: SiemSinkContext
  readonly createSink: (settings: SiemDestinationSettings, context: SiemSinkContext) => SiemSink
  readonly #options: SiemForwarderOptions
  readonly #workers = new Map<string, DestinationWorker>()
  readonly #nap = new Nap()
  readonly #logger: SiemForwarderLogger
  #supervisor: Promise<void> | null = null
  #running = false

  constructor(options: SiemForwarderOptions) {
    this.#options = options
    this.nodeId = options.nodeId ?? siemNodeId()
    this.#logger = options.logger ?? SILENT
    this.sinkContext = Object.freeze({ portalUrl: options.portalUrl, hostname: hostname(), version: VEIL_VERSION, timeoutMs: options.config.timeoutMs })
    this.createSink = options.createSink ?? createSiemSink
  }

  get running(): boolean {
    return this.#running
  }

  /** The full settings of a destination, secrets included (for its sink and the connection test). */
  openSettings(destination: StoredSiemDestination): SiemDestinationSettings {
    return openDestinationSettings(this.#options.settingsKey, destination)
  }

  /** Start forwarding from this node: every poll interval, a worker for each enabled destination it has none for. */
  start(): void {
    if (this.#running) {
      return
    }
    this.#running = true
    this.#supervisor = this.#supervise()
  }

  /** New activities were committed, or destinations changed: look now instead of at the next poll. */
  wake(): void {
    this.#nap.wake()
    for (const worker of this.#workers.values()) {
      worker.wake()
    }
  }

  /**
   * Stop every worker: each finishes its batch in flight within `graceMs` (default the sink timeout),
   * else abandons it without recording it; then leases are released.
   */
  async stop(graceMs: number = this.#options.config.timeoutMs): Promise<void> {
    if (!this.#running) {
      return
    }
    this.#running = false
    this.#nap.wakeAll()
    await this.#supervisor
    const workers = [...this.#workers.values()]
    for (const worker of workers) {
      worker.stop()
    }
    const all = Promise.allSettled(workers.map((w) => w.done))
    if (!(await settlesWithin(all, graceMs))) {
      await Promise.all(workers.map((worker) => worker.abandon()))
      // A delivery that does not give up when its connection closes cannot hold the shutdown: its
      // batch is not recorded either way.
      await settlesWithin(all, 1000)
    }
    this.#workers.clear()
  }

  async #supervise(): Promise<void> {
    while (this.#running) {
      try {
        await this.#reconcile()
      } catch (error) {
        this.#logger.error({ err: error }, 'SIEM forwarder could not list destinations; retrying')
      }
      if (this.#running) {
        await this.#nap.sleep(this.#options.config.pollMs, true)
      }
    }
  }

  async #reconcile(): Promise<void> {
    const destinations = await this.#options.store.siem.list()
    for (const destination of destinations) {
      if (!destination.enabled || this.#workers.has(destination.id) || !this.#running) {
        continue
      }
      const { config, store, metrics, now } = this.#options
      const worker = new DestinationWorker(destination.id, {
        store,
        nodeId: this.nodeId,
        pollMs: config.pollMs,
        batchSize: config.batchSize,
        leaseMs: config.leaseMs,
        retryMaxMs: config.retryMaxMs,
        pendingCountLimit: config.pendingCountLimit,
        now: now ?? Date.now,
        openSettings: (d) => this.openSettings(d),
        createSink: this.createSink,
        sinkContext: this.sinkContext,
        metrics: metrics ?? null,
        logger: this.#logger,
      })
      this.#workers.set(destination.id, worker)
      // A worker ends when its destination is deleted or disabled; re-enabling starts a new one.
      void worker.done.finally(() => {
        if (this.#workers.get(destination.id) === worker) {
          this.#workers.delete(destination.id)
        }
      })
    }
  }
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([promise.then(() => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}
