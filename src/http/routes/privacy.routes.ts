/**
 * Activity privacy settings and permissions:
 * - Settings → Activity privacy: `GET/POST/DELETE /api/v1/settings/privacy-groups` (read with
 *   `settings.read`, change with `settings.manage`: global and security admins);
 * - Permissions → Activity privacy: `GET/POST/DELETE /api/v1/permissions/activity-privacy` (read with
 *   `privacy.read`, grant and revoke with `privacy.manage`: global admins only).
 * Every change is a governance record.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { BUILTIN_GROUPS } from '../../core/directory/builtin-groups.js'
import { ValidationError } from '../../core/errors.js'
import { parseIsoTimestamp } from '../../core/query/defender-query.js'
import { TIME_PARAMETER_HINT } from '../../core/query/time-parameter.js'
import { privacyGroupRemover, privacyGroupsAdder, privacyGroupsReader } from '../../services/privacy/privacy-groups.js'
import { privacyPermissionGranter, privacyPermissionLister, privacyPermissionRevoker, type PrivacyPermissionEntry } from '../../services/privacy/privacy-permissions.js'
import type { AppDeps } from '../app.js'
import { initiatorOf } from '../auth.js'

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

function presentPermission(entry: PrivacyPermissionEntry): Record<string, unknown> {
  return {
    upn: entry.upn,
    displayName: entry.displayName,
    roles: entry.roles,
    // active: may reveal; suspended: no admin role or disabled (back when a role is given back); expired: grant again.
    state: entry.state,
    grantedBy: entry.grantedBy,
    grantedAt: isoOrNull(entry.grantedAt),
    expiresAt: isoOrNull(entry.expiresAt),
    suspendedAt: isoOrNull(entry.suspendedAt),
  }
}

/** `expiresAt` of a grant: absent or null (no end), ms since the epoch, or an ISO 8601 date-time. */
function expiryOf(value: unknown): number | null {
  if (value === undefined || value === null) {
    return null
  }
  const ms = typeof value === 'number' && Number.isSafeInteger(value) ? value : typeof value === 'string' ? parseIsoTimestamp(value) : null
  if (ms === null) {
    throw new ValidationError('The expiry is not a time', [{ field: 'expiresAt', reason: TIME_PARAMETER_HINT }])
  }
  return ms
}

export function registerPrivacyRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()

  const presentGroups = async (ids: readonly string[]) => ({
    groups: await Promise.all(
      ids.map(async (id) => {
        const builtin = BUILTIN_GROUPS.find((g) => g.id === id)
        // A group deleted from the directory stays on the list (its former members' activities stay private); it has no name then.
        const displayName = builtin ? builtin.displayName : ((await deps.directory.getGroup(id))?.displayName ?? null)
        return { id, displayName, builtin: builtin !== undefined }
      }),
    ),
  })

  app.get('/api/v1/settings/privacy-groups', { config: { access: 'settings.read' }, schema: { tags: ['privacy'], summary: 'Privacy groups: their members\' activities are private' } }, async () =>
    presentGroups(await privacyGroupsReader(deps.ctx)),
  )

  app.post(
    '/api/v1/settings/privacy-groups',
    {
      config: { access: 'settings.manage' },
      schema: {
        tags: ['privacy'],
        summary: 'Add privacy groups (imported or built-in); activities recorded from now on are private when their actor is a member',
        body: Type.Object({ groups: Type.Array(Type.String({ maxLength: 256 }), { minItems: 1, maxItems: 1000, description: 'Group ids, e.g. hr or builtin:external-users' }) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const groups = await privacyGroupsAdder(deps.ctx, initiatorOf(request), request.body.groups, async (id) => (await deps.directory.getGroup(id)) !== null)
      deps.ingestSettings.invalidate()
      return presentGroups(groups)
    },
  )

  app.delete(
    '/api/v1/settings/privacy-groups/:groupId',
    {
      config: { access: 'settings.manage' },
      schema: { tags: ['privacy'], summary: 'Remove a privacy group (activities already private stay private)', params: Type.Object({ groupId: Type.String({ maxLength: 256 }) }) },
    },
    async (request) => {
      const groups = await privacyGroupRemover(deps.ctx, initiatorOf(request), request.params.groupId)
      deps.ingestSettings.invalidate()
      return presentGroups(groups)
    },
  )

  app.get(
    '/api/v1/permissions/activity-privacy',
    { config: { access: 'privacy.read' }, schema: { tags: ['privacy'], summary: 'Admins who may reveal private activities, with the state of each grant (active, suspended, expired)' } },
    async () => ({ data: (await privacyPermissionLister(deps.ctx)).map(presentPermission) }),
  )

  app.post(
    '/api/v1/permissions/activity-privacy',
    {
      config: { access: 'privacy.manage' },
      schema: {
        tags: ['privacy'],
        summary: 'Grant the activity privacy permission to an admin (by UPN or email), optionally until a time',
        body: Type.Object(
          {
            upn: Type.String({ maxLength: 320, description: 'UPN or email of an account with an admin role' }),
            expiresAt: Type.Optional(Type.Unknown({ description: 'When the grant ends: ISO 8601 date-time or ms since the epoch; absent or null: no end' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const entry = await privacyPermissionGranter(deps.ctx, initiatorOf(request), { upn: request.body.upn, expiresAt: expiryOf(request.body.expiresAt) })
      return reply.status(201).send(presentPermission(entry))
    },
  )

  app.delete(
    '/api/v1/permissions/activity-privacy/:upn',
    { config: { access: 'privacy.manage' }, schema: { tags: ['privacy'], summary: 'Revoke an admin\'s activity privacy permission', params: Type.Object({ upn: Type.String({ maxLength: 320 }) }) } },
    async (request) => {
      const revoked = await privacyPermissionRevoker(deps.ctx, initiatorOf(request), request.params.upn)
      return { upn: revoked.upn, revoked: true }
    },
  )
}
