/**
 * The governance records of an export (`activities.export`). The row count is known only at the end,
 * so one export is two records sharing an `exportId`:
 *
 * - `phase: "started"`, written before the first byte of the export is sent; if it cannot be written
 *   the export does not start (`governance_unavailable`, fail closed). It holds who, from where, the
 *   request and the query as evaluated, the format, whether the export was made while revealing
 *   (`privatePlaceholders`: private activities appear as placeholder rows) and the justification.
 * - `phase: "completed" | "aborted" | "failed"`, written when the export ended: the rows written, and
 *   for a revealing export how many placeholders and for which private activities (ids or a digest).
 *   `aborted`: the client went away (or the output failed) before the end; `failed`: Veil could not
 *   read on. A started record without an end record means the node stopped during the export.
 *
 * @module
 */

import { DomainError } from '../../core/errors.js'
import type { GovernanceDraft, GovernanceStatus } from '../../core/governance/governance-record.js'
import type { AnchoredActivityQuery } from '../../core/query/cursor.js'
import type { Initiator, ServiceContext } from '../service-context.js'
import type { ExportFormat } from './export-encoder.js'
import type { PlaceholderSummary } from './placeholder-tally.js'

/** How an export ended. */
export type ExportOutcome = 'completed' | 'aborted' | 'failed'

/** One export as its governance records describe it. */
export interface ExportAttempt {
  readonly exportId: string
  readonly initiator: Initiator
  /** The API token the request came with, if any. */
  readonly tokenId: string | null
  /** Method and route (`POST /api/v1/activities/export`), or `veil export`. */
  readonly route: string
  /** What the caller sent, without the reveal parameters. */
  readonly request: Readonly<Record<string, unknown>>
  /** The query as evaluated: relative times resolved, the resume position. */
  readonly query: AnchoredActivityQuery
  readonly format: ExportFormat
  /** Made while revealing: private activities appear as placeholder rows. */
  readonly revealing: boolean
  readonly justification: string | null
  readonly maxRows: number | null
  readonly resumeAfter: string | null
}

/** What the end record says. */
export interface ExportResult {
  readonly outcome: ExportOutcome
  /** Rows written to the output (placeholders included); an aborted download may have received fewer. */
  readonly rows: number
  /** Only for an export made while revealing. */
  readonly placeholders: PlaceholderSummary | null
}

function base(attempt: ExportAttempt, status: GovernanceStatus): Omit<GovernanceDraft, 'details'> {
  return { action: 'activities.export', target: 'activities', initiator: attempt.initiator.upn, app: 'Veil', ip: attempt.initiator.ip, status, justification: attempt.justification }
}

async function append(ctx: ServiceContext, draft: GovernanceDraft, message: string): Promise<void> {
  try {
    await ctx.store.governance.append(draft, ctx.clock())
  } catch (error) {
    throw new DomainError('governance_unavailable', message, [], { cause: error })
  }
}

/** Record the start of an export; throws `governance_unavailable` when it cannot be written. */
export async function exportStartRecorder(ctx: ServiceContext, attempt: ExportAttempt): Promise<void> {
  const { query } = attempt
  await append(
    ctx,
    {
      ...base(attempt, 'succeeded'),
      details: {
        phase: 'started',
        exportId: attempt.exportId,
        format: attempt.format,
        privatePlaceholders: attempt.revealing,
        route: attempt.route,
        request: attempt.request,
        query: { conditions: query.conditions, sort: query.sort, after: query.after, anchor: query.anchor },
        maxRows: attempt.maxRows,
        resumeAfter: attempt.resumeAfter,
        tokenId: attempt.tokenId,
        channel: attempt.initiator.channel,
      },
    },
    'The governance log could not be written, so the export was not started; try again later',
  )
}

/** Record the end of an export; throws `governance_unavailable` when it cannot be written. */
export async function exportEndRecorder(ctx: ServiceContext, attempt: ExportAttempt, result: ExportResult): Promise<void> {
  await append(
    ctx,
    {
      ...base(attempt, result.outcome === 'completed' ? 'succeeded' : 'failed'),
      details: {
        phase: result.outcome,
        exportId: attempt.exportId,
        format: attempt.format,
        privatePlaceholders: attempt.revealing,
        rows: result.rows,
        ...(result.placeholders ? { placeholders: result.placeholders } : {}),
        route: attempt.route,
        tokenId: attempt.tokenId,
        channel: attempt.initiator.channel,
      },
    },
    'The governance log could not be written: the end of the export is not recorded',
  )
}
