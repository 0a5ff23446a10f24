/**
 * What the completion record of a revealing export says about its placeholder rows: how many, and
 * which private activities they stood for — their ids, or past {@link MAX_LISTED_PLACEHOLDER_IDS} a
 * digest. Ids only, as in reveal records; the export itself never carries them.
 *
 * @module
 */

import { createHash, type Hash } from 'node:crypto'

/** Most ids one record lists; past it the record carries a digest instead. */
export const MAX_LISTED_PLACEHOLDER_IDS = 1000

export type PlaceholderSummary =
  | { readonly count: number; readonly ids: readonly string[] }
  /**
   * `sha256:` and the hex SHA-256 of the ids joined by `\n` in export order (the export's sort, then id),
   * computed as the export streams so that memory stays constant however many placeholders it has.
   */
  | { readonly count: number; readonly idsDigest: string; readonly digestOrder: 'export' }

/** Counts the placeholder rows of one export as they are written. */
export class PlaceholderTally {
  #count = 0
  #ids: string[] | null = []
  readonly #hash: Hash = createHash('sha256')

  add(id: string): void {
    this.#hash.update(this.#count === 0 ? id : `\n${id}`)
    this.#count += 1
    if (this.#ids !== null) {
      this.#ids.push(id)
      if (this.#ids.length > MAX_LISTED_PLACEHOLDER_IDS) {
        this.#ids = null
      }
    }
  }

  get count(): number {
    return this.#count
  }

  /** The summary so far; call once, at the end (the digest is final then). */
  summary(): PlaceholderSummary {
    if (this.#ids !== null) {
      return { count: this.#count, ids: [...this.#ids] }
    }
    return { count: this.#count, idsDigest: `sha256:${this.#hash.digest('hex')}`, digestOrder: 'export' }
  }
}
