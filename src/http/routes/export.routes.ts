/**
 * Exports of the activity log: `POST /api/v1/activities/export` with the list's body (`filters`,
 * `sortField`, `sortDirection`, `cursor`, the reveal parameters) plus `format` (`csv` or `ndjson`),
 * `resumeAfter`, `limit` (a row cap, none by default) and `bom`; `GET /api/v1/activities/export` with
 * the same as query parameters. The answer is streamed with back-pressure at constant memory, without a
 * row cap or a time window. `docs/exports.md` documents columns, markers and how to resume.
 *
 * Visibility is decided as for the list (`disclosureFor`: refused reveals are recorded the same way,
 * an allowed one counts against the same per-admin limit); what a stored activity becomes in the file
 * is decided in the core (`exportRowOf`): absent without a reveal, a placeholder row with a reveal.
 *
 * Headers: `Veil-Export-Id` (the `exportId` of the export's governance records) and
 * `Veil-Export-Private`: `placeholders` when the export was made while revealing, `absent` otherwise.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { REVEAL_PARAMETERS, readRevealRequest } from '../../core/privacy/decide-disclosure.js'
import { parseDefenderQuery, parseDefenderQueryParams } from '../../core/query/defender-query.js'
import { activityExporter } from '../../services/export/activity-export.js'
import { EXPORT_FORMATS } from '../../services/export/export-encoder.js'
import { readExportParameters } from '../../services/export/export-request.js'
import type { AppDeps } from '../app.js'
import { initiatorOf, viewerOf } from '../auth.js'
import { sendStreamedExport } from '../streamed-export.js'
import type { RevealGate, RevealSite } from '../reveal-gate.js'
import { ActivityQueryBody, RevealQueryParams, disclosureFor, storeDisclosure, withoutRevealParameters } from './activities.routes.js'

const EXPORT_ROUTE = '/api/v1/activities/export'

const ExportBody = Type.Object(
  {
    ...ActivityQueryBody.properties,
    format: Type.Optional(Type.String({ enum: [...EXPORT_FORMATS], description: 'csv (default) or ndjson' })),
    resumeAfter: Type.Optional(Type.String({ description: 'Continue a broken export after this activity: the id of the last complete row it kept (no header row then)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, description: 'At most this many rows; leave it out for all of them (exports have no row cap)' })),
    bom: Type.Optional(Type.Boolean({ description: 'CSV: start with a UTF-8 byte-order mark, for Excel' })),
  },
  { additionalProperties: true },
)

const ExportQuery = Type.Object({
  format: Type.Optional(Type.String({ enum: [...EXPORT_FORMATS] })),
  filters: Type.Optional(Type.String({ description: 'URL-encoded JSON of the filters object' })),
  sortField: Type.Optional(Type.String()),
  sortDirection: Type.Optional(Type.String()),
  cursor: Type.Optional(Type.String()),
  resumeAfter: Type.Optional(Type.String()),
  limit: Type.Optional(Type.String()),
  skip: Type.Optional(Type.String()),
  bom: Type.Optional(Type.String({ enum: ['true', 'false'] })),
  ...RevealQueryParams,
})

const ExportResponse = {
  200: {
    description: 'The export, streamed. Headers: Veil-Export-Id, Veil-Export-Private (placeholders | absent), Content-Disposition.',
    content: {
      'text/csv': { schema: Type.String({ description: 'RFC 4180, UTF-8, CRLF; columns in docs/exports.md' }) },
      'application/x-ndjson': { schema: Type.String({ description: 'One JSON object per line' }) },
    },
  },
}

export function registerExportRoutes(root: FastifyInstance, deps: AppDeps, gate: RevealGate): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { limits } = deps.config
  const parseOptions = () => ({ now: deps.ctx.clock(), defaultLimit: limits.defaultPageSize, maxLimit: limits.maxPageSize, countLimit: limits.countLimit, ignoreKeys: REVEAL_PARAMETERS })

  const exportActivities = async (request: FastifyRequest, reply: FastifyReply, input: Record<string, unknown>, fromQueryString: boolean) => {
    const { parameters, query: listInput } = readExportParameters(input, { fromQueryString })
    const query = fromQueryString ? parseDefenderQueryParams(listInput as Record<string, string | undefined>, parseOptions()) : parseDefenderQuery(listInput, parseOptions())
    const recorded = withoutRevealParameters(input)
    const site: RevealSite = { route: `${request.method} ${EXPORT_ROUTE}`, target: 'activities', request: recorded, query }
    const disclosure = await disclosureFor(deps, gate, request, reply, readRevealRequest(input, { fromQueryString }), site)
    const viewer = viewerOf(request)
    const started = await activityExporter(deps.ctx, {
      ...parameters,
      query,
      disclosure: storeDisclosure(deps.vault, disclosure, query),
      initiator: initiatorOf(request),
      tokenId: viewer.tokenId,
      route: site.route,
      request: recorded,
    })
    if (started.revealing) {
      deps.metrics.reveals.inc({ admin: viewer.upn })
    }
    return sendStreamedExport(request, reply, started, {
      headers: { 'veil-export-private': started.revealing ? 'placeholders' : 'absent' },
      onSettled: (summary) => deps.metrics.exports.inc({ format: started.format, outcome: summary.outcome }),
    })
  }

  app.post(
    EXPORT_ROUTE,
    {
      config: { access: 'activities.read' },
      schema: { tags: ['activities'], summary: 'Export activities as CSV or NDJSON (the list body plus format, resumeAfter, limit, bom); streamed, no row cap', body: Type.Optional(ExportBody), response: ExportResponse },
    },
    async (request, reply) => exportActivities(request, reply, request.body ?? {}, false),
  )

  app.get(
    EXPORT_ROUTE,
    {
      config: { access: 'activities.read' },
      schema: { tags: ['activities'], summary: 'Export activities (parameters in the query string, filters as URL-encoded JSON)', querystring: ExportQuery, response: ExportResponse },
    },
    async (request, reply) => exportActivities(request, reply, request.query as Record<string, string | undefined>, true),
  )
}
