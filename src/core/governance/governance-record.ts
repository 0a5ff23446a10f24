/**
 * The governance log: an append-only, hash-chained record of administrative actions (privacy rule 10).
 *
 * Each record carries the hash of its predecessor and its own hash over its content and that link. The
 * hash is an HMAC-SHA-256 under a key that is not in the database, so whoever can write the database
 * cannot recompute a valid chain after an edit. Verification walks the chain in order and reports the
 * first record where content, link or sequence do not agree: edits, deletions, insertions and
 * reorderings all break one of them.
 *
 * @module
 */

import { createHmac } from 'node:crypto'

/** Action names are `resource.verb`; the list doubles as the type. Later capabilities add theirs here. */
export const GOVERNANCE_ACTIONS = [
  'account.create',
  'account.roles.change',
  'account.password.change',
  'account.disable',
  'account.enable',
  'token.create',
  'token.revoke',
  'activities.reveal',
  'activities.export',
  'privacy_groups.change',
  'privacy_permission.grant',
  'privacy_permission.revoke',
  'privacy.retroactive',
  'privacy_key.rotate',
  'privacy_permission.suspend',
  'privacy_permission.reinstate',
  'privacy_permission.expire',
  'governance.read',
  'governance.export',
  'scope.change',
  'managed_domains.change',
  'siem_destination.change',
  'siem_destination.backfill',
  'connector.change',
  'connector.run',
  'directory.import',
  'directory.change',
] as const
export type GovernanceAction = (typeof GOVERNANCE_ACTIONS)[number]

export type GovernanceStatus = 'succeeded' | 'failed'

/** What a caller supplies to append a record; sequence, time and hashes are filled in by the store. */
export interface GovernanceDraft {
  readonly action: GovernanceAction
  /** What the action was applied to, e.g. the UPN of an account or a token id. */
  readonly target: string
  /** Who did it: a UPN, or `system` / `cli` for actions without an authenticated user. */
  readonly initiator: string
  /** The app the action concerns (Defender's column); `Veil` for Veil's own settings. */
  readonly app: string
  /** Where the request came from, when over the network. */
  readonly ip: string | null
  readonly status: GovernanceStatus
  readonly justification: string | null
  /** Action-specific details (before/after, filters, counts). Plain JSON. */
  readonly details: Readonly<Record<string, unknown>>
}

export interface GovernanceRecord extends GovernanceDraft {
  /** 1, 2, 3, ... without gaps. */
  readonly seq: number
  /** ms since the epoch. */
  readonly time: number
  readonly prevHash: string
  readonly hash: string
}

/** The `prevHash` of the first record. */
export const GENESIS_HASH = '0'.repeat(64)

/** JSON with object keys sorted at every level, so that the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value ?? null)
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item)).join(',')}]`
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

/** The hash of a record: HMAC-SHA-256 over the predecessor's hash and the record's canonical content. */
export function hashGovernanceRecord(key: Buffer, record: Omit<GovernanceRecord, 'hash'>): string {
  const content = canonicalJson({
    seq: record.seq,
    time: record.time,
    action: record.action,
    target: record.target,
    initiator: record.initiator,
    app: record.app,
    ip: record.ip,
    status: record.status,
    justification: record.justification,
    details: record.details,
  })
  return createHmac('sha256', key).update(record.prevHash).update('\n').update(content).digest('hex')
}

/** Build the next record of the chain from a draft, the previous record (or none) and the time. */
export function sealGovernanceRecord(key: Buffer, draft: GovernanceDraft, previous: { seq: number; hash: string } | null, time: number): GovernanceRecord {
  const unsealed = {
    ...draft,
    seq: (previous?.seq ?? 0) + 1,
    time,
    prevHash: previous?.hash ?? GENESIS_HASH,
  }
  return { ...unsealed, hash: hashGovernanceRecord(key, unsealed) }
}

export type ChainBreakReason =
  /** The record's content or hash was changed. */
  | 'content_changed'
  /** The record does not point at the record before it: one was deleted, inserted or moved. */
  | 'link_broken'
  /** Sequence numbers are not 1, 2, 3, ...: a record was deleted, inserted or moved. */
  | 'sequence_gap'

export interface ChainBreak {
  /** Sequence number of the first record that does not verify (the position in the chain, 1-based). */
  readonly position: number
  readonly seq: number
  readonly reason: ChainBreakReason
}

export type ChainVerdict =
  | { readonly ok: true; readonly count: number; readonly headHash: string }
  | { readonly ok: false; readonly count: number; readonly verifiedUpTo: number; readonly broken: ChainBreak }

/**
 * Streaming verifier: feed records in stored order, then read the verdict. Stops at the first break.
 *
 * @example
 * const verifier = new GovernanceChainVerifier(key)
 * for await (const r of store.governance.readChain()) if (!verifier.push(r)) break
 * verifier.verdict()
 */
export class GovernanceChainVerifier {
  readonly #key: Buffer
  #count = 0
  #previous: { seq: number; hash: string } | null = null
  #broken: ChainBreak | null = null

  constructor(key: Buffer) {
    this.#key = key
  }

  /** Check one record; returns false once the chain is broken (later records are not checked). */
  push(record: GovernanceRecord): boolean {
    if (this.#broken) {
      return false
    }
    const position = this.#count + 1
    const expectedSeq = (this.#previous?.seq ?? 0) + 1
    const expectedPrev = this.#previous?.hash ?? GENESIS_HASH
    let reason: ChainBreakReason | null = null
    if (hashGovernanceRecord(this.#key, record) !== record.hash) {
      reason = 'content_changed'
    } else if (record.prevHash !== expectedPrev) {
      reason = 'link_broken'
    } else if (record.seq !== expectedSeq) {
      reason = 'sequence_gap'
    }
    if (reason) {
      this.#broken = { position, seq: record.seq, reason }
      return false
    }
    this.#count = position
    this.#previous = { seq: record.seq, hash: record.hash }
    return true
  }

  verdict(): ChainVerdict {
    if (this.#broken) {
      return { ok: false, count: this.#count, verifiedUpTo: this.#previous?.seq ?? 0, broken: this.#broken }
    }
    return { ok: true, count: this.#count, headHash: this.#previous?.hash ?? GENESIS_HASH }
  }
}
