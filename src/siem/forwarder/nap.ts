/**
 * A sleep that can be cut short: idle naps end when new activities are committed (`wake`), every nap
 * ends when the forwarder stops (`wakeAll`). Timers are unref'd: a nap never keeps the process alive.
 *
 * @module
 */

interface Sleeper {
  readonly wakeable: boolean
  readonly end: () => void
}

export class Nap {
  readonly #sleepers = new Set<Sleeper>()

  /** Sleep `ms`; a `wakeable` nap also ends at the next {@link wake}. */
  sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        wakeable,
        end: () => {
          clearTimeout(timer)
          this.#sleepers.delete(sleeper)
          resolve()
        },
      }
      const timer = setTimeout(sleeper.end, Math.max(0, ms))
      timer.unref()
      this.#sleepers.add(sleeper)
    })
  }

  /** End the wakeable naps. */
  wake(): void {
    for (const sleeper of [...this.#sleepers]) {
      if (sleeper.wakeable) {
        sleeper.end()
      }
    }
  }

  /** End every nap. */
  wakeAll(): void {
    for (const sleeper of [...this.#sleepers]) {
      sleeper.end()
    }
  }
}
