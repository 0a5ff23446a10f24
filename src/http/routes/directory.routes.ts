/**
 * The directory over REST: groups (imported and built-in), users, memberships with their history, and
 * membership import files. Reading needs `directory.read`, changing `directory.manage`. Every change
 * goes through the directory service, the same one SCIM and `veil groups import` use.
 *
 * Times (`at`) are ms since the epoch or ISO 8601; a membership counts at its `from` and not at its
 * `to` ([from, to)).
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'

import { BUILTIN_GROUPS, isBuiltinGroupId } from '../../core/directory/builtin-groups.js'
import { NotFoundError, ValidationError } from '../../core/errors.js'
import type { DirectoryUser } from '../../services/directory/directory-service.js'
import { importMembershipFile, type ImportFileFormatOption } from '../../services/directory/import-file.js'
import type { AppDeps } from '../app.js'
import { initiatorOf } from '../auth.js'
import { ErrorBodySchema, errorBody } from '../error-handler.js'
import {
  DirectoryGroupSchema,
  DirectoryUserSchema,
  MembershipSpanSchema,
  presentBuiltinGroup,
  presentDirectoryGroup,
  presentDirectoryUser,
  presentSpan,
} from '../presenters/directory-presenter.js'

const Paging = {
  offset: Type.Integer({ minimum: 0, default: 0 }),
  limit: Type.Integer({ minimum: 0, maximum: 1000, default: 100 }),
}
const At = Type.Optional(Type.String({ maxLength: 40, description: 'A time: ms since the epoch or ISO 8601; default now' }))
const GroupParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) })
const UserParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 320, description: 'User id, or a UPN, email alias or external id' }) })
const NullableText = (max: number) => Type.Union([Type.String({ maxLength: max }), Type.Null()])
const GroupRef = Type.Object({ id: Type.String(), displayName: Type.String() })

const ImportReportSchema = Type.Object({
  format: Type.String(),
  groupsCreated: Type.Integer(),
  usersCreated: Type.Integer(),
  membershipsAdded: Type.Integer(),
  membershipsEnded: Type.Integer(),
  rejected: Type.Array(Type.Object({ row: Type.Integer(), field: Type.String(), reason: Type.String() })),
  applied: Type.Boolean({ description: 'false: the import was atomic and rows were rejected, so nothing was applied' }),
  groupsNotReconciled: Type.Optional(Type.Array(Type.String(), { description: 'Full import, not atomic: groups with a rejected row were only added to' })),
})

/** A time given as ms since the epoch or ISO 8601; `now` when absent. */
export function parseInstant(value: string | undefined, now: number, field = 'at'): number {
  if (value === undefined || value.trim() === '') {
    return now
  }
  const text = value.trim()
  const time = /^-?\d+$/.test(text) ? Number(text) : Date.parse(text)
  if (!Number.isSafeInteger(time)) {
    throw new ValidationError(`"${value}" is not a time`, [{ field, reason: 'must be ms since the epoch or an ISO 8601 time like 2026-11-01T10:00:00Z' }])
  }
  return time
}

function builtinGroup(id: string): (typeof BUILTIN_GROUPS)[number] | undefined {
  return BUILTIN_GROUPS.find((g) => g.id === id)
}

export function registerDirectoryRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const directory = deps.directory
  const read = { access: 'directory.read' as const }
  const manage = { access: 'directory.manage' as const }

  async function requireUser(idOrIdentifier: string): Promise<DirectoryUser> {
    const user = (await directory.getUser(idOrIdentifier)) ?? (await directory.findUser(idOrIdentifier))
    if (!user) {
      throw new NotFoundError('No such user')
    }
    return user
  }

  function refuseBuiltin(id: string, what: string): void {
    if (isBuiltinGroupId(id)) {
      throw new ValidationError(`${BUILTIN_GROUPS.find((g) => g.id === id)?.displayName ?? id} is a built-in group: ${what}`, [{ field: 'id', reason: 'is a built-in group, whose members are computed from each activity' }])
    }
  }

  /** Display names of groups, deleted ones and built-ins included. */
  async function groupNames(ids: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>(BUILTIN_GROUPS.map((g) => [g.id, g.displayName]))
    for (const group of await deps.ctx.store.directory.groups(ids, { includeDeleted: true })) {
      names.set(group.id, group.displayName)
    }
    return names
  }

  // Groups

  app.get(
    '/api/v1/groups',
    {
      config: read,
      schema: {
        tags: ['directory'],
        summary: 'List groups: the built-in ones first, then imported groups by name, with their current member counts',
        querystring: Type.Object({
          displayName: Type.Optional(Type.String({ maxLength: 256, description: 'Exactly this name (case-insensitive)' })),
          externalId: Type.Optional(Type.String({ maxLength: 1024 })),
          search: Type.Optional(Type.String({ maxLength: 256, description: 'Groups whose name or external id contains this text (case-insensitive)' })),
          ...Paging,
        }),
        response: { 200: Type.Object({ data: Type.Array(DirectoryGroupSchema), total: Type.Integer() }) },
      },
    },
    async (request) => {
      const { displayName, externalId, offset, limit } = request.query
      const search = request.query.search?.trim().toLowerCase() || undefined
      const builtins = BUILTIN_GROUPS.filter(
        (g) =>
          externalId === undefined &&
          (displayName === undefined || g.displayName.toLowerCase() === displayName.trim().toLowerCase()) &&
          (search === undefined || g.displayName.toLowerCase().includes(search) || g.id.toLowerCase().includes(search)),
      )
      const shown = builtins.slice(offset, offset + limit).map(presentBuiltinGroup)
      const page = await directory.listGroups({ displayName, externalId, search }, { offset: Math.max(0, offset - builtins.length), limit: limit - shown.length })
      return { data: [...shown, ...page.items.map((g) => presentDirectoryGroup(g, g.memberCount))], total: builtins.length + page.total }
    },
  )

  app.post(
    '/api/v1/groups',
    {
      config: manage,
      schema: {
        tags: ['directory'],
        summary: 'Create a group',
        body: Type.Object(
          {
            displayName: Type.String({ minLength: 1, maxLength: 256 }),
            id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Default: a UUID' })),
            externalId: Type.Optional(NullableText(1024)),
          },
          { additionalProperties: false },
        ),
        response: { 201: DirectoryGroupSchema },
      },
    },
    async (request, reply) => {
      const group = await directory.createGroup(initiatorOf(request), request.body)
      return reply.status(201).send(presentDirectoryGroup(group, 0))
    },
  )

  app.get('/api/v1/groups/:id', { config: read, schema: { tags: ['directory'], summary: 'One group (imported or built-in)', params: GroupParams, response: { 200: DirectoryGroupSchema } } }, async (request) => {
    const builtin = builtinGroup(request.params.id)
    if (builtin) {
      return presentBuiltinGroup(builtin)
    }
    const group = await directory.getGroup(request.params.id)
    if (!group) {
      throw new NotFoundError('No such group')
    }
    return presentDirectoryGroup(group, (await directory.listMembers(group.id, { offset: 0, limit: 0 })).total)
  })

  app.patch(
    '/api/v1/groups/:id',
    {
      config: manage,
      schema: {
        tags: ['directory'],
        summary: 'Rename a group or change its external id',
        params: GroupParams,
        body: Type.Object({ displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })), externalId: Type.Optional(NullableText(1024)) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: DirectoryGroupSchema },
      },
    },
    async (request) => {
      refuseBuiltin(request.params.id, 'it cannot be changed')
      const group = await directory.updateGroup(initiatorOf(request), request.params.id, request.body)
      return presentDirectoryGroup(group, (await directory.listMembers(group.id, { offset: 0, limit: 0 })).total)
    },
  )

  app.delete('/api/v1/groups/:id', { config: manage, schema: { tags: ['directory'], summary: 'Delete a group: its memberships end now, its history stays', params: GroupParams } }, async (request, reply) => {
    refuseBuiltin(request.params.id, 'it cannot be deleted')
    await directory.deleteGroup(initiatorOf(request), request.params.id)
    return reply.status(204).send()
  })

  app.get(
    '/api/v1/groups/:id/members',
    {
      config: read,
      schema: {
        tags: ['directory'],
        summary: 'Members of a group now, or at a past time (?at=)',
        params: GroupParams,
        querystring: Type.Object({ at: At, ...Paging }),
        response: { 200: Type.Object({ data: Type.Array(DirectoryUserSchema), total: Type.Integer(), at: Type.Integer() }) },
      },
    },
    async (request) => {
      refuseBuiltin(request.params.id, 'its members are computed per activity, not listed')
      const at = parseInstant(request.query.at, deps.ctx.clock())
      const page = await directory.listMembers(request.params.id, { at: request.query.at === undefined ? undefined : at, offset: request.query.offset, limit: request.query.limit })
      return { data: page.items.map(presentDirectoryUser), total: page.total, at }
    },
  )

  app.post(
    '/api/v1/groups/:id/members',
    {
      config: manage,
      schema: {
        tags: ['directory'],
        summary: 'Add members by user id and/or UPN (existing members are left as they are)',
        params: GroupParams,
        body: Type.Object(
          { userIds: Type.Optional(Type.Array(Type.String({ maxLength: 320 }), { maxItems: 10_000 })), upns: Type.Optional(Type.Array(Type.String({ maxLength: 320 }), { maxItems: 10_000 })) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Type.Object({ groupId: Type.String(), userIds: Type.Array(Type.String()), memberCount: Type.Integer() }) },
      },
    },
    async (request) => {
      refuseBuiltin(request.params.id, 'members cannot be added')
      const upns = request.body.upns ?? []
      const found = await Promise.all(upns.map((upn) => directory.findUser(upn)))
      const unknown = upns.filter((_, i) => found[i] === null)
      if (unknown.length > 0) {
        throw new ValidationError(`No user has the UPN or email ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`, unknown.slice(0, 100).map((upn) => ({ field: 'upns', reason: `no user ${upn}` })))
      }
      const userIds = [...new Set([...(request.body.userIds ?? []), ...found.flatMap((u) => (u ? [u.id] : []))])]
      await directory.addMembers(initiatorOf(request), request.params.id, userIds)
      return { groupId: request.params.id, userIds, memberCount: (await directory.listMembers(request.params.id, { offset: 0, limit: 0 })).total }
    },
  )

  app.delete(
    '/api/v1/groups/:id/members/:userId',
    {
      config: manage,
      schema: { tags: ['directory'], summary: 'End a membership now (its history stays)', params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }), userId: Type.String({ minLength: 1, maxLength: 320, description: 'User id or UPN' }) }) },
    },
    async (request, reply) => {
      refuseBuiltin(request.params.id, 'members cannot be removed')
      const user = await requireUser(request.params.userId)
      await directory.removeMembers(initiatorOf(request), request.params.id, [user.id])
      return reply.status(204).send()
    },
  )

  app.get(
    '/api/v1/groups/:id/history',
    {
      config: read,
      schema: { tags: ['directory'], summary: 'Every membership span of a group, oldest first (also after the group was deleted)', params: GroupParams, response: { 200: Type.Object({ data: Type.Array(MembershipSpanSchema) }) } },
    },
    async (request) => {
      refuseBuiltin(request.params.id, 'its members are computed per activity and have no history')
      if ((await deps.ctx.store.directory.groups([request.params.id], { includeDeleted: true })).length === 0) {
        throw new NotFoundError('No such group')
      }
      const spans = await directory.historyOfGroup(request.params.id)
      const upns = new Map((await deps.ctx.store.directory.users(spans.map((s) => s.userId), { includeDeleted: true })).map((u) => [u.id, u.upn]))
      return { data: spans.map((s) => presentSpan(s, upns.get(s.userId) ?? null)) }
    },
  )

  // Users

  app.get(
    '/api/v1/users',
    {
      config: read,
      schema: {
        tags: ['directory'],
        summary: 'List directory users by UPN (filters are exact and case-insensitive)',
        querystring: Type.Object({ upn: Type.Optional(Type.String({ maxLength: 320 })), email: Type.Optional(Type.String({ maxLength: 320 })), externalId: Type.Optional(Type.String({ maxLength: 1024 })), ...Paging }),
        response: { 200: Type.Object({ data: Type.Array(DirectoryUserSchema), total: Type.Integer() }) },
      },
    },
    async (request) => {
      const { upn, email, externalId, offset, limit } = request.query
      const page = await directory.listUsers({ upn, email, externalId }, { offset, limit })
      return { data: page.items.map(presentDirectoryUser), total: page.total }
    },
  )

  app.post(
    '/api/v1/users',
    {
      config: manage,
      schema: {
        tags: ['directory'],
        summary: 'Create a directory user',
        body: Type.Object(
          {
            upn: Type.String({ maxLength: 320 }),
            displayName: Type.Optional(NullableText(256)),
            externalId: Type.Optional(NullableText(1024)),
            emails: Type.Optional(Type.Array(Type.String({ maxLength: 320 }), { maxItems: 100 })),
            active: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 201: DirectoryUserSchema },
      },
    },
    async (request, reply) => reply.status(201).send(presentDirectoryUser(await directory.createUser(initiatorOf(request), request.body))),
  )

  app.get(
    '/api/v1/users/:id',
    {
      config: read,
      schema: {
        tags: ['directory'],
        summary: 'One user (by id, UPN, email alias or external id) with its current groups',
        params: UserParams,
        response: { 200: Type.Intersect([DirectoryUserSchema, Type.Object({ groups: Type.Array(GroupRef) })]) },
      },
    },
    async (request) => {
      const user = await requireUser(request.params.id)
      const ids = await directory.groupsOf(user.id, deps.ctx.clock())
      const names = await groupNames(ids)
      return { ...presentDirectoryUser(user), groups: ids.map((id) => ({ id, displayName: names.get(id) ?? id })) }
    },
  )

  app.patch(
    '/api/v1/users/:id',
    {
      config: manage,
      schema: {
        tags: ['directory'],
        summary: 'Change a user (active:false disables it and keeps its memberships)',
        params: UserParams,
        body: Type.Object(
          {
            upn: Type.Optional(Type.String({ maxLength: 320 })),
            displayName: Type.Optional(NullableText(256)),
            externalId: Type.Optional(NullableText(1024)),
            emails: Type.Optional(Type.Array(Type.String({ maxLength: 320 }), { maxItems: 100 })),
            active: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: DirectoryUserSchema },
      },
    },
    async (request) => {
      const user = await requireUser(request.params.id)
      return presentDirectoryUser(await directory.updateUser(initiatorOf(request), user.id, request.body))
    },
  )

  app.delete('/api/v1/users/:id', { config: manage, schema: { tags: ['directory'], summary: 'Delete a user: its memberships end now, its history stays', params: UserParams } }, async (request, reply) => {
    const user = await requireUser(request.params.id)
    await directory.deleteUser(initiatorOf(request), user.id)
    return reply.status(204).send()
  })

  app.get(
    '/api/v1/users/:id/groups',
    {
      config: read,
      schema: {
        tags: ['directory'],
        summary: 'Which groups the user was in at a time (?at=, default now); with ?group=G, whether it was in G',
        params: UserParams,
        querystring: Type.Object({ at: At, group: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'A group id' })) }),
        response: {
          200: Type.Union([
            Type.Object({ userId: Type.String(), at: Type.Integer(), group: Type.String(), member: Type.Boolean() }),
            Type.Object({ userId: Type.String(), at: Type.Integer(), groups: Type.Array(GroupRef) }),
          ]),
        },
      },
    },
    async (request) => {
      const user = await requireUser(request.params.id)
      const at = parseInstant(request.query.at, deps.ctx.clock())
      const ids = await directory.groupsOf(user.id, at)
      if (request.query.group !== undefined) {
        return { userId: user.id, at, group: request.query.group, member: ids.includes(request.query.group) }
      }
      const names = await groupNames(ids)
      return { userId: user.id, at, groups: ids.map((id) => ({ id, displayName: names.get(id) ?? id })) }
    },
  )

  // Import

  void root.register(async (scoped) => {
    const importApp = scoped.withTypeProvider<TypeBoxTypeProvider>()
    // The file is parsed by the import, row by row, never by Fastify's JSON parser.
    importApp.removeAllContentTypeParsers()
    importApp.addContentTypeParser(
      ['text/csv', 'application/csv', 'application/json', 'application/x-ndjson', 'application/jsonl', 'application/x-jsonlines', 'text/plain'],
      { parseAs: 'string', bodyLimit: deps.config.limits.maxBodyBytes },
      (_request, body, done) => done(null, body),
    )

    importApp.post(
      '/api/v1/directory/import',
      {
        config: manage,
        bodyLimit: deps.config.limits.maxBodyBytes,
        schema: {
          tags: ['directory'],
          summary: 'Import memberships from a CSV (text/csv, header group,upn[,displayName][,externalId][,action]) or JSON / NDJSON file',
          description:
            'delta (default): rows add memberships, or end them with action=remove. full: each group named in the file gets exactly the listed members; other groups are untouched. ' +
            'Unknown users and groups are created. atomic=true applies nothing when any row is rejected. Answers 400 with the report when rows were rejected.',
          querystring: Type.Object({
            mode: Type.Union([Type.Literal('full'), Type.Literal('delta')], { default: 'delta' }),
            atomic: Type.Boolean({ default: false }),
            format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json'), Type.Literal('auto')], { description: 'Default: from the content type, else detected' })),
          }),
          body: Type.String({ description: 'The import file' }),
          response: { 200: ImportReportSchema, 400: Type.Intersect([ErrorBodySchema, Type.Partial(ImportReportSchema)]) },
        },
      },
      async (request, reply) => {
        const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
        const format: ImportFileFormatOption =
          request.query.format ?? (contentType.endsWith('csv') ? 'csv' : contentType.includes('json') ? 'json' : 'auto')
        const report = await importMembershipFile(directory, initiatorOf(request), request.body, { mode: request.query.mode, atomic: request.query.atomic, format, name: 'request' })
        const { groupsNotReconciled, rejected, ...counts } = report
        const body = { ...counts, rejected: [...rejected], ...(groupsNotReconciled ? { groupsNotReconciled: [...groupsNotReconciled] } : {}) }
        if (report.rejected.length > 0) {
          const message = report.applied
            ? `${report.rejected.length} rows were rejected; the other rows were applied`
            : `${report.rejected.length} rows were rejected; the import is atomic, so nothing was applied`
          return reply.status(400).send({ ...body, ...errorBody('validation_failed', message, report.rejected.map((r) => ({ index: r.row, field: r.field, reason: `row ${r.row}: ${r.reason}` }))) })
        }
        return body
      },
    )
  })
}
