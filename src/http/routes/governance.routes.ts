/**
 * The governance log: read it (newest first, keyset paging by sequence number, filters by action,
 * initiator and time range), export it (the same filters, streamed as CSV or NDJSON, no row cap) and
 * verify its chain.
 *
 * Reading the log is itself a governance record (`governance.read`, with the filters), written before
 * the answer is sent. Verifying is not recorded: it returns no record's content (only a count, the
 * head hash and where the chain breaks), and monitoring polls it, which would fill the log with its
 * own reads.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ValidationError, type ErrorDetail } from '../../core/errors.js'
import { parseCheckpoint } from '../../core/governance/checkpoint.js'
import { GOVERNANCE_ACTIONS } from '../../core/governance/governance-record.js'
import { EXPORT_FORMATS, type ExportFormat } from '../../services/export/export-encoder.js'
import { governanceReader, governanceVerifier } from '../../services/governance/governance.js'
import { governanceExporter } from '../../services/governance/governance-export.js'
import { readGovernanceFilters } from '../../services/governance/governance-filters.js'
import type { AppDeps } from '../app.js'
import { initiatorOf, viewerOf } from '../auth.js'
import { sendStreamedExport } from '../streamed-export.js'

const FilterQuery = {
  action: Type.Optional(Type.String({ maxLength: 100, description: `One action, e.g. activities.reveal: ${GOVERNANCE_ACTIONS.join(', ')}` })),
  initiator: Type.Optional(Type.String({ maxLength: 320, description: 'UPN of who did it (or system, cli)' })),
  from: Type.Optional(Type.String({ maxLength: 40, description: 'Records at or after this time (ISO 8601 or ms)' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'Records at or before this time (ISO 8601 or ms)' })),
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
          ...FilterQuery,
        }),
      },
    },
    async (request) => {
      const { limit, beforeSeq } = request.query
      const problems: ErrorDetail[] = []
      const filters = readGovernanceFilters(request.query, problems)
      if (problems.length > 0) {
        throw new ValidationError('The governance log filters are not valid', problems)
      }
      const { records, hasNext } = await governanceReader(deps.ctx, { ...initiatorOf(request), tokenId: viewerOf(request).tokenId }, { limit, beforeSeq, ...filters })
      return { data: records, hasNext, nextBeforeSeq: hasNext ? (records[records.length - 1]?.seq ?? null) : null }
    },
  )

  app.get(
    '/api/v1/governance/export',
    {
      config: { access: 'governance.read' },
      schema: {
        tags: ['governance'],
        summary: 'Export the governance log as CSV or NDJSON with the list\'s filters, newest first, streamed with no row cap (the export is itself recorded: governance.export)',
        querystring: Type.Object({
          format: Type.Optional(Type.String({ enum: [...EXPORT_FORMATS], description: 'csv (default) or ndjson' })),
          bom: Type.Optional(Type.String({ enum: ['true', 'false'], description: 'CSV: start with a UTF-8 byte-order mark, for Excel' })),
          ...FilterQuery,
        }),
        response: {
          200: {
            description: 'The export, streamed. Headers: Veil-Export-Id, Content-Disposition.',
            content: {
              'text/csv': { schema: Type.String({ description: 'RFC 4180, UTF-8, CRLF; columns seq, time, action, target, initiator, app, ip, status, justification, details, hash' }) },
              'application/x-ndjson': { schema: Type.String({ description: 'One record per line, as the list answers it' }) },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const problems: ErrorDetail[] = []
      const filters = readGovernanceFilters(request.query, problems)
      if (problems.length > 0) {
        throw new ValidationError('The governance log filters are not valid', problems)
      }
      const started = await governanceExporter(deps.ctx, {
        format: (request.query.format ?? 'csv') as ExportFormat,
        filters,
        bom: request.query.bom === 'true',
        initiator: initiatorOf(request),
        tokenId: viewerOf(request).tokenId,
        route: 'GET /api/v1/governance/export',
      })
      // A stream, not the JSON the schema's types expect of a 200 (the schema documents the content types).
      return sendStreamedExport(request, reply as FastifyReply, started)
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
