/**
 * Authentication and the role matrix at the HTTP edge. Every route declares what it needs in its
 * `config.access` (a permission from the role matrix, `authenticated`, or `public`); one hook enforces
 * it, so no route can forget. Accepted credentials: the portal's session cookie (with a CSRF header on
 * state-changing requests), `Authorization: Bearer <token>`, and Defender's `Authorization: Token <token>`.
 *
 * @module
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { can, type Permission, type Viewer } from '../core/access/roles.js'
import { DomainError, ForbiddenError } from '../core/errors.js'
import type { Session } from '../storage/store.js'
import { sessionAuthenticator, tokenAuthenticator } from '../services/accounts/accounts.js'
import type { Initiator, ServiceContext } from '../services/service-context.js'

export const SESSION_COOKIE = 'veil_session'

/** What a route requires. */
export type Access = Permission | 'authenticated' | 'public'

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    viewer: Viewer | null
    session: Session | null
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function registerAuth(app: FastifyInstance, ctx: ServiceContext): void {
  app.decorateRequest('viewer', null)
  app.decorateRequest('session', null)
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const access = request.routeOptions.config.access
    if (access === undefined) {
      // Unknown routes (404s) still get the same answer whoever asks.
      return
    }
    await authenticate(ctx, request)
    if (access === 'public') {
      return
    }
    const viewer = request.viewer
    if (!viewer) {
      throw new DomainError('unauthenticated', 'Sign in, or send Authorization: Bearer <token>')
    }
    if (request.session && !SAFE_METHODS.has(request.method)) {
      const presented = request.headers['x-csrf-token']
      if (presented !== request.session.csrfToken) {
        throw new ForbiddenError('Missing or wrong X-CSRF-Token header for a request made with a session cookie')
      }
    }
    if (access !== 'authenticated' && !can(viewer, access)) {
      throw new ForbiddenError(`Your role does not allow this (needs ${access})`)
    }
  })
}

async function authenticate(ctx: ServiceContext, request: FastifyRequest): Promise<void> {
  const header = request.headers.authorization
  if (header) {
    const match = /^(Bearer|Token)\s+(\S+)$/i.exec(header)
    const viewer = match ? await tokenAuthenticator(ctx, match[2] as string) : null
    if (!viewer) {
      // A wrong token is an error even on public routes: a script with a revoked token should hear it.
      throw new DomainError('unauthenticated', 'The API token is not valid (unknown, revoked or expired)')
    }
    request.viewer = viewer
    return
  }
  const secret = request.cookies[SESSION_COOKIE]
  if (secret) {
    const found = await sessionAuthenticator(ctx, secret)
    if (found) {
      request.viewer = found.viewer
      request.session = found.session
    }
  }
}

/** The authenticated viewer; only call from routes whose access is not `public`. */
export function viewerOf(request: FastifyRequest): Viewer {
  if (!request.viewer) {
    throw new DomainError('unauthenticated')
  }
  return request.viewer
}

export function initiatorOf(request: FastifyRequest): Initiator {
  return { upn: viewerOf(request).upn, ip: request.ip, channel: request.session ? 'portal' : 'api' }
}

/**
 * Whether the session cookie gets `Secure`: the request came over TLS, a proxy in front says it did
 * (`X-Forwarded-Proto: https`), or the configured public URL is HTTPS. Trusting the header here is
 * safe even without `VEIL_TRUST_PROXY`: a forged one only makes the cookie stricter for the forger.
 */
export function isSecureRequest(request: FastifyRequest, publicUrl: string | null): boolean {
  const forwarded = String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim().toLowerCase()
  return request.protocol === 'https' || forwarded === 'https' || (publicUrl?.toLowerCase().startsWith('https://') ?? false)
}

/** HttpOnly (no script reads it), SameSite=Strict (no cross-site request carries it), Secure over HTTPS. */
function sessionCookieOptions(secure: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'strict', secure } as const
}

export function setSessionCookie(reply: FastifyReply, secret: string, expiresAt: number, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, secret, { ...sessionCookieOptions(secure), expires: new Date(expiresAt) })
}

/** Remove the session cookie with the flags it was set with (browsers match on name, path and domain). */
export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(secure))
}
