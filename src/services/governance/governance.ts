/**
 * Governance log use cases: read and verify. Appends happen inside the use case that makes the change
 * (see `accounts.ts`), in its transaction.
 *
 * @module
 */

import { GovernanceChainVerifier, type ChainVerdict } from '../../core/governance/governance-record.js'
import type { ServiceContext } from '../service-context.js'

/** Re-compute the whole chain and report the first broken link. */
export async function governanceVerifier(ctx: ServiceContext): Promise<ChainVerdict> {
  const verifier = new GovernanceChainVerifier(ctx.secrets.governanceKey)
  for await (const record of ctx.store.governance.readChain()) {
    if (!verifier.push(record)) {
      break
    }
  }
  return verifier.verdict()
}
