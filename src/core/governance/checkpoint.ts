/**
 * Checkpoints of the governance chain: its head (sequence number and hash) written down somewhere the
 * database's owner cannot reach. A hash chain alone proves that what is there was not edited, but not
 * that nothing was cut off its end; comparing with a checkpoint kept off-box does: the chain must still
 * reach the checkpoint's sequence number, with the same hash there.
 *
 * The hash is an HMAC under the governance key, which is not in the database, so a checkpoint cannot
 * be matched by a rebuilt chain without that key.
 *
 * @module
 */

import { ValidationError } from '../errors.js'
import { GENESIS_HASH } from './governance-record.js'

/** A chain head: `seq` (0 for an empty log) and the hash of the record at `seq`. */
export interface GovernanceCheckpoint {
  readonly seq: number
  readonly hash: string
}

export type CheckpointVerdict =
  | { readonly ok: true; readonly seq: number }
  /** The chain ends before the checkpoint: records were cut off its end. */
  | { readonly ok: false; readonly reason: 'truncated'; readonly seq: number; readonly chainEndsAt: number }
  /** The record at the checkpoint's position is another one: the chain was rebuilt from there or before. */
  | { readonly ok: false; readonly reason: 'hash_mismatch'; readonly seq: number; readonly foundHash: string }

/** `SEQ:HASH`, one line to keep off-box. */
export function formatCheckpoint(checkpoint: GovernanceCheckpoint): string {
  return `${checkpoint.seq}:${checkpoint.hash}`
}

/**
 * Read `SEQ:HASH` as {@link formatCheckpoint} writes it.
 *
 * @example
 * parseCheckpoint('42:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08') // { seq: 42, hash: '9f86…' }
 */
export function parseCheckpoint(text: string): GovernanceCheckpoint {
  const match = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text.trim().toLowerCase())
  if (!match) {
    throw new ValidationError(`"${text}" is not a checkpoint`, [{ field: 'checkpoint', reason: 'must be SEQ:HASH as `veil governance checkpoint` prints it, e.g. 42:9f86d0…(64 hex characters)' }])
  }
  const seq = Number(match[1])
  const hash = match[2] as string
  if (seq === 0 && hash !== GENESIS_HASH) {
    throw new ValidationError(`"${text}" is not a checkpoint`, [{ field: 'checkpoint', reason: 'sequence number 0 (an empty log) goes with the hash 000…0' }])
  }
  return { seq, hash }
}

/**
 * Compare a verified chain with a checkpoint. `chainEndsAt` is the last sequence number of the chain,
 * `hashAtSeq` the hash of its record at `checkpoint.seq` (null when it has none).
 *
 * @example
 * checkCheckpoint({ seq: 10, hash }, 8, null) // { ok: false, reason: 'truncated', seq: 10, chainEndsAt: 8 }
 */
export function checkCheckpoint(checkpoint: GovernanceCheckpoint, chainEndsAt: number, hashAtSeq: string | null): CheckpointVerdict {
  if (checkpoint.seq === 0) {
    return { ok: true, seq: 0 }
  }
  if (chainEndsAt < checkpoint.seq || hashAtSeq === null) {
    return { ok: false, reason: 'truncated', seq: checkpoint.seq, chainEndsAt }
  }
  if (hashAtSeq !== checkpoint.hash) {
    return { ok: false, reason: 'hash_mismatch', seq: checkpoint.seq, foundHash: hashAtSeq }
  }
  return { ok: true, seq: checkpoint.seq }
}
