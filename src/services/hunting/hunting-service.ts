/**
 * Hunting queries as a use case: check the query, wait for one of this node's slots, run it on the
 * store under the time limit, and write the answer as Defender's hunting API does (`schema`,
 * `results`, `stats`).
 *
 * There is no reveal here: hunting never reads private activities, whoever asks (privacy rule 8).
 *
 * @module
 */

import { performance } from 'node:perf_hooks'

import type { HuntingConfig } from '../../config/config.js'
import { DomainError } from '../../core/errors.js'
import { formatHuntingValue, huntingSchema, prepareHuntingQuery } from '../../core/hunting/hunting-query.js'
import { formatDatetime } from '../../core/hunting/hunting-time.js'
import type { Store } from '../../storage/store.js'

export interface HuntingAnswer {
  /** Each column's name and type (`String`, `Int64`, `Double`, `Boolean`, `DateTime`, `TimeSpan`, `Object`). */
  readonly schema: Array<{ name: string; type: string }>
  /** One object per row, its keys in the schema's order. */
  readonly results: Array<Record<string, unknown>>
  readonly stats: {
    readonly rows: number
    readonly elapsedMs: number
    /** More rows matched than the row limit; `results` holds the first ones. */
    readonly truncated: boolean
    /** The time range read: `to` is null for "until now and after". */
    readonly timespan: { readonly from: string; readonly to: string | null }
  }
}

/**
 * At most `size` queries at once on this node, the rest wait in turn. A query that is still waiting
 * when its time limit is over fails with `hunting_busy` rather than start late.
 */
export class HuntingSlots {
  #free: number
  readonly #waiting: Array<{ grant: () => void }> = []

  constructor(size: number) {
    this.#free = size
  }

  /** Resolves with the slot's release once one is free; rejects with `hunting_busy` at `deadline`. */
  acquire(deadline: number): Promise<() => void> {
    const release = (): void => {
      const next = this.#waiting.shift()
      if (next) {
        next.grant()
      } else {
        this.#free += 1
      }
    }
    if (this.#free > 0) {
      this.#free -= 1
      return Promise.resolve(release)
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer)
          resolve(release)
        },
      }
      const timer = setTimeout(() => {
        const index = this.#waiting.indexOf(waiter)
        if (index >= 0) {
          this.#waiting.splice(index, 1)
        }
        reject(new DomainError('hunting_busy', 'Every hunting slot of this node was taken for the whole time limit; retry later'))
      }, Math.max(0, deadline - Date.now()))
      this.#waiting.push(waiter)
    })
  }
}

export class HuntingService {
  readonly #store: Store
  readonly #clock: () => number
  readonly #config: HuntingConfig
  readonly #slots: HuntingSlots

  constructor(store: Store, clock: () => number, config: HuntingConfig) {
    this.#store = store
    this.#clock = clock
    this.#config = config
    this.#slots = new HuntingSlots(config.concurrency)
  }

  /**
   * Run a query over the window `timespan` names (default: the last `defaultWindowMs`). Throws
   * QueryTextError (`hunting_query_invalid`, `hunting_query_too_expensive`), ValidationError (the
   * timespan), DomainError `hunting_query_too_expensive` (time limit) or `hunting_busy`.
   */
  async query(text: string, timespan: string | null): Promise<HuntingAnswer> {
    const started = performance.now()
    const startedAt = Date.now()
    const plan = prepareHuntingQuery(text, { now: this.#clock(), timespan, limits: this.#config })
    const release = await this.#slots.acquire(startedAt + this.#config.timeoutMs)
    let result
    try {
      result = await this.#store.hunting.run(plan, { timeoutMs: this.#config.timeoutMs, startedAt })
    } finally {
      release()
    }
    const results = result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, formatHuntingValue(c.type, row[i])])))
    return {
      schema: huntingSchema(plan),
      results,
      stats: {
        rows: results.length,
        elapsedMs: Math.round((performance.now() - started) * 10) / 10,
        truncated: result.truncated,
        timespan: { from: formatDatetime(plan.window.from), to: plan.window.to === null ? null : formatDatetime(plan.window.to) },
      },
    }
  }
}
