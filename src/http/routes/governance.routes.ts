/**
 * The governance log: read it (newest first, keyset paging by sequence number, filters by action,
 * initiator and time range) and verify its chain.
 *
 * Reading the log is itself a governance record (`governance.read`, with the filters), written before
 * the answer is sent. Verifying is not recorded: it returns no record's content (only a count, the
 * head hash and where the chain breaks), and monitoring polls it, which would fill the log with its
 * own reads.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ValidationError, type ErrorDetail } from '../../core/errors.js'
import { parseCheckpoint } from '../../core/governance/checkpoint.js'
import { GOVERNANCE_ACTIONS } from '../../core/governance/governance-record.js'
import { parseIsoTimestamp } from '../../core/query/defender-query.js'
import { governanceReader, governanceVerifier } from '../../services/governance/governance.js'
import type { AppDeps } from '../app.js'
import { initiatorOf, viewerOf } from '../auth.js'

const TIME_HINT = 'must be an ISO 8601 date-time with a time zone (e.g. 2024-05-01T00:00:00Z) or ms since the epoch'

/** A time bound of the filter: ms since the epoch or an ISO 8601 date-time. */
function timeBound(value: string | undefined, field: string, problems: ErrorDetail[]): number | undefined {
  if (value === undefined || value === '') {
    return undefined
  }
  const parsed = /^\d{1,15}$/.test(value) ? Number(value) : parseIsoTimestamp(value)
  if (parsed === null) {
    problems.push({ field, reason: TIME_HINT })
    return undefined
  }
  return parsed
}

export function registerGovernanceRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()

  app.get(
    '/api/v1/governance',
    {
      config: { access: 'governance.read' },
      schema: {
        tags: ['governance'],
        summary: 'Governance log, newest first (this reading is itself recorded, with its filters)',
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          beforeSeq: Type.Optional(Type.Integer({ minimum: 1 })),
          action: Type.Optional(Type.String({ maxLength: 100, description: `One action, e.g. activities.reveal: ${GOVERNANCE_ACTIONS.join(', ')}` })),
          initiator: Type.Optional(Type.String({ maxLength: 320, description: 'UPN of who did it (or system, cli)' })),
          from: Type.Optional(Type.String({ maxLength: 40, description: 'Records at or after this time (ISO 8601 or ms)' })),
          to: Type.Optional(Type.String({ maxLength: 40, description: 'Records at or before this time (ISO 8601 or ms)' })),
        }),
      },
    },
    async (request) => {
      const { limit, beforeSeq, action, initiator } = request.query
      const problems: ErrorDetail[] = []
      if (action !== undefined && !(GOVERNANCE_ACTIONS as readonly string[]).includes(action)) {
        problems.push({ field: 'action', reason: `must be one of ${GOVERNANCE_ACTIONS.join(', ')}` })
      }
      const from = timeBound(request.query.from, 'from', problems)
      const to = timeBound(request.query.to, 'to', problems)
      if (from !== undefined && to !== undefined && from > to) {
        problems.push({ field: 'to', reason: 'must not be before from' })
      }
      if (problems.length > 0) {
        throw new ValidationError('The governance log filters are not valid', problems)
      }
      const { records, hasNext } = await governanceReader(deps.ctx, { ...initiatorOf(request), tokenId: viewerOf(request).tokenId }, { limit, beforeSeq, action, initiator: initiator?.toLowerCase(), from, to })
      return { data: records, hasNext, nextBeforeSeq: hasNext ? (records[records.length - 1]?.seq ?? null) : null }
    },
  )

  app.get(
    '/api/v1/governance/verify',
    {
      config: { access: 'governance.read' },
      schema: {
        tags: ['governance'],
        summary: 'Re-compute the hash chain; report the first broken record, and with a checkpoint a truncated tail',
        querystring: Type.Object({ checkpoint: Type.Optional(Type.String({ maxLength: 100, description: 'SEQ:HASH from `veil governance checkpoint`' })) }),
      },
    },
    async (request) => governanceVerifier(deps.ctx, request.query.checkpoint === undefined ? undefined : parseCheckpoint(request.query.checkpoint)),
  )
}
