/**
 * Operations: liveness, Prometheus metrics and the OpenAPI document.
 *
 * @module
 */

import type { FastifyInstance } from 'fastify'
import type { AppDeps } from '../app.js'
import { errorBody } from '../error-handler.js'

export function registerOperationsRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/healthz', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    try {
      await deps.ctx.store.ping()
      return { status: 'ok', engine: deps.ctx.store.capabilities.engine }
    } catch {
      return reply.status(503).send(errorBody('internal_error', 'The database does not answer'))
    }
  })

  app.get('/metrics', { config: { access: deps.config.metricsPublic ? 'public' : 'settings.read' }, schema: { hide: true } }, async (_request, reply) => {
    const text = await deps.metrics.registry.metrics()
    return reply.type(deps.metrics.registry.contentType).send(text)
  })

  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger())
}
