/**
 * What a parsed SCIM filter asks of the directory: the equality filters `DirectoryService.listUsers`
 * and `listGroups` take, plus the lookups a filter can name that a list filter cannot (`id eq`, a
 * group's `members[value eq "id"]`). Comparisons of the same attribute with different values match
 * nothing. Attributes the directory cannot filter by are a 400 `invalidFilter` naming the ones it can.
 *
 * @module
 */

import type { DirectoryGroup, DirectoryUser, GroupFilter, UserFilter } from '../services/directory/directory-service.js'
import { badRequest } from './scim-error.js'
import type { FilterComparison, ScimFilter } from './scim-filter.js'
import { GROUP_SCHEMA, USER_SCHEMA } from './scim-schemas.js'

/** A users query: list with `filter`, or (with `id`) get one user and check `filter` on it. */
export interface UserQuery {
  readonly id: string | null
  readonly filter: UserFilter
  /** Contradictory comparisons (`userName eq "a" and userName eq "b"`): nothing matches. */
  readonly matchesNothing: boolean
}

/** A groups query: `id` and `memberId` narrow to known groups; `filter` is checked on them or listed with. */
export interface GroupQuery {
  readonly id: string | null
  /** `members[value eq "<user id>"]`: only groups the user is in now. */
  readonly memberId: string | null
  readonly filter: GroupFilter
  readonly matchesNothing: boolean
}

const USER_FILTERABLE = 'userName, externalId, emails.value (also emails[type eq "work"].value) and id'
const GROUP_FILTERABLE = 'displayName, externalId, members.value (also members[value eq "..."]) and id'

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

/** Collects one value per field; a second, different value makes the query match nothing. */
class Collector<K extends string> {
  readonly values: Partial<Record<K, string>> = {}
  contradiction = false

  set(key: K, value: string): void {
    const current = this.values[key]
    if (current === undefined) {
      this.values[key] = value
    } else if (!same(current, value)) {
      this.contradiction = true
    }
  }
}

function nameOf(c: FilterComparison): string {
  return c.path.subAttribute === null ? c.path.attribute : `${c.path.attribute}.${c.path.subAttribute}`
}

function stringValue(c: FilterComparison): string {
  if (typeof c.value !== 'string') {
    throw badRequest('invalidFilter', `${nameOf(c)} must be compared with a "quoted string"`)
  }
  return c.value
}

function checkSchema(c: FilterComparison, schema: string, resource: string): void {
  if (c.path.schema !== null && !same(c.path.schema, schema)) {
    throw badRequest('invalidFilter', `Attributes of ${c.path.schema} cannot be filtered on ${resource}`)
  }
}

function checkWhere(c: FilterComparison, allowed: readonly string[]): void {
  for (const w of c.where) {
    if (!allowed.includes(w.subAttribute)) {
      throw badRequest('invalidFilter', `${c.path.attribute}[${w.subAttribute} ...] is not supported; inside the brackets only ${allowed.join(', ') || 'value'} may be compared`)
    }
  }
}

/**
 * The users query for a filter (null: no filter, every user).
 *
 * @example
 * compileUserQuery(parseScimFilter('userName eq "Alex@Contoso.com"'))
 * // { id: null, filter: { upn: 'Alex@Contoso.com' }, matchesNothing: false }
 */
export function compileUserQuery(filter: ScimFilter | null): UserQuery {
  const fields = new Collector<'id' | 'upn' | 'externalId' | 'email'>()
  for (const c of filter ?? []) {
    checkSchema(c, USER_SCHEMA, 'Users')
    const name = nameOf(c)
    if (name === 'id') {
      fields.set('id', stringValue(c))
    } else if (name === 'username') {
      fields.set('upn', stringValue(c))
    } else if (name === 'externalid') {
      fields.set('externalId', stringValue(c))
    } else if (name === 'emails.value' || name === 'emails') {
      // Veil keeps addresses without their type: any of the user's addresses matches.
      checkWhere(c, ['type', 'primary'])
      fields.set('email', stringValue(c))
    } else {
      throw badRequest('invalidFilter', `Filtering Users by ${name} is not supported; filter by ${USER_FILTERABLE}`)
    }
  }
  const { id, upn, externalId, email } = fields.values
  return {
    id: id ?? null,
    filter: { ...(upn !== undefined ? { upn } : {}), ...(externalId !== undefined ? { externalId } : {}), ...(email !== undefined ? { email } : {}) },
    matchesNothing: fields.contradiction,
  }
}

/** The groups query for a filter (null: every group). */
export function compileGroupQuery(filter: ScimFilter | null): GroupQuery {
  const fields = new Collector<'id' | 'memberId' | 'displayName' | 'externalId'>()
  for (const c of filter ?? []) {
    checkSchema(c, GROUP_SCHEMA, 'Groups')
    const name = nameOf(c)
    if (name === 'id') {
      fields.set('id', stringValue(c))
    } else if (name === 'displayname') {
      fields.set('displayName', stringValue(c))
    } else if (name === 'externalid') {
      fields.set('externalId', stringValue(c))
    } else if (name === 'members.value' || name === 'members') {
      checkWhere(c, [])
      fields.set('memberId', stringValue(c))
    } else {
      throw badRequest('invalidFilter', `Filtering Groups by ${name} is not supported; filter by ${GROUP_FILTERABLE}`)
    }
  }
  const { id, memberId, displayName, externalId } = fields.values
  return {
    id: id ?? null,
    memberId: memberId ?? null,
    filter: { ...(displayName !== undefined ? { displayName } : {}), ...(externalId !== undefined ? { externalId } : {}) },
    matchesNothing: fields.contradiction,
  }
}

/** Whether a user fetched by id also meets the rest of the query (case-insensitive, like the directory). */
export function userMatches(user: DirectoryUser, query: UserQuery): boolean {
  const { upn, externalId, email } = query.filter
  return (
    !query.matchesNothing &&
    (query.id === null || user.id === query.id) &&
    (upn === undefined || same(user.upn, upn)) &&
    (externalId === undefined || (user.externalId !== null && same(user.externalId, externalId))) &&
    (email === undefined || user.emails.some((e) => same(e, email)))
  )
}

/** Whether a group fetched by id or membership also meets the rest of the query. */
export function groupMatches(group: DirectoryGroup, query: GroupQuery): boolean {
  const { displayName, externalId } = query.filter
  return (
    !query.matchesNothing &&
    (query.id === null || group.id === query.id) &&
    (displayName === undefined || same(group.displayName, displayName)) &&
    (externalId === undefined || (group.externalId !== null && same(group.externalId, externalId)))
  )
}
