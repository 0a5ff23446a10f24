/**
 * Governance log use cases: read (itself recorded), verify, checkpoint. Appends of other actions
 * happen inside the use case that makes the change (see `accounts.ts`), in its transaction.
 *
 * @module
 */

import { DomainError } from '../../core/errors.js'
import { checkCheckpoint, type CheckpointVerdict, type GovernanceCheckpoint } from '../../core/governance/checkpoint.js'
import { GovernanceChainVerifier, type ChainVerdict, type GovernanceRecord } from '../../core/governance/governance-record.js'
import type { GovernanceListOptions } from '../../storage/store.js'
import type { Initiator, ServiceContext } from '../service-context.js'

/** A chain verdict, and when a checkpoint was given, how the chain compares with it. */
export type GovernanceVerdict = ChainVerdict & { readonly checkpoint?: CheckpointVerdict }

/**
 * Re-compute the whole chain and report the first broken link. With a checkpoint (kept off-box from
 * `veil governance checkpoint`), also report a chain that no longer reaches it or has another record
 * there: a truncated tail, which the chain alone cannot show.
 */
export async function governanceVerifier(ctx: ServiceContext, checkpoint?: GovernanceCheckpoint): Promise<GovernanceVerdict> {
  const verifier = new GovernanceChainVerifier(ctx.secrets.governanceKey)
  let hashAtCheckpoint: string | null = null
  let lastSeq = 0
  for await (const record of ctx.store.governance.readChain()) {
    if (!verifier.push(record)) {
      break
    }
    lastSeq = record.seq
    if (checkpoint && record.seq === checkpoint.seq) {
      hashAtCheckpoint = record.hash
    }
  }
  const verdict = verifier.verdict()
  return checkpoint && verdict.ok ? { ...verdict, checkpoint: checkCheckpoint(checkpoint, lastSeq, hashAtCheckpoint) } : verdict
}

/** The head of a verified chain, to keep off-box; null when the chain does not verify. */
export async function governanceCheckpointer(ctx: ServiceContext): Promise<{ verdict: ChainVerdict; checkpoint: GovernanceCheckpoint | null }> {
  const verdict = await governanceVerifier(ctx)
  return { verdict, checkpoint: verdict.ok ? { seq: verdict.count, hash: verdict.headHash } : null }
}

/** The filters and page of a governance log reading. */
export interface GovernanceReading extends GovernanceListOptions {
  /** Records per page (one more is read to tell whether there is a next page). */
  readonly limit: number
}

/**
 * Read one page of the governance log, newest first, and record the reading (`governance.read` with
 * the filters: auditors audit the auditors). The record is written after the read and before the
 * answer is sent; if it cannot be written the read fails with `governance_unavailable`.
 */
export async function governanceReader(ctx: ServiceContext, initiator: Initiator & { readonly tokenId: string | null }, reading: GovernanceReading): Promise<{ records: GovernanceRecord[]; hasNext: boolean }> {
  const found = await ctx.store.governance.list({ ...reading, limit: reading.limit + 1 })
  const records = found.slice(0, reading.limit)
  const filters = { action: reading.action ?? null, initiator: reading.initiator ?? null, from: reading.from ?? null, to: reading.to ?? null, beforeSeq: reading.beforeSeq ?? null, limit: reading.limit }
  try {
    await ctx.store.governance.append(
      {
        action: 'governance.read',
        target: 'governance log',
        initiator: initiator.upn,
        app: 'Veil',
        ip: initiator.ip,
        status: 'succeeded',
        justification: null,
        details: { filters, returned: records.length, tokenId: initiator.tokenId, channel: initiator.channel },
      },
      ctx.clock(),
    )
  } catch (error) {
    throw new DomainError('governance_unavailable', 'The governance log could not record this reading, so it is not shown; try again later', [], { cause: error })
  }
  return { records, hasNext: found.length > reading.limit }
}
