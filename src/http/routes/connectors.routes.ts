/**
 * Pull connectors: `/api/v1/connectors`. Reading (list, get with status) needs `connectors.read`, every
 * admin role; changing, running and testing need `connectors.manage`, global and security admins. Every
 * change and run request is a governance record. Credentials are write-only: answers show their names
 * with `********`, and on an update credentials left out or sent as `********` keep their stored values.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { CONNECTOR_KIND_NAMES } from '../../connectors/connector-kinds.js'
import {
  connectorCreator,
  connectorReader,
  connectorRemover,
  connectorRunRequester,
  connectorsReader,
  connectorTester,
  connectorUpdater,
  type ConnectorInput,
} from '../../connectors/connectors.js'
import type { AppDeps } from '../app.js'
import { initiatorOf } from '../auth.js'

const TimeValue = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 64 })], { description: 'ms since the epoch, or an ISO 8601 date-time with a time zone' })

const Settings = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      'Provider settings (docs/connectors.md). o365: tenantId, clientId, contentTypes?, baseUrl?, loginUrl?, publisherIdentifier?, overlapMinutes?. okta: baseUrl, limit?, overlapMinutes?. google-workspace: subject, applications?, customerId?, baseUrl?, tokenUrl?, overlapMinutes?. github: org or enterprise, baseUrl?, include?, phrase?, overlapMinutes?',
  },
)

const Credentials = Type.Object(
  {},
  {
    additionalProperties: true,
    description: 'Write-only. o365: clientSecret. okta: apiToken. google-workspace: serviceAccountKey (the JSON key). github: token. Never returned; answers show ********',
  },
)

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    kind: Type.Union(CONNECTOR_KIND_NAMES.map((k) => Type.Literal(k))),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    intervalSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 86_400, description: 'How often it runs; default per provider (Okta 60, others 300)' })),
    settings: Settings,
    credentials: Credentials,
    startFrom: Type.Optional(Type.Union([TimeValue, Type.Null()], { description: 'Where the first run starts; default a day ago (no further back than the provider keeps)' })),
  },
  { additionalProperties: false },
)

const UpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    enabled: Type.Optional(Type.Boolean()),
    intervalSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 86_400 })),
    settings: Type.Optional(Settings),
    credentials: Type.Optional(Credentials),
    startFrom: Type.Optional(TimeValue),
  },
  { additionalProperties: false, description: 'settings replace the stored ones whole; the credentials given replace those stored (left out or ********: kept); startFrom forgets the checkpoint. New settings or credentials lift a pause' },
)

const Counts = Type.Object({ fetched: Type.Integer(), accepted: Type.Integer(), duplicates: Type.Integer(), rejected: Type.Integer(), outOfScope: Type.Integer() })
const Nullable = <T extends ReturnType<typeof Type.Integer> | ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

const Status = Type.Object({
  condition: Type.Union(['disabled', 'paused', 'running', 'failing', 'waiting', 'ok'].map((c) => Type.Literal(c)), {
    description: 'disabled; paused (the provider refused the credentials: no scheduled run until they change); running; failing (the last run failed, retried with back-off); waiting (no run yet); ok',
  }),
  through: Nullable(Type.Integer()),
  lagSeconds: Type.Union([Type.Integer(), Type.Null()], { description: 'Seconds from `through` (every event up to it fetched) to now' }),
  lastRunStartedAt: Nullable(Type.Integer()),
  lastRunEndedAt: Nullable(Type.Integer()),
  lastSuccessAt: Nullable(Type.Integer()),
  lastErrorAt: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  lastErrorKind: Nullable(Type.String()),
  lastRejection: Nullable(Type.String()),
  pausedAt: Nullable(Type.Integer()),
  pausedReason: Nullable(Type.String()),
  failures: Type.Integer(),
  runs: Type.Integer(),
  nextRunAt: Nullable(Type.Integer()),
  runRequestedAt: Nullable(Type.Integer()),
  runningNode: Nullable(Type.String()),
  events: Counts,
})

const ConnectorSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  provider: Type.String(),
  format: Type.String({ description: 'The ingest format of its events' }),
  enabled: Type.Boolean(),
  intervalSeconds: Type.Integer(),
  settings: Type.Unknown(),
  credentials: Type.Record(Type.String(), Type.String(), { description: 'The names of the credentials held, each shown as ********' }),
  version: Type.Integer(),
  createdAt: Type.Integer(),
  createdBy: Type.String(),
  updatedAt: Type.Integer(),
  status: Type.Union([Status, Type.Null()]),
})

const TestResult = Type.Union([
  Type.Object({ ok: Type.Literal(true), ms: Type.Integer(), events: Type.Integer({ description: 'Events in the first page (not stored)' }) }),
  Type.Object({ ok: Type.Literal(false), ms: Type.Integer(), errorKind: Type.String(), message: Type.String() }),
])

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

/**
 * Bodies are validated by the service, for the API and the CLI alike, which names every problem by its
 * field (`settings.tenantId`); the schemas above are what OpenAPI shows.
 */
const validatedByService = { validatorCompiler: () => (data: unknown) => ({ value: data }) }

export function registerConnectorRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const scheduler = deps.connectorScheduler

  app.get('/api/v1/connectors', { config: { access: 'connectors.read' }, schema: { tags: ['connectors'], summary: 'Pull connectors with their status (credentials never shown)', response: { 200: Type.Object({ data: Type.Array(ConnectorSchema) }) } } }, async () => ({
    data: await connectorsReader(deps.ctx),
  }))

  app.post(
    '/api/v1/connectors',
    { config: { access: 'connectors.manage' }, ...validatedByService, schema: { tags: ['connectors'], summary: 'Add a pull connector (credentials sealed at rest); its first run is due at once', body: CreateBody, response: { 201: ConnectorSchema } } },
    async (request, reply) => {
      const created = await connectorCreator(deps.ctx, initiatorOf(request), request.body as ConnectorInput)
      scheduler.wake()
      return reply.status(201).send(created)
    },
  )

  app.get('/api/v1/connectors/:id', { config: { access: 'connectors.read' }, schema: { tags: ['connectors'], summary: 'One pull connector with its status: last success, lag, last error, events fetched', params: Params, response: { 200: ConnectorSchema } } }, async (request) =>
    connectorReader(deps.ctx, request.params.id),
  )

  app.patch(
    '/api/v1/connectors/:id',
    { config: { access: 'connectors.manage' }, ...validatedByService, schema: { tags: ['connectors'], summary: 'Change, enable or disable a pull connector, replace credentials, or start again from a time', params: Params, body: UpdateBody, response: { 200: ConnectorSchema } } },
    async (request) => {
      const updated = await connectorUpdater(deps.ctx, initiatorOf(request), (request.params as { id: string }).id, request.body as ConnectorInput)
      scheduler.wake()
      return updated
    },
  )

  app.delete('/api/v1/connectors/:id', { config: { access: 'connectors.manage' }, schema: { tags: ['connectors'], summary: 'Delete a pull connector and its checkpoint (the events it fetched stay)', params: Params } }, async (request, reply) => {
    await connectorRemover(deps.ctx, initiatorOf(request), request.params.id)
    return reply.status(204).send()
  })

  app.post(
    '/api/v1/connectors/:id/run',
    { config: { access: 'connectors.manage' }, schema: { tags: ['connectors'], summary: 'Poll now (also a paused connector): the node that takes the lease runs it', params: Params, response: { 202: Type.Object({ requestedAt: Type.Integer() }) } } },
    async (request, reply) => {
      const accepted = await connectorRunRequester(deps.ctx, initiatorOf(request), request.params.id)
      scheduler.wake()
      return reply.status(202).send(accepted)
    },
  )

  app.post(
    '/api/v1/connectors/:id/test',
    { config: { access: 'connectors.manage' }, schema: { tags: ['connectors'], summary: 'Check the credentials and settings: sign in and read one page, storing nothing', params: Params, response: { 200: TestResult } } },
    async (request) => connectorTester(deps.ctx, { timeoutMs: deps.config.connectors.timeoutMs }, request.params.id),
  )
}
