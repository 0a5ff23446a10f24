/**
 * What the governance record of a reveal says about the private activities it showed (privacy rule 6):
 * how many, and which: their ids, or past {@link MAX_LISTED_REVEALED_IDS} a digest of them, so that one
 * record stays small however large the page. Ids only: a record never holds a private detail.
 *
 * @module
 */

import { createHash } from 'node:crypto'

/** Most ids one record lists; past it the record carries a digest instead. */
export const MAX_LISTED_REVEALED_IDS = 1000

export type RevealedActivities =
  | { readonly count: number; readonly ids: readonly string[] }
  /** `sha256:` and the hex SHA-256 of the ids sorted and joined by `\n`. */
  | { readonly count: number; readonly idsDigest: string }

/**
 * Summarize the ids of the private activities a reveal showed. The digest is order-independent: anyone
 * holding a candidate list of ids can check it against the record.
 *
 * @example
 * summarizeRevealed(['b', 'a']) // { count: 2, ids: ['b', 'a'] }
 * summarizeRevealed(manyIds)    // { count: 5000, idsDigest: 'sha256:9f2c…' }
 */
export function summarizeRevealed(ids: readonly string[]): RevealedActivities {
  if (ids.length <= MAX_LISTED_REVEALED_IDS) {
    return { count: ids.length, ids: [...ids] }
  }
  return { count: ids.length, idsDigest: revealedIdsDigest(ids) }
}

/** The digest {@link summarizeRevealed} records for a list of ids. */
export function revealedIdsDigest(ids: readonly string[]): string {
  return `sha256:${createHash('sha256').update([...ids].sort().join('\n')).digest('hex')}`
}
