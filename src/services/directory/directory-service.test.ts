import { beforeAll, expect, it } from 'vitest'
import { describeStores } from '../../../test/helpers/test-store.js'
import { deriveSecrets } from '../../config/secrets.js'
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.js'
import { CLI_INITIATOR, type ServiceContext } from '../service-context.js'
import { DirectoryCache } from './directory-cache.js'
import type { DirectoryService, ImportRow } from './directory-service.js'
import { KyselyDirectoryService, slugOf } from './directory-service-impl.js'

const T0 = Date.UTC(2026, 10, 1)
const HOUR = 3_600_000
const me = CLI_INITIATOR

/** Rows from `group,upn` pairs, numbered from 1. */
function rows(...pairs: Array<[string, string, Partial<ImportRow>?]>): ImportRow[] {
  return pairs.map(([group, upn, extra], i) => ({ row: i + 1, group, upn, ...extra }))
}

const user = (upn: string) => ({ upn, displayName: null, sourceId: null, type: 'user' as const })

describeStores('directory service', (s) => {
  let now = T0
  let directory: DirectoryService
  let cache: DirectoryCache
  beforeAll(async () => {
    const ctx: ServiceContext = { store: s.store(), clock: () => now, secrets: deriveSecrets(Buffer.alloc(32, 1)) }
    cache = new DirectoryCache(s.store().directory)
    await cache.load()
    directory = new KyselyDirectoryService(ctx, { cache })
  })

  it('should create users and find them by UPN, email alias and external id, case-insensitively', async () => {
    const alex = await directory.createUser(me, { upn: 'Alex@Find.example', displayName: 'Alex', externalId: 'OBJ-1', emails: ['Alex.W@Find.example', 'alex@find.example'] })
    expect(alex).toMatchObject({ upn: 'alex@find.example', externalId: 'OBJ-1', emails: ['alex.w@find.example', 'alex@find.example'], active: true })
    for (const identifier of ['ALEX@find.example', 'alex.w@FIND.example', 'obj-1', ' Obj-1 ']) {
      expect((await directory.findUser(identifier))?.id, identifier).toBe(alex.id)
    }
    expect(await directory.findUser('nobody@find.example')).toBeNull()
    expect(await directory.getUser(alex.id)).toEqual(alex)
    expect((await directory.listUsers({ email: 'ALEX.W@find.example' }, { offset: 0, limit: 10 })).items.map((u) => u.id)).toEqual([alex.id])
    expect((await directory.listUsers({ externalId: 'obj-1' }, { offset: 0, limit: 10 })).total).toBe(1)
    expect((await directory.listUsers({ upn: 'ALEX@FIND.EXAMPLE' }, { offset: 0, limit: 10 })).total).toBe(1)
  })

  it('should refuse a UPN, email or external id another user has, and name bad attributes', async () => {
    await directory.createUser(me, { upn: 'taken@conflict.example', emails: ['alias@conflict.example'], externalId: 'X-1' })
    await expect(directory.createUser(me, { upn: 'TAKEN@conflict.example' })).rejects.toBeInstanceOf(ConflictError)
    await expect(directory.createUser(me, { upn: 'alias@conflict.example' })).rejects.toBeInstanceOf(ConflictError)
    await expect(directory.createUser(me, { upn: 'other@conflict.example', externalId: 'x-1' })).rejects.toBeInstanceOf(ConflictError)
    const bad = await directory.createUser(me, { upn: 'not a upn' }).catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(ValidationError)
    expect((bad as ValidationError).details[0]?.field).toBe('upn')
    const badEmail = await directory.createUser(me, { upn: 'ok@conflict.example', emails: ['nope'] }).catch((e: unknown) => e)
    expect((badEmail as ValidationError).details[0]?.field).toBe('emails')
    const other = await directory.createUser(me, { upn: 'other@conflict.example' })
    await expect(directory.updateUser(me, other.id, { emails: ['alias@conflict.example'] })).rejects.toBeInstanceOf(ConflictError)
    await expect(directory.updateUser(me, 'no-such-id', { active: false })).rejects.toBeInstanceOf(NotFoundError)
  })

  it('should answer membership at its boundaries: member at from, not at to', async () => {
    const u = await directory.createUser(me, { upn: 'bound@history.example' })
    const g = await directory.createGroup(me, { displayName: 'Boundary' })
    now = T0 + HOUR
    await directory.addMembers(me, g.id, [u.id])
    await directory.addMembers(me, g.id, [u.id]) // already a member: no second span
    now = T0 + 3 * HOUR
    await directory.removeMembers(me, g.id, [u.id])
    now = T0 + 5 * HOUR
    await directory.addMembers(me, g.id, [u.id])
    expect(await directory.historyOfUser(u.id)).toEqual([
      { groupId: g.id, userId: u.id, from: T0 + HOUR, to: T0 + 3 * HOUR },
      { groupId: g.id, userId: u.id, from: T0 + 5 * HOUR, to: null },
    ])
    expect(await directory.historyOfGroup(g.id)).toHaveLength(2)
    const at = async (t: number) => (await directory.groupsOf(u.id, t)).includes(g.id)
    expect(await at(T0)).toBe(false)
    expect(await at(T0 + HOUR - 1)).toBe(false)
    expect(await at(T0 + HOUR)).toBe(true)
    expect(await at(T0 + 3 * HOUR - 1)).toBe(true)
    expect(await at(T0 + 3 * HOUR)).toBe(false)
    expect(await at(T0 + 5 * HOUR)).toBe(true)
    expect(await at(T0 + 100 * HOUR)).toBe(true)
    expect((await directory.members(g.id, T0 + 2 * HOUR)).map((m) => m.upn)).toEqual(['bound@history.example'])
    expect(await directory.members(g.id, T0 + 4 * HOUR)).toEqual([])
    // The cache gives the same answers.
    for (const t of [T0, T0 + HOUR, T0 + 3 * HOUR - 1, T0 + 3 * HOUR, T0 + 5 * HOUR]) {
      expect(cache.groupsOf(user('bound@history.example'), t).includes(g.id), String(t)).toBe(await at(t))
    }
  })

  it('should replace members by their difference, keep spans of those who stay, and ignore non-members on removal', async () => {
    now = T0
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => directory.createUser(me, { upn: `${n}@replace.example` })))
    const g = await directory.createGroup(me, { displayName: 'Replace', memberIds: [a!.id, b!.id] })
    now = T0 + HOUR
    await directory.replaceMembers(me, g.id, [b!.id, c!.id])
    await directory.removeMembers(me, g.id, [a!.id, 'never-a-member'])
    const spans = await directory.historyOfGroup(g.id)
    expect(spans.find((x) => x.userId === a!.id)).toMatchObject({ from: T0, to: T0 + HOUR })
    expect(spans.find((x) => x.userId === b!.id)).toMatchObject({ from: T0, to: null })
    expect(spans.find((x) => x.userId === c!.id)).toMatchObject({ from: T0 + HOUR, to: null })
    await expect(directory.addMembers(me, g.id, ['unknown-user'])).rejects.toBeInstanceOf(ValidationError)
    await expect(directory.addMembers(me, 'unknown-group', [a!.id])).rejects.toBeInstanceOf(NotFoundError)
  })

  it('should keep memberships of an inactive user, and end them when the user is deleted (history stays)', async () => {
    now = T0
    const u = await directory.createUser(me, { upn: 'leaver@delete.example', externalId: 'L-1' })
    const g = await directory.createGroup(me, { displayName: 'Leavers', memberIds: [u.id] })
    now = T0 + HOUR
    await directory.updateUser(me, u.id, { active: false })
    expect(await directory.groupsOf(u.id, now)).toEqual([g.id])
    expect(cache.groupsOf(user('leaver@delete.example'), now)).toEqual([g.id])
    now = T0 + 2 * HOUR
    await directory.deleteUser(me, u.id)
    expect(await directory.getUser(u.id)).toBeNull()
    expect(await directory.findUser('leaver@delete.example')).toBeNull()
    expect(await directory.historyOfUser(u.id)).toEqual([{ groupId: g.id, userId: u.id, from: T0, to: T0 + 2 * HOUR }])
    expect(cache.groupsOf(user('leaver@delete.example'), T0 + 2 * HOUR)).toEqual([])
    // A late activity from before the deletion is still classified with the groups of then.
    expect(cache.groupsOf(user('leaver@delete.example'), T0 + HOUR)).toEqual([g.id])
    expect(cache.matchUser(user('leaver@delete.example'))).toBeNull()
    expect(cache.matchUser(user('leaver@delete.example'), T0 + HOUR)).toBe(u.id)
    // The UPN is free again, and a new user with it does not inherit the old memberships.
    const again = await directory.createUser(me, { upn: 'leaver@delete.example' })
    expect(again.id).not.toBe(u.id)
    expect(await directory.groupsOf(again.id, T0 + HOUR)).toEqual([])
    expect(cache.matchUser(user('leaver@delete.example'))).toBe(again.id)
    await expect(directory.deleteUser(me, u.id)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('should delete a group: memberships end, history and past members stay, a governance record is written', async () => {
    now = T0
    const u = await directory.createUser(me, { upn: 'member@groupdelete.example' })
    const g = await directory.createGroup(me, { displayName: 'Doomed', memberIds: [u.id] })
    now = T0 + HOUR
    await directory.deleteGroup(me, g.id)
    expect(await directory.getGroup(g.id)).toBeNull()
    expect(await directory.groupsOf(u.id, T0 + HOUR)).toEqual([])
    expect((await directory.members(g.id, T0)).map((m) => m.id)).toEqual([u.id])
    expect(await directory.members(g.id)).toEqual([])
    expect(cache.groupsOf(user('member@groupdelete.example'), T0 + HOUR)).toEqual([])
    const records = await s.store().governance.list({ limit: 10, action: 'directory.change' })
    expect(records.map((r) => r.details.change)).toEqual(expect.arrayContaining(['group.create', 'group.delete']))
    expect(records.find((r) => r.details.change === 'group.delete')).toMatchObject({ target: 'Doomed', details: { groupId: g.id, membershipsEnded: 1 } })
    // The name is free again; the id is not.
    await directory.createGroup(me, { displayName: 'doomed' })
    await expect(directory.createGroup(me, { displayName: 'Other', id: g.id })).rejects.toBeInstanceOf(ConflictError)
    await expect(directory.deleteGroup(me, g.id)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('should refuse duplicate and built-in group names, and bad ids', async () => {
    await directory.createGroup(me, { displayName: 'Finance Team' })
    await expect(directory.createGroup(me, { displayName: 'FINANCE team' })).rejects.toBeInstanceOf(ConflictError)
    await expect(directory.createGroup(me, { displayName: 'External users' })).rejects.toBeInstanceOf(ConflictError)
    await expect(directory.createGroup(me, { displayName: 'x', id: 'builtin:application' })).rejects.toBeInstanceOf(ValidationError)
    await expect(directory.createGroup(me, { displayName: '  ' })).rejects.toBeInstanceOf(ValidationError)
    const g = await directory.createGroup(me, { displayName: 'Renamed Team', externalId: 'EXT-G' })
    await expect(directory.updateGroup(me, g.id, { displayName: 'finance team' })).rejects.toBeInstanceOf(ConflictError)
    expect((await directory.updateGroup(me, g.id, { displayName: 'Renamed Team 2' })).displayName).toBe('Renamed Team 2')
    expect((await directory.listGroups({ externalId: 'ext-g' }, { offset: 0, limit: 10 })).items.map((x) => x.id)).toEqual([g.id])
    expect((await directory.listGroups({ displayName: 'renamed team 2' }, { offset: 0, limit: 10 })).total).toBe(1)
  })

  it('should import a delta: create users and groups, add, then remove with action remove', async () => {
    now = T0
    const first = await directory.importMemberships(
      me,
      rows(['Sales EMEA', 'Ann@Delta.example', { displayName: 'Ann', externalId: 'ANN-1' }], ['Sales EMEA', 'bob@delta.example'], ['Legal', 'ann@delta.example']),
      { mode: 'delta', atomic: false },
    )
    expect(first).toEqual({ groupsCreated: 2, usersCreated: 2, membershipsAdded: 3, membershipsEnded: 0, rejected: [], applied: true })
    const sales = await directory.getGroup('sales-emea')
    expect(sales?.displayName).toBe('Sales EMEA')
    expect(await directory.findUser('ann-1')).toMatchObject({ upn: 'ann@delta.example', displayName: 'Ann' })
    now = T0 + HOUR
    const second = await directory.importMemberships(me, rows(['sales-emea', 'bob@delta.example', { action: 'remove' }], ['LEGAL', 'bob@delta.example'], ['Nope', 'ann@delta.example', { action: 'remove' }]), {
      mode: 'delta',
      atomic: false,
    })
    expect(second).toMatchObject({ groupsCreated: 0, usersCreated: 0, membershipsAdded: 1, membershipsEnded: 1, applied: true })
    expect((await directory.members('sales-emea')).map((m) => m.upn)).toEqual(['ann@delta.example'])
    expect((await directory.members('legal')).map((m) => m.upn)).toEqual(['ann@delta.example', 'bob@delta.example'])
    expect(await directory.getGroup('nope')).toBeNull()
    const [record] = await s.store().governance.list({ limit: 1, action: 'directory.import' })
    expect(record).toMatchObject({ initiator: 'cli', status: 'succeeded', details: { mode: 'delta', rows: 3, membershipsAdded: 1, membershipsEnded: 1, applied: true } })
    expect(cache.groupsOf(user('bob@delta.example'), now)).toEqual(['legal'])
  })

  it('should import in full mode: named groups get exactly the listed members, other groups are untouched', async () => {
    now = T0
    await directory.importMemberships(me, rows(['Full A', 'a1@full.example'], ['Full A', 'a2@full.example'], ['Full B', 'b1@full.example']), { mode: 'delta', atomic: false })
    now = T0 + HOUR
    const report = await directory.importMemberships(me, rows(['full-a', 'a2@full.example'], ['Full A', 'a3@full.example']), { mode: 'full', atomic: false })
    expect(report).toMatchObject({ usersCreated: 1, membershipsAdded: 1, membershipsEnded: 1, applied: true })
    expect((await directory.members('full-a')).map((m) => m.upn)).toEqual(['a2@full.example', 'a3@full.example'])
    expect((await directory.members('full-b')).map((m) => m.upn)).toEqual(['b1@full.example'])
    expect((await directory.historyOfGroup('full-a')).find((x) => x.to !== null)).toMatchObject({ from: T0, to: T0 + HOUR })
  })

  it('should reject rows one by one: malformed UPN, empty group, duplicate row, action in full mode, built-in group', async () => {
    now = T0
    const report = await directory.importMemberships(
      me,
      rows(['Errors', 'ok@rows.example'], ['Errors', 'not-a-upn'], ['', 'x@rows.example'], ['errors', 'OK@rows.example'], ['Errors', 'y@rows.example', { action: 'remove' }], ['Application', 'z@rows.example']),
      { mode: 'full', atomic: false },
    )
    expect(report.rejected).toEqual([
      { row: 2, field: 'upn', reason: '"not-a-upn" is not a UPN or email address' },
      { row: 3, field: 'group', reason: 'must not be empty' },
      { row: 4, field: 'row', reason: 'duplicate row: same group and UPN as row 1' },
      { row: 5, field: 'action', reason: expect.stringContaining('not allowed in a full import') },
      { row: 6, field: 'group', reason: expect.stringContaining('built-in group') },
    ])
    expect(report).toMatchObject({ applied: true, membershipsAdded: 1, groupsCreated: 1, usersCreated: 1 })
    expect((await directory.members('errors')).map((m) => m.upn)).toEqual(['ok@rows.example'])
  })

  it('should not end memberships of a group with a rejected row in a non-atomic full import', async () => {
    now = T0
    await directory.importMemberships(me, rows(['Careful', 'keep@careful.example'], ['Careful', 'typo@careful.example']), { mode: 'delta', atomic: false })
    const report = await directory.importMemberships(me, rows(['Careful', 'keep@careful.example'], ['Careful', 'typo@careful'], ['Careful', 'new@careful.example']), { mode: 'full', atomic: false })
    expect(report).toMatchObject({ membershipsAdded: 1, membershipsEnded: 0, groupsNotReconciled: ['careful'] })
    expect((await directory.members('careful')).map((m) => m.upn)).toEqual(['keep@careful.example', 'new@careful.example', 'typo@careful.example'])
  })

  it('should apply nothing of an atomic import with a rejected row, and record the failed attempt', async () => {
    now = T0
    const before = await directory.listGroups({}, { offset: 0, limit: 1000 })
    const report = await directory.importMemberships(me, rows(['Atomic', 'one@atomic.example'], ['Atomic', 'two@atomic']), { mode: 'delta', atomic: true })
    expect(report).toMatchObject({ applied: false, groupsCreated: 0, usersCreated: 0, membershipsAdded: 0, rejected: [{ row: 2, field: 'upn' }] })
    expect(await directory.findUser('one@atomic.example')).toBeNull()
    expect((await directory.listGroups({}, { offset: 0, limit: 1000 })).total).toBe(before.total)
    const [record] = await s.store().governance.list({ limit: 1, action: 'directory.import' })
    expect(record).toMatchObject({ status: 'failed', details: { applied: false, rejected: 1 } })
    // Parser rejections count too.
    const parsed = await directory.importMemberships(me, rows(['Atomic', 'one@atomic.example']), { mode: 'delta', atomic: true, rejectedBeforehand: [{ row: 2, field: 'row', reason: 'has 3 fields' }] })
    expect(parsed).toMatchObject({ applied: false, rejected: [{ row: 2, field: 'row' }] })
    expect(await directory.findUser('one@atomic.example')).toBeNull()
  })

  it('should match import rows to users by email alias and keep their attributes, filling only what is missing', async () => {
    now = T0
    const u = await directory.createUser(me, { upn: 'carol@alias.example', emails: ['c.smith@alias.example'] })
    const report = await directory.importMemberships(me, rows(['Aliases', 'C.Smith@alias.example', { displayName: 'Carol', externalId: 'C-9' }]), { mode: 'delta', atomic: false })
    expect(report).toMatchObject({ usersCreated: 0, membershipsAdded: 1 })
    expect(await directory.getUser(u.id)).toMatchObject({ upn: 'carol@alias.example', displayName: 'Carol', externalId: 'C-9' })
    expect(cache.groupsOf({ upn: null, displayName: null, sourceId: 'c-9', type: 'user' }, now)).toEqual(['aliases'])
    const taken = await directory.importMemberships(me, rows(['Aliases', 'dave@alias.example', { externalId: 'c-9' }]), { mode: 'delta', atomic: false })
    expect(taken.rejected).toEqual([{ row: 1, field: 'externalId', reason: expect.stringContaining('another user') }])
  })

  it('should slug new group names and fall back to a UUID when the slug is taken', async () => {
    expect(slugOf('  Ventes Île-de-France! ')).toBe('ventes-ile-de-france')
    expect(slugOf('***')).toBe('')
    await directory.createGroup(me, { displayName: 'Taken slug', id: 'slug-clash' })
    await directory.importMemberships(me, rows(['Slug Clash', 'a@slug.example'], ['***', 'a@slug.example']), { mode: 'delta', atomic: false })
    const page = await directory.listGroups({ displayName: 'slug clash' }, { offset: 0, limit: 1 })
    expect(page.items[0]?.id).toMatch(/^[0-9a-f-]{36}$/)
    expect((await directory.listGroups({ displayName: '***' }, { offset: 0, limit: 1 })).items[0]?.id).toMatch(/^[0-9a-f-]{36}$/)
  })
})
