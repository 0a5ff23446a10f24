/**
 * Settings → Scoped deployment and managed domains. Reading needs `settings.read`, changing
 * `settings.manage`; every change is a governance record (before/after) and takes effect on the ingest
 * path of every node within a fraction of a second.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { managedDomainAdder, managedDomainRemover, managedDomainsReader, managedDomainsSetter, scopeSetter, scopeVersionReader } from '../../services/settings/organization-settings.js'
import type { AppDeps } from '../app.js'
import { initiatorOf } from '../auth.js'

const DomainList = Type.Object({ domains: Type.Array(Type.String({ maxLength: 253 }), { maxItems: 10_000 }) }, { additionalProperties: false })

const ScopeRuleSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: Type.Union([Type.Literal('include'), Type.Literal('exclude')]),
    groups: Type.Array(Type.String({ maxLength: 256 }), { minItems: 1, maxItems: 1000, description: 'Group ids, imported or built-in (builtin:application, builtin:external-users)' }),
    apps: Type.Union([Type.Literal('all'), Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 1000 })]),
  },
  { additionalProperties: false },
)
const ScopeSchema = Type.Object(
  {
    rules: Type.Array(ScopeRuleSchema, { maxItems: 1000 }),
    version: Type.Optional(Type.Integer({ minimum: 0, description: 'the version read with GET; if the rules changed since, the change is refused with 412 precondition_failed instead of overwriting them' })),
  },
  { additionalProperties: false },
)

export function registerSettingsRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const changed = () => deps.ingestSettings.invalidate()

  app.get('/api/v1/settings/managed-domains', { config: { access: 'settings.read' }, schema: { tags: ['settings'], summary: 'Managed domains (a domain covers its subdomains)' } }, async () => ({
    domains: await managedDomainsReader(deps.ctx),
  }))

  app.put('/api/v1/settings/managed-domains', { config: { access: 'settings.manage' }, schema: { tags: ['settings'], summary: 'Replace the managed domains', body: DomainList } }, async (request) => {
    const domains = await managedDomainsSetter(deps.ctx, initiatorOf(request), request.body.domains)
    changed()
    return { domains }
  })

  app.post('/api/v1/settings/managed-domains', { config: { access: 'settings.manage' }, schema: { tags: ['settings'], summary: 'Add a managed domain', body: Type.Object({ domain: Type.String({ maxLength: 253 }) }, { additionalProperties: false }) } }, async (request) => {
    const domains = await managedDomainAdder(deps.ctx, initiatorOf(request), request.body.domain)
    changed()
    return { domains }
  })

  app.delete('/api/v1/settings/managed-domains/:domain', { config: { access: 'settings.manage' }, schema: { tags: ['settings'], summary: 'Remove a managed domain', params: Type.Object({ domain: Type.String({ maxLength: 253 }) }) } }, async (request) => {
    const domains = await managedDomainRemover(deps.ctx, initiatorOf(request), request.params.domain)
    changed()
    return { domains }
  })

  app.get('/api/v1/settings/scope', { config: { access: 'settings.read' }, schema: { tags: ['settings'], summary: 'Scoped deployment rules, with the version a change can name' } }, async () => {
    const { scope, version } = await scopeVersionReader(deps.ctx)
    return { ...scope, version }
  })

  app.put(
    '/api/v1/settings/scope',
    { config: { access: 'settings.manage' }, schema: { tags: ['settings'], summary: 'Replace the scoped deployment rules (exclude wins; an app no include rule covers monitors everybody not excluded)', body: ScopeSchema } },
    async (request) => {
      const { version: expectedVersion, ...input } = request.body
      await scopeSetter(deps.ctx, initiatorOf(request), input, async (id) => (await deps.directory.getGroup(id)) !== null, expectedVersion)
      changed()
      const { scope, version } = await scopeVersionReader(deps.ctx)
      return { ...scope, version }
    },
  )
}
