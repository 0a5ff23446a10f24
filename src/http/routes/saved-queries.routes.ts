/**
 * Saved queries of the activity log, per admin: `GET|POST /api/v1/saved-queries`,
 * `DELETE /api/v1/saved-queries/{id}` (`activities.read`). Each admin sees and deletes only their own.
 * A saved query is `{ filters, sortField?, sortDirection? }` as the activities list takes them, checked
 * by the same parser; to run one, send its `query` as the body of `POST /api/v1/activities`.
 *
 * @module
 */

import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { MAX_SAVED_QUERY_NAME, savedQueryCreator, savedQueryLister, savedQueryRemover } from '../../services/saved-queries/saved-queries.js'
import type { SavedQuery } from '../../storage/store.js'
import type { AppDeps } from '../app.js'
import { viewerOf } from '../auth.js'

const SavedQuerySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  query: Type.Record(Type.String(), Type.Unknown(), { description: '{ filters, sortField?, sortDirection? }: the body of POST /api/v1/activities' }),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
})

function present(saved: SavedQuery): Static<typeof SavedQuerySchema> {
  return { id: saved.id, name: saved.name, query: { ...saved.query }, createdAt: saved.createdAt, updatedAt: saved.updatedAt }
}

export function registerSavedQueryRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { limits } = deps.config
  const parseOptions = { defaultLimit: limits.defaultPageSize, maxLimit: limits.maxPageSize, countLimit: limits.countLimit }

  app.get(
    '/api/v1/saved-queries',
    { config: { access: 'activities.read' }, schema: { tags: ['activities'], summary: 'Your saved activity-log queries, by name', response: { 200: Type.Object({ data: Type.Array(SavedQuerySchema) }) } } },
    async (request) => ({ data: (await savedQueryLister(deps.ctx, viewerOf(request))).map(present) }),
  )

  app.post(
    '/api/v1/saved-queries',
    {
      config: { access: 'activities.read' },
      schema: {
        tags: ['activities'],
        summary: 'Save an activity-log query under a name (checked like an activities list body; never reveal parameters)',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: MAX_SAVED_QUERY_NAME }),
            // Checked by the service, which names the field of each problem the way the activities list does.
            query: Type.Unknown({ description: '{ "filters": { "app": { "eq": ["Okta"] } }, "sortField"?: "date" | "created", "sortDirection"?: "asc" | "desc" }' }),
          },
          { additionalProperties: false },
        ),
        response: { 201: SavedQuerySchema },
      },
    },
    async (request, reply) => reply.status(201).send(present(await savedQueryCreator(deps.ctx, viewerOf(request), request.body, parseOptions))),
  )

  app.delete(
    '/api/v1/saved-queries/:id',
    { config: { access: 'activities.read' }, schema: { tags: ['activities'], summary: 'Delete one of your saved queries', params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }) } },
    async (request, reply) => {
      await savedQueryRemover(deps.ctx, viewerOf(request), request.params.id)
      return reply.status(204).send()
    },
  )
}
