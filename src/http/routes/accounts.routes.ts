/**
 * Accounts and admin roles. Only global admins manage accounts; every change is a governance record.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ADMIN_ROLES, ROLE_PERMISSIONS, can } from '../../core/access/roles.js'
import { DomainError, ForbiddenError, NotFoundError } from '../../core/errors.js'
import { verifyPassword } from '../../services/auth/password.js'
import { accountCreator, accountDisabler, accountPasswordSetter, accountRolesChanger, normalizeUpn } from '../../services/accounts/accounts.js'
import type { AppDeps } from '../app.js'
import { initiatorOf, viewerOf } from '../auth.js'
import { presentAccount } from '../presenters/account-presenter.js'

const Role = Type.Union(ADMIN_ROLES.map((r) => Type.Literal(r)))
const UpnParams = Type.Object({ upn: Type.String({ minLength: 3, maxLength: 320 }) })

export function registerAccountRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()

  app.get('/api/v1/roles', { config: { access: 'authenticated' }, schema: { tags: ['accounts'], summary: 'Admin roles and what each may do' } }, async () => ({
    roles: ADMIN_ROLES.map((role) => ({ role, permissions: ROLE_PERMISSIONS[role] })),
  }))

  app.get('/api/v1/accounts', { config: { access: 'accounts.read' }, schema: { tags: ['accounts'], summary: 'List accounts and their roles' } }, async () => ({
    data: (await deps.ctx.store.accounts.list()).map(presentAccount),
  }))

  app.get('/api/v1/accounts/:upn', { config: { access: 'accounts.read' }, schema: { tags: ['accounts'], summary: 'One account', params: UpnParams } }, async (request) => {
    const account = await deps.ctx.store.accounts.get(request.params.upn.toLowerCase())
    if (!account) {
      throw new NotFoundError('No such account')
    }
    return presentAccount(account)
  })

  app.post(
    '/api/v1/accounts',
    {
      config: { access: 'accounts.manage' },
      schema: {
        tags: ['accounts'],
        summary: 'Create an account',
        body: Type.Object({ upn: Type.String({ maxLength: 320 }), displayName: Type.Optional(Type.String({ maxLength: 256 })), roles: Type.Array(Role, { maxItems: 4 }), password: Type.Optional(Type.String({ maxLength: 1024 })) }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const account = await accountCreator(deps.ctx, initiatorOf(request), request.body)
      return reply.status(201).send(presentAccount(account))
    },
  )

  app.patch(
    '/api/v1/accounts/:upn',
    {
      config: { access: 'accounts.manage' },
      schema: { tags: ['accounts'], summary: 'Change roles or disable/enable an account', params: UpnParams, body: Type.Object({ roles: Type.Optional(Type.Array(Role, { maxItems: 4 })), disabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false, minProperties: 1 }) },
    },
    async (request) => {
      const initiator = initiatorOf(request)
      let account = null
      if (request.body.roles !== undefined) {
        account = await accountRolesChanger(deps.ctx, initiator, request.params.upn, request.body.roles)
      }
      if (request.body.disabled !== undefined) {
        account = await accountDisabler(deps.ctx, initiator, request.params.upn, request.body.disabled)
      }
      return presentAccount(account as NonNullable<typeof account>)
    },
  )

  app.put(
    '/api/v1/accounts/:upn/password',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['accounts'], summary: 'Set a password (your own with the current one, anyone\'s as a global admin)', params: UpnParams, body: Type.Object({ password: Type.String({ maxLength: 1024 }), currentPassword: Type.Optional(Type.String({ maxLength: 1024 })) }, { additionalProperties: false }) },
    },
    async (request) => {
      const viewer = viewerOf(request)
      const upn = normalizeUpn(request.params.upn)
      if (upn === viewer.upn) {
        const account = await deps.ctx.store.accounts.get(upn)
        if (!account?.passwordHash || !request.body.currentPassword || !(await verifyPassword(request.body.currentPassword, account.passwordHash))) {
          throw new DomainError('invalid_credentials', 'The current password is wrong')
        }
      } else if (!can(viewer, 'accounts.manage')) {
        throw new ForbiddenError('Only a global admin may set another account\'s password')
      }
      await accountPasswordSetter(deps.ctx, initiatorOf(request), upn, request.body.password)
      return { ok: true }
    },
  )
}
