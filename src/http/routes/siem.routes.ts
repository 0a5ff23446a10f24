/**
 * SIEM destinations: `/api/v1/siem/destinations`. Reading (list, get, status) needs `siem.read`, every
 * admin role; changing (create, update, delete, test connection, back-fill) needs `siem.manage`, global
 * and security admins. Every change is a governance record. Secrets are write-only: answers show them as
 * `********`, and sending `********` back on an update keeps the stored value.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import {
  siemBackfillRequester,
  siemDestinationCreator,
  siemDestinationReader,
  siemDestinationRemover,
  siemDestinationStatusReader,
  siemDestinationsReader,
  siemDestinationTester,
  siemDestinationUpdater,
  type SiemDestinationInput,
} from '../../siem/destinations/siem-destinations.js'
import { SiemDestinationSettingsSchema } from '../../siem/siem-destination-settings.js'
import type { AppDeps } from '../app.js'
import { initiatorOf } from '../auth.js'

const TimeValue = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 64 })], { description: 'ms since the epoch, or an ISO 8601 date-time with a time zone' })

const BackfillWindow = Type.Object(
  {
    from: TimeValue,
    to: Type.Optional(TimeValue),
  },
  { additionalProperties: false, description: 'Public activities with a time in [from, to] (to: default now), delivered oldest first before the live feed goes on' },
)

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    settings: SiemDestinationSettingsSchema,
    backfill: Type.Optional(BackfillWindow),
  },
  { additionalProperties: false },
)

const UpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    enabled: Type.Optional(Type.Boolean()),
    settings: Type.Optional(SiemDestinationSettingsSchema),
  },
  { additionalProperties: false, description: 'settings replace the stored ones whole; a secret sent as ******** (or a webhook secret left out) keeps its stored value' },
)

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

/**
 * These bodies are validated by the service, for the API and the CLI alike, which names every problem
 * by its field (`settings.port`). The schemas above are what OpenAPI shows; Ajv's errors for a union of
 * settings would list the complaints of every alternative instead.
 */
const validatedByService = { validatorCompiler: () => (data: unknown) => ({ value: data }) }

export function registerSiemRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const forwarder = deps.siemForwarder
  const statusOptions = { maxLagSeconds: deps.config.siem.maxLagSeconds, pendingCountLimit: deps.config.siem.pendingCountLimit, now: Date.now }

  app.get('/api/v1/siem/destinations', { config: { access: 'siem.read' }, schema: { tags: ['siem'], summary: 'SIEM destinations (secrets redacted)' } }, async () => ({
    data: await siemDestinationsReader(deps.ctx),
  }))

  app.post(
    '/api/v1/siem/destinations',
    {
      config: { access: 'siem.manage' },
      ...validatedByService,
      schema: { tags: ['siem'], summary: 'Add a SIEM destination: it receives the activities recorded from now on (after an optional back-fill window)', body: CreateBody },
    },
    async (request, reply) => {
      const created = await siemDestinationCreator(deps.ctx, initiatorOf(request), request.body as SiemDestinationInput)
      forwarder.wake()
      return reply.status(201).send(created)
    },
  )

  app.get('/api/v1/siem/destinations/:id', { config: { access: 'siem.read' }, schema: { tags: ['siem'], summary: 'One SIEM destination (secrets redacted)', params: Params } }, async (request) =>
    siemDestinationReader(deps.ctx, request.params.id),
  )

  app.patch(
    '/api/v1/siem/destinations/:id',
    { config: { access: 'siem.manage' }, ...validatedByService, schema: { tags: ['siem'], summary: 'Change, enable or disable a SIEM destination (the cursor stays: a re-enabled destination catches up)', params: Params, body: UpdateBody } },
    async (request) => {
      const updated = await siemDestinationUpdater(deps.ctx, initiatorOf(request), (request.params as { id: string }).id, request.body as SiemDestinationInput)
      forwarder.wake()
      return updated
    },
  )

  app.delete('/api/v1/siem/destinations/:id', { config: { access: 'siem.manage' }, schema: { tags: ['siem'], summary: 'Delete a SIEM destination and its cursor', params: Params } }, async (request, reply) => {
    await siemDestinationRemover(deps.ctx, initiatorOf(request), request.params.id)
    return reply.status(204).send()
  })

  app.post(
    '/api/v1/siem/destinations/:id/test',
    { config: { access: 'siem.manage' }, schema: { tags: ['siem'], summary: 'Test the connection (connect and TLS handshake, or POST an empty batch); sends no activity', params: Params } },
    async (request) => siemDestinationTester(deps.ctx, { sinkContext: forwarder.sinkContext, createSink: forwarder.createSink }, request.params.id),
  )

  app.get(
    '/api/v1/siem/destinations/:id/status',
    { config: { access: 'siem.read' }, schema: { tags: ['siem'], summary: 'Delivery status: lag, pending activities, last success and error, events sent, back-fill, retention gap', params: Params } },
    async (request) => siemDestinationStatusReader(deps.ctx, statusOptions, request.params.id),
  )

  app.post(
    '/api/v1/siem/destinations/:id/backfill',
    { config: { access: 'siem.manage' }, ...validatedByService, schema: { tags: ['siem'], summary: 'Deliver the public activities of a time window again, oldest first, then go on with the live feed', params: Params, body: BackfillWindow } },
    async (request, reply) => {
      const window = await siemBackfillRequester(deps.ctx, initiatorOf(request), (request.params as { id: string }).id, request.body)
      forwarder.wake()
      return reply.status(202).send({ backfill: window })
    },
  )
}
