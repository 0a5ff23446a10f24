/**
 * The governance log's chain status: the server re-computes the hash chain (`GET
 * /api/v1/governance/verify`) and the page says "verified up to record N" or "broken at record N" and
 * why. Verifying is not itself recorded (it shows no record's content).
 */
import { verifyGovernanceChain } from '../../api/governance.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { formatCount } from '../../ui/format.js'
import { useAsync } from '../../ui/use-async.js'

const BREAK_REASONS: Readonly<Record<string, string>> = {
  content_changed: 'the record’s content or hash was changed',
  link_broken: 'the record does not point at the record before it: one was deleted, inserted or moved',
  sequence_gap: 'the sequence numbers skip: a record was deleted, inserted or moved',
}

export function ChainStatus() {
  const verdict = useAsync((signal) => verifyGovernanceChain(signal), [])
  const again = (
    <button type="button" className="button button-small" onClick={verdict.reload} disabled={verdict.loading}>
      Verify again
    </button>
  )
  if (verdict.error) {
    return <ErrorBanner error={verdict.error} />
  }
  if (!verdict.data) {
    return (
      <Banner tone="info" label="Chain status">
        Verifying the chain of records…
      </Banner>
    )
  }
  const v = verdict.data
  if (v.ok) {
    return (
      <Banner tone="success" label="Chain status" actions={again}>
        <strong>Chain verified up to record {formatCount(v.count)}.</strong> No record was changed, removed or inserted.
      </Banner>
    )
  }
  return (
    <Banner tone="error" label="Chain status" actions={again}>
      <strong>Chain broken at record {formatCount(v.broken.seq)}</strong>: {BREAK_REASONS[v.broken.reason] ?? v.broken.reason}. Verified up to record {formatCount(v.verifiedUpTo)}
      ; records from {formatCount(v.broken.seq)} on cannot be trusted.
    </Banner>
  )
}
