/**
 * Rate limit of reveals per admin: at most `perHour` revealing requests in any sliding hour. A burst
 * of reveals is what mass exfiltration by a permitted admin looks like, so it is slowed down and shows
 * up (429s, the `veil_reveals_total` metric). The window is kept in memory per node; behind a load
 * balancer with N nodes an admin can make up to N × `perHour`.
 *
 * @module
 */

const HOUR_MS = 3_600_000

export type RevealAdmission = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number }

export class RevealRateLimiter {
  readonly #perHour: number
  readonly #clock: () => number
  /** Times of the admitted reveals of the last hour, oldest first, by admin. */
  readonly #admitted = new Map<string, number[]>()

  constructor(options: { readonly perHour: number; readonly clock: () => number }) {
    this.#perHour = options.perHour
    this.#clock = options.clock
  }

  /** Admit one reveal by `admin` now, or say when the oldest one in the window leaves it. */
  admit(admin: string): RevealAdmission {
    const now = this.#clock()
    const times = (this.#admitted.get(admin) ?? []).filter((t) => t > now - HOUR_MS)
    if (times.length >= this.#perHour) {
      this.#admitted.set(admin, times)
      const oldest = times[0] as number
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + HOUR_MS - now) / 1000)) }
    }
    times.push(now)
    this.#admitted.set(admin, times)
    return { allowed: true }
  }
}
