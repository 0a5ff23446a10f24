import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors.js'
import { checkCheckpoint, formatCheckpoint, parseCheckpoint } from './checkpoint.js'
import { GENESIS_HASH } from './governance-record.js'

const HASH = 'ab'.repeat(32)
const OTHER = 'cd'.repeat(32)

describe('governance checkpoints', () => {
  it('should write SEQ:HASH and read it back, case and spaces aside', () => {
    expect(formatCheckpoint({ seq: 42, hash: HASH })).toBe(`42:${HASH}`)
    expect(parseCheckpoint(` 42:${HASH.toUpperCase()}\n`)).toEqual({ seq: 42, hash: HASH })
    expect(parseCheckpoint(`0:${GENESIS_HASH}`)).toEqual({ seq: 0, hash: GENESIS_HASH })
  })

  it.each([['42'], [`x:${HASH}`], [`42:${HASH.slice(1)}`], [`-1:${HASH}`], [`0:${HASH}`]])('should refuse %s', (text) => {
    expect(() => parseCheckpoint(text)).toThrow(ValidationError)
  })

  it.each([
    ['match at the head', { seq: 5, hash: HASH }, 5, HASH, { ok: true, seq: 5 }],
    ['match below a longer chain', { seq: 5, hash: HASH }, 9, HASH, { ok: true, seq: 5 }],
    ['accept any chain for an empty-log checkpoint', { seq: 0, hash: GENESIS_HASH }, 0, null, { ok: true, seq: 0 }],
    ['detect a truncated tail', { seq: 5, hash: HASH }, 3, null, { ok: false, reason: 'truncated', seq: 5, chainEndsAt: 3 }],
    ['detect a missing record at the checkpoint', { seq: 5, hash: HASH }, 6, null, { ok: false, reason: 'truncated', seq: 5, chainEndsAt: 6 }],
    ['detect a rebuilt record', { seq: 5, hash: HASH }, 7, OTHER, { ok: false, reason: 'hash_mismatch', seq: 5, foundHash: OTHER }],
  ] as const)('should %s', (_name, checkpoint, chainEndsAt, hashAtSeq, expected) => {
    expect(checkCheckpoint(checkpoint, chainEndsAt, hashAtSeq)).toEqual(expected)
  })
})
