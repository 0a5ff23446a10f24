/**
 * What the API shows of directory users, groups (imported and built-in) and membership spans, with the
 * TypeBox schemas of those shapes for the OpenAPI document.
 *
 * @module
 */

import { Type, type Static } from '@sinclair/typebox'

import type { BUILTIN_GROUPS } from '../../core/directory/builtin-groups.js'
import type { DirectoryGroup, DirectoryUser, MembershipSpan } from '../../services/directory/directory-service.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

export const DirectoryUserSchema = Type.Object({
  id: Type.String({ description: "Veil's id of the user (a UUID; SCIM id)" }),
  upn: Type.String({ description: 'Lower-cased UPN (SCIM userName)' }),
  displayName: Nullable(Type.String()),
  externalId: Nullable(Type.String({ description: "The identity provider's id; activities whose source id equals it match the user" })),
  emails: Type.Array(Type.String(), { description: 'Email aliases; activities by any of them match the user' }),
  active: Type.Boolean({ description: 'false: disabled (SCIM active:false); memberships are kept' }),
  createdAt: Type.Integer({ description: 'ms since the epoch' }),
  updatedAt: Type.Integer({ description: 'ms since the epoch' }),
})

export const DirectoryGroupSchema = Type.Object({
  id: Type.String({ description: 'A UUID, the slug of the name for groups an import created, or builtin:… for built-in groups' }),
  displayName: Type.String(),
  externalId: Nullable(Type.String()),
  builtin: Type.Boolean({ description: 'Built-in groups (Application, External users) have computed membership' }),
  description: Nullable(Type.String()),
  memberCount: Nullable(Type.Integer({ description: 'Current members; null for built-in groups (computed per activity)' })),
  createdAt: Nullable(Type.Integer()),
  updatedAt: Nullable(Type.Integer()),
})

export const MembershipSpanSchema = Type.Object({
  groupId: Type.String(),
  userId: Type.String(),
  upn: Nullable(Type.String()),
  from: Type.Integer({ description: 'Member from this time on (ms since the epoch, inclusive)' }),
  to: Nullable(Type.Integer({ description: 'Member until this time (exclusive); null while the membership lasts' })),
})

export function presentDirectoryUser(user: DirectoryUser): Static<typeof DirectoryUserSchema> {
  return { id: user.id, upn: user.upn, displayName: user.displayName, externalId: user.externalId, emails: [...user.emails], active: user.active, createdAt: user.createdAt, updatedAt: user.updatedAt }
}

export function presentDirectoryGroup(group: DirectoryGroup, memberCount: number | null): Static<typeof DirectoryGroupSchema> {
  return { id: group.id, displayName: group.displayName, externalId: group.externalId, builtin: false, description: null, memberCount, createdAt: group.createdAt, updatedAt: group.updatedAt }
}

export function presentBuiltinGroup(group: (typeof BUILTIN_GROUPS)[number]): Static<typeof DirectoryGroupSchema> {
  return { id: group.id, displayName: group.displayName, externalId: null, builtin: true, description: group.description, memberCount: null, createdAt: null, updatedAt: null }
}

export function presentSpan(span: MembershipSpan, upn: string | null): Static<typeof MembershipSpanSchema> {
  return { groupId: span.groupId, userId: span.userId, upn, from: span.from, to: span.to }
}
