/**
 * SCIM PATCH (RFC 7644 §3.5.2) as identity providers send it: `add`, `remove` and `replace` in any
 * case (Entra ID sends `Replace` and `Add`), with a path (`active`, `name.familyName`,
 * `emails[type eq "work"].value`, `members[value eq "id"]`) or without one and a value object
 * (`{"op": "replace", "value": {"active": false}}`).
 *
 * Pure: a User PATCH is applied to a `ScimUserState` and yields the new state (the route writes the
 * difference in one `updateUser`), a Group PATCH becomes a `GroupPatchPlan` (attribute changes plus
 * one net membership change). Every operation is checked before anything is written, so a request
 * with one bad operation applies none.
 *
 * @module
 */

import type { DirectoryUser, UserPatch } from '../services/directory/directory-service.js'
import { attributeOf, entriesByName, isObject, readBoolean, readBodyObject, readOptionalString, readRequiredString } from './scim-attributes.js'
import { ScimError, badRequest } from './scim-error.js'
import { parsePatchPath, type FilterValue, type PatchPath, type ValueComparison } from './scim-filter.js'
import { dedupe, orderEmails, readEmailEntries, readMemberIds } from './scim-resources.js'
import { GROUP_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA } from './scim-schemas.js'

/** A PATCH operation's `op`, lower-cased. */
export type PatchOpName = 'add' | 'remove' | 'replace'

/** One parsed operation of a PatchOp message. */
export interface PatchOperation {
  readonly op: PatchOpName
  /** Null for the no-path form, whose value is an object of attributes. */
  readonly path: PatchPath | null
  /** The value as sent (undefined when absent, which only `remove` allows). */
  readonly value: unknown
  /** `Operations[i]`, for error messages. */
  readonly label: string
}

/**
 * Parse a PatchOp body. Throws 400 `invalidSyntax` for a malformed message, `invalidPath` for a bad
 * path and `noTarget` for a `remove` without a path.
 *
 * @example
 * parsePatchRequest({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] })
 */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  const object = readBodyObject(body)
  const schemas = attributeOf(object, 'schemas')
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw badRequest('invalidSyntax', `schemas must be an array containing "${PATCH_OP_SCHEMA}"`)
  }
  const operations = attributeOf(object, 'Operations')
  if (!Array.isArray(operations) || operations.length === 0) {
    throw badRequest('invalidSyntax', 'Operations must be a non-empty array')
  }
  return operations.map((raw, i): PatchOperation => {
    const label = `Operations[${i}]`
    if (!isObject(raw)) {
      throw badRequest('invalidSyntax', `${label} must be an object with op, path and value`)
    }
    const op = attributeOf(raw, 'op')
    const name = typeof op === 'string' ? op.toLowerCase() : ''
    if (name !== 'add' && name !== 'remove' && name !== 'replace') {
      throw badRequest('invalidSyntax', `${label}.op must be add, remove or replace`)
    }
    const pathText = attributeOf(raw, 'path')
    if (pathText !== undefined && pathText !== null && typeof pathText !== 'string') {
      throw badRequest('invalidPath', `${label}.path must be a string`)
    }
    const value = attributeOf(raw, 'value')
    let path: PatchPath | null = null
    if (typeof pathText === 'string' && pathText.trim() !== '') {
      try {
        path = parsePatchPath(pathText.trim())
      } catch (error) {
        throw error instanceof ScimError ? badRequest('invalidPath', `${label}.path: ${error.message}`) : error
      }
    }
    if (path === null && name === 'remove') {
      throw badRequest('noTarget', `${label}: remove needs a path`)
    }
    if (name !== 'remove' && value === undefined) {
      throw badRequest('invalidSyntax', `${label}.value is required for ${name}`)
    }
    if (path === null && !isObject(value)) {
      throw badRequest('invalidSyntax', `${label}: without a path, value must be an object of attributes`)
    }
    return { op: name, path, value, label }
  })
}

/** A user as PATCH sees it. `name` is carried so PATCHes of it validate; the directory does not keep it. */
export interface ScimUserState {
  readonly id: string
  readonly userName: string
  readonly externalId: string | null
  readonly displayName: string | null
  readonly name: { readonly formatted: string | null; readonly givenName: string | null; readonly familyName: string | null }
  /** The work/primary address first. */
  readonly emails: readonly string[]
  readonly active: boolean
}

/** Attributes of the User schema (and common ones) that Veil accepts and does not keep. */
const IGNORED_USER_ATTRIBUTES = new Set([
  'nickname',
  'profileurl',
  'title',
  'usertype',
  'preferredlanguage',
  'locale',
  'timezone',
  'password',
  'phonenumbers',
  'ims',
  'photos',
  'addresses',
  'entitlements',
  'roles',
  'x509certificates',
])
const NAME_PARTS = new Set(['formatted', 'givenname', 'familyname', 'middlename', 'honorificprefix', 'honorificsuffix'])

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

function isSchema(schema: string | null, expected: string): boolean {
  return schema === null || same(schema, expected)
}

/** The target path of a no-path value's key: a plain name, a core-schema-qualified name or an extension. */
function pathOfKey(key: string, label: string): PatchPath {
  try {
    return parsePatchPath(key)
  } catch (error) {
    throw error instanceof ScimError ? badRequest('invalidPath', `${label}.value: ${error.message}`) : error
  }
}

/**
 * Expand an operation into (path, value) steps: a pathed operation is one step; a no-path operation
 * is one step per attribute of its value (a core-schema object is opened, extension objects ignored).
 */
function steps(operation: PatchOperation, coreSchema: string): Array<{ path: PatchPath; value: unknown }> {
  if (operation.path !== null) {
    return [{ path: operation.path, value: operation.value }]
  }
  const out: Array<{ path: PatchPath; value: unknown }> = []
  for (const { key, value } of entriesByName(operation.value as Record<string, unknown>, `${operation.label}.value`).values()) {
    if (same(key, coreSchema) && isObject(value)) {
      out.push(...steps({ ...operation, value }, coreSchema))
    } else if (/^urn:/i.test(key) && !key.toLowerCase().startsWith(`${coreSchema.toLowerCase()}:`)) {
      continue // an extension schema's attributes (enterprise, Microsoft, custom): not kept
    } else {
      out.push({ path: pathOfKey(key, operation.label), value })
    }
  }
  return out
}

function describePath(path: PatchPath): string {
  return path.text
}

function onlyPlainPath(path: PatchPath, label: string): void {
  if (path.where.length > 0 || path.path.subAttribute !== null) {
    throw badRequest('invalidPath', `${label}: ${describePath(path)} has no sub-attributes or value filter`)
  }
}

function filterValue(where: readonly ValueComparison[], sub: string): FilterValue | undefined {
  return where.find((w) => w.subAttribute === sub)?.value
}

class UserPatcher {
  state: { -readonly [K in keyof ScimUserState]: ScimUserState[K] }

  constructor(state: ScimUserState) {
    this.state = { ...state, name: { ...state.name }, emails: [...state.emails] }
  }

  apply(op: PatchOpName, target: PatchPath, value: unknown, label: string): void {
    const { schema, attribute } = target.path
    if (!isSchema(schema, USER_SCHEMA)) {
      return // an extension attribute, e.g. urn:...:enterprise:2.0:User:department: not kept
    }
    const name = describePath(target)
    switch (attribute) {
      case 'id':
        if (op === 'remove' || value !== this.state.id) {
          throw badRequest('mutability', `${label}: id is read-only`)
        }
        return
      case 'meta':
      case 'groups':
        throw badRequest('mutability', `${label}: ${attribute} is read-only`)
      case 'schemas':
        return
      case 'username':
        onlyPlainPath(target, label)
        if (op === 'remove') {
          throw badRequest('invalidValue', `${label}: userName is required and cannot be removed`)
        }
        this.state.userName = readRequiredString(value, name)
        return
      case 'displayname':
        onlyPlainPath(target, label)
        this.state.displayName = op === 'remove' ? null : readOptionalString(value, name)
        return
      case 'externalid':
        onlyPlainPath(target, label)
        this.state.externalId = op === 'remove' ? null : readOptionalString(value, name)
        return
      case 'active':
        onlyPlainPath(target, label)
        if (op === 'remove') {
          throw badRequest('invalidValue', `${label}: active cannot be removed; replace it with false`)
        }
        this.state.active = readBoolean(value, name)
        return
      case 'name':
        this.applyName(op, target, value, label)
        return
      case 'emails':
        this.applyEmails(op, target, value, label)
        return
      default:
        if (IGNORED_USER_ATTRIBUTES.has(attribute)) {
          return
        }
        throw badRequest('invalidPath', `${label}: Users have no attribute "${name}"`)
    }
  }

  applyName(op: PatchOpName, target: PatchPath, value: unknown, label: string): void {
    const sub = target.path.subAttribute
    if (target.where.length > 0) {
      throw badRequest('invalidPath', `${label}: name has no value filter`)
    }
    if (sub === null) {
      if (op === 'remove') {
        this.state.name = { formatted: null, givenName: null, familyName: null }
        return
      }
      if (!isObject(value)) {
        throw badRequest('invalidValue', `${label}: name must be an object like {"givenName": "...", "familyName": "..."}`)
      }
      for (const { key, value: part } of entriesByName(value, `${label}.value`).values()) {
        this.applyName(op, { ...target, path: { ...target.path, subAttribute: key.toLowerCase() } }, part, label)
      }
      return
    }
    if (!NAME_PARTS.has(sub)) {
      throw badRequest('invalidPath', `${label}: name has no sub-attribute "${sub}"`)
    }
    const part = op === 'remove' ? null : readOptionalString(value, `name.${sub}`)
    if (sub === 'formatted') {
      this.state.name = { ...this.state.name, formatted: part }
    } else if (sub === 'givenname') {
      this.state.name = { ...this.state.name, givenName: part }
    } else if (sub === 'familyname') {
      this.state.name = { ...this.state.name, familyName: part }
    }
  }

  /** Which stored address a value filter selects: the work one (index 0), or one by value. */
  emailTarget(target: PatchPath, label: string): { kind: 'work' } | { kind: 'value'; address: string } {
    const known = new Set(['type', 'value', 'primary'])
    for (const w of target.where) {
      if (!known.has(w.subAttribute)) {
        throw badRequest('invalidPath', `${label}: emails[${w.subAttribute} ...] is not supported`)
      }
    }
    const address = filterValue(target.where, 'value')
    if (typeof address === 'string') {
      return { kind: 'value', address }
    }
    const type = filterValue(target.where, 'type')
    const primary = filterValue(target.where, 'primary')
    if ((typeof type === 'string' && same(type, 'work')) || primary === true) {
      return { kind: 'work' }
    }
    throw badRequest('invalidPath', `${label}: ${describePath(target)} is not supported; Veil keeps one work address and further addresses without a type (use emails[type eq "work"].value or emails)`)
  }

  setWork(address: string): void {
    const rest = this.state.emails.slice(1).filter((e) => !same(e, address))
    this.state.emails = [address, ...rest]
  }

  applyEmails(op: PatchOpName, target: PatchPath, value: unknown, label: string): void {
    const sub = target.path.subAttribute
    if (target.where.length === 0) {
      if (sub !== null) {
        throw badRequest('invalidPath', `${label}: ${describePath(target)} is ambiguous; use emails[type eq "work"].value`)
      }
      if (op === 'remove') {
        this.state.emails = []
        return
      }
      const entries = readEmailEntries(value, `${label}: emails`)
      if (op === 'replace') {
        this.state.emails = orderEmails(entries)
        return
      }
      for (const entry of entries) {
        if (entry.isWork) {
          this.setWork(entry.value)
        } else {
          this.state.emails = dedupe([...this.state.emails, entry.value])
        }
      }
      return
    }
    if (sub !== null && sub !== 'value') {
      if (sub === 'type' || sub === 'primary' || sub === 'display') {
        return // Veil derives type and primary from the order of the addresses
      }
      throw badRequest('invalidPath', `${label}: emails has no sub-attribute "${sub}"`)
    }
    const selected = this.emailTarget(target, label)
    if (op === 'remove') {
      this.state.emails = selected.kind === 'work' ? this.state.emails.slice(1) : this.state.emails.filter((e) => !same(e, selected.address))
      return
    }
    const address = sub === 'value' ? readRequiredString(value, describePath(target)) : readRequiredString(isObject(value) ? attributeOf(value, 'value') : value, `${describePath(target)}.value`)
    if (selected.kind === 'work') {
      // Entra ID sends Add or Replace for the work address whether or not there is one: both set it.
      this.setWork(address)
      return
    }
    const index = this.state.emails.findIndex((e) => same(e, selected.address))
    if (index < 0) {
      if (op === 'replace') {
        throw badRequest('noTarget', `${label}: no email address matches ${describePath(target)}`)
      }
      this.state.emails = dedupe([...this.state.emails, address])
      return
    }
    const next = [...this.state.emails]
    next[index] = address
    this.state.emails = dedupe(next)
  }
}

/** Run `step`, making sure an error it raises names the operation (`Operations[1]: active must be ...`). */
function labelled(label: string, step: () => void): void {
  try {
    step()
  } catch (error) {
    if (error instanceof ScimError && !error.message.startsWith(label)) {
      throw new ScimError(error.status, error.scimType, `${label}: ${error.message}`)
    }
    throw error
  }
}

/**
 * Apply PATCH operations to a user, in order. Returns the new state; throws a 400 ScimError naming
 * the operation and attribute on the first bad operation (nothing is applied then).
 *
 * @example
 * applyUserPatch(state, parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', value: { active: false } }] }))
 * // { ...state, active: false }
 */
export function applyUserPatch(state: ScimUserState, operations: readonly PatchOperation[]): ScimUserState {
  const patcher = new UserPatcher(state)
  for (const operation of operations) {
    for (const step of steps(operation, USER_SCHEMA)) {
      labelled(operation.label, () => patcher.apply(operation.op, step.path, step.value, operation.label))
    }
  }
  return patcher.state
}

/** The net change of a group's members that a PATCH makes. */
export type MembershipChange =
  | { readonly kind: 'none' }
  | { readonly kind: 'replace'; readonly userIds: readonly string[] }
  | { readonly kind: 'delta'; readonly add: readonly string[]; readonly remove: readonly string[] }

/** What a Group PATCH does: attribute changes (absent when untouched) and one membership change. */
export interface GroupPatchPlan {
  readonly displayName?: string
  readonly externalId?: string | null
  readonly members: MembershipChange
}

/** Folds successive member operations into one net change (later operations win). */
class MembershipFolder {
  replace: Set<string> | null = null
  readonly add = new Set<string>()
  readonly remove = new Set<string>()

  adds(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.replace) {
        this.replace.add(id)
      } else {
        this.remove.delete(id)
        this.add.add(id)
      }
    }
  }

  removes(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.replace) {
        this.replace.delete(id)
      } else {
        this.add.delete(id)
        this.remove.add(id)
      }
    }
  }

  replaces(ids: readonly string[]): void {
    this.replace = new Set(ids)
    this.add.clear()
    this.remove.clear()
  }

  result(): MembershipChange {
    if (this.replace) {
      return { kind: 'replace', userIds: [...this.replace] }
    }
    if (this.add.size > 0 || this.remove.size > 0) {
      return { kind: 'delta', add: [...this.add], remove: [...this.remove] }
    }
    return { kind: 'none' }
  }
}

/**
 * Turn Group PATCH operations into a plan. Member paths: `members` with a value list (add, remove,
 * replace), `members` without a value (remove all), `members[value eq "id"]` (remove one, the form
 * Okta and Entra ID send).
 *
 * @example
 * planGroupPatch('g1', parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'Remove', path: 'members[value eq "u1"]' }] }))
 * // { members: { kind: 'delta', add: [], remove: ['u1'] } }
 */
export function planGroupPatch(groupId: string, operations: readonly PatchOperation[]): GroupPatchPlan {
  const planner = new GroupPlanner(groupId)
  for (const operation of operations) {
    for (const step of steps(operation, GROUP_SCHEMA)) {
      labelled(operation.label, () => planner.apply(operation.op, step.path, step.value, operation.label))
    }
  }
  return planner.result()
}

class GroupPlanner {
  readonly #groupId: string
  readonly #members = new MembershipFolder()
  #displayName: string | undefined
  #externalId: string | null | undefined

  constructor(groupId: string) {
    this.#groupId = groupId
  }

  apply(op: PatchOpName, target: PatchPath, value: unknown, label: string): void {
    const { schema, attribute } = target.path
    if (!isSchema(schema, GROUP_SCHEMA)) {
      return // an extension attribute: not kept
    }
    switch (attribute) {
      case 'id':
        if (op === 'remove' || value !== this.#groupId) {
          throw badRequest('mutability', `${label}: id is read-only`)
        }
        return
      case 'meta':
        throw badRequest('mutability', `${label}: meta is read-only`)
      case 'schemas':
        return
      case 'displayname':
        onlyPlainPath(target, label)
        if (op === 'remove') {
          throw badRequest('invalidValue', `${label}: displayName is required and cannot be removed`)
        }
        this.#displayName = readRequiredString(value, describePath(target))
        return
      case 'externalid':
        onlyPlainPath(target, label)
        this.#externalId = op === 'remove' ? null : readOptionalString(value, describePath(target))
        return
      case 'members':
        foldMembers(this.#members, op, target, value, label)
        return
      default:
        throw badRequest('invalidPath', `${label}: Groups have no attribute "${describePath(target)}"`)
    }
  }

  result(): GroupPatchPlan {
    return { ...(this.#displayName !== undefined ? { displayName: this.#displayName } : {}), ...(this.#externalId !== undefined ? { externalId: this.#externalId } : {}), members: this.#members.result() }
  }
}

function foldMembers(members: MembershipFolder, op: PatchOpName, target: PatchPath, value: unknown, label: string): void {
  if (target.path.subAttribute !== null) {
    throw badRequest('invalidPath', `${label}: ${describePath(target)} is not supported; use members or members[value eq "<id>"]`)
  }
  if (target.where.length > 0) {
    const id = filterValue(target.where, 'value')
    if (target.where.length !== 1 || typeof id !== 'string') {
      throw badRequest('invalidPath', `${label}: only members[value eq "<user id>"] is supported as a member filter`)
    }
    if (op !== 'remove') {
      throw badRequest('invalidPath', `${label}: ${op} ${describePath(target)} is not supported; use ${op} with path members and a value list`)
    }
    members.removes([id])
    return
  }
  const ids = readMemberIds(value, `${label}: members`)
  if (op === 'add') {
    members.adds(ids)
  } else if (op === 'replace') {
    members.replaces(ids)
  } else if (value === undefined || value === null) {
    members.replaces([])
  } else {
    members.removes(ids)
  }
}

/** The PATCH view of a directory user (the directory keeps no name parts). */
export function userStateOf(user: DirectoryUser): ScimUserState {
  return { id: user.id, userName: user.upn, externalId: user.externalId, displayName: user.displayName, name: { formatted: null, givenName: null, familyName: null }, emails: user.emails, active: user.active }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => same(v, b[i] as string))
}

/** The attributes that changed between two states, as a directory `UserPatch` (empty: nothing to write). */
export function userPatchOf(before: ScimUserState, after: ScimUserState): UserPatch {
  return {
    ...(!same(before.userName, after.userName) ? { upn: after.userName } : {}),
    ...(before.displayName !== after.displayName ? { displayName: after.displayName } : {}),
    ...(before.externalId !== after.externalId ? { externalId: after.externalId } : {}),
    ...(!sameList(before.emails, after.emails) ? { emails: after.emails } : {}),
    ...(before.active !== after.active ? { active: after.active } : {}),
  }
}
