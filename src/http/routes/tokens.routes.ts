/**
 * API tokens: anyone signed in manages their own (a token carries no more rights than its account);
 * global admins may list, create and revoke tokens of any account. The token secret is in the creation
 * response only.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { can } from '../../core/access/roles.js'
import { ForbiddenError } from '../../core/errors.js'
import { normalizeUpn, tokenCreator, tokenRevoker } from '../../services/accounts/accounts.js'
import type { AppDeps } from '../app.js'
import { initiatorOf, viewerOf } from '../auth.js'
import { presentToken } from '../presenters/account-presenter.js'

export function registerTokenRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()

  app.get('/api/v1/tokens', { config: { access: 'authenticated' }, schema: { tags: ['tokens'], summary: 'Your tokens (all tokens with ?all=true as a global admin)', querystring: Type.Object({ all: Type.Optional(Type.Boolean()) }) } }, async (request) => {
    const viewer = viewerOf(request)
    if (request.query.all && !can(viewer, 'accounts.manage')) {
      throw new ForbiddenError('Only a global admin may list every token')
    }
    return { data: (await deps.ctx.store.tokens.list(request.query.all ? undefined : viewer.upn)).map(presentToken) }
  })

  app.post(
    '/api/v1/tokens',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token (the secret is shown once)',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), upn: Type.Optional(Type.String({ maxLength: 320 })), expiresAt: Type.Optional(Type.Union([Type.Integer({ description: 'ms since the epoch' }), Type.Null()])) }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const viewer = viewerOf(request)
      const upn = request.body.upn ? normalizeUpn(request.body.upn) : viewer.upn
      if (upn !== viewer.upn && !can(viewer, 'accounts.manage')) {
        throw new ForbiddenError('Only a global admin may create tokens for another account')
      }
      const created = await tokenCreator(deps.ctx, initiatorOf(request), { upn, name: request.body.name, expiresAt: request.body.expiresAt ?? null })
      return reply.status(201).send({ ...presentToken(created.token), token: created.secret })
    },
  )

  app.delete('/api/v1/tokens/:id', { config: { access: 'authenticated' }, schema: { tags: ['tokens'], summary: 'Revoke a token', params: Type.Object({ id: Type.String({ maxLength: 64 }) }) } }, async (request) => {
    const viewer = viewerOf(request)
    const revoked = await tokenRevoker(deps.ctx, initiatorOf(request), request.params.id, can(viewer, 'accounts.manage') ? {} : { onlyOwnedBy: viewer.upn })
    return presentToken(revoked)
  })
}
