/**
 * The directory over Kysely, the same SQL on both engines. Rules (validation, conflicts, what a change
 * means for memberships) belong to the directory service; this file only reads and writes rows, in
 * chunks small enough for either engine's limit on bound parameters.
 *
 * @module
 */

import { sql, type Kysely, type Selectable, type SqlBool, type Updateable } from 'kysely'

import { ConflictError } from '../core/errors.js'
import { escapeLike } from './activity-filter.js'
import type { Database, DirectoryGroupsTable, DirectoryIdentifiersTable, DirectoryMembershipsTable, DirectoryUsersTable } from './schema.js'
import type {
  DirectoryGroupQuery,
  DirectoryIdentifierKind,
  DirectoryIdentifierSpace,
  DirectoryPage,
  DirectoryRepository,
  DirectoryUserQuery,
  NewDirectoryIdentifier,
  StoredDirectoryGroup,
  StoredDirectoryGroupPatch,
  StoredDirectoryIdentifier,
  StoredDirectoryUser,
  StoredDirectoryUserPatch,
  StoredMembershipSpan,
} from './store.js'

/**
 * Ids per `in (...)` list. Long, because PostgreSQL answers a list of more than about 1% of a table's
 * rows with one sequential scan: fewer, longer lists mean fewer scans (measured on 100,000 users: 100
 * lists of 1,000 took 10x as long as 10 lists of 10,000). Well under SQLite's 32,766 parameters.
 */
const ID_CHUNK = 10_000
/** Rows per multi-row INSERT: at most ~10 columns, so well under SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
const INSERT_CHUNK = 1_000

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let start = 0; start < items.length; start += size) {
    out.push(items.slice(start, start + size))
  }
  return out
}

/** The space an identifier kind is matched in. */
export function identifierSpace(kind: DirectoryIdentifierKind): DirectoryIdentifierSpace {
  return kind === 'external_id' ? 'external' : 'address'
}

function parseEmails(json: string): string[] {
  const value: unknown = JSON.parse(json)
  return Array.isArray(value) ? value.filter((e): e is string => typeof e === 'string') : []
}

function toUser(row: Selectable<DirectoryUsersTable>): StoredDirectoryUser {
  return {
    id: row.id,
    upn: row.upn,
    displayName: row.display_name,
    externalId: row.external_id,
    emails: parseEmails(row.emails),
    active: Number(row.active) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
  }
}

function toGroup(row: Selectable<DirectoryGroupsTable>): StoredDirectoryGroup {
  return {
    id: row.id,
    displayName: row.display_name,
    externalId: row.external_id,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
  }
}

function toSpan(row: Selectable<DirectoryMembershipsTable>): StoredMembershipSpan {
  return { id: Number(row.id), groupId: row.group_id, userId: row.user_id, from: Number(row.valid_from), to: row.valid_to === null ? null : Number(row.valid_to) }
}

function toIdentifier(row: Selectable<DirectoryIdentifiersTable>): StoredDirectoryIdentifier {
  return {
    id: Number(row.id),
    userId: row.user_id,
    kind: row.kind as DirectoryIdentifierKind,
    space: row.space as DirectoryIdentifierSpace,
    value: row.value,
    retiredAt: row.retired_at === null ? null : Number(row.retired_at),
  }
}

const bySpanStart = (a: StoredMembershipSpan, b: StoredMembershipSpan): number => a.from - b.from || a.id - b.id

/**
 * One instance per transaction (the store binds a new one to each): it remembers the transaction's
 * change number and which users it already marked with it, so marking is one UPDATE per user at most.
 */
export class KyselyDirectoryRepository implements DirectoryRepository {
  readonly #db: Kysely<Database>
  #seq: number | null = null
  readonly #marked = new Set<string>()

  /** `db` is the store's Kysely instance (reads only) or a transaction. */
  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async beginChange(): Promise<number> {
    if (this.#seq !== null) {
      return this.#seq
    }
    if (!this.#db.isTransaction) {
      throw new Error('Directory writes must run inside store.transaction()')
    }
    // On PostgreSQL the row lock is held until commit: the next writer waits here, then reads the
    // number this transaction committed, so numbers become visible in the order they are handed out.
    const row = await this.#db
      .updateTable('directory_state')
      .set({ seq: sql<number>`seq + 1` })
      .where('id', '=', 1)
      .returning('seq')
      .executeTakeFirstOrThrow()
    this.#seq = Number(row.seq)
    return this.#seq
  }

  #changeSeq(): number {
    if (this.#seq === null) {
      throw new Error('Directory writes must follow beginChange() in the same transaction')
    }
    return this.#seq
  }

  /** Mark users as changed by this transaction, once each. */
  async #mark(userIds: Iterable<string>): Promise<void> {
    const seq = this.#changeSeq()
    const pending = [...new Set(userIds)].filter((id) => !this.#marked.has(id))
    for (const chunk of chunks(pending, ID_CHUNK)) {
      await this.#db.updateTable('directory_users').set({ seq }).where('id', 'in', chunk).execute()
    }
    for (const id of pending) {
      this.#marked.add(id)
    }
  }

  async changeSeq(): Promise<number> {
    const row = await this.#db.selectFrom('directory_state').select('seq').where('id', '=', 1).executeTakeFirst()
    return row ? Number(row.seq) : 0
  }

  async changedUsers(since: number): Promise<Array<{ id: string; seq: number }>> {
    const rows = await this.#db.selectFrom('directory_users').select(['id', 'seq']).where('seq', '>', since).execute()
    return rows.map((r) => ({ id: r.id, seq: Number(r.seq) }))
  }

  async users(ids: readonly string[], options: { includeDeleted?: boolean } = {}): Promise<StoredDirectoryUser[]> {
    const out: StoredDirectoryUser[] = []
    for (const chunk of chunks([...new Set(ids)], ID_CHUNK)) {
      let query = this.#db.selectFrom('directory_users').selectAll().where('id', 'in', chunk)
      if (!options.includeDeleted) {
        query = query.where('deleted_at', 'is', null)
      }
      out.push(...(await query.execute()).map(toUser))
    }
    return out
  }

  async listUsers(filter: DirectoryUserQuery, offset: number, limit: number): Promise<DirectoryPage<StoredDirectoryUser>> {
    let query = this.#db.selectFrom('directory_users as u').where('u.deleted_at', 'is', null)
    if (filter.upn !== undefined) {
      query = query.where('u.upn', '=', filter.upn)
    }
    for (const [space, value] of [
      ['external', filter.externalId],
      ['address', filter.email],
    ] as const) {
      if (value !== undefined) {
        query = query.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('directory_identifiers as i')
              .select('i.id')
              .whereRef('i.user_id', '=', 'u.id')
              .where('i.space', '=', space)
              .where('i.value', '=', value)
              .where('i.retired_at', 'is', null),
          ),
        )
      }
    }
    const [rows, count] = await Promise.all([
      query.selectAll('u').orderBy('u.upn').orderBy('u.id').limit(limit).offset(offset).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ])
    return { items: rows.map(toUser), total: Number(count?.n ?? 0) }
  }

  async holders(space: DirectoryIdentifierSpace, values: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    for (const chunk of chunks([...new Set(values)], ID_CHUNK)) {
      const rows = await this.#db
        .selectFrom('directory_identifiers')
        .select(['value', 'user_id'])
        .where('space', '=', space)
        .where('retired_at', 'is', null)
        .where('value', 'in', chunk)
        .execute()
      for (const row of rows) {
        out.set(row.value, row.user_id)
      }
    }
    return out
  }

  async identifiers(userIds: readonly string[] | null, options: { liveOnly?: boolean } = {}): Promise<StoredDirectoryIdentifier[]> {
    const base = () => {
      let query = this.#db.selectFrom('directory_identifiers').selectAll()
      if (options.liveOnly) {
        query = query.where('retired_at', 'is', null)
      }
      return query
    }
    if (userIds === null) {
      return (await base().execute()).map(toIdentifier)
    }
    const out: StoredDirectoryIdentifier[] = []
    for (const chunk of chunks([...new Set(userIds)], ID_CHUNK)) {
      out.push(...(await base().where('user_id', 'in', chunk).execute()).map(toIdentifier))
    }
    return out
  }

  async insertUsers(users: ReadonlyArray<Omit<StoredDirectoryUser, 'deletedAt'>>): Promise<void> {
    const seq = this.#changeSeq()
    for (const chunk of chunks(users, INSERT_CHUNK)) {
      await this.#db
        .insertInto('directory_users')
        .values(
          chunk.map((u) => ({
            id: u.id,
            upn: u.upn,
            display_name: u.displayName,
            external_id: u.externalId,
            emails: JSON.stringify(u.emails),
            active: u.active ? 1 : 0,
            created_at: u.createdAt,
            updated_at: u.updatedAt,
            deleted_at: null,
            seq,
          })),
        )
        .execute()
    }
    for (const u of users) {
      this.#marked.add(u.id)
    }
  }

  async updateUser(id: string, patch: StoredDirectoryUserPatch): Promise<StoredDirectoryUser | null> {
    const changes: Updateable<DirectoryUsersTable> = { updated_at: patch.updatedAt, seq: this.#changeSeq() }
    if (patch.upn !== undefined) {
      changes.upn = patch.upn
    }
    if (patch.displayName !== undefined) {
      changes.display_name = patch.displayName
    }
    if (patch.externalId !== undefined) {
      changes.external_id = patch.externalId
    }
    if (patch.emails !== undefined) {
      changes.emails = JSON.stringify(patch.emails)
    }
    if (patch.active !== undefined) {
      changes.active = patch.active ? 1 : 0
    }
    if (patch.deletedAt !== undefined) {
      changes.deleted_at = patch.deletedAt
    }
    const row = await this.#db.updateTable('directory_users').set(changes).where('id', '=', id).returningAll().executeTakeFirst()
    this.#marked.add(id)
    return row ? toUser(row) : null
  }

  async addIdentifiers(identifiers: readonly NewDirectoryIdentifier[]): Promise<void> {
    this.#changeSeq()
    for (const chunk of chunks(identifiers, INSERT_CHUNK)) {
      // ON CONFLICT DO NOTHING instead of catching a unique violation: on PostgreSQL that would abort
      // the whole transaction; the missing rows tell the conflict here.
      const inserted = await this.#db
        .insertInto('directory_identifiers')
        .values(chunk.map((i) => ({ user_id: i.userId, kind: i.kind, space: identifierSpace(i.kind), value: i.value, retired_at: null })))
        .onConflict((oc) => oc.doNothing())
        .returning(['space', 'value'])
        .execute()
      if (inserted.length < chunk.length) {
        const done = new Set(inserted.map((r) => `${r.space}\n${r.value}`))
        const taken = chunk.find((i) => !done.has(`${identifierSpace(i.kind)}\n${i.value}`))
        throw new ConflictError(`"${taken?.value ?? ''}" is already the ${taken?.kind === 'external_id' ? 'externalId' : 'UPN or email'} of another user`)
      }
    }
    await this.#mark(identifiers.map((i) => i.userId))
  }

  async retireIdentifiers(identifiers: readonly StoredDirectoryIdentifier[], at: number): Promise<void> {
    this.#changeSeq()
    for (const chunk of chunks(identifiers.map((i) => i.id), ID_CHUNK)) {
      await this.#db.updateTable('directory_identifiers').set({ retired_at: at }).where('id', 'in', chunk).where('retired_at', 'is', null).execute()
    }
    await this.#mark(identifiers.map((i) => i.userId))
  }

  async groups(ids: readonly string[], options: { includeDeleted?: boolean } = {}): Promise<StoredDirectoryGroup[]> {
    const out: StoredDirectoryGroup[] = []
    for (const chunk of chunks([...new Set(ids)], ID_CHUNK)) {
      let query = this.#db.selectFrom('directory_groups').selectAll().where('id', 'in', chunk)
      if (!options.includeDeleted) {
        query = query.where('deleted_at', 'is', null)
      }
      out.push(...(await query.execute()).map(toGroup))
    }
    return out
  }

  async groupsNamed(names: readonly string[]): Promise<StoredDirectoryGroup[]> {
    const out: StoredDirectoryGroup[] = []
    for (const chunk of chunks([...new Set(names)], ID_CHUNK)) {
      out.push(...(await this.#db.selectFrom('directory_groups').selectAll().where('display_name_lc', 'in', chunk).where('deleted_at', 'is', null).execute()).map(toGroup))
    }
    return out
  }

  async takenGroupIds(ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>()
    for (const chunk of chunks([...new Set(ids)], ID_CHUNK)) {
      for (const row of await this.#db.selectFrom('directory_groups').select('id').where('id', 'in', chunk).execute()) {
        out.add(row.id)
      }
    }
    return out
  }

  async listGroups(filter: DirectoryGroupQuery, offset: number, limit: number): Promise<DirectoryPage<StoredDirectoryGroup & { memberCount: number }>> {
    let query = this.#db.selectFrom('directory_groups as g').where('g.deleted_at', 'is', null)
    if (filter.displayName !== undefined) {
      query = query.where('g.display_name_lc', '=', filter.displayName)
    }
    if (filter.externalId !== undefined) {
      query = query.where('g.external_id_lc', '=', filter.externalId)
    }
    if (filter.search !== undefined) {
      const pattern = `%${escapeLike(filter.search)}%`
      // SQLite has no default LIKE escape character, so it is named on both engines.
      query = query.where((eb) => eb.or([sql<SqlBool>`g.display_name_lc like ${pattern} escape '\\'`, sql<SqlBool>`g.external_id_lc like ${pattern} escape '\\'`]))
    }
    const [rows, count] = await Promise.all([
      query
        .selectAll('g')
        .select((eb) =>
          eb
            .selectFrom('directory_memberships as m')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('m.group_id', '=', 'g.id')
            .where('m.valid_to', 'is', null)
            .as('member_count'),
        )
        .orderBy('g.display_name_lc')
        .orderBy('g.id')
        .limit(limit)
        .offset(offset)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ])
    return { items: rows.map((row) => ({ ...toGroup(row), memberCount: Number(row.member_count ?? 0) })), total: Number(count?.n ?? 0) }
  }

  async insertGroups(groups: ReadonlyArray<Omit<StoredDirectoryGroup, 'deletedAt'>>): Promise<void> {
    this.#changeSeq()
    for (const chunk of chunks(groups, INSERT_CHUNK)) {
      await this.#db
        .insertInto('directory_groups')
        .values(
          chunk.map((g) => ({
            id: g.id,
            display_name: g.displayName,
            display_name_lc: g.displayName.toLowerCase(),
            external_id: g.externalId,
            external_id_lc: g.externalId?.toLowerCase() ?? null,
            created_at: g.createdAt,
            updated_at: g.updatedAt,
            deleted_at: null,
          })),
        )
        .execute()
    }
  }

  async updateGroup(id: string, patch: StoredDirectoryGroupPatch): Promise<StoredDirectoryGroup | null> {
    this.#changeSeq()
    const changes: Updateable<DirectoryGroupsTable> = { updated_at: patch.updatedAt }
    if (patch.displayName !== undefined) {
      changes.display_name = patch.displayName
      changes.display_name_lc = patch.displayName.toLowerCase()
    }
    if (patch.externalId !== undefined) {
      changes.external_id = patch.externalId
      changes.external_id_lc = patch.externalId?.toLowerCase() ?? null
    }
    if (patch.deletedAt !== undefined) {
      changes.deleted_at = patch.deletedAt
    }
    const row = await this.#db.updateTable('directory_groups').set(changes).where('id', '=', id).returningAll().executeTakeFirst()
    return row ? toGroup(row) : null
  }

  async openSpans(filter: { groupIds?: readonly string[]; userIds?: readonly string[] }): Promise<StoredMembershipSpan[]> {
    // Query by one list in chunks and filter by the other here: both lists may be long.
    const [column, ids, other] =
      filter.groupIds !== undefined ? (['group_id', filter.groupIds, filter.userIds] as const) : (['user_id', filter.userIds ?? [], undefined] as const)
    const keep = other !== undefined ? new Set(other) : null
    const out: StoredMembershipSpan[] = []
    for (const chunk of chunks([...new Set(ids)], ID_CHUNK)) {
      const rows = await this.#db.selectFrom('directory_memberships').selectAll().where(column, 'in', chunk).where('valid_to', 'is', null).execute()
      for (const row of rows) {
        if (keep === null || keep.has(row.user_id)) {
          out.push(toSpan(row))
        }
      }
    }
    return out
  }

  async openMemberships(spans: ReadonlyArray<{ groupId: string; userId: string; from: number }>): Promise<void> {
    this.#changeSeq()
    for (const chunk of chunks(spans, INSERT_CHUNK)) {
      await this.#db
        .insertInto('directory_memberships')
        .values(chunk.map((s) => ({ group_id: s.groupId, user_id: s.userId, valid_from: s.from, valid_to: null })))
        .execute()
    }
    await this.#mark(spans.map((s) => s.userId))
  }

  async closeSpans(spans: readonly StoredMembershipSpan[], at: number): Promise<void> {
    this.#changeSeq()
    for (const chunk of chunks(spans.map((s) => s.id), ID_CHUNK)) {
      // A span never ends before it starts, even if the clock stepped back between the two.
      await this.#db
        .updateTable('directory_memberships')
        .set({ valid_to: sql<number>`case when valid_from > ${at} then valid_from else ${at} end` })
        .where('id', 'in', chunk)
        .where('valid_to', 'is', null)
        .execute()
    }
    await this.#mark(spans.map((s) => s.userId))
  }

  async membersAt(groupId: string, at: number | null, offset: number, limit: number): Promise<DirectoryPage<StoredDirectoryUser>> {
    let query = this.#db.selectFrom('directory_memberships as m').innerJoin('directory_users as u', 'u.id', 'm.user_id').where('m.group_id', '=', groupId)
    query =
      at === null
        ? query.where('m.valid_to', 'is', null)
        : query.where('m.valid_from', '<=', at).where((eb) => eb.or([eb('m.valid_to', 'is', null), eb('m.valid_to', '>', at)]))
    const [rows, count] = await Promise.all([
      query.selectAll('u').orderBy('u.upn').orderBy('u.id').limit(limit).offset(offset).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ])
    return { items: rows.map(toUser), total: Number(count?.n ?? 0) }
  }

  async groupIdsAt(userId: string, at: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('directory_memberships')
      .select('group_id')
      .distinct()
      .where('user_id', '=', userId)
      .where('valid_from', '<=', at)
      .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', at)]))
      .orderBy('group_id')
      .execute()
    return rows.map((r) => r.group_id)
  }

  async spans(filter: { userId?: string; groupId?: string; userIds?: readonly string[] }): Promise<StoredMembershipSpan[]> {
    const base = () => this.#db.selectFrom('directory_memberships').selectAll()
    let rows: Array<Selectable<DirectoryMembershipsTable>>
    if (filter.userIds !== undefined) {
      rows = []
      for (const chunk of chunks([...new Set(filter.userIds)], ID_CHUNK)) {
        rows.push(...(await base().where('user_id', 'in', chunk).execute()))
      }
    } else if (filter.userId !== undefined) {
      rows = await base().where('user_id', '=', filter.userId).execute()
    } else if (filter.groupId !== undefined) {
      rows = await base().where('group_id', '=', filter.groupId).execute()
    } else {
      rows = await base().execute()
    }
    return rows.map(toSpan).sort(bySpanStart)
  }

  async analyze(): Promise<void> {
    // The same statement on both engines. Without statistics, PostgreSQL looks identifiers up by
    // `space` alone and filters every value (measured: 50 ms instead of 5 ms per 1,000 lookups after a
    // 100,000-user import, until autovacuum analyzes the table).
    for (const table of ['directory_users', 'directory_identifiers', 'directory_groups', 'directory_memberships'] as const) {
      await sql`analyze ${sql.table(table)}`.execute(this.#db)
    }
  }
}
