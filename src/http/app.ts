/**
 * Builds the HTTP application (API, SCIM later, portal later) without listening, so tests drive it
 * with `inject()` and `server.ts` decides where it listens.
 *
 * @module
 */

import Fastify, { type FastifyInstance } from 'fastify'
import fastifyCookie from '@fastify/cookie'
import fastifyRateLimit from '@fastify/rate-limit'
import fastifySwagger from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from '../config/config.js'
import type { IngestPipeline } from '../ingest/ingest-pipeline.js'
import type { DirectoryService } from '../services/directory/directory-service.js'
import type { PrivacyVault } from '../services/privacy/privacy-vault.js'
import type { ServiceContext } from '../services/service-context.js'
import type { SiemForwarder } from '../siem/forwarder/siem-forwarder.js'
import type { ConnectorScheduler } from '../connectors/connector-scheduler.js'
import type { IngestSettingsCache } from '../services/settings/organization-settings.js'
import { registerAuth, type Access } from './auth.js'
import { handleError, errorBody } from './error-handler.js'
import type { Metrics } from './metrics.js'
import { registerPortal, type PortalFallback } from './portal.js'
import { createRevealGate } from './reveal-gate.js'
import { registerAccountRoutes } from './routes/accounts.routes.js'
import { registerActivityRoutes } from './routes/activities.routes.js'
import { registerDirectoryRoutes } from './routes/directory.routes.js'
import { registerExportRoutes } from './routes/export.routes.js'
import { registerGovernanceRoutes } from './routes/governance.routes.js'
import { registerHuntingRoutes } from './routes/hunting.routes.js'
import { registerIngestRoutes } from './routes/ingest.routes.js'
import { registerOperationsRoutes } from './routes/operations.routes.js'
import { registerOverviewRoutes } from './routes/overview.routes.js'
import { registerPrivacyRoutes } from './routes/privacy.routes.js'
import { registerRetroactivePrivacyRoutes } from './routes/retroactive-privacy.routes.js'
import { registerSavedQueryRoutes } from './routes/saved-queries.routes.js'
import { registerScimStatusRoutes } from './routes/scim-status.routes.js'
import { registerSessionRoutes } from './routes/session.routes.js'
import { registerSettingsRoutes } from './routes/settings.routes.js'
import { registerSiemRoutes } from './routes/siem.routes.js'
import { registerConnectorRoutes } from './routes/connectors.routes.js'
import { registerScimRoutes } from '../scim/scim.routes.js'
import { registerTokenRoutes } from './routes/tokens.routes.js'

export interface AppDeps {
  readonly ctx: ServiceContext
  readonly config: Readonly<Config>
  readonly pipeline: IngestPipeline
  readonly metrics: Metrics
  /** The ingest path's view of managed domains and scope; routes that change them invalidate it. */
  readonly ingestSettings: IngestSettingsCache
  /** Users, groups and memberships (REST directory routes, SCIM, scope validation). */
  readonly directory: DirectoryService
  /** Seals and opens private activities: revealed answers are opened through it, nowhere else. */
  readonly vault: PrivacyVault
  /** This node's SIEM forwarder: woken after destination changes; its sink context serves the connection test. */
  readonly siemForwarder: SiemForwarder
  /** This node's connector scheduler: woken after connector changes and run requests. */
  readonly connectorScheduler: ConnectorScheduler
  /** Pino options or false; tests pass false. */
  readonly logger: boolean | Record<string, unknown>
  /** The built portal served at `/`; default `dist/portal` of this package (tests pass their own). */
  readonly portalDir?: string
}

export type App = FastifyInstance

/** A registered route and the access it declares (null: none declared, which a test forbids). */
export interface RouteAccess {
  readonly method: string
  readonly url: string
  readonly access: Access | null
}

declare module 'fastify' {
  interface FastifyInstance {
    veilRoutes: readonly RouteAccess[]
  }
}

export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    logger: deps.logger,
    trustProxy: deps.config.trustProxy,
    bodyLimit: 1024 * 1024, // JSON API bodies; ingest routes raise it to the configured batch limit
    routerOptions: { ignoreTrailingSlash: true },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  // Every route is listed with the access it declares, so a test can check the role matrix covers all.
  const routes: RouteAccess[] = []
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') {
        routes.push({ method, url: route.url, access: route.config?.access ?? null })
      }
    }
  })
  app.decorate('veilRoutes', routes)

  // During a graceful shutdown, answer in-flight requests with `Connection: close` so keep-alive
  // connections end with their last response instead of holding the process open.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onSend', async (_request, reply) => {
    if (closing) {
      void reply.header('connection', 'close')
    }
  })

  app.setErrorHandler(handleError)
  // The portal's client-side routes (GET, outside /api) get the app shell; everything else the API's 404.
  let portalFallback: PortalFallback | null = null
  app.setNotFoundHandler((request, reply) => {
    if (portalFallback?.(request, reply)) {
      return
    }
    void reply.status(404).send(errorBody('not_found', `No route ${request.method} ${request.url.split('?')[0]}`))
  })

  await app.register(fastifyCookie)
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Veil API', version: '0.1.0', description: 'Self-hosted cloud activity log with activity privacy. Defender for Cloud Apps-compatible activities API.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token from `veil token create` (`Authorization: Token <t>` works too)' },
          session: { type: 'apiKey', in: 'cookie', name: 'veil_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  })
  registerAuth(app, deps.ctx)
  await app.register(fastifyRateLimit, {
    global: true,
    hook: 'preHandler', // after authentication, so the limit is per token or session
    max: deps.config.limits.requestsPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => (request.viewer ? `${request.viewer.upn}:${request.viewer.tokenId ?? 'session'}` : request.ip),
    errorResponseBuilder: (_request, context) => {
      const error = new Error(`Rate limit of ${context.max} requests a minute exceeded`) as Error & { statusCode: number; code: string }
      error.statusCode = 429
      error.code = 'FST_ERR_RATE_LIMIT_EXCEEDED'
      return error
    },
  })
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.httpRequests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) })
  })

  registerOperationsRoutes(app, deps)
  registerSessionRoutes(app, deps)
  registerIngestRoutes(app, deps)
  // One reveal gate for every revealing route, so lists and exports count against the same per-admin limit.
  const revealGate = createRevealGate(deps)
  registerActivityRoutes(app, deps, revealGate)
  registerExportRoutes(app, deps, revealGate)
  registerHuntingRoutes(app, deps)
  registerAccountRoutes(app, deps)
  registerTokenRoutes(app, deps)
  registerGovernanceRoutes(app, deps)
  registerDirectoryRoutes(app, deps)
  registerSettingsRoutes(app, deps)
  registerPrivacyRoutes(app, deps)
  registerRetroactivePrivacyRoutes(app, deps)
  registerSiemRoutes(app, deps)
  registerOverviewRoutes(app, deps)
  registerSavedQueryRoutes(app, deps)
  // Before the SCIM routes: its hook notes each SCIM call for the SCIM status.
  registerScimStatusRoutes(app, deps)
  registerConnectorRoutes(app, deps)
  portalFallback = registerPortal(app, { dir: deps.portalDir })
  await registerScimRoutes(app, { directory: deps.directory, clock: deps.ctx.clock })
  await app.ready()
  return app
}
