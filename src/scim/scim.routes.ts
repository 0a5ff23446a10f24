/**
 * SCIM 2.0 endpoints under `/scim/v2`, so an identity provider (Entra ID, Okta) can push users and
 * groups into Veil's directory: `/Users`, `/Groups`, and the discovery documents
 * (`/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`). Every route needs `directory.manage`
 * and takes the normal Veil bearer token.
 *
 * The routes live in their own plugin scope, which accepts `application/scim+json`, answers in it,
 * and turns every error (SCIM protocol errors, directory errors, Fastify's body errors, the auth
 * hook's 401/403) into a SCIM error body. All parsing and checking happens before the first write,
 * so a request that fails applies nothing.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { initiatorOf } from '../http/auth.js'
import type { DirectoryGroup, DirectoryService, DirectoryUser } from '../services/directory/directory-service.js'
import { readBodyObject, type JsonObject } from './scim-attributes.js'
import { INTERNAL_ERROR_BODY, ScimError, badRequest, scimErrorBody, toScimErrorBody } from './scim-error.js'
import { parseScimFilter } from './scim-filter.js'
import { applyUserPatch, parsePatchRequest, planGroupPatch, userPatchOf, userStateOf } from './scim-patch.js'
import { compileGroupQuery, compileUserQuery, groupMatches, userMatches } from './scim-query.js'
import { listResponse, locationOf, presentGroup, presentUser, project, projects, readGroupBody, readProjection, readUserBody, type Projection } from './scim-resources.js'
import {
  DEFAULT_PAGE_SIZE,
  GROUP_SCHEMA,
  MAX_PAGE_SIZE,
  USER_SCHEMA,
  groupResourceType,
  groupSchema,
  serviceProviderConfig,
  userResourceType,
  userSchema,
} from './scim-schemas.js'

/** Where the SCIM endpoints are mounted. */
export const SCIM_PREFIX = '/scim/v2'
/** The content type of every SCIM answer (RFC 7644 §3.1). */
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8'

/** What the SCIM endpoints need: the directory, and the clock for membership lookups. */
export interface ScimRoutesOptions {
  readonly directory: DirectoryService
  /** ms since the epoch; the time "now" for membership lookups. */
  readonly clock: () => number
}

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) })
const ListQuery = Type.Object({
  filter: Type.Optional(Type.String({ maxLength: 4096, description: 'eq comparisons joined by and, e.g. userName eq "a@b.com"' })),
  startIndex: Type.Optional(Type.Integer({ description: '1-based index of the first result' })),
  count: Type.Optional(Type.Integer({ description: `Page size (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE})` })),
  attributes: Type.Optional(Type.String({ maxLength: 1024 })),
  excludedAttributes: Type.Optional(Type.String({ maxLength: 1024 })),
})
const ProjectionQuery = Type.Object({ attributes: Type.Optional(Type.String({ maxLength: 1024 })), excludedAttributes: Type.Optional(Type.String({ maxLength: 1024 })) })

/** Members added by one request are checked this many at a time. */
const LOOKUP_CONCURRENCY = 32

/**
 * Mount the SCIM endpoints at `/scim/v2` in their own plugin scope.
 *
 * @example
 * await registerScimRoutes(app, { directory: deps.directory, clock: deps.ctx.clock })
 */
export async function registerScimRoutes(app: FastifyInstance, options: ScimRoutesOptions): Promise<void> {
  await app.register(async (scope) => scimPlugin(scope, options), { prefix: SCIM_PREFIX })
}

function baseUrlOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${SCIM_PREFIX}`
}

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.status(status).type(SCIM_CONTENT_TYPE).send(body)
}

function notFound(resource: 'User' | 'Group' | 'Schema' | 'ResourceType'): ScimError {
  return new ScimError(404, null, `No ${resource} with this id`)
}

/** RFC 7644 §3.4.2.4: startIndex below 1 counts as 1, a negative count as 0. */
function paging(startIndex: number | undefined, count: number | undefined): { startIndex: number; count: number } {
  return { startIndex: Math.max(1, startIndex ?? 1), count: Math.min(MAX_PAGE_SIZE, Math.max(0, count ?? DEFAULT_PAGE_SIZE)) }
}

/** A page of an in-memory result (lookups by id or membership). */
function pageOf<T>(items: readonly T[], startIndex: number, count: number): T[] {
  return items.slice(startIndex - 1, startIndex - 1 + count)
}

async function scimPlugin(root: FastifyInstance, { directory, clock }: ScimRoutesOptions): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()

  app.addContentTypeParser('application/scim+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'))

  app.setErrorHandler((error, request, reply) => {
    let body = toScimErrorBody(error)
    if (!body) {
      request.log.error({ err: error }, 'unexpected error')
      body = INTERNAL_ERROR_BODY
    } else if (Number(body.status) >= 500) {
      request.log.error({ err: error }, body.detail)
    }
    return send(reply, Number(body.status), body)
  })

  app.setNotFoundHandler((request, reply) => send(reply, 404, scimErrorBody(404, null, `No SCIM endpoint ${request.method} ${request.url.split('?')[0]}`)))

  const config = { access: 'directory.manage' as const }
  const tags = ['scim']

  async function requireUser(id: string): Promise<DirectoryUser> {
    const user = await directory.getUser(id)
    if (!user) {
      throw notFound('User')
    }
    return user
  }

  async function requireGroup(id: string): Promise<DirectoryGroup> {
    const group = await directory.getGroup(id)
    if (!group) {
      throw notFound('Group')
    }
    return group
  }

  /** Members must be existing users: an unknown id is the request's fault (400), not a missing group (404). */
  async function requireMembers(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += LOOKUP_CONCURRENCY) {
      const chunk = ids.slice(i, i + LOOKUP_CONCURRENCY)
      const found = await Promise.all(chunk.map((id) => directory.getUser(id)))
      const missing = chunk.find((_id, j) => found[j] === null)
      if (missing !== undefined) {
        throw badRequest('invalidValue', `members: no User with id ${JSON.stringify(missing)}`)
      }
    }
  }

  /** A group's display name is unique: checked before the first write so a PATCH or PUT applies all or nothing. */
  async function requireFreeGroupName(displayName: string, groupId: string): Promise<void> {
    const taken = await directory.listGroups({ displayName }, { offset: 0, limit: 2 })
    if (taken.items.some((g) => g.id !== groupId && g.displayName.toLowerCase() === displayName.toLowerCase())) {
      throw new ScimError(409, 'uniqueness', `displayName: another Group is already called ${JSON.stringify(displayName)}`)
    }
  }

  async function presentGroupFor(group: DirectoryGroup, projection: Projection, baseUrl: string): Promise<JsonObject> {
    const members = projects(projection, 'members') ? await directory.members(group.id) : null
    return project(presentGroup(group, members, baseUrl), projection)
  }

  // ---- Users ----

  app.get('/Users', { config, schema: { tags, summary: 'List or find users (SCIM)', querystring: ListQuery } }, async (request, reply) => {
    const { startIndex, count } = paging(request.query.startIndex, request.query.count)
    const query = compileUserQuery(request.query.filter !== undefined ? parseScimFilter(request.query.filter) : null)
    const projection = readProjection(request.query.attributes, request.query.excludedAttributes)
    const baseUrl = baseUrlOf(request)
    let users: readonly DirectoryUser[] = []
    let total = 0
    if (query.matchesNothing) {
      // Contradictory comparisons: nothing matches, and the directory need not be asked.
    } else if (query.id !== null) {
      const user = await directory.getUser(query.id)
      const hits = user && userMatches(user, query) ? [user] : []
      users = pageOf(hits, startIndex, count)
      total = hits.length
    } else {
      const page = await directory.listUsers(query.filter, { offset: startIndex - 1, limit: Math.max(count, 1) })
      users = page.items.slice(0, count)
      total = page.total
    }
    return send(reply, 200, listResponse(users.map((u) => project(presentUser(u, baseUrl), projection)), total, startIndex))
  })

  app.post('/Users', { config, schema: { tags, summary: 'Create a user (SCIM)' } }, async (request, reply) => {
    const input = readUserBody(readBodyObject(request.body))
    const user = await directory.createUser(initiatorOf(request), { upn: input.userName, displayName: input.displayName, externalId: input.externalId, emails: input.emails, active: input.active ?? true })
    const baseUrl = baseUrlOf(request)
    void reply.header('location', locationOf('User', user.id, baseUrl))
    return send(reply, 201, presentUser(user, baseUrl))
  })

  app.get('/Users/:id', { config, schema: { tags, summary: 'Get a user (SCIM)', params: IdParams, querystring: ProjectionQuery } }, async (request, reply) => {
    const user = await requireUser(request.params.id)
    return send(reply, 200, project(presentUser(user, baseUrlOf(request)), readProjection(request.query.attributes, request.query.excludedAttributes)))
  })

  app.put('/Users/:id', { config, schema: { tags, summary: 'Replace a user (SCIM)', params: IdParams } }, async (request, reply) => {
    const input = readUserBody(readBodyObject(request.body))
    await requireUser(request.params.id)
    const user = await directory.updateUser(initiatorOf(request), request.params.id, {
      upn: input.userName,
      displayName: input.displayName,
      externalId: input.externalId,
      emails: input.emails,
      ...(input.active !== null ? { active: input.active } : {}),
    })
    return send(reply, 200, presentUser(user, baseUrlOf(request)))
  })

  app.patch('/Users/:id', { config, schema: { tags, summary: 'Change a user (SCIM PATCH)', params: IdParams } }, async (request, reply) => {
    const operations = parsePatchRequest(request.body)
    const user = await requireUser(request.params.id)
    const before = userStateOf(user)
    const patch = userPatchOf(before, applyUserPatch(before, operations))
    const updated = Object.keys(patch).length > 0 ? await directory.updateUser(initiatorOf(request), user.id, patch) : user
    return send(reply, 200, presentUser(updated, baseUrlOf(request)))
  })

  app.delete('/Users/:id', { config, schema: { tags, summary: 'Delete a user; memberships end, history stays (SCIM)', params: IdParams } }, async (request, reply) => {
    await requireUser(request.params.id)
    await directory.deleteUser(initiatorOf(request), request.params.id)
    return reply.status(204).send()
  })

  // ---- Groups ----

  app.get('/Groups', { config, schema: { tags, summary: 'List or find groups (SCIM)', querystring: ListQuery } }, async (request, reply) => {
    const { startIndex, count } = paging(request.query.startIndex, request.query.count)
    const query = compileGroupQuery(request.query.filter !== undefined ? parseScimFilter(request.query.filter) : null)
    const projection = readProjection(request.query.attributes, request.query.excludedAttributes)
    const baseUrl = baseUrlOf(request)
    let groups: readonly DirectoryGroup[] = []
    let total = 0
    if (query.matchesNothing) {
      // Nothing matches.
    } else if (query.id !== null || query.memberId !== null) {
      const ids = query.memberId !== null ? (await directory.groupsOf(query.memberId, clock())).filter((id) => query.id === null || id === query.id) : [query.id as string]
      const found = await Promise.all(ids.map((id) => directory.getGroup(id)))
      const hits = found.filter((g): g is DirectoryGroup => g !== null && groupMatches(g, query))
      groups = pageOf(hits, startIndex, count)
      total = hits.length
    } else {
      const page = await directory.listGroups(query.filter, { offset: startIndex - 1, limit: Math.max(count, 1) })
      groups = page.items.slice(0, count)
      total = page.total
    }
    const resources: JsonObject[] = []
    for (const group of groups) {
      resources.push(await presentGroupFor(group, projection, baseUrl))
    }
    return send(reply, 200, listResponse(resources, total, startIndex))
  })

  app.post('/Groups', { config, schema: { tags, summary: 'Create a group (SCIM)' } }, async (request, reply) => {
    const input = readGroupBody(readBodyObject(request.body))
    const memberIds = input.memberIds ?? []
    // One transaction in the directory, which rejects unknown member ids itself.
    const group = await directory.createGroup(initiatorOf(request), { displayName: input.displayName, externalId: input.externalId, memberIds })
    const baseUrl = baseUrlOf(request)
    void reply.header('location', locationOf('Group', group.id, baseUrl))
    return send(reply, 201, await presentGroupFor(group, readProjection(undefined, undefined), baseUrl))
  })

  app.get('/Groups/:id', { config, schema: { tags, summary: 'Get a group (SCIM; excludedAttributes=members leaves members out)', params: IdParams, querystring: ProjectionQuery } }, async (request, reply) => {
    const group = await requireGroup(request.params.id)
    return send(reply, 200, await presentGroupFor(group, readProjection(request.query.attributes, request.query.excludedAttributes), baseUrlOf(request)))
  })

  app.put('/Groups/:id', { config, schema: { tags, summary: 'Replace a group and its members (SCIM)', params: IdParams } }, async (request, reply) => {
    const input = readGroupBody(readBodyObject(request.body))
    const group = await requireGroup(request.params.id)
    if (input.memberIds !== null) {
      await requireMembers(input.memberIds)
    }
    if (input.displayName.toLowerCase() !== group.displayName.toLowerCase()) {
      await requireFreeGroupName(input.displayName, group.id)
    }
    const initiator = initiatorOf(request)
    let updated = group
    if (input.displayName !== group.displayName || input.externalId !== group.externalId) {
      updated = await directory.updateGroup(initiator, group.id, { displayName: input.displayName, externalId: input.externalId })
    }
    if (input.memberIds !== null) {
      await directory.replaceMembers(initiator, group.id, input.memberIds)
    }
    return send(reply, 200, await presentGroupFor(updated, readProjection(undefined, undefined), baseUrlOf(request)))
  })

  app.patch('/Groups/:id', { config, schema: { tags, summary: 'Change a group or its members (SCIM PATCH); answers 204', params: IdParams } }, async (request, reply) => {
    const operations = parsePatchRequest(request.body)
    const group = await requireGroup(request.params.id)
    const plan = planGroupPatch(group.id, operations)
    const members = plan.members
    if (members.kind === 'replace') {
      await requireMembers(members.userIds)
    } else if (members.kind === 'delta') {
      await requireMembers(members.add)
    }
    const renamed = plan.displayName !== undefined && plan.displayName !== group.displayName
    if (renamed && plan.displayName.toLowerCase() !== group.displayName.toLowerCase()) {
      await requireFreeGroupName(plan.displayName, group.id)
    }
    const initiator = initiatorOf(request)
    const externalIdChanged = plan.externalId !== undefined && plan.externalId !== group.externalId
    if (renamed || externalIdChanged) {
      await directory.updateGroup(initiator, group.id, { ...(renamed ? { displayName: plan.displayName } : {}), ...(externalIdChanged ? { externalId: plan.externalId } : {}) })
    }
    if (members.kind === 'replace') {
      await directory.replaceMembers(initiator, group.id, members.userIds)
    } else if (members.kind === 'delta') {
      if (members.remove.length > 0) {
        await directory.removeMembers(initiator, group.id, members.remove)
      }
      if (members.add.length > 0) {
        await directory.addMembers(initiator, group.id, members.add)
      }
    }
    return reply.status(204).send()
  })

  app.delete('/Groups/:id', { config, schema: { tags, summary: 'Delete a group; memberships end, history stays (SCIM)', params: IdParams } }, async (request, reply) => {
    await requireGroup(request.params.id)
    await directory.deleteGroup(initiatorOf(request), request.params.id)
    return reply.status(204).send()
  })

  // ---- Discovery ----

  app.get('/ServiceProviderConfig', { config, schema: { tags, summary: 'What this SCIM endpoint supports' } }, async (request, reply) => send(reply, 200, serviceProviderConfig(baseUrlOf(request))))

  app.get('/ResourceTypes', { config, schema: { tags, summary: 'SCIM resource types' } }, async (request, reply) => {
    const baseUrl = baseUrlOf(request)
    return send(reply, 200, listResponse([userResourceType(baseUrl), groupResourceType(baseUrl)], 2, 1))
  })

  app.get('/ResourceTypes/:id', { config, schema: { tags, summary: 'One SCIM resource type', params: IdParams } }, async (request, reply) => {
    const baseUrl = baseUrlOf(request)
    const id = request.params.id.toLowerCase()
    const found = id === 'user' ? userResourceType(baseUrl) : id === 'group' ? groupResourceType(baseUrl) : null
    if (found === null) {
      throw notFound('ResourceType')
    }
    return send(reply, 200, found)
  })

  app.get('/Schemas', { config, schema: { tags, summary: 'SCIM schemas' } }, async (request, reply) => {
    const baseUrl = baseUrlOf(request)
    return send(reply, 200, listResponse([userSchema(baseUrl), groupSchema(baseUrl)], 2, 1))
  })

  app.get('/Schemas/:id', { config, schema: { tags, summary: 'One SCIM schema', params: IdParams } }, async (request, reply) => {
    const baseUrl = baseUrlOf(request)
    const id = request.params.id.toLowerCase()
    const found = id === USER_SCHEMA.toLowerCase() ? userSchema(baseUrl) : id === GROUP_SCHEMA.toLowerCase() ? groupSchema(baseUrl) : null
    if (found === null) {
      throw notFound('Schema')
    }
    return send(reply, 200, found)
  })
}
