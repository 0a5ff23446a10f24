/**
 * The directory service over the store: every path that writes the directory (file import, SCIM, the
 * REST API) ends here, so they all produce the same users, groups and history.
 *
 * - Each call is one transaction that starts by taking the directory's write lock
 *   (`DirectoryRepository.beginChange`), so directory writers never interleave, on one node or many.
 * - Memberships are spans [from, to): adding opens one at `clock()` unless one is open, removing closes
 *   it, replacing is the difference of the two. Deleting a user or a group closes its spans and
 *   soft-deletes it; the history stays.
 * - `active: false` (SCIM's soft delete) keeps the user's memberships and identifiers: a disabled account
 *   is still the same person, and its activities (failed sign-ins, say) are still classified with its
 *   groups. Only deleting a user ends its memberships.
 * - Group creation, rename and deletion, and every import, are governance records in the same
 *   transaction; single membership changes are not (the membership history already records them).
 * - After each write the node's cache is brought up to date before the call returns, so this node
 *   classifies with the new directory at once; other nodes catch up on their next `refresh()`.
 *
 * @module
 */

import { randomUUID } from 'node:crypto'

import { BUILTIN_GROUPS, isBuiltinGroupId } from '../../core/directory/builtin-groups.js'
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.js'
import type { GovernanceDraft } from '../../core/governance/governance-record.js'
import type {
  DirectoryRepository,
  NewDirectoryIdentifier,
  StoredDirectoryGroup,
  StoredDirectoryUser,
  StoredMembershipSpan,
  StoreTransaction,
} from '../../storage/store.js'
import { normalizeUpn } from '../accounts/accounts.js'
import type { Initiator, ServiceContext } from '../service-context.js'
import type {
  DirectoryGroup,
  DirectoryService,
  DirectoryUser,
  GroupFilter,
  GroupPatch,
  ImportOptions,
  ImportRejection,
  ImportReport,
  ImportRow,
  ListOptions,
  MembershipSpan,
  NewGroup,
  NewUser,
  Page,
  UserFilter,
  UserPatch,
} from './directory-service.js'

/** What the service tells after each committed write; the node's `DirectoryCache` implements it. */
export interface DirectoryChangeListener {
  /** Catch up with the directory now; must not throw for a change that is already committed. */
  changed(): Promise<void>
}

export interface DirectoryServiceOptions {
  readonly cache?: DirectoryChangeListener
}

const MAX_NAME_LENGTH = 256
const MAX_EXTERNAL_ID_LENGTH = 1024
const GROUP_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/
/** Rows an import must change before the directory tables' statistics are refreshed. */
const ANALYZE_AFTER_ROWS = 10_000
/** Large enough for "every member"; both engines take it as a LIMIT. */
const ALL = 2 ** 31 - 1

const BUILTIN_NAMES = new Set(BUILTIN_GROUPS.map((g) => g.displayName.toLowerCase()))

/** The id an import gives a new group: its name in lower-case ASCII words joined by `-` (may be empty). */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '')
}

function toUser(row: StoredDirectoryUser): DirectoryUser {
  return { id: row.id, upn: row.upn, displayName: row.displayName, externalId: row.externalId, emails: row.emails, active: row.active, createdAt: row.createdAt, updatedAt: row.updatedAt }
}

function toGroup(row: StoredDirectoryGroup): DirectoryGroup {
  return { id: row.id, displayName: row.displayName, externalId: row.externalId, createdAt: row.createdAt, updatedAt: row.updatedAt }
}

function toSpan(span: StoredMembershipSpan): MembershipSpan {
  return { groupId: span.groupId, userId: span.userId, from: span.from, to: span.to }
}

function optionalText(value: string | null | undefined, field: string, max: number): string | null {
  if (value === null || value === undefined) {
    return null
  }
  const text = value.trim()
  if (text.length > max) {
    throw new ValidationError(`${field} is too long`, [{ field, reason: `must be at most ${max} characters` }])
  }
  return text === '' ? null : text
}

function groupName(value: string, field = 'displayName'): string {
  const name = optionalText(value, field, MAX_NAME_LENGTH)
  if (name === null) {
    throw new ValidationError('A group needs a display name', [{ field, reason: 'must not be empty' }])
  }
  return name
}

function emailsOf(emails: readonly string[]): string[] {
  return [...new Set(emails.map((e) => normalizeUpn(e, 'emails')))]
}

/** The identifiers a user is matched by: its UPN, each email that is not the UPN, its external id. */
function identifiersOf(userId: string, upn: string, emails: readonly string[], externalId: string | null): NewDirectoryIdentifier[] {
  const out: NewDirectoryIdentifier[] = [{ userId, kind: 'upn', value: upn }]
  for (const email of new Set(emails)) {
    if (email !== upn) {
      out.push({ userId, kind: 'email', value: email })
    }
  }
  if (externalId !== null) {
    out.push({ userId, kind: 'external_id', value: externalId.toLowerCase() })
  }
  return out
}

const identifierKey = (i: { kind: string; value: string }): string => `${i.kind === 'external_id' ? 'external' : 'address'}\n${i.value}`

/** Throw ConflictError when another live user holds one of `identifiers`. */
async function assertIdentifiersFree(dir: DirectoryRepository, identifiers: readonly NewDirectoryIdentifier[], self: string | null): Promise<void> {
  for (const space of ['address', 'external'] as const) {
    const wanted = identifiers.filter((i) => (i.kind === 'external_id') === (space === 'external'))
    const holders = await dir.holders(
      space,
      wanted.map((i) => i.value),
    )
    for (const identifier of wanted) {
      const holder = holders.get(identifier.value)
      if (holder !== undefined && holder !== self) {
        throw new ConflictError(space === 'external' ? `Another user already has the externalId "${identifier.value}"` : `Another user already has "${identifier.value}" as its UPN or an email`)
      }
    }
  }
}

/** The directory service over a store; see the module comment for its rules. */
export class KyselyDirectoryService implements DirectoryService {
  readonly #ctx: ServiceContext
  readonly #cache: DirectoryChangeListener | null

  constructor(ctx: ServiceContext, options: DirectoryServiceOptions = {}) {
    this.#ctx = ctx
    this.#cache = options.cache ?? null
  }

  /** One directory write transaction, then the cache catches up. */
  async #write<T>(work: (dir: DirectoryRepository, tx: StoreTransaction) => Promise<T>): Promise<T> {
    const result = await this.#ctx.store.transaction(async (tx) => {
      await tx.directory.beginChange()
      return work(tx.directory, tx)
    })
    await this.#cache?.changed()
    return result
  }

  #governance(initiator: Initiator, action: GovernanceDraft['action'], target: string, details: Record<string, unknown>, status: GovernanceDraft['status'] = 'succeeded'): GovernanceDraft {
    return { action, target, initiator: initiator.upn, app: 'Veil', ip: initiator.ip, status, justification: null, details: { ...details, channel: initiator.channel } }
  }

  // Users

  async createUser(_initiator: Initiator, user: NewUser): Promise<DirectoryUser> {
    const upn = normalizeUpn(user.upn)
    const emails = emailsOf(user.emails ?? [])
    const displayName = optionalText(user.displayName, 'displayName', MAX_NAME_LENGTH)
    const externalId = optionalText(user.externalId, 'externalId', MAX_EXTERNAL_ID_LENGTH)
    const now = this.#ctx.clock()
    return this.#write(async (dir) => {
      const id = randomUUID()
      const identifiers = identifiersOf(id, upn, emails, externalId)
      await assertIdentifiersFree(dir, identifiers, null)
      const row = { id, upn, displayName, externalId, emails, active: user.active ?? true, createdAt: now, updatedAt: now }
      await dir.insertUsers([row])
      await dir.addIdentifiers(identifiers)
      return toUser({ ...row, deletedAt: null })
    })
  }

  async getUser(id: string): Promise<DirectoryUser | null> {
    const [row] = await this.#ctx.store.directory.users([id])
    return row ? toUser(row) : null
  }

  async findUser(identifier: string): Promise<DirectoryUser | null> {
    const value = identifier.trim().toLowerCase()
    if (value === '') {
      return null
    }
    const dir = this.#ctx.store.directory
    const holder = (await dir.holders('address', [value])).get(value) ?? (await dir.holders('external', [value])).get(value)
    return holder === undefined ? null : this.getUser(holder)
  }

  async listUsers(filter: UserFilter, options: ListOptions): Promise<Page<DirectoryUser>> {
    const page = await this.#ctx.store.directory.listUsers(
      { upn: filter.upn?.trim().toLowerCase(), externalId: filter.externalId?.trim().toLowerCase(), email: filter.email?.trim().toLowerCase() },
      Math.max(0, options.offset),
      Math.max(0, options.limit),
    )
    return { items: page.items.map(toUser), total: page.total }
  }

  async updateUser(_initiator: Initiator, id: string, patch: UserPatch): Promise<DirectoryUser> {
    const upn = patch.upn !== undefined ? normalizeUpn(patch.upn) : undefined
    const emails = patch.emails !== undefined ? emailsOf(patch.emails) : undefined
    const displayName = patch.displayName !== undefined ? optionalText(patch.displayName, 'displayName', MAX_NAME_LENGTH) : undefined
    const externalId = patch.externalId !== undefined ? optionalText(patch.externalId, 'externalId', MAX_EXTERNAL_ID_LENGTH) : undefined
    const now = this.#ctx.clock()
    return this.#write(async (dir) => {
      const [before] = await dir.users([id])
      if (!before) {
        throw new NotFoundError(`No user ${id}`)
      }
      const wanted = identifiersOf(id, upn ?? before.upn, emails ?? before.emails, externalId !== undefined ? externalId : before.externalId)
      const current = await dir.identifiers([id], { liveOnly: true })
      const wantedKinds = new Map(wanted.map((i) => [identifierKey(i), i.kind]))
      const currentKinds = new Map(current.map((i) => [identifierKey(i), i.kind]))
      // An identifier that changes kind (an email that becomes the UPN) is retired and added again.
      const retire = current.filter((i) => wantedKinds.get(identifierKey(i)) !== i.kind)
      const add = wanted.filter((i) => currentKinds.get(identifierKey(i)) !== i.kind)
      await assertIdentifiersFree(dir, add, id)
      await dir.retireIdentifiers(retire, now)
      await dir.addIdentifiers(add)
      const after = await dir.updateUser(id, { upn, emails, displayName, externalId, active: patch.active, updatedAt: now })
      return toUser(after as StoredDirectoryUser)
    })
  }

  async deleteUser(_initiator: Initiator, id: string): Promise<void> {
    const now = this.#ctx.clock()
    await this.#write(async (dir) => {
      const [user] = await dir.users([id])
      if (!user) {
        throw new NotFoundError(`No user ${id}`)
      }
      await dir.closeSpans(await dir.openSpans({ userIds: [id] }), now)
      // Retired, not removed: a late activity from before the deletion still finds the user's groups.
      await dir.retireIdentifiers(await dir.identifiers([id], { liveOnly: true }), now)
      await dir.updateUser(id, { deletedAt: now, updatedAt: now })
    })
  }

  // Groups

  async createGroup(initiator: Initiator, group: NewGroup): Promise<DirectoryGroup> {
    const displayName = groupName(group.displayName)
    const externalId = optionalText(group.externalId, 'externalId', MAX_EXTERNAL_ID_LENGTH)
    if (group.id !== undefined && !GROUP_ID_PATTERN.test(group.id)) {
      throw new ValidationError(`"${group.id}" is not a valid group id`, [{ field: 'id', reason: 'must be 1 to 128 letters, digits, dots, dashes or underscores, starting with a letter or digit' }])
    }
    const memberIds = [...new Set(group.memberIds ?? [])]
    const now = this.#ctx.clock()
    return this.#write(async (dir, tx) => {
      const id = group.id ?? randomUUID()
      if (group.id !== undefined && (await dir.takenGroupIds([id])).has(id)) {
        throw new ConflictError(`The group id "${id}" is already taken`)
      }
      await this.#assertNameFree(dir, displayName, null)
      await this.#assertLiveUsers(dir, memberIds)
      const row = { id, displayName, externalId, createdAt: now, updatedAt: now }
      await dir.insertGroups([row])
      await dir.openMemberships(memberIds.map((userId) => ({ groupId: id, userId, from: now })))
      await tx.governance.append(this.#governance(initiator, 'directory.change', displayName, { change: 'group.create', groupId: id, displayName, externalId, members: memberIds.length }), now)
      return toGroup({ ...row, deletedAt: null })
    })
  }

  async #assertNameFree(dir: DirectoryRepository, displayName: string, self: string | null): Promise<void> {
    if (BUILTIN_NAMES.has(displayName.toLowerCase())) {
      throw new ConflictError(`"${displayName}" is the name of a built-in group`)
    }
    const [other] = (await dir.groupsNamed([displayName.toLowerCase()])).filter((g) => g.id !== self)
    if (other) {
      throw new ConflictError(`A group named "${other.displayName}" already exists`)
    }
  }

  async #assertLiveUsers(dir: DirectoryRepository, userIds: readonly string[]): Promise<void> {
    const found = new Set((await dir.users(userIds)).map((u) => u.id))
    const unknown = userIds.filter((id) => !found.has(id))
    if (unknown.length > 0) {
      throw new ValidationError(`Unknown user ${unknown.slice(0, 5).map((id) => `"${id}"`).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`, [
        { field: 'members', reason: `no user has the id ${unknown.slice(0, 20).join(', ')}` },
      ])
    }
  }

  async #liveGroup(dir: DirectoryRepository, id: string): Promise<StoredDirectoryGroup> {
    const [group] = isBuiltinGroupId(id) ? [] : await dir.groups([id])
    if (!group) {
      throw new NotFoundError(`No group ${id}`)
    }
    return group
  }

  async getGroup(id: string): Promise<DirectoryGroup | null> {
    const [row] = await this.#ctx.store.directory.groups([id])
    return row ? toGroup(row) : null
  }

  async listGroups(filter: GroupFilter, options: ListOptions): Promise<Page<DirectoryGroup & { readonly memberCount: number }>> {
    const page = await this.#ctx.store.directory.listGroups(
      { displayName: filter.displayName?.trim().toLowerCase(), externalId: filter.externalId?.trim().toLowerCase(), search: filter.search?.trim().toLowerCase() || undefined },
      Math.max(0, options.offset),
      Math.max(0, options.limit),
    )
    return { items: page.items.map((g) => ({ ...toGroup(g), memberCount: g.memberCount })), total: page.total }
  }

  async updateGroup(initiator: Initiator, id: string, patch: GroupPatch): Promise<DirectoryGroup> {
    const displayName = patch.displayName !== undefined ? groupName(patch.displayName) : undefined
    const externalId = patch.externalId !== undefined ? optionalText(patch.externalId, 'externalId', MAX_EXTERNAL_ID_LENGTH) : undefined
    const now = this.#ctx.clock()
    return this.#write(async (dir, tx) => {
      const before = await this.#liveGroup(dir, id)
      if (displayName !== undefined && displayName.toLowerCase() !== before.displayName.toLowerCase()) {
        await this.#assertNameFree(dir, displayName, id)
      }
      const after = (await dir.updateGroup(id, { displayName, externalId, updatedAt: now })) as StoredDirectoryGroup
      if (after.displayName !== before.displayName) {
        await tx.governance.append(this.#governance(initiator, 'directory.change', after.displayName, { change: 'group.rename', groupId: id, before: before.displayName, after: after.displayName }), now)
      }
      return toGroup(after)
    })
  }

  async deleteGroup(initiator: Initiator, id: string): Promise<void> {
    const now = this.#ctx.clock()
    await this.#write(async (dir, tx) => {
      const group = await this.#liveGroup(dir, id)
      const open = await dir.openSpans({ groupIds: [id] })
      await dir.closeSpans(open, now)
      await dir.updateGroup(id, { deletedAt: now, updatedAt: now })
      await tx.governance.append(this.#governance(initiator, 'directory.change', group.displayName, { change: 'group.delete', groupId: id, displayName: group.displayName, membershipsEnded: open.length }), now)
    })
  }

  // Memberships

  async #assertGroupKnown(groupId: string): Promise<void> {
    // History stays readable after a group is deleted.
    if ((await this.#ctx.store.directory.groups([groupId], { includeDeleted: true })).length === 0) {
      throw new NotFoundError(`No group ${groupId}`)
    }
  }

  async members(groupId: string, at?: number): Promise<readonly DirectoryUser[]> {
    return (await this.listMembers(groupId, { offset: 0, limit: ALL, at })).items
  }

  async listMembers(groupId: string, options: ListOptions & { readonly at?: number }): Promise<Page<DirectoryUser>> {
    await this.#assertGroupKnown(groupId)
    const page = await this.#ctx.store.directory.membersAt(groupId, options.at ?? null, Math.max(0, options.offset), Math.max(0, options.limit))
    return { items: page.items.map(toUser), total: page.total }
  }

  async addMembers(_initiator: Initiator, groupId: string, userIds: readonly string[]): Promise<void> {
    const ids = [...new Set(userIds)]
    const now = this.#ctx.clock()
    await this.#write(async (dir) => {
      await this.#liveGroup(dir, groupId)
      await this.#assertLiveUsers(dir, ids)
      const open = new Set((await dir.openSpans({ groupIds: [groupId], userIds: ids })).map((s) => s.userId))
      await dir.openMemberships(ids.filter((id) => !open.has(id)).map((userId) => ({ groupId, userId, from: now })))
    })
  }

  async removeMembers(_initiator: Initiator, groupId: string, userIds: readonly string[]): Promise<void> {
    const now = this.#ctx.clock()
    await this.#write(async (dir) => {
      await this.#liveGroup(dir, groupId)
      await dir.closeSpans(await dir.openSpans({ groupIds: [groupId], userIds }), now)
    })
  }

  async replaceMembers(_initiator: Initiator, groupId: string, userIds: readonly string[]): Promise<void> {
    const ids = [...new Set(userIds)]
    const now = this.#ctx.clock()
    await this.#write(async (dir) => {
      await this.#liveGroup(dir, groupId)
      await this.#assertLiveUsers(dir, ids)
      const wanted = new Set(ids)
      const open = await dir.openSpans({ groupIds: [groupId] })
      const members = new Set(open.map((s) => s.userId))
      await dir.closeSpans(
        open.filter((s) => !wanted.has(s.userId)),
        now,
      )
      await dir.openMemberships(ids.filter((id) => !members.has(id)).map((userId) => ({ groupId, userId, from: now })))
    })
  }

  async historyOfUser(userId: string): Promise<readonly MembershipSpan[]> {
    return (await this.#ctx.store.directory.spans({ userId })).map(toSpan)
  }

  async historyOfGroup(groupId: string): Promise<readonly MembershipSpan[]> {
    return (await this.#ctx.store.directory.spans({ groupId })).map(toSpan)
  }

  async groupsOf(userId: string, at: number): Promise<readonly string[]> {
    return this.#ctx.store.directory.groupIdsAt(userId, at)
  }

  // Import

  async importMemberships(initiator: Initiator, rows: readonly ImportRow[], options: ImportOptions): Promise<ImportReport> {
    const now = this.#ctx.clock()
    const rejected: ImportRejection[] = (options.rejectedBeforehand ?? []).map(({ row, field, reason }) => ({ row, field, reason }))
    // Group names (as written) with a rejected row: a non-atomic full import does not end their memberships.
    const suspectNames = new Set((options.rejectedBeforehand ?? []).flatMap((r) => (r.group?.trim() ? [r.group.trim()] : [])))
    const prepared = prepareRows(rows, options.mode, rejected, suspectNames)
    const totalRows = rows.length + (options.rejectedBeforehand?.length ?? 0)

    const report = await this.#ctx.store.transaction(async (tx): Promise<ImportReport> => {
      const dir = tx.directory
      await dir.beginChange()
      const plan = await planImport(dir, prepared, suspectNames, rejected, options.mode)
      rejected.sort((a, b) => a.row - b.row || a.field.localeCompare(b.field))
      const details = { mode: options.mode, atomic: options.atomic, source: options.source ?? null, rows: totalRows, rejected: rejected.length }
      if (options.atomic && rejected.length > 0) {
        await tx.governance.append(this.#governance(initiator, 'directory.import', 'directory', { ...details, applied: false }, 'failed'), now)
        return { groupsCreated: 0, usersCreated: 0, membershipsAdded: 0, membershipsEnded: 0, rejected: [...rejected], applied: false }
      }
      const counts = await applyImport(dir, plan, options.mode, now)
      // Keys of existing groups are their ids; a group the import creates has no membership to end.
      const groupsNotReconciled = options.mode === 'full' ? [...plan.unreconciled].filter((key) => !key.startsWith('new\n')).sort() : []
      await tx.governance.append(this.#governance(initiator, 'directory.import', 'directory', { ...details, applied: true, ...counts, groupsNotReconciled }), now)
      return { ...counts, rejected: [...rejected], applied: true, ...(groupsNotReconciled.length > 0 ? { groupsNotReconciled } : {}) }
    })
    if (report.applied) {
      await this.#cache?.changed()
      if (report.usersCreated + report.membershipsAdded + report.membershipsEnded >= ANALYZE_AFTER_ROWS) {
        // Best effort: fresh statistics keep the next import's lookups on their indexes.
        await this.#ctx.store.directory.analyze().catch(() => undefined)
      }
    }
    return report
  }
}

// The import, in three steps: rows are checked on their own (prepareRows), then resolved against the
// directory inside the transaction (planImport, reads only), then applied (applyImport, writes only).

interface PreparedRow {
  readonly row: number
  readonly group: string
  readonly upn: string
  readonly displayName: string | null
  readonly externalId: string | null
  readonly action: 'add' | 'remove'
}

function prepareRows(rows: readonly ImportRow[], mode: ImportOptions['mode'], rejected: ImportRejection[], suspectNames: Set<string>): PreparedRow[] {
  const prepared: PreparedRow[] = []
  for (const r of rows) {
    const group = typeof r.group === 'string' ? r.group.trim() : ''
    const reject = (field: string, reason: string, suspect: boolean) => {
      rejected.push({ row: r.row, field, reason })
      if (suspect) {
        suspectNames.add(group)
      }
    }
    if (group === '') {
      reject('group', 'must not be empty', false)
      continue
    }
    if (group.length > MAX_NAME_LENGTH) {
      reject('group', `must be at most ${MAX_NAME_LENGTH} characters`, false)
      continue
    }
    if (isBuiltinGroupId(group) || BUILTIN_NAMES.has(group.toLowerCase())) {
      reject('group', `"${group}" is a built-in group: its members are computed, not imported`, false)
      continue
    }
    let upn: string
    try {
      upn = normalizeUpn(typeof r.upn === 'string' ? r.upn : '')
    } catch {
      reject('upn', `"${String(r.upn)}" is not a UPN or email address`, true)
      continue
    }
    const action = r.action ?? 'add'
    if (action !== 'add' && action !== 'remove') {
      reject('action', 'must be add or remove', true)
      continue
    }
    if (mode === 'full' && action === 'remove') {
      reject('action', 'remove is not allowed in a full import (the file lists the members; use a delta import to remove)', true)
      continue
    }
    let displayName: string | null
    let externalId: string | null
    try {
      displayName = optionalText(r.displayName, 'displayName', MAX_NAME_LENGTH)
      externalId = optionalText(r.externalId, 'externalId', MAX_EXTERNAL_ID_LENGTH)
    } catch (error) {
      const detail = error instanceof ValidationError ? error.details[0] : undefined
      reject(detail?.field ?? 'row', detail?.reason ?? 'is not valid', true)
      continue
    }
    prepared.push({ row: r.row, group, upn, displayName, externalId, action })
  }
  return prepared
}

/** A row's group: an existing one (by id, then by name), or one the import creates (keyed by lower-cased name). */
type ResolvedGroup = { readonly key: string; readonly existing: StoredDirectoryGroup } | { readonly key: string; readonly existing: null; readonly displayName: string }

interface ImportPlan {
  readonly rows: ReadonlyArray<PreparedRow & { readonly group: string }>
  readonly resolve: (name: string) => ResolvedGroup
  /** Users the import creates, by UPN. */
  readonly newUsers: Map<string, { id: string; upn: string; displayName: string | null; externalId: string | null }>
  /** Attributes an existing user lacked and the file gives. */
  readonly fillIns: Map<string, { displayName?: string; externalId?: string }>
  readonly userIdOf: (upn: string) => string | undefined
  /** Keys of groups a full import does not reconcile. */
  readonly unreconciled: Set<string>
}

async function planImport(dir: DirectoryRepository, prepared: readonly PreparedRow[], suspectNames: ReadonlySet<string>, rejected: ImportRejection[], mode: ImportOptions['mode']): Promise<ImportPlan> {
  const names = [...new Set([...prepared.map((p) => p.group), ...suspectNames])]
  const byId = new Map((await dir.groups(names)).map((g) => [g.id, g]))
  const byName = new Map((await dir.groupsNamed(names.map((n) => n.toLowerCase()))).map((g) => [g.displayName.toLowerCase(), g]))
  const resolved = new Map<string, ResolvedGroup>()
  const resolve = (name: string): ResolvedGroup => {
    let group = resolved.get(name)
    if (!group) {
      const existing = byId.get(name) ?? byName.get(name.toLowerCase())
      group = existing ? { key: existing.id, existing } : { key: `new\n${name.toLowerCase()}`, existing: null, displayName: name }
      resolved.set(name, group)
    }
    return group
  }
  const unreconciled = new Set([...suspectNames].map((n) => resolve(n).key))

  // The same group (however named) and UPN twice: the second row is an error.
  const firstRow = new Map<string, number>()
  const distinct: PreparedRow[] = []
  for (const p of prepared) {
    const key = `${resolve(p.group).key}\n${p.upn}`
    const first = firstRow.get(key)
    if (first !== undefined) {
      rejected.push({ row: p.row, field: 'row', reason: `duplicate row: same group and UPN as row ${first}` })
      continue
    }
    firstRow.set(key, p.row)
    distinct.push(p)
  }

  // Users: matched by UPN or any email alias, as activities are; unknown UPNs of added rows are created.
  const holders = await dir.holders(
    'address',
    distinct.map((p) => p.upn),
  )
  const existing = new Map((await dir.users([...new Set(holders.values())])).map((u) => [u.id, u]))
  const externalHolders = await dir.holders(
    'external',
    distinct.flatMap((p) => (p.externalId !== null ? [p.externalId.toLowerCase()] : [])),
  )
  const claimed = new Map<string, string>()
  const newUsers: ImportPlan['newUsers'] = new Map()
  const fillIns: ImportPlan['fillIns'] = new Map()
  const rowsToApply: PreparedRow[] = []
  for (const p of distinct) {
    if (p.action === 'remove') {
      rowsToApply.push(p)
      continue
    }
    const holder = holders.get(p.upn)
    const user = holder !== undefined ? existing.get(holder) : undefined
    const created = newUsers.get(p.upn)
    // The file's externalId is used only where the user has none yet (attributes are never overwritten).
    const wantsExternalId = p.externalId !== null && (user ? user.externalId === null && fillIns.get(user.id)?.externalId === undefined : created === undefined)
    if (wantsExternalId && p.externalId !== null) {
      const ext = p.externalId.toLowerCase()
      const owner = externalHolders.get(ext)
      const claimer = claimed.get(ext)
      if ((owner !== undefined && owner !== holder) || (claimer !== undefined && claimer !== p.upn)) {
        rejected.push({ row: p.row, field: 'externalId', reason: `"${p.externalId}" is already the externalId of another user` })
        if (mode === 'full') {
          unreconciled.add(resolve(p.group).key)
        }
        continue
      }
      claimed.set(ext, p.upn)
    }
    if (user) {
      const fill = fillIns.get(user.id) ?? {}
      if (user.displayName === null && fill.displayName === undefined && p.displayName !== null) {
        fill.displayName = p.displayName
      }
      if (wantsExternalId && p.externalId !== null) {
        fill.externalId = p.externalId
      }
      if (fill.displayName !== undefined || fill.externalId !== undefined) {
        fillIns.set(user.id, fill)
      }
    } else if (!created) {
      newUsers.set(p.upn, { id: randomUUID(), upn: p.upn, displayName: p.displayName, externalId: wantsExternalId ? p.externalId : null })
    }
    rowsToApply.push(p)
  }
  return { rows: rowsToApply, resolve, newUsers, fillIns, userIdOf: (upn) => holders.get(upn) ?? newUsers.get(upn)?.id, unreconciled }
}

async function applyImport(dir: DirectoryRepository, plan: ImportPlan, mode: ImportOptions['mode'], now: number): Promise<Omit<ImportReport, 'rejected' | 'applied'>> {
  // New groups: only those an added row needs (a remove row never creates a group). Their id is the
  // slug of the name when no group, live or deleted, has it; a UUID otherwise.
  const newGroups = new Map<string, { id: string; displayName: string }>()
  for (const p of plan.rows) {
    const group = plan.resolve(p.group)
    if (group.existing === null && p.action === 'add' && !newGroups.has(group.key)) {
      newGroups.set(group.key, { id: '', displayName: group.displayName })
    }
  }
  const taken = await dir.takenGroupIds([...newGroups.values()].map((g) => slugOf(g.displayName)).filter((s) => s !== ''))
  for (const group of newGroups.values()) {
    const slug = slugOf(group.displayName)
    group.id = slug !== '' && !taken.has(slug) ? slug : randomUUID()
    taken.add(group.id)
  }
  await dir.insertGroups([...newGroups.values()].map((g) => ({ id: g.id, displayName: g.displayName, externalId: null, createdAt: now, updatedAt: now })))

  const users = [...plan.newUsers.values()]
  await dir.insertUsers(users.map((u) => ({ ...u, emails: [], active: true, createdAt: now, updatedAt: now })))
  await dir.addIdentifiers(users.flatMap((u) => identifiersOf(u.id, u.upn, [], u.externalId)))
  for (const [id, fill] of plan.fillIns) {
    await dir.updateUser(id, { ...fill, updatedAt: now })
    if (fill.externalId !== undefined) {
      await dir.addIdentifiers([{ userId: id, kind: 'external_id', value: fill.externalId.toLowerCase() }])
    }
  }

  const groupIdOf = (name: string): string | undefined => {
    const group = plan.resolve(name)
    return group.existing?.id ?? newGroups.get(group.key)?.id
  }
  const existingGroupIds = [...new Set(plan.rows.flatMap((p) => plan.resolve(p.group).existing?.id ?? []))]
  const open = new Map<string, Map<string, StoredMembershipSpan>>()
  for (const span of await dir.openSpans({ groupIds: existingGroupIds })) {
    const spans = open.get(span.groupId) ?? new Map<string, StoredMembershipSpan>()
    spans.set(span.userId, span)
    open.set(span.groupId, spans)
  }
  const toOpen: Array<{ groupId: string; userId: string; from: number }> = []
  const toClose: StoredMembershipSpan[] = []
  const targets = new Map<string, Set<string>>()
  const unreconciled = new Set<string>()
  for (const p of plan.rows) {
    const groupId = groupIdOf(p.group)
    const userId = plan.userIdOf(p.upn)
    if (groupId === undefined || userId === undefined) {
      continue // removing from a group or a user that does not exist: nothing to end
    }
    if (plan.unreconciled.has(plan.resolve(p.group).key)) {
      unreconciled.add(groupId)
    }
    const spans = open.get(groupId) ?? new Map<string, StoredMembershipSpan>()
    open.set(groupId, spans)
    if (p.action === 'remove') {
      const span = spans.get(userId)
      if (span) {
        toClose.push(span)
        spans.delete(userId)
      }
      continue
    }
    const target = targets.get(groupId) ?? new Set<string>()
    target.add(userId)
    targets.set(groupId, target)
    if (!spans.has(userId)) {
      toOpen.push({ groupId, userId, from: now })
    }
  }
  // Full import: every group named by an applied row keeps exactly the listed members.
  if (mode === 'full') {
    for (const [groupId, target] of targets) {
      if (unreconciled.has(groupId)) {
        continue
      }
      for (const [userId, span] of open.get(groupId) ?? []) {
        if (!target.has(userId)) {
          toClose.push(span)
        }
      }
    }
  }
  await dir.closeSpans(toClose, now)
  await dir.openMemberships(toOpen)
  return { groupsCreated: newGroups.size, usersCreated: users.length, membershipsAdded: toOpen.length, membershipsEnded: toClose.length }
}
