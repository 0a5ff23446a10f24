/**
 * SCIM resources in and out: reading a User or Group body (POST, PUT) into what the directory keeps,
 * and presenting directory users and groups as SCIM resources, list responses and attribute
 * projections (`attributes`, `excludedAttributes`).
 *
 * What the directory keeps of a User: `userName` (the UPN), `externalId`, `displayName`, the email
 * addresses (the work or primary one first) and `active`. `name` is accepted: its parts fill
 * `displayName` when that is missing, and `name.formatted` is presented as the display name.
 * Read-only attributes (`id`, `meta`, `groups`) and attributes Veil does not keep (`password`,
 * `locale`, `phoneNumbers`, extension schemas, ...) are ignored on input, as RFC 7644 §3.3 allows.
 *
 * @module
 */

import type { DirectoryGroup, DirectoryUser } from '../services/directory/directory-service.js'
import { attributeOf, isObject, readBoolean, readOptionalString, readRequiredString, requireSchema, type JsonObject } from './scim-attributes.js'
import { badRequest } from './scim-error.js'
import { GROUP_SCHEMA, LIST_RESPONSE_SCHEMA, USER_SCHEMA } from './scim-schemas.js'

/** A User as the SCIM layer reads it from a POST or PUT body. */
export interface ScimUserInput {
  readonly userName: string
  readonly externalId: string | null
  readonly displayName: string | null
  /** Addresses, the work (or primary) one first, without duplicates. */
  readonly emails: readonly string[]
  /** Null when the body does not say (create: active; replace: unchanged). */
  readonly active: boolean | null
}

/** A Group as read from a POST or PUT body. */
export interface ScimGroupInput {
  readonly displayName: string
  readonly externalId: string | null
  /** Member user ids, without duplicates; null when the body has no `members`. */
  readonly memberIds: readonly string[] | null
}

/** One email address as sent, and whether it is the work/primary one. */
export interface EmailEntry {
  readonly value: string
  readonly isWork: boolean
}

/** Read a multi-valued `emails` value: an array of `{ value, type?, primary? }`. */
export function readEmailEntries(value: unknown, name = 'emails'): EmailEntry[] {
  if (value === null || value === undefined) {
    return []
  }
  const items = Array.isArray(value) ? value : [value]
  return items.map((item, i) => {
    const where = Array.isArray(value) ? `${name}[${i}]` : name
    if (!isObject(item)) {
      throw badRequest('invalidValue', `${where} must be an object like {"value": "a@b.com", "type": "work"}`)
    }
    const address = readRequiredString(attributeOf(item, 'value'), `${where}.value`)
    const type = readOptionalString(attributeOf(item, 'type'), `${where}.type`)
    const primary = attributeOf(item, 'primary')
    const isPrimary = primary === undefined || primary === null ? false : readBoolean(primary, `${where}.primary`)
    return { value: address, isWork: isPrimary || type?.toLowerCase() === 'work' }
  })
}

/** The addresses in the order Veil keeps them: work/primary first, duplicates (any case) dropped. */
export function orderEmails(entries: readonly EmailEntry[]): string[] {
  const ordered = [...entries.filter((e) => e.isWork), ...entries.filter((e) => !e.isWork)].map((e) => e.value)
  return dedupe(ordered)
}

/** The values without case-insensitive duplicates, first occurrence kept. */
export function dedupe(values: readonly string[]): string[] {
  const seen = new Set<string>()
  return values.filter((v) => {
    const key = v.toLowerCase()
    if (seen.has(key)) {
      return false
    }
    seen.add(key)
    return true
  })
}

/** Read a `members` value: an array of `{ value: "<user id>", display?, $ref? }` (a single object is taken as one). */
export function readMemberIds(value: unknown, name = 'members'): string[] {
  if (value === null || value === undefined) {
    return []
  }
  const items = Array.isArray(value) ? value : [value]
  const ids = items.map((item, i) => {
    const where = Array.isArray(value) ? `${name}[${i}]` : name
    if (!isObject(item)) {
      throw badRequest('invalidValue', `${where} must be an object like {"value": "<user id>"}`)
    }
    return readRequiredString(attributeOf(item, 'value'), `${where}.value`)
  })
  return [...new Set(ids)]
}

/** The display name a body implies: `displayName`, else `name.formatted`, else given and family name. */
function displayNameOf(body: JsonObject): string | null {
  const explicit = readOptionalString(attributeOf(body, 'displayName'), 'displayName')
  if (explicit !== null) {
    return explicit
  }
  const name = attributeOf(body, 'name')
  if (name === undefined || name === null) {
    return null
  }
  if (!isObject(name)) {
    throw badRequest('invalidValue', 'name must be an object like {"givenName": "...", "familyName": "..."}')
  }
  const formatted = readOptionalString(attributeOf(name, 'formatted'), 'name.formatted')
  const parts = [readOptionalString(attributeOf(name, 'givenName'), 'name.givenName'), readOptionalString(attributeOf(name, 'familyName'), 'name.familyName')].filter((p) => p !== null)
  return formatted ?? (parts.length > 0 ? parts.join(' ') : null)
}

/**
 * Read a User body (POST or PUT). Throws 400 `invalidSyntax` when `schemas` lacks the User schema and
 * `invalidValue` naming the attribute for a missing `userName` or a wrongly typed attribute.
 */
export function readUserBody(body: JsonObject): ScimUserInput {
  requireSchema(body, USER_SCHEMA)
  const active = attributeOf(body, 'active')
  return {
    userName: readRequiredString(attributeOf(body, 'userName'), 'userName'),
    externalId: readOptionalString(attributeOf(body, 'externalId'), 'externalId'),
    displayName: displayNameOf(body),
    emails: orderEmails(readEmailEntries(attributeOf(body, 'emails'))),
    active: active === undefined || active === null ? null : readBoolean(active, 'active'),
  }
}

/** Read a Group body (POST or PUT). */
export function readGroupBody(body: JsonObject): ScimGroupInput {
  requireSchema(body, GROUP_SCHEMA)
  const members = attributeOf(body, 'members')
  return {
    displayName: readRequiredString(attributeOf(body, 'displayName'), 'displayName'),
    externalId: readOptionalString(attributeOf(body, 'externalId'), 'externalId'),
    memberIds: members === undefined || members === null ? null : readMemberIds(members),
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

function meta(resourceType: 'User' | 'Group', id: string, createdAt: number, updatedAt: number, baseUrl: string): JsonObject {
  return { resourceType, created: iso(createdAt), lastModified: iso(updatedAt), location: `${baseUrl}/${resourceType}s/${encodeURIComponent(id)}`, version: `W/"${updatedAt}"` }
}

/** The location of a user or group, for `Location` headers and `$ref`s. */
export function locationOf(resourceType: 'User' | 'Group', id: string, baseUrl: string): string {
  return `${baseUrl}/${resourceType}s/${encodeURIComponent(id)}`
}

/** A directory user as a SCIM User. Unassigned attributes are left out (RFC 7643 §2.5). */
export function presentUser(user: DirectoryUser, baseUrl: string): JsonObject {
  return {
    schemas: [USER_SCHEMA],
    id: user.id,
    ...(user.externalId !== null ? { externalId: user.externalId } : {}),
    userName: user.upn,
    ...(user.displayName !== null ? { name: { formatted: user.displayName }, displayName: user.displayName } : {}),
    ...(user.emails.length > 0 ? { emails: user.emails.map((value, i) => (i === 0 ? { value, type: 'work', primary: true } : { value })) } : {}),
    active: user.active,
    meta: meta('User', user.id, user.createdAt, user.updatedAt, baseUrl),
  }
}

/** A directory group as a SCIM Group; `members` null leaves them out (`excludedAttributes=members`). */
export function presentGroup(group: DirectoryGroup, members: readonly DirectoryUser[] | null, baseUrl: string): JsonObject {
  return {
    schemas: [GROUP_SCHEMA],
    id: group.id,
    ...(group.externalId !== null ? { externalId: group.externalId } : {}),
    displayName: group.displayName,
    ...(members !== null ? { members: members.map((m) => ({ value: m.id, display: m.displayName ?? m.upn, $ref: locationOf('User', m.id, baseUrl), type: 'User' })) } : {}),
    meta: meta('Group', group.id, group.createdAt, group.updatedAt, baseUrl),
  }
}

/** A ListResponse (RFC 7644 §3.4.2). */
export function listResponse(resources: readonly JsonObject[], totalResults: number, startIndex: number): JsonObject {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources }
}

/** The `attributes` / `excludedAttributes` query parameters, as lower-cased top-level names. */
export interface Projection {
  readonly attributes: ReadonlySet<string> | null
  readonly excluded: ReadonlySet<string>
}

/** Top-level attribute names of a comma-separated list; a sub-attribute selects its parent. */
function namesOf(list: string | undefined, keepSubAttributes: boolean): Set<string> {
  const names = new Set<string>()
  for (const raw of (list ?? '').split(',')) {
    let name = raw.trim()
    if (name === '') {
      continue
    }
    if (/^urn:/i.test(name)) {
      name = name.slice(name.lastIndexOf(':') + 1)
    }
    const [top, sub] = name.split('.')
    if (sub === undefined || keepSubAttributes) {
      names.add((top as string).toLowerCase())
    }
  }
  return names
}

/** Read the `attributes` and `excludedAttributes` query parameters. */
export function readProjection(attributes: string | undefined, excludedAttributes: string | undefined): Projection {
  const wanted = namesOf(attributes, true)
  return { attributes: wanted.size > 0 ? wanted : null, excluded: namesOf(excludedAttributes, false) }
}

/** Whether a projection returns an attribute (so the route can skip fetching, e.g., members). */
export function projects(projection: Projection, name: string): boolean {
  const lower = name.toLowerCase()
  return (projection.attributes === null || projection.attributes.has(lower)) && !projection.excluded.has(lower)
}

/** Apply a projection to a resource; `schemas` and `id` are always returned (RFC 7643 §7, returned "always"). */
export function project(resource: JsonObject, projection: Projection): JsonObject {
  if (projection.attributes === null && projection.excluded.size === 0) {
    return resource
  }
  return Object.fromEntries(Object.entries(resource).filter(([key]) => key === 'schemas' || key === 'id' || projects(projection, key)))
}
