/**
 * Retroactive privatization: `POST /api/v1/privacy/retroactive` makes the already recorded public
 * activities of a group's members in a time range private (their details encrypted in place). Needs
 * `settings.manage` (global and security admins); recorded in the governance log before any change.
 * There is no reverse operation.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { retroactivePrivatizer } from '../../services/privacy/retroactive-privacy.js'
import type { AppDeps } from '../app.js'
import { initiatorOf } from '../auth.js'

const TimeValue = Type.Union([Type.Integer(), Type.String({ maxLength: 64 })], { description: 'ms since the epoch, or an ISO 8601 date-time with a time zone' })

const RetroactiveBody = Type.Object(
  {
    groupId: Type.String({ minLength: 1, maxLength: 256, description: 'An imported group id, or builtin:application / builtin:external-users' }),
    from: TimeValue,
    to: TimeValue,
    justification: Type.String({ maxLength: 2000, description: 'Why (at least 10 characters); kept in the governance log' }),
  },
  { additionalProperties: false },
)

/** `POST /api/v1/privacy/retroactive`; see the module comment. */
export function registerRetroactivePrivacyRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()

  app.post(
    '/api/v1/privacy/retroactive',
    {
      config: { access: 'settings.manage' },
      schema: {
        tags: ['privacy'],
        summary: "Make the past activities of a group's members in a time range private (no reverse operation)",
        body: RetroactiveBody,
      },
    },
    async (request) => retroactivePrivatizer(deps.ctx, { vault: deps.vault, directory: deps.directory }, initiatorOf(request), request.body),
  )
}
