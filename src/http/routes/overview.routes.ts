/**
 * The overview page: `GET /api/v1/overview?from=&to=` (`activities.read`): public activities per UTC
 * day and per app, reveals per admin, this node's ingest rate per minute, SIEM lag per destination and
 * the connectors' condition. Parts the viewer's role may not see are null (see `services/overview`).
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ValidationError, type ErrorDetail } from '../../core/errors.js'
import { readTimeParameter } from '../../core/query/time-parameter.js'
import { IngestRateMeter } from '../../services/overview/ingest-rate-meter.js'
import { overviewReader } from '../../services/overview/overview.js'
import type { AppDeps } from '../app.js'
import { viewerOf } from '../auth.js'

const DAY_MS = 86_400_000
/** The window when the request names none. */
const DEFAULT_DAYS = 30
/** The longest window: a year and a day, so "the last 365 days" from any time of day fits. */
const MAX_DAYS = 366

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])
const NullableInt = Nullable(Type.Integer())
const NullableText = Nullable(Type.String())

const OverviewSchema = Type.Object({
  from: Type.Integer({ description: 'ms since the epoch' }),
  to: Type.Integer({ description: 'ms since the epoch' }),
  activities: Type.Object({
    total: Type.Integer({ description: 'Public activities with a time in [from, to]' }),
    perDay: Type.Array(Type.Object({ day: Type.String({ description: 'YYYY-MM-DD (UTC)' }), start: Type.Integer(), count: Type.Integer() }), { description: 'Every UTC day of the window, oldest first, zero included' }),
    perApp: Type.Array(Type.Object({ app: NullableText, count: Type.Integer() }), { description: 'The 20 apps with the most public activities, most first' }),
    otherApps: Type.Integer({ description: 'Public activities of the apps not listed' }),
  }),
  reveals: Nullable(
    Type.Object({
      perAdmin: Type.Array(Type.Object({ upn: Type.String(), reveals: Type.Integer({ description: 'Revealing requests recorded' }), refused: Type.Integer({ description: 'Attempts refused for want of the permission' }), lastAt: Type.Integer() })),
    }),
  ),
  ingest: Nullable(
    Type.Object({
      scope: Type.Literal('node', { description: 'This node\'s accepted records (veil_ingest_records_total), since it started' }),
      perMinute: Type.Array(Type.Object({ minute: Type.Integer(), accepted: NullableInt })),
      lastMinute: NullableInt,
      since: NullableInt,
    }),
  ),
  siem: Nullable(
    Type.Array(
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        enabled: Type.Boolean(),
        condition: Type.String(),
        lagSeconds: Type.Integer(),
        behind: Type.Boolean(),
        pendingEvents: Type.Integer({ description: 'Counted up to 1000 here; the destination status counts further' }),
        morePending: Type.Boolean(),
        lastSuccessAt: NullableInt,
        lastErrorAt: NullableInt,
        lastError: NullableText,
      }),
    ),
  ),
  connectors: Nullable(
    Type.Object({
      total: Type.Integer(),
      byCondition: Type.Record(Type.String(), Type.Integer()),
      items: Type.Array(
        Type.Object({
          id: Type.String(),
          name: Type.String(),
          kind: Type.String(),
          enabled: Type.Boolean(),
          condition: NullableText,
          lagSeconds: NullableInt,
          lastSuccessAt: NullableInt,
          lastErrorAt: NullableInt,
          lastError: NullableText,
          through: NullableInt,
          accepted: Type.Integer(),
        }),
      ),
    }),
  ),
})

export function registerOverviewRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const meter = new IngestRateMeter({
    readTotal: async () => (await deps.metrics.ingestRecords.get()).values.find((v) => v.labels.outcome === 'accepted')?.value ?? 0,
    clock: deps.ctx.clock,
  })
  meter.start()
  app.addHook('onClose', async () => meter.stop())

  app.get(
    '/api/v1/overview',
    {
      config: { access: 'activities.read' },
      schema: {
        tags: ['overview'],
        summary: 'Overview: public activities per day and per app, reveals per admin, ingest rate, SIEM lag, connectors (parts your role may not see are null)',
        querystring: Type.Object({
          from: Type.Optional(Type.String({ maxLength: 40, description: `Start (ISO 8601 or ms); default ${DEFAULT_DAYS} days before to` })),
          to: Type.Optional(Type.String({ maxLength: 40, description: 'End (ISO 8601 or ms); default now' })),
        }),
        response: { 200: OverviewSchema },
      },
    },
    async (request) => {
      const problems: ErrorDetail[] = []
      const to = readTimeParameter(request.query.to, 'to', problems) ?? deps.ctx.clock()
      const from = readTimeParameter(request.query.from, 'from', problems) ?? to - DEFAULT_DAYS * DAY_MS
      if (problems.length === 0 && from > to) {
        problems.push({ field: 'to', reason: 'must not be before from' })
      }
      if (problems.length === 0 && to - from > MAX_DAYS * DAY_MS) {
        problems.push({ field: 'from', reason: `the window may span at most ${MAX_DAYS} days` })
      }
      if (problems.length > 0) {
        throw new ValidationError('The overview window is not valid', problems)
      }
      return overviewReader(deps.ctx, viewerOf(request), { from, to }, { ingestRate: () => meter.rate(), siemMaxLagSeconds: deps.config.siem.maxLagSeconds })
    },
  )
}
