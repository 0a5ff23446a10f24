/**
 * The ingest rate of this node, per minute, from its `veil_ingest_records_total{outcome="accepted"}`
 * counter: the counter is sampled every few seconds and the samples of the last minutes are kept, so
 * the overview can say how many records were accepted in each recent minute without a query over the
 * activities (their `received_at` has no index, and one just for this would slow every insert).
 *
 * It is this node's rate, since this node started; with several nodes each reports its own. Like the
 * counter it reads, it counts public activities only: the overview is read by admins who may not
 * reveal, and a rate that counted private activities would tell them, beside the public activity log,
 * how many private activities arrived in each minute (privacy rule 4).
 *
 * @module
 */

const MINUTE_MS = 60_000

export interface IngestRateMeterOptions {
  /** The counter's current total. */
  readonly readTotal: () => Promise<number>
  /** ms since the epoch. */
  readonly clock: () => number
  /** How often the counter is sampled; default 5 s. */
  readonly sampleMs?: number
  /** How many whole minutes are reported; default 15. */
  readonly windowMinutes?: number
}

/** Accepted records in one minute; null for a minute before the meter's first sample. */
export interface MinuteCount {
  /** The minute's first ms. */
  readonly minute: number
  readonly accepted: number | null
}

export interface IngestRate {
  /** The last whole minutes, oldest first. */
  readonly perMinute: MinuteCount[]
  /** Accepted in the 60 s before now; null until the meter has samples that old. */
  readonly lastMinute: number | null
  /** When this node's meter took its first sample. */
  readonly since: number | null
}

interface Sample {
  readonly at: number
  readonly total: number
}

export class IngestRateMeter {
  readonly #readTotal: () => Promise<number>
  readonly #clock: () => number
  readonly #sampleMs: number
  readonly #windowMinutes: number
  #samples: Sample[] = []
  #timer: NodeJS.Timeout | null = null

  constructor(options: IngestRateMeterOptions) {
    this.#readTotal = options.readTotal
    this.#clock = options.clock
    this.#sampleMs = options.sampleMs ?? 5_000
    this.#windowMinutes = options.windowMinutes ?? 15
  }

  /** Start sampling (the timer does not keep the process alive). */
  start(): void {
    if (this.#timer) {
      return
    }
    void this.sample()
    this.#timer = setInterval(() => void this.sample(), this.#sampleMs)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer) {
      clearInterval(this.#timer)
      this.#timer = null
    }
  }

  /** Take one sample now and drop those no longer needed. */
  async sample(): Promise<void> {
    const total = await this.#readTotal().catch(() => null)
    if (total === null) {
      return
    }
    const at = this.#clock()
    this.#samples.push({ at, total })
    const keepFrom = at - (this.#windowMinutes + 2) * MINUTE_MS
    // Keep one sample older than the window, so the first minute of the window has its start.
    while (this.#samples.length > 2 && (this.#samples[1]?.at ?? at) < keepFrom) {
      this.#samples.shift()
    }
  }

  /** The per-minute counts now (a fresh sample is taken first). */
  async rate(): Promise<IngestRate> {
    await this.sample()
    const now = this.#clock()
    const currentMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS
    const perMinute: MinuteCount[] = []
    for (let i = this.#windowMinutes; i >= 1; i -= 1) {
      const minute = currentMinute - i * MINUTE_MS
      const start = this.#totalAt(minute)
      const end = this.#totalAt(minute + MINUTE_MS)
      perMinute.push({ minute, accepted: start === null || end === null ? null : end - start })
    }
    const before = this.#totalAt(now - MINUTE_MS)
    const latest = this.#samples.at(-1)?.total ?? null
    return { perMinute, lastMinute: before === null || latest === null ? null : latest - before, since: this.#samples[0]?.at ?? null }
  }

  /** The total of the last sample at or before `at`; null when there is none. */
  #totalAt(at: number): number | null {
    let found: number | null = null
    for (const sample of this.#samples) {
      if (sample.at > at) {
        break
      }
      found = sample.total
    }
    return found
  }
}
