/**
 * The connector scheduler of one node (`veil serve`): every poll interval it looks at every enabled
 * connector and runs those that are due (their next run time has come and they are not paused) or that
 * were asked to run (`POST /api/v1/connectors/{id}/run`), each under its lease.
 *
 * Several nodes on one database run each connector on one node at a time, the way the SIEM forwarder
 * shares destinations: a lease row per connector (holder, expiry), taken only when free or lapsed,
 * renewed while the run lasts, given up when it ends, and every checkpoint write fenced on it. The
 * schedule lives in the database, so whichever node takes the lease next runs the next run.
 *
 * @module
 */

import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'

import type { StoredConnector } from '../storage/store.js'
import { connectorRunner, type ConnectorRunDeps, type ConnectorRunOutcome } from './connector-run.js'

/** A lease-holder name that tells operators which node runs a connector: host, process, a random part. */
export function connectorNodeId(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`
}

export interface ConnectorSchedulerOptions extends Omit<ConnectorRunDeps, 'nodeId'> {
  readonly nodeId?: string
}

interface ActiveRun {
  readonly controller: AbortController
  readonly done: Promise<ConnectorRunOutcome>
}

export class ConnectorScheduler {
  readonly nodeId: string
  readonly #deps: ConnectorRunDeps
  readonly #runs = new Map<string, ActiveRun>()
  #running = false
  #timer: NodeJS.Timeout | null = null
  #wakeUp: (() => void) | null = null
  #loop: Promise<void> | null = null

  constructor(options: ConnectorSchedulerOptions) {
    this.nodeId = options.nodeId ?? connectorNodeId()
    this.#deps = Object.freeze({ ...options, nodeId: this.nodeId })
  }

  get running(): boolean {
    return this.#running
  }

  /** Start looking for due connectors every `pollMs`. */
  start(): void {
    if (this.#running) {
      return
    }
    this.#running = true
    this.#loop = this.#supervise()
  }

  /** A connector changed or was asked to run: look now instead of at the next poll. */
  wake(): void {
    this.#wakeUp?.()
  }

  /**
   * Run connector `id` now on this node (the CLI's `veil connectors run`, tests), whether or not it is
   * due; `skipped` with `leased` when another node is running it.
   */
  async runNow(id: string, signal: AbortSignal = new AbortController().signal): Promise<ConnectorRunOutcome> {
    const active = this.#runs.get(id)
    if (active) {
      return active.done
    }
    return this.#launch(id, signal).done
  }

  /** Stop: runs in flight stop at their next step (what they committed stays), leases are released. */
  async stop(): Promise<void> {
    this.#running = false
    this.#wakeUp?.()
    await this.#loop
    const runs = [...this.#runs.values()]
    for (const run of runs) {
      run.controller.abort()
    }
    await Promise.allSettled(runs.map((run) => run.done))
  }

  #launch(id: string, outer?: AbortSignal): ActiveRun {
    const controller = new AbortController()
    if (outer) {
      if (outer.aborted) {
        controller.abort()
      }
      outer.addEventListener('abort', () => controller.abort(), { once: true })
    }
    const done = connectorRunner(this.#deps, id, controller.signal)
      .catch((error: unknown): ConnectorRunOutcome => {
        // The store was unreachable before the run could start or record anything: the next poll tries again.
        this.#deps.logger.error({ connector: id, err: error }, 'connector run could not start')
        return { status: 'skipped', reason: 'missing' }
      })
      .then((outcome) => {
        if (outcome.status !== 'skipped') {
          this.#deps.onOutcome?.(id, outcome)
        }
        return outcome
      })
      .finally(() => {
        if (this.#runs.get(id)?.controller === controller) {
          this.#runs.delete(id)
        }
      })
    const run = { controller, done }
    this.#runs.set(id, run)
    return run
  }

  async #supervise(): Promise<void> {
    while (this.#running) {
      try {
        await this.#reconcile()
      } catch (error) {
        this.#deps.logger.error({ err: error }, 'connector scheduler could not read the connectors; retrying')
      }
      if (this.#running) {
        await new Promise<void>((resolve) => {
          this.#wakeUp = resolve
          this.#timer = setTimeout(resolve, this.#deps.config.pollMs)
          this.#timer.unref()
        })
        if (this.#timer) {
          clearTimeout(this.#timer)
        }
        this.#wakeUp = null
      }
    }
  }

  async #reconcile(): Promise<void> {
    const now = this.#deps.now()
    const connectors = new Map<string, StoredConnector>((await this.#deps.store.connectors.list()).map((c) => [c.id, c]))
    for (const state of await this.#deps.store.connectors.states()) {
      const connector = connectors.get(state.connectorId)
      if (!connector?.enabled || this.#runs.has(state.connectorId) || !this.#running) {
        continue
      }
      const requested = state.runRequestedAt !== null
      const due = state.pausedAt === null && (state.nextRunAt === null || state.nextRunAt <= now)
      const leaseFree = state.leaseHolder === null || (state.leaseExpiresAt ?? 0) <= now
      if ((requested || due) && leaseFree) {
        this.#launch(state.connectorId)
      }
    }
  }
}
