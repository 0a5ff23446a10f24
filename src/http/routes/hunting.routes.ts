/**
 * Hunting: `POST /api/v1/hunting/query` runs a query in a documented subset of KQL over the
 * `CloudAppEvents` table (docs/hunting.md) and answers as Defender's hunting API does:
 * `{ schema: [{name, type}], results: [...], stats: {rows, elapsedMs, truncated, timespan} }`.
 *
 * The body takes `query` and `timespan` (Defender's scripts write `Query` and `Timespan`; both
 * spellings work). Private activities are never in the table (privacy rule 8), so there is no reveal
 * here and the answer is the same whoever asks.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'

import { DomainError, ValidationError } from '../../core/errors.js'
import { HuntingService } from '../../services/hunting/hunting-service.js'
import type { AppDeps } from '../app.js'
import { ErrorBodySchema } from '../error-handler.js'

const HuntingBody = Type.Object(
  {
    query: Type.Optional(Type.String({ description: 'The query, e.g. CloudAppEvents | where Timestamp > ago(1d) | summarize count() by Application' })),
    timespan: Type.Optional(
      Type.String({ description: 'Time range read: an ISO 8601 duration back from now (P30D, PT12H), an interval (START/END), or a KQL timespan (7d). Default: the last 30 days' }),
    ),
    Query: Type.Optional(Type.String({ description: 'Defender spelling of query' })),
    Timespan: Type.Optional(Type.String({ description: 'Defender spelling of timespan' })),
  },
  { additionalProperties: false },
)

const AnswerSchema = Type.Object({
  schema: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  results: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  stats: Type.Object({
    rows: Type.Integer(),
    elapsedMs: Type.Number(),
    truncated: Type.Boolean(),
    timespan: Type.Object({ from: Type.String(), to: Type.Union([Type.String(), Type.Null()]) }),
  }),
})

/** The metrics label of how a query ended. */
function outcomeOf(error: unknown): string {
  if (error instanceof DomainError) {
    switch (error.code) {
      case 'hunting_query_too_expensive':
        return 'too_expensive'
      case 'hunting_busy':
        return 'busy'
      case 'hunting_query_invalid':
      case 'validation_failed':
        return 'invalid'
      default:
        return 'error'
    }
  }
  return 'error'
}

export function registerHuntingRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const service = new HuntingService(deps.ctx.store, deps.ctx.clock, deps.config.hunting)

  app.post(
    '/api/v1/hunting/query',
    {
      config: { access: 'activities.read' },
      schema: {
        tags: ['hunting'],
        summary: 'Run a hunting query (KQL subset over CloudAppEvents; docs/hunting.md)',
        body: HuntingBody,
        response: { 200: AnswerSchema, 400: ErrorBodySchema, 503: ErrorBodySchema },
      },
    },
    async (request) => {
      const timer = deps.metrics.querySeconds.startTimer({ route: 'hunting' })
      try {
        const query = request.body.query ?? request.body.Query
        if (query === undefined) {
          throw new ValidationError('The body needs a query', [{ field: 'query', reason: 'is required' }])
        }
        const answer = await service.query(query, request.body.timespan ?? request.body.Timespan ?? null)
        deps.metrics.huntingQueries.inc({ outcome: 'ok' })
        return answer
      } catch (error) {
        deps.metrics.huntingQueries.inc({ outcome: outcomeOf(error) })
        throw error
      } finally {
        timer()
        deps.metrics.queryRequests.inc({ route: 'hunting' })
      }
    },
  )
}
