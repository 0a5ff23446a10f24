import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MAX_LISTED_PLACEHOLDER_IDS, PlaceholderTally } from './placeholder-tally.js'

describe('PlaceholderTally', () => {
  it('should list the ids up to the limit', () => {
    const tally = new PlaceholderTally()
    expect(tally.summary()).toEqual({ count: 0, ids: [] })
    tally.add('b')
    tally.add('a')
    expect(tally.summary()).toEqual({ count: 2, ids: ['b', 'a'] })
  })

  it('should give a digest of the ids in export order past the limit', () => {
    const tally = new PlaceholderTally()
    const ids = Array.from({ length: MAX_LISTED_PLACEHOLDER_IDS + 1 }, (_, i) => `p-${i}`)
    ids.forEach((id) => tally.add(id))
    expect(tally.count).toBe(ids.length)
    expect(tally.summary()).toEqual({ count: ids.length, idsDigest: `sha256:${createHash('sha256').update(ids.join('\n')).digest('hex')}`, digestOrder: 'export' })
  })
})
