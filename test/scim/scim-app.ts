/**
 * A Veil test app with the SCIM endpoints, on a real store. When the application already mounts
 * `/scim/v2` (once `buildApp` registers the SCIM routes), requests go through it unchanged; until then
 * the SCIM plugin is mounted on a bare Fastify instance with Veil's own authentication hook over the
 * same runtime, so the conversations test the same routes, auth and store either way.
 *
 * The clock is settable, so membership spans get distinct times.
 */
import fastifyCookie from '@fastify/cookie'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import { registerAuth } from '../../src/http/auth.js'
import { SCIM_PREFIX, registerScimRoutes } from '../../src/scim/scim.routes.js'
import type { DirectoryService } from '../../src/services/directory/directory-service.js'
import { createTestApp, type TestApp, type TestRole } from '../helpers/test-app.js'

export const T0 = Date.parse('2026-11-20T09:00:00Z')

export interface ScimRequestOptions {
  readonly role?: TestRole | null
  /** Defaults to application/scim+json, as Entra ID and Okta send. */
  readonly contentType?: string
  /** A raw body (for malformed JSON); otherwise `body` is sent as JSON. */
  readonly raw?: string
}

export interface ScimTestApp {
  readonly t: TestApp
  readonly app: FastifyInstance
  /** The runtime's directory service (the one the app uses), for checking what the requests did. */
  readonly directory: DirectoryService
  /** Move the clock (ms since the epoch). */
  setNow(ms: number): void
  now(): number
  /** A request to `/scim/v2<path>` as `role` (security_admin unless given; null: no credentials). */
  scim(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, options?: ScimRequestOptions): Promise<LightMyRequestResponse>
  close(): Promise<void>
}

export async function createScimTestApp(engine: 'sqlite' | 'postgres'): Promise<ScimTestApp> {
  let now = T0
  const clock = (): number => now
  const t = await createTestApp({ engine, clock })
  const directory = t.runtime.directory
  let app: FastifyInstance = t.app
  let own: FastifyInstance | null = null
  if (!t.app.veilRoutes.some((r) => r.url.startsWith(`${SCIM_PREFIX}/`))) {
    own = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true }, ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } } })
    await own.register(fastifyCookie)
    registerAuth(own, t.runtime.ctx)
    await registerScimRoutes(own, { directory, clock })
    await own.ready()
    app = own
  }
  return {
    t,
    app,
    directory,
    setNow: (ms) => {
      now = ms
    },
    now: () => now,
    scim: (method, path, body, options = {}) => {
      const role = options.role === undefined ? 'security_admin' : options.role
      const headers: Record<string, string> = { accept: 'application/scim+json', ...(role !== null ? t.auth(role) : {}) }
      const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body))
      if (payload !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/scim+json'
      }
      return app.inject({ method, url: `${SCIM_PREFIX}${path}`, headers, ...(payload !== undefined ? { payload } : {}) })
    },
    async close() {
      await own?.close()
      await t.close()
    },
  }
}

/** `filter=...` as Entra ID encodes it (spaces as `+`, quotes and `@` escaped). */
export function filterParam(filter: string): string {
  return `filter=${encodeURIComponent(filter).replace(/%20/g, '+')}`
}
