import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MAX_LISTED_REVEALED_IDS, revealedIdsDigest, summarizeRevealed } from './reveal-record.js'

describe('summarizeRevealed', () => {
  it('should list the ids of up to MAX_LISTED_REVEALED_IDS private activities, in answer order', () => {
    expect(summarizeRevealed([])).toEqual({ count: 0, ids: [] })
    expect(summarizeRevealed(['b', 'a'])).toEqual({ count: 2, ids: ['b', 'a'] })
    const many = Array.from({ length: MAX_LISTED_REVEALED_IDS }, (_, i) => `id-${i}`)
    expect(summarizeRevealed(many)).toEqual({ count: MAX_LISTED_REVEALED_IDS, ids: many })
  })

  it('should record an order-independent digest instead past MAX_LISTED_REVEALED_IDS', () => {
    const many = Array.from({ length: MAX_LISTED_REVEALED_IDS + 1 }, (_, i) => `id-${i}`)
    const summary = summarizeRevealed(many)
    expect(summary).toEqual({ count: MAX_LISTED_REVEALED_IDS + 1, idsDigest: revealedIdsDigest([...many].reverse()) })
    expect(revealedIdsDigest(['b', 'a'])).toBe(`sha256:${createHash('sha256').update('a\nb').digest('hex')}`)
  })
})
