/**
 * The governance log: read it (newest first, keyset paging by sequence number) and verify its chain.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { governanceVerifier } from '../../services/governance/governance.js'
import type { AppDeps } from '../app.js'

export function registerGovernanceRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()

  app.get(
    '/api/v1/governance',
    {
      config: { access: 'governance.read' },
      schema: {
        tags: ['governance'],
        summary: 'Governance log, newest first',
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          beforeSeq: Type.Optional(Type.Integer({ minimum: 1 })),
          action: Type.Optional(Type.String({ maxLength: 100 })),
          initiator: Type.Optional(Type.String({ maxLength: 320 })),
        }),
      },
    },
    async (request) => {
      const { limit, beforeSeq, action, initiator } = request.query
      const records = await deps.ctx.store.governance.list({ limit: limit + 1, beforeSeq, action, initiator: initiator?.toLowerCase() })
      const page = records.slice(0, limit)
      const hasNext = records.length > limit
      return { data: page, hasNext, nextBeforeSeq: hasNext ? (page[page.length - 1]?.seq ?? null) : null }
    },
  )

  app.get('/api/v1/governance/verify', { config: { access: 'governance.read' }, schema: { tags: ['governance'], summary: 'Re-compute the hash chain; report the first broken record' } }, async () => governanceVerifier(deps.ctx))
}
