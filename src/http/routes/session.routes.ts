/**
 * Portal sign-in: password login that sets an HttpOnly, SameSite=Strict session cookie and returns the
 * CSRF token the portal sends back on state-changing requests; logout; who am I.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { PERMISSIONS, can } from '../../core/access/roles.js'
import { loginer, logouter } from '../../services/accounts/accounts.js'
import { privacyPermissionChecker } from '../../services/privacy/privacy-permissions.js'
import type { AppDeps } from '../app.js'
import { SESSION_COOKIE, clearSessionCookie, isSecureRequest, setSessionCookie, viewerOf } from '../auth.js'

const LoginBody = Type.Object({ upn: Type.String({ minLength: 1, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false })

export function registerSessionRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  app.post('/api/v1/auth/login', { config: { access: 'public' }, schema: { tags: ['session'], summary: 'Sign in with a password (portal)', body: LoginBody, security: [] } }, async (request, reply) => {
    const { session, secret, account } = await loginer(deps.ctx, request.body.upn, request.body.password, deps.config.sessionTtlMs)
    setSessionCookie(reply, secret, session.expiresAt, isSecureRequest(request, deps.config.publicUrl))
    void reply.header('cache-control', 'no-store')
    return { upn: account.upn, displayName: account.displayName, roles: account.roles, csrfToken: session.csrfToken, expiresAt: session.expiresAt }
  })

  app.post('/api/v1/auth/logout', { config: { access: 'authenticated' }, schema: { tags: ['session'], summary: 'End the session' } }, async (request, reply) => {
    const secret = request.cookies[SESSION_COOKIE]
    if (secret) {
      await logouter(deps.ctx, secret)
    }
    clearSessionCookie(reply, isSecureRequest(request, deps.config.publicUrl))
    return { ok: true }
  })

  app.get('/api/v1/me', { config: { access: 'authenticated' }, schema: { tags: ['session'], summary: 'The signed-in account, its roles and permissions' } }, async (request, reply) => {
    // It carries the CSRF token: never from a cache.
    void reply.header('cache-control', 'no-store')
    return me(request)
  })

  // The portal's first question on load. Unlike /me it answers 200 when nobody is signed in, so a
  // signed-out browser gets no 401 (and no console error) just for opening the portal.
  app.get('/api/v1/auth/session', { config: { access: 'public' }, schema: { tags: ['session'], summary: 'Whether a session (or token) is presented; if so, the same answer as /api/v1/me', security: [] } }, async (request, reply) => {
    void reply.header('cache-control', 'no-store')
    return request.viewer ? { authenticated: true, ...(await me(request)) } : { authenticated: false }
  })

  async function me(request: FastifyRequest) {
    const viewer = viewerOf(request)
    // Whether "Show private activities" may be offered: the effective activity privacy permission.
    const canRevealPrivate = await privacyPermissionChecker(deps.ctx, viewer)
    return { upn: viewer.upn, roles: viewer.roles, permissions: PERMISSIONS.filter((p) => can(viewer, p)), canRevealPrivate, via: viewer.tokenId ? 'token' : 'session', tokenId: viewer.tokenId, csrfToken: request.session?.csrfToken ?? null, sessionExpiresAt: request.session?.expiresAt ?? null, revealTtlSeconds: Math.round(deps.config.revealTtlMs / 1000) }
  }
}
