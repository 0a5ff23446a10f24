/**
 * `POST /api/v1/activities/ingest`: a JSON array or NDJSON body of activities. The body is taken as
 * text and split per record by the pipeline's parse stage, so one malformed record is a per-record
 * error instead of failing the whole request.
 *
 * Answers 200 when every record was accepted or was a duplicate, and 400 `validation_failed` listing
 * each rejected record (index, field, reason) when some were not — the valid records of the batch are
 * stored either way, and the body says which.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { DomainError, ValidationError } from '../../core/errors.js'
import { INGEST_FORMAT_NAMES } from '../../ingest/formats/native-formats.js'
import { type IngestReport, UnknownFormatError } from '../../ingest/ingest-pipeline.js'
import { parseIngestBody, splitFormatFor } from '../../ingest/parse-stage.js'
import type { AppDeps } from '../app.js'
import { ErrorBodySchema, errorBody } from '../error-handler.js'
import { countIngestReport } from '../metrics.js'

const RecordResultSchema = Type.Object({
  index: Type.Integer(),
  item: Type.Optional(Type.Integer({ description: 'For a record that holds several events (a CloudTrail log file, a Google Workspace activity): the position of the event among them' })),
  status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('rejected'), Type.Literal('out_of_scope')]),
  id: Type.Optional(Type.String()),
  error: Type.Optional(Type.Object({ field: Type.String(), reason: Type.String(), format: Type.Optional(Type.String()) })),
})
const IngestReportSchema = Type.Object({ accepted: Type.Integer(), duplicates: Type.Integer(), rejected: Type.Integer(), outOfScope: Type.Integer({ description: 'Valid records not recorded: their actor is out of scope (scoped deployment)' }), results: Type.Array(RecordResultSchema) })

export function registerIngestRoutes(root: FastifyInstance, deps: AppDeps): void {
  void root.register(async (scoped) => {
    const app = scoped.withTypeProvider<TypeBoxTypeProvider>()
    // Ingest bodies are parsed record by record by the pipeline, never by Fastify's JSON parser.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser(['application/json', 'application/x-ndjson', 'application/jsonl', 'application/x-jsonlines', 'text/plain'], { parseAs: 'string', bodyLimit: deps.config.limits.maxBodyBytes }, (_request, body, done) => done(null, body))

    app.post(
      '/api/v1/activities/ingest',
      {
        config: { access: 'activities.ingest' },
        bodyLimit: deps.config.limits.maxBodyBytes,
        schema: {
          tags: ['activities'],
          summary: 'Ingest activities (JSON array or NDJSON) with per-record results',
          querystring: Type.Object({ format: Type.Optional(Type.String({ description: `Ingest format: ${INGEST_FORMAT_NAMES.join(', ')}, or auto (the default: detected per record). See docs/ingest-formats.md` })) }),
          body: Type.String({ description: "A JSON array of records, or one JSON record per line (NDJSON): Veil's activities (schema: docs/veil-activity.schema.json) or native audit events (docs/ingest-formats.md)" }),
          response: { 200: IngestReportSchema, 400: Type.Intersect([ErrorBodySchema, Type.Partial(IngestReportSchema)]), 503: ErrorBodySchema },
        },
      },
      async (request, reply) => {
        const body = request.body
        if (typeof body !== 'string' || body.trim() === '') {
          throw new ValidationError('The request body is empty', [{ field: 'body', reason: 'must be a JSON array or NDJSON of activities' }])
        }
        deps.metrics.ingestBatches.inc()
        let report
        try {
          report = await deps.pipeline.ingest(parseIngestBody(body, splitFormatFor(request.headers['content-type'])), { format: request.query.format })
        } catch (error) {
          if (error instanceof UnknownFormatError) {
            throw new ValidationError(error.message, [{ field: 'format', reason: `must be one of ${error.known.join(', ')}, auto` }])
          }
          if (error instanceof DomainError) {
            throw error
          }
          // The store refused the transaction: nothing of this batch is acknowledged, so the client must retry.
          request.log.error({ err: error }, 'ingest batch not stored')
          return reply.status(503).header('retry-after', '5').send(errorBody('internal_error', 'The batch could not be stored; nothing of it was acknowledged, retry it'))
        }
        countIngestReport(deps.metrics, report)
        if (report.rejected > 0) {
          const details = report.results.filter((r) => r.status === 'rejected').map((r) => ({ index: r.index, field: r.error?.field ?? '', reason: r.error?.reason ?? '' }))
          return reply.status(400).send({ ...callerReport(report), ...errorBody('validation_failed', `${report.rejected} of ${report.results.length} records were rejected; the other ${report.results.length - report.rejected} were processed`, details) })
        }
        return callerReport(report)
      },
    )
  })
}

/** The report the caller receives: every record's outcome, without the private tallies kept for metrics. */
function callerReport(report: IngestReport) {
  return { accepted: report.accepted, duplicates: report.duplicates, rejected: report.rejected, outOfScope: report.outOfScope, results: [...report.results] }
}
