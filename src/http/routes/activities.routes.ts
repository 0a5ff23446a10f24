/**
 * The activity log, Defender for Cloud Apps-compatible: `GET|POST /api/v1/activities/` with Defender's
 * body (`filters`, `skip`, `limit`, `sortField`, `sortDirection`) answering `{total, hasNext, data}`,
 * plus Veil's opaque keyset `cursor`; `GET /api/v1/activities/{id}/` with the raw event.
 *
 * Every read asks `decideDisclosure` what the viewer may see and passes that to the store; nothing here
 * decides visibility itself.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { DomainError, NotFoundError } from '../../core/errors.js'
import { decideDisclosure, type Disclosure, type RevealRequest } from '../../core/privacy/decide-disclosure.js'
import type { ActivityQuery } from '../../core/query/activity-query.js'
import { nextCursor } from '../../core/query/cursor.js'
import { parseDefenderQuery, parseDefenderQueryParams } from '../../core/query/defender-query.js'
import { presentActivity } from '../presenters/activity-presenter.js'
import type { AppDeps } from '../app.js'
import { viewerOf } from '../auth.js'

const FilterValue = Type.Record(Type.String(), Type.Unknown(), { description: 'Operator → value, e.g. {"eq": ["a@contoso.com"]}' })
export const ActivityQueryBody = Type.Object(
  {
    filters: Type.Optional(Type.Record(Type.String(), FilterValue, { description: 'Field → operators; see docs/query-language.md' })),
    skip: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1 })),
    sortField: Type.Optional(Type.String({ enum: ['date', 'created'] })),
    sortDirection: Type.Optional(Type.String({ enum: ['asc', 'desc'] })),
    cursor: Type.Optional(Type.String({ description: 'Opaque keyset cursor from the previous page' })),
  },
  { additionalProperties: true },
)

const PageSchema = Type.Object({
  total: Type.Integer(),
  hasNext: Type.Boolean(),
  moreThanTotal: Type.Boolean(),
  cursor: Type.Union([Type.String(), Type.Null()]),
  data: Type.Array(Type.Record(Type.String(), Type.Unknown())),
})

/** The viewer's disclosure for this request. Issue #4 adds the reveal fields and the permission list. */
function disclosureFor(request: FastifyRequest): Disclosure {
  const reveal: RevealRequest = { reveal: false, acknowledged: false, justification: null }
  // Until the activity privacy permission list exists, nobody holds the permission.
  const decision = decideDisclosure(viewerOf(request), reveal, false)
  if (!decision.allowed) {
    throw new DomainError('reveal_denied')
  }
  return decision.disclosure
}

export function registerActivityRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { limits } = deps.config
  const parseOptions = () => ({ now: deps.ctx.clock(), defaultLimit: limits.defaultPageSize, maxLimit: limits.maxPageSize, countLimit: limits.countLimit })

  const listPage = async (request: FastifyRequest, query: ActivityQuery, route: string) => {
    const disclosure = disclosureFor(request)
    const timer = deps.metrics.querySeconds.startTimer({ route })
    try {
      const page = await deps.ctx.store.activities.list(query, disclosure)
      const last = page.items[page.items.length - 1]
      return {
        total: page.total,
        hasNext: page.hasNext,
        moreThanTotal: page.moreThanTotal,
        cursor: page.hasNext && last ? nextCursor(query, last) : null,
        data: page.items.map((a) => presentActivity(a, { includeRaw: false })),
      }
    } finally {
      timer()
      deps.metrics.queryRequests.inc({ route })
    }
  }

  app.post(
    '/api/v1/activities',
    { config: { access: 'activities.read' }, schema: { tags: ['activities'], summary: 'List activities (Defender-compatible body)', body: Type.Optional(ActivityQueryBody), response: { 200: PageSchema } } },
    async (request) => listPage(request, parseDefenderQuery(request.body ?? {}, parseOptions()), 'list'),
  )

  app.get(
    '/api/v1/activities',
    {
      config: { access: 'activities.read' },
      schema: {
        tags: ['activities'],
        summary: 'List activities (filters as URL-encoded JSON)',
        querystring: Type.Object({
          filters: Type.Optional(Type.String({ description: 'URL-encoded JSON of the filters object' })),
          skip: Type.Optional(Type.String()),
          limit: Type.Optional(Type.String()),
          sortField: Type.Optional(Type.String()),
          sortDirection: Type.Optional(Type.String()),
          cursor: Type.Optional(Type.String()),
        }),
        response: { 200: PageSchema },
      },
    },
    async (request) => listPage(request, parseDefenderQueryParams(request.query as Record<string, string | undefined>, parseOptions()), 'list'),
  )

  app.get(
    '/api/v1/activities/:id',
    { config: { access: 'activities.read' }, schema: { tags: ['activities'], summary: 'One activity with its raw event', params: Type.Object({ id: Type.String({ maxLength: 1024 }) }) } },
    async (request) => {
      const disclosure = disclosureFor(request)
      const timer = deps.metrics.querySeconds.startTimer({ route: 'get' })
      const activity = await deps.ctx.store.activities.get(request.params.id, disclosure).finally(() => timer())
      if (!activity) {
        // The same answer for a hidden activity as for an id that never existed (privacy rule 3).
        throw new NotFoundError('No activity with this id')
      }
      return presentActivity(activity, { includeRaw: true })
    },
  )
}
