/**
 * The directory as its users see it: users, groups, and memberships with their history. Three paths
 * write to it — file import, SCIM 2.0 pushes from an identity provider, and the REST API — and all of
 * them go through this one service, so they end in the same directory with the same history.
 *
 * Every change that ends or starts a membership records its time, so "was U in G at T" always has an
 * answer; nothing is ever deleted from the history (a deleted user or group ends its memberships).
 *
 * The implementation is `KyselyDirectoryService` (`directory-service-impl.ts`); SCIM, HTTP routes and the
 * CLI depend only on this interface.
 *
 * @module
 */

import type { Initiator } from '../service-context.js'

export interface DirectoryUser {
  /** Veil's stable id (a UUID): the SCIM `id`. */
  readonly id: string
  /** Lower-cased UPN; the SCIM `userName`. */
  readonly upn: string
  readonly displayName: string | null
  /** The identity provider's id for the user (SCIM `externalId`, Entra object id, Okta user id). */
  readonly externalId: string | null
  /** Further email addresses of the user, lower-cased; an actor is matched by any of them. */
  readonly emails: readonly string[]
  readonly active: boolean
  readonly createdAt: number
  readonly updatedAt: number
}

export interface DirectoryGroup {
  /** Veil's stable id: a UUID for groups created by SCIM/API, or the slug given in an import file. */
  readonly id: string
  readonly displayName: string
  readonly externalId: string | null
  readonly createdAt: number
  readonly updatedAt: number
}

/** One stretch of membership: [from, to), `to` null while it lasts. */
export interface MembershipSpan {
  readonly groupId: string
  readonly userId: string
  readonly from: number
  readonly to: number | null
}

export interface NewUser {
  readonly upn: string
  readonly displayName?: string | null
  readonly externalId?: string | null
  readonly emails?: readonly string[]
  readonly active?: boolean
}

export interface UserPatch {
  readonly upn?: string
  readonly displayName?: string | null
  readonly externalId?: string | null
  readonly emails?: readonly string[]
  readonly active?: boolean
}

export interface NewGroup {
  readonly displayName: string
  /** Optional explicit id (import files use a slug); otherwise a UUID is made. */
  readonly id?: string
  readonly externalId?: string | null
  /** Initial members by user id. */
  readonly memberIds?: readonly string[]
}

export interface GroupPatch {
  readonly displayName?: string
  readonly externalId?: string | null
}

export interface ListOptions {
  /** 0-based offset (SCIM's startIndex is 1-based; the SCIM layer converts). */
  readonly offset: number
  readonly limit: number
}

/** Equality filters the SCIM layer and the REST API need (case-insensitive). */
export interface UserFilter {
  readonly upn?: string
  readonly externalId?: string
  readonly email?: string
}

export interface GroupFilter {
  readonly displayName?: string
  readonly externalId?: string
  /** Groups whose display name or external id contains this, case-insensitively. */
  readonly search?: string
}

export interface Page<T> {
  readonly items: readonly T[]
  readonly total: number
}

/** Import of memberships from a file: one row per membership. */
export interface ImportRow {
  /** 1-based row number in the file (after the header), for error messages. */
  readonly row: number
  /** Group id or display name. */
  readonly group: string
  readonly upn: string
  readonly displayName?: string | null
  readonly externalId?: string | null
  /** In a delta import, `remove` ends the membership; default `add`. Not allowed in a full import. */
  readonly action?: 'add' | 'remove'
}

/** A row the import did not apply, and why. */
export interface ImportRejection {
  readonly row: number
  /** The attribute at fault (`group`, `upn`, `action`, `externalId`, ...), or `row` for the row as a whole. */
  readonly field: string
  readonly reason: string
}

/** Where the rows came from, for the governance record. */
export interface ImportSource {
  /** File name, or `-` for standard input, or `request` for an HTTP body. */
  readonly name?: string
  readonly format?: 'csv' | 'json' | 'ndjson'
  readonly bytes?: number
}

export interface ImportOptions {
  /** `full`: each group named in the file gets exactly these members (others leave); `delta`: rows add (or, with action `remove`, end) memberships and nothing else changes. */
  readonly mode: 'full' | 'delta'
  /** All or nothing: any row error applies nothing. */
  readonly atomic: boolean
  /** For the governance record. */
  readonly source?: ImportSource
  /**
   * Rows the file parser already rejected (their shape was wrong). They are reported with the others,
   * count for `atomic`, and, when `group` is known, keep a full import from ending that group's
   * memberships (the rejected row might have named a member).
   */
  readonly rejectedBeforehand?: ReadonlyArray<ImportRejection & { readonly group?: string }>
}

export interface ImportReport {
  readonly groupsCreated: number
  readonly usersCreated: number
  readonly membershipsAdded: number
  readonly membershipsEnded: number
  readonly rejected: readonly ImportRejection[]
  /** False when `atomic` and a row was rejected: nothing was applied. */
  readonly applied: boolean
  /**
   * Full import, not atomic: groups that had a rejected row were only added to, nobody's membership
   * ended, because the rejected row may have named a member who would otherwise be removed.
   */
  readonly groupsNotReconciled?: readonly string[]
}

/**
 * Directory use cases. Methods throw `NotFoundError`, `ConflictError` (duplicate userName/displayName)
 * and `ValidationError` (with `details` naming the attribute) from `core/errors.ts`.
 */
export interface DirectoryService {
  createUser(initiator: Initiator, user: NewUser): Promise<DirectoryUser>
  getUser(id: string): Promise<DirectoryUser | null>
  /** By UPN, any email alias or external id, case-insensitively (identity matching). */
  findUser(identifier: string): Promise<DirectoryUser | null>
  listUsers(filter: UserFilter, options: ListOptions): Promise<Page<DirectoryUser>>
  /** Replace the given attributes; `active: false` keeps memberships (SCIM soft-delete), delete ends them. */
  updateUser(initiator: Initiator, id: string, patch: UserPatch): Promise<DirectoryUser>
  /** Ends every membership of the user now and removes the user from lookups; history stays. */
  deleteUser(initiator: Initiator, id: string): Promise<void>

  createGroup(initiator: Initiator, group: NewGroup): Promise<DirectoryGroup>
  getGroup(id: string): Promise<DirectoryGroup | null>
  listGroups(filter: GroupFilter, options: ListOptions): Promise<Page<DirectoryGroup & { readonly memberCount: number }>>
  updateGroup(initiator: Initiator, id: string, patch: GroupPatch): Promise<DirectoryGroup>
  /** Ends every membership of the group now; history stays. */
  deleteGroup(initiator: Initiator, id: string): Promise<void>

  /** Current member ids of a group, or its members at `at`. */
  members(groupId: string, at?: number): Promise<readonly DirectoryUser[]>
  /** One page of {@link members}, by UPN (deleted users included when they were members at `at`). */
  listMembers(groupId: string, options: ListOptions & { readonly at?: number }): Promise<Page<DirectoryUser>>
  /** Add members (already-members are left as they are); one transaction. */
  addMembers(initiator: Initiator, groupId: string, userIds: readonly string[]): Promise<void>
  /** End memberships (non-members are ignored); one transaction. */
  removeMembers(initiator: Initiator, groupId: string, userIds: readonly string[]): Promise<void>
  /** Make the group's members exactly `userIds` (SCIM PUT / replace); one transaction. */
  replaceMembers(initiator: Initiator, groupId: string, userIds: readonly string[]): Promise<void>

  /** Every membership span of a user, or of a group, oldest first. */
  historyOfUser(userId: string): Promise<readonly MembershipSpan[]>
  historyOfGroup(groupId: string): Promise<readonly MembershipSpan[]>
  /** Group ids the user was in at `at`. */
  groupsOf(userId: string, at: number): Promise<readonly string[]>

  importMemberships(initiator: Initiator, rows: readonly ImportRow[], options: ImportOptions): Promise<ImportReport>
}
