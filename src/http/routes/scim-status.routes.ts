/**
 * SCIM status for the User groups page: `GET /api/v1/directory/scim/status` (`directory.read`) answers
 * the last SCIM provisioning call, the last successful change and the last failure. The calls are
 * noted by an `onResponse` hook on the `/scim/v2` routes, after the answer was sent, so noting one never
 * delays or fails a provisioning call (a failure to note it is logged).
 *
 * Register before the SCIM routes: the hook applies to routes registered after it.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { SCIM_PREFIX } from '../../scim/scim.routes.js'
import { scimCallRecorder, scimOperationOf, scimStatusReader } from '../../scim/scim-status.js'
import type { ScimCall } from '../../storage/store.js'
import type { AppDeps } from '../app.js'

const Nullable = <T extends ReturnType<typeof Type.Object>>(schema: T) => Type.Union([schema, Type.Null()])

const ScimCallSchema = Type.Object({
  at: Type.Integer({ description: 'ms since the epoch' }),
  method: Type.String(),
  route: Type.String({ description: 'The route as registered, e.g. /scim/v2/Groups/:id' }),
  operation: Type.String({ description: 'list_users, get_user, create_user, replace_user, patch_user, delete_user, the same for groups, or discovery' }),
  resourceId: Type.Union([Type.String(), Type.Null()]),
  status: Type.Integer({ description: 'The HTTP status answered' }),
  outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
  initiator: Type.String({ description: 'UPN of the token\'s account, or anonymous when the token was refused' }),
  tokenId: Type.Union([Type.String(), Type.Null()]),
})

export function registerScimStatusRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url
    if (route === undefined || !route.startsWith(`${SCIM_PREFIX}/`)) {
      return
    }
    const params = request.params as Record<string, unknown> | undefined
    const call: ScimCall = {
      at: deps.ctx.clock(),
      method: request.method,
      route,
      operation: scimOperationOf(request.method, route),
      resourceId: typeof params?.id === 'string' ? params.id.slice(0, 512) : null,
      status: reply.statusCode,
      outcome: reply.statusCode < 400 ? 'succeeded' : 'failed',
      initiator: request.viewer?.upn ?? 'anonymous',
      tokenId: request.viewer?.tokenId ?? null,
    }
    try {
      await scimCallRecorder(deps.ctx.store, call)
    } catch (error) {
      request.log.warn({ err: error }, 'could not note the SCIM call for the SCIM status')
    }
  })

  app.get(
    '/api/v1/directory/scim/status',
    {
      config: { access: 'directory.read' },
      schema: {
        tags: ['directory'],
        summary: 'SCIM provisioning status: the last call, the last successful change and the last failure (method, operation, status, caller, time)',
        response: { 200: Type.Object({ lastCall: Nullable(ScimCallSchema), lastChange: Nullable(ScimCallSchema), lastFailure: Nullable(ScimCallSchema) }) },
      },
    },
    async () => {
      const status = await scimStatusReader(deps.ctx.store)
      return { lastCall: status.last_call, lastChange: status.last_change, lastFailure: status.last_failure }
    },
  )
}
