/**
 * The governance log's filters (action, initiator, time range) as the list, the export and the CLI
 * take them: checked, every problem named by its field, times as ISO 8601 or ms since the epoch.
 *
 * @module
 */

import type { ErrorDetail } from '../../core/errors.js'
import { GOVERNANCE_ACTIONS } from '../../core/governance/governance-record.js'
import { readTimeParameter } from '../../core/query/time-parameter.js'
import type { GovernanceExportFilters } from './governance-export.js'

/** The list's and the export's filters, checked; every problem named by its field. */
export function readGovernanceFilters(query: { readonly action?: string; readonly initiator?: string; readonly from?: string; readonly to?: string }, problems: ErrorDetail[]): GovernanceExportFilters {
  const { action, initiator } = query
  if (action !== undefined && !(GOVERNANCE_ACTIONS as readonly string[]).includes(action)) {
    problems.push({ field: 'action', reason: `must be one of ${GOVERNANCE_ACTIONS.join(', ')}` })
  }
  const from = readTimeParameter(query.from, 'from', problems)
  const to = readTimeParameter(query.to, 'to', problems)
  if (from !== undefined && to !== undefined && from > to) {
    problems.push({ field: 'to', reason: 'must not be before from' })
  }
  return { action, initiator: initiator?.toLowerCase(), from, to }
}

