/**
 * The store contract: one suite, run against every engine `STORES` selects. Whatever passes here behaves
 * the same on SQLite and PostgreSQL.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'

import BetterSqlite3 from 'better-sqlite3'
import fc from 'fast-check'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Activity } from '../core/activity/activity.js'
import { ConflictError } from '../core/errors.js'
import { GovernanceChainVerifier, type GovernanceDraft } from '../core/governance/governance-record.js'
import { HIDE_PRIVATE, type Disclosure } from '../core/privacy/decide-disclosure.js'
import {
  STRING_FIELDS,
  type ActivityQuery,
  type Condition,
  type SortDirection,
  type SortField,
  type StringCondition,
  type StringField,
} from '../core/query/activity-query.js'
import { BASE_TIME, asPublic, buildActivity, buildPublic, publicActivity, storedId } from '../../test/helpers/factories.js'
import { createTestVault } from '../../test/helpers/privacy.js'
import { createTestDatabase, postgresReachable, selectedStores } from '../../test/helpers/pg.js'
import { openStore } from './open-store.js'
import type { NewActivity, Store, StoreEngine } from './store.js'
import type { PrivacyVault } from '../services/privacy/privacy-vault.js'

/** Every migration, in order; both engines have the same names. */
const MIGRATION_NAMES = ['0001-init', '0002-settings', '0003-directory', '0004-privacy', '0005-privacy-permissions', '0006-siem', '0007-connectors', '0008-portal']

const GOVERNANCE_KEY = randomBytes(32)
const REVEAL: Disclosure = { includePrivate: true, justification: 'contract test reveal' }
const HOUR = 3_600_000

const engines = selectedStores()
const pgAvailable = engines.includes('postgres') ? await postgresReachable() : false

/** A store on a fresh database, plus a side door for inspecting and tampering with it. */
interface Harness {
  readonly store: Store
  readonly url: string
  /** Run SQL outside the store (a separate connection). */
  exec(text: string): Promise<Array<Record<string, unknown>>>
  close(): Promise<void>
}

async function openHarness(engine: StoreEngine): Promise<Harness> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'veil-store-'))
    const file = join(dir, 'nested', 'veil.db')
    const url = `sqlite:${file}`
    const store = await openStore({ url, governanceKey: GOVERNANCE_KEY })
    await store.migrate().catch(async (error: unknown) => {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
      throw error
    })
    let side: BetterSqlite3.Database | null = null
    return {
      store,
      url,
      exec: async (text) => {
        side ??= new BetterSqlite3(file)
        const statement = side.prepare(text)
        if (statement.reader) {
          return statement.all() as Array<Record<string, unknown>>
        }
        statement.run()
        return []
      },
      close: async () => {
        await store.close()
        side?.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
  const database = await createTestDatabase()
  const store = await openStore({ url: database.url, governanceKey: GOVERNANCE_KEY })
  await store.migrate()
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  return {
    store,
    url: database.url,
    exec: async (text) => (await client.query<Record<string, unknown>>(text)).rows,
    close: async () => {
      await store.close()
      await client.end()
      await database.drop()
    },
  }
}

function query(overrides: Partial<ActivityQuery> = {}): ActivityQuery {
  return {
    conditions: [],
    sort: { field: 'time', direction: 'desc' },
    limit: 1_000,
    skip: 0,
    after: null,
    countLimit: 100_000,
    ...overrides,
  }
}

async function listIds(store: Store, q: ActivityQuery, disclosure: Disclosure = HIDE_PRIVATE): Promise<string[]> {
  const page = await store.activities.list(q, disclosure)
  return page.items.map(storedId)
}

function draft(overrides: Partial<GovernanceDraft> = {}): GovernanceDraft {
  return {
    action: 'account.create',
    target: 'ann@example.com',
    initiator: 'cli',
    app: 'Veil',
    ip: null,
    status: 'succeeded',
    justification: null,
    details: { roles: ['global_admin'] },
    ...overrides,
  }
}

async function verifyChain(store: Store): Promise<ReturnType<GovernanceChainVerifier['verdict']>> {
  const verifier = new GovernanceChainVerifier(GOVERNANCE_KEY)
  for await (const record of store.governance.readChain()) {
    if (!verifier.push(record)) {
      break
    }
  }
  return verifier.verdict()
}

/** Sort activities the way the store must: by the sort column, ties by id, both in `direction`. */
function expectedOrder(activities: readonly Activity[], field: SortField, direction: SortDirection): string[] {
  const sign = direction === 'asc' ? 1 : -1
  return [...activities]
    .sort((a, b) => {
      const av = field === 'time' ? a.time : a.receivedAt
      const bv = field === 'time' ? b.time : b.receivedAt
      if (av !== bv) {
        return (av - bv) * sign
      }
      return (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * sign
    })
    .map((a) => a.id)
}

// ---------------------------------------------------------------------------------------------------
// A reference evaluator for string conditions: the oracle the SQL is checked against.

function norm(value: string | null | undefined): string | null {
  return value === null || value === undefined || value === '' ? null : value.toLowerCase()
}

const FIELD_VALUE: Readonly<Record<Exclude<StringField, 'actorGroups'>, (a: Activity) => string | null>> = {
  id: (a) => norm(a.id),
  actorUpn: (a) => norm(a.actor.upn),
  actorDomain: (a) => {
    const upn = norm(a.actor.upn)
    const at = upn?.lastIndexOf('@') ?? -1
    return upn !== null && at >= 0 && at < upn.length - 1 ? upn.slice(at + 1) : null
  },
  actorType: (a) => norm(a.actor.type),
  app: (a) => norm(a.app),
  actionType: (a) => norm(a.action.type),
  actionName: (a) => norm(a.action.name),
  ip: (a) => norm(a.ip),
  country: (a) => norm(a.location.country),
  deviceType: (a) => norm(a.device.type),
  userAgent: (a) => norm(a.device.userAgent),
  source: (a) => norm(a.source),
  result: (a) => norm(a.result),
}

function fieldValues(a: Activity, field: StringField): string[] {
  if (field === 'actorGroups') {
    return a.actorGroups.map((g) => g.toLowerCase()).filter((g) => g !== '')
  }
  const value = FIELD_VALUE[field](a)
  return value === null ? [] : [value]
}

function oracle(a: Activity, c: StringCondition): boolean {
  const values = fieldValues(a, c.field)
  switch (c.op) {
    case 'eq':
      return values.some((v) => c.values.includes(v))
    case 'neq':
      return !values.some((v) => c.values.includes(v))
    case 'contains':
      return values.some((v) => c.values.some((x) => v.includes(x)))
    case 'startswith':
      return values.some((v) => c.values.some((x) => v.startsWith(x)))
    case 'isset':
      return values.length > 0
    case 'isnotset':
      return values.length === 0
  }
}

/** A varied data set: nulls, upper case, LIKE wildcards in values, several groups, other sources. */
function filterDataset(): Activity[] {
  return [
    buildActivity({ id: 'Filter-UPPER-01', time: BASE_TIME + 1, actorGroups: ['Sales', 'EMEA'] }),
    buildActivity({
      id: 'filter-02',
      time: BASE_TIME + 2,
      app: 'GitHub',
      actor: { upn: 'Bob@Contoso.com', displayName: 'Bob Builder', type: 'user' },
      action: { type: 'repo.clone', name: 'git.clone' },
      ip: '2001:DB8::1',
      location: { country: 'US', city: 'Seattle' },
      device: { type: 'server', userAgent: 'git/2.43.0' },
      result: 'failure',
      source: 'github',
      actorGroups: ['engineering'],
    }),
    buildActivity({
      id: 'filter-03',
      time: BASE_TIME + 3,
      app: '50%_off\\sale',
      actor: { upn: null, displayName: 'Sync Service', type: 'application', sourceId: 'sp-1' },
      action: { type: 'file.download', name: 'FileDownloaded' },
      ip: null,
      location: { country: null, city: null },
      device: { type: null, userAgent: null },
      result: 'unknown',
      description: 'Downloaded 50% of the_file',
      target: { type: 'file', id: 'f-1', name: 'Budget_2024.xlsx' },
    }),
    buildActivity({
      id: 'filter-04',
      time: BASE_TIME + 4,
      app: 'Salesforce',
      actor: { upn: 'carol@example.org', displayName: 'Carol', type: 'system' },
      action: { type: 'mailbox.rule.create', name: 'New-InboxRule' },
      ip: '198.51.100.20',
      location: { country: 'FR', city: 'Paris' },
      device: { type: 'mobile', userAgent: 'Outlook-iOS/2.0' },
      source: 'o365',
      actorGroups: ['sales-emea', 'sales'],
    }),
    buildActivity({
      id: 'filter-05',
      time: BASE_TIME + 5,
      app: 'Microsoft Teams',
      actor: { upn: 'dave@example.com', displayName: 'Dave', type: 'user' },
      action: { type: 'login', name: 'UserLoginFailed' },
      ip: '203.0.113.8',
      device: { type: '', userAgent: 'Mozilla/5.0 (Windows NT 10.0)' },
      result: 'failure',
      actorGroups: ['a_b', 'a%b'],
    }),
    buildActivity({
      id: 'filter-06',
      time: BASE_TIME + 6,
      app: 'Box',
      actor: { upn: 'noat-upn', displayName: null, type: 'user' },
      action: { type: 'file.share', name: 'SHARE' },
      ip: '203.0.113.7',
      location: { country: 'de', city: 'München' },
    }),
  ]
}

/** The value lists each operator is tried with for a field, drawn from the data set plus probes. */
function probeValues(dataset: readonly Activity[], field: StringField): string[][] {
  const present = [...new Set(dataset.flatMap((a) => fieldValues(a, field)))].sort()
  const first = present[0] ?? 'x'
  const last = present.at(-1) ?? 'y'
  const middle = first.length > 2 ? first.slice(1, Math.min(first.length, 4)) : first
  return [
    [first],
    [first, last],
    ['does-not-exist'],
    [middle],
    [first.slice(0, 2)],
    // LIKE's wildcards and escape character must only ever match themselves.
    ['%'],
    ['_'],
    ['\\'],
    ['a_b'],
    ['50%'],
  ]
}

// ---------------------------------------------------------------------------------------------------

describe('openStore', () => {
  it('should reject an unknown scheme without echoing the URL', async () => {
    await expect(openStore({ url: 'mysql://root:secret@db/veil', governanceKey: GOVERNANCE_KEY })).rejects.toThrow(
      /Unsupported database URL scheme "mysql:"/,
    )
    await expect(openStore({ url: 'mysql://root:secret@db/veil', governanceKey: GOVERNANCE_KEY })).rejects.not.toThrow(/secret/)
  })

  it('should reject a bad pool size', async () => {
    await expect(openStore({ url: 'postgres://127.0.0.1/x?pool_size=0', governanceKey: GOVERNANCE_KEY })).rejects.toThrow(/pool_size/)
  })

  it('should open an in-memory SQLite store, and close it twice', async () => {
    const store = await openStore({ url: 'sqlite::memory:', governanceKey: GOVERNANCE_KEY })
    expect(store.capabilities).toEqual({ engine: 'sqlite', supportsPartitioning: false, supportsMultipleNodes: false })
    await store.migrate()
    await store.ping()
    expect(await store.activities.insert([buildPublic()])).toEqual(['inserted'])
    await store.close()
    await store.close()
  })
})

for (const engine of engines) {
  const skip = engine === 'postgres' && !pgAvailable

  describe.skipIf(skip)(`${engine}: store`, () => {
    let h: Harness

    beforeAll(async () => {
      h = await openHarness(engine)
    })
    afterAll(async () => {
      await h?.close()
    })

    it('should report its engine and answer ping', async () => {
      expect(h.store.capabilities.engine).toBe(engine)
      await h.store.ping()
    })

    it('should make a second migrate a no-op', async () => {
      const report = await h.store.migrate()
      expect(report).toEqual({ applied: [], current: MIGRATION_NAMES })
    })

    it('should apply each migration once when two stores migrate the same database', async () => {
      const fresh = engine === 'sqlite' ? null : await createTestDatabase()
      const dir = engine === 'sqlite' ? mkdtempSync(join(tmpdir(), 'veil-migrate-')) : null
      const url = fresh?.url ?? `sqlite:${join(dir ?? '', 'veil.db')}`
      const a = await openStore({ url, governanceKey: GOVERNANCE_KEY })
      const b = await openStore({ url, governanceKey: GOVERNANCE_KEY })
      try {
        // better-sqlite3 waits for a lock synchronously, so two SQLite stores in one process would block
        // each other's event loop: there the second migrates after the first (other processes wait
        // on BEGIN IMMEDIATE).
        const reports = engine === 'sqlite' ? [await a.migrate(), await b.migrate()] : await Promise.all([a.migrate(), b.migrate()])
        expect(reports.flatMap((r) => r.applied)).toEqual(MIGRATION_NAMES)
        expect(reports.map((r) => r.current)).toEqual([MIGRATION_NAMES, MIGRATION_NAMES])
      } finally {
        await a.close()
        await b.close()
        await fresh?.drop()
        if (dir) {
          rmSync(dir, { recursive: true, force: true })
        }
      }
    })
  })

  describe.skipIf(skip)(`${engine}: activities.insert`, () => {
    let h: Harness

    beforeAll(async () => {
      h = await openHarness(engine)
    })
    afterAll(async () => {
      await h?.close()
    })

    it('should insert new activities and report stored and repeated ids as duplicates, in batch order', async () => {
      const a = buildPublic()
      const b = buildPublic()
      expect(await h.store.activities.insert([a])).toEqual(['inserted'])
      const c = buildPublic()
      const outcomes = await h.store.activities.insert([b, a, c, b, c])
      expect(outcomes).toEqual(['inserted', 'duplicate', 'inserted', 'duplicate', 'duplicate'])
      const ids = [a.activity.id, b.activity.id, c.activity.id]
      const page = await h.store.activities.list(query({ conditions: [{ field: 'id', op: 'eq', values: ids }] }), HIDE_PRIVATE)
      expect(page.total).toBe(3)
    })

    it('should report a re-delivered event (same id and time) as a duplicate and keep the first', async () => {
      const first = buildPublic({ app: 'First' })
      await h.store.activities.insert([first])
      const again = asPublic({ ...first.activity, app: 'Second' })
      expect(await h.store.activities.insert([again])).toEqual(['duplicate'])
      expect(publicActivity(await h.store.activities.get(first.activity.id, HIDE_PRIVATE))?.app).toBe('First')
    })

    it('should accept an empty batch', async () => {
      expect(await h.store.activities.insert([])).toEqual([])
    })

    it('should return the whole activity, raw event included, by id', async () => {
      const activity = buildActivity({ id: 'Mixed-Case-ID', raw: { nested: { a: [1, 2] }, text: 'x' }, actorGroups: ['G1'] })
      await h.store.activities.insert([asPublic(activity)])
      expect(await h.store.activities.get('Mixed-Case-ID', HIDE_PRIVATE)).toEqual(asPublic(activity))
      expect(await h.store.activities.get('mixed-case-id', HIDE_PRIVATE)).toBeNull()
      expect(await h.store.activities.get('no-such-id', HIDE_PRIVATE)).toBeNull()
    })

    it('should list activities without their raw event', async () => {
      const activity = buildActivity({ raw: { big: 'x'.repeat(1000) } })
      await h.store.activities.insert([asPublic(activity)])
      const page = await h.store.activities.list(query({ conditions: [{ field: 'id', op: 'eq', values: [activity.id] }] }), HIDE_PRIVATE)
      expect(page.items).toEqual([asPublic({ ...activity, raw: null })])
    })

    it('should insert a large batch', async () => {
      const batch = Array.from({ length: 6_000 }, (_, i) => buildPublic({ time: BASE_TIME - i * 1000 }))
      const outcomes = await h.store.activities.insert(batch)
      expect(outcomes.every((o) => o === 'inserted')).toBe(true)
      expect((await h.store.activities.insert(batch.slice(0, 10))).every((o) => o === 'duplicate')).toBe(true)
    })
  })

  describe.skipIf(skip)(`${engine}: activities.list`, () => {
    let h: Harness
    const dataset = filterDataset()

    beforeAll(async () => {
      h = await openHarness(engine)
      await h.store.activities.insert(dataset.map(asPublic))
    })
    afterAll(async () => {
      await h?.close()
    })

    for (const field of STRING_FIELDS) {
      it(`should filter ${field} with every operator as the reference evaluator does`, async () => {
        const conditions: StringCondition[] = [
          { field, op: 'isset' },
          { field, op: 'isnotset' },
        ]
        for (const values of probeValues(dataset, field)) {
          for (const op of ['eq', 'neq', 'contains', 'startswith'] as const) {
            conditions.push({ field, op, values })
          }
        }
        for (const condition of conditions) {
          const expected = expectedOrder(
            dataset.filter((a) => oracle(a, condition)),
            'time',
            'desc',
          )
          const page = await h.store.activities.list(query({ conditions: [condition] }), HIDE_PRIVATE)
          expect({ condition, ids: page.items.map(storedId) }).toEqual({ condition, ids: expected })
          expect(page.total).toBe(expected.length)
        }
      })
    }

    it('should match a group exactly with eq, and a group prefix with startswith', async () => {
      const ids = (c: Condition) => listIds(h.store, query({ conditions: [c] }))
      expect(await ids({ field: 'actorGroups', op: 'eq', values: ['sales'] })).toEqual(['filter-04', 'Filter-UPPER-01'])
      expect(await ids({ field: 'actorGroups', op: 'eq', values: ['emea'] })).toEqual(['Filter-UPPER-01'])
      expect(await ids({ field: 'actorGroups', op: 'startswith', values: ['emea'] })).toEqual(['Filter-UPPER-01'])
      expect(await ids({ field: 'actorGroups', op: 'eq', values: ['a_b'] })).toEqual(['filter-05'])
      expect(await ids({ field: 'actorGroups', op: 'eq', values: ['axb'] })).toEqual([])
    })

    it('should treat neq as "none of" and match rows without a value', async () => {
      const ids = await listIds(h.store, query({ conditions: [{ field: 'ip', op: 'neq', values: ['203.0.113.7', '203.0.113.8'] }] }))
      expect(ids).toEqual(['filter-04', 'filter-03', 'filter-02'])
    })

    it('should AND several conditions', async () => {
      const ids = await listIds(
        h.store,
        query({
          conditions: [
            { field: 'result', op: 'eq', values: ['failure'] },
            { field: 'actorDomain', op: 'eq', values: ['example.com'] },
          ],
        }),
      )
      expect(ids).toEqual(['filter-05'])
    })

    it('should filter by inclusive time ranges on time and receivedAt', async () => {
      const ids = (c: Condition) => listIds(h.store, query({ conditions: [c], sort: { field: 'time', direction: 'asc' } }))
      expect(await ids({ field: 'time', op: 'range', gte: BASE_TIME + 2, lte: BASE_TIME + 4 })).toEqual(['filter-02', 'filter-03', 'filter-04'])
      expect(await ids({ field: 'time', op: 'range', gte: BASE_TIME + 5, lte: null })).toEqual(['filter-05', 'filter-06'])
      expect(await ids({ field: 'time', op: 'range', gte: null, lte: BASE_TIME + 1 })).toEqual(['Filter-UPPER-01'])
      expect(await ids({ field: 'receivedAt', op: 'range', gte: BASE_TIME + 1_003, lte: BASE_TIME + 1_003 })).toEqual(['filter-03'])
      expect(await ids({ field: 'time', op: 'range', gte: BASE_TIME + 7, lte: null })).toEqual([])
    })

    it('should find every search term anywhere in the visible text', async () => {
      const ids = (...terms: string[]) => listIds(h.store, query({ conditions: [{ field: 'text', op: 'search', terms }] }))
      expect(await ids('seattle')).toEqual(['filter-02'])
      expect(await ids('bob', 'git')).toEqual(['filter-02'])
      expect(await ids('bob', 'paris')).toEqual([])
      expect(await ids('budget_2024')).toEqual(['filter-03'])
      expect(await ids('50%')).toEqual(['filter-03'])
      expect(await ids('münchen')).toEqual(['filter-06'])
      expect(await ids('sync service', 'the_file')).toEqual(['filter-03'])
      expect(await ids('%')).toEqual(['filter-03'])
      expect(await ids('e_f')).toEqual(['filter-03'])
      expect(await ids('budget%2024')).toEqual([])
      expect(await ids('bud_et')).toEqual([])
    })

    it('should sort by time and by receivedAt in both directions, ties by id', async () => {
      const tied = Array.from({ length: 9 }, (_, i) =>
        buildActivity({ id: `sort-${'cabfhgdie'[i]}`, time: BASE_TIME + 100 + (i % 3), receivedAt: BASE_TIME + 200 - (i % 2) }),
      )
      await h.store.activities.insert(tied.map(asPublic))
      const only: Condition = { field: 'id', op: 'startswith', values: ['sort-'] }
      for (const field of ['time', 'receivedAt'] as const) {
        for (const direction of ['asc', 'desc'] as const) {
          const ids = await listIds(h.store, query({ conditions: [only], sort: { field, direction } }))
          expect(ids).toEqual(expectedOrder(tied, field, direction))
        }
      }
    })

    it('should bound the count at countLimit and say there are more', async () => {
      const all = query({ conditions: [{ field: 'id', op: 'startswith', values: ['filter-'] }] })
      expect(await h.store.activities.list({ ...all, countLimit: 3, limit: 2 }, HIDE_PRIVATE)).toMatchObject({
        total: 3,
        moreThanTotal: true,
        hasNext: true,
      })
      expect(await h.store.activities.list({ ...all, countLimit: 6 }, HIDE_PRIVATE)).toMatchObject({
        total: 6,
        moreThanTotal: false,
        hasNext: false,
      })
      expect(await h.store.activities.list({ ...all, countLimit: 0 }, HIDE_PRIVATE)).toMatchObject({ total: 0, moreThanTotal: true })
      const empty = await h.store.activities.list(query({ conditions: [{ field: 'app', op: 'eq', values: ['none'] }] }), HIDE_PRIVATE)
      expect(empty).toEqual({ items: [], total: 0, moreThanTotal: false, hasNext: false })
    })
  })

  describe.skipIf(skip)(`${engine}: activities paging`, () => {
    let h: Harness
    // 57 activities on 8 distinct times: many ties, so the id tie break is exercised on every page.
    const rows = Array.from({ length: 57 }, (_, i) =>
      buildActivity({
        id: `page-${randomBytes(4).toString('hex')}-${i}`,
        time: BASE_TIME + (i % 8) * 1000,
        receivedAt: BASE_TIME + ((i * 7) % 5) * 1000,
      }),
    )
    const only: Condition = { field: 'id', op: 'startswith', values: ['page-'] }

    beforeAll(async () => {
      h = await openHarness(engine)
      await h.store.activities.insert(rows.map(asPublic))
    })
    afterAll(async () => {
      await h?.close()
    })

    for (const field of ['time', 'receivedAt'] as const) {
      for (const direction of ['desc', 'asc'] as const) {
        it(`should walk every row exactly once, in order, by keyset on ${field} ${direction}`, async () => {
          const seen: string[] = []
          let after: ActivityQuery['after'] = null
          for (let pages = 0; pages < 20; pages++) {
            const page = await h.store.activities.list(query({ conditions: [only], sort: { field, direction }, limit: 7, after }), HIDE_PRIVATE)
            seen.push(...page.items.map(storedId))
            expect(page.total).toBe(57)
            const last = publicActivity(page.items.at(-1))
            if (!page.hasNext || !last) {
              break
            }
            after = { sortValue: field === 'time' ? last.time : last.receivedAt, id: last.id }
          }
          expect(seen).toEqual(expectedOrder(rows, field, direction))
        })
      }
    }

    it('should apply skip after the keyset position', async () => {
      const order = expectedOrder(rows, 'time', 'desc')
      const all = await h.store.activities.list(query({ conditions: [only] }), HIDE_PRIVATE)
      const pivot = publicActivity(all.items[10])
      if (!pivot) {
        throw new Error('expected 57 rows')
      }
      const ids = await listIds(h.store, query({ conditions: [only], limit: 5, skip: 3, after: { sortValue: pivot.time, id: pivot.id } }))
      expect(ids).toEqual(order.slice(14, 19))
      expect(await listIds(h.store, query({ conditions: [only], limit: 4, skip: 55 }))).toEqual(order.slice(55))
    })
  })

  describe.skipIf(skip)(`${engine}: private activities`, () => {
    let plain: Harness
    let mixed: Harness
    let vault: PrivacyVault
    const publicRows = Array.from({ length: 30 }, (_, i) =>
      buildPublic({
        id: `p-${String(i * 2).padStart(3, '0')}`,
        time: BASE_TIME + (i % 6) * HOUR,
        receivedAt: BASE_TIME + (i % 4) * HOUR,
        app: ['Teams', 'GitHub', 'Box'][i % 3],
        actor: { upn: ['ann@example.com', 'bob@example.com'][i % 2] },
        actorGroups: i % 5 === 0 ? ['sales'] : [],
      }),
    )
    // Private rows share times, apps and users with public ones, and their ids sort between theirs, so
    // any leak into a filter, count, order or cursor would change a public answer.
    const privateRows = Array.from({ length: 25 }, (_, i) =>
      buildActivity({
        id: `p-${String(i * 2 + 1).padStart(3, '0')}`,
        time: BASE_TIME + (i % 6) * HOUR,
        receivedAt: BASE_TIME + (i % 4) * HOUR,
        app: ['Teams', 'Secret App'][i % 2],
        actor: { upn: ['ann@example.com', 'secret@example.com'][i % 2], displayName: 'Hidden Person' },
        actorGroups: ['sales', 'private-group'],
        description: 'confidential matter',
      }),
    )
    const all = [...publicRows.map((r) => r.activity), ...privateRows]
    const reveal = (conditions: readonly Condition[]): Disclosure => ({ ...REVEAL, privateMatch: vault.privateMatch(conditions) })

    beforeAll(async () => {
      ;[plain, mixed] = await Promise.all([openHarness(engine), openHarness(engine)])
      vault = createTestVault(mixed.store)
      await plain.store.activities.insert(publicRows)
      const sealed = await Promise.all(privateRows.map((a) => vault.sealActivity(a, 'private-group')))
      const interleaved: NewActivity[] = []
      publicRows.forEach((row, i) => interleaved.push(row, ...(sealed[i] ? [sealed[i]] : [])))
      expect(await mixed.store.activities.insert(interleaved)).toEqual(interleaved.map(() => 'inserted'))
    })
    afterAll(async () => {
      await plain?.close()
      await mixed?.close()
    })

    it('should hide private activities from list, count and get unless revealing', async () => {
      const secret = privateRows[1]?.id ?? ''
      const page = await mixed.store.activities.list(query(), HIDE_PRIVATE)
      expect(page.total).toBe(30)
      expect(page.items.every((item) => !item.isPrivate)).toBe(true)
      expect(page.items.map(storedId)).not.toContain(secret)
      expect(await mixed.store.activities.get(secret, HIDE_PRIVATE)).toBeNull()
      expect(await listIds(mixed.store, query({ conditions: [{ field: 'actorUpn', op: 'eq', values: ['secret@example.com'] }] }))).toEqual([])
      expect(await listIds(mixed.store, query({ conditions: [{ field: 'text', op: 'search', terms: ['confidential'] }] }))).toEqual([])
    })

    it('should keep nothing of a private activity in its row but id, time, marker, ciphertext and blind indexes', async () => {
      const rows = await mixed.exec(`select * from activities where id = '${privateRows[0]?.id ?? ''}'`)
      expect(rows).toHaveLength(1)
      const row = rows[0] as Record<string, unknown>
      const set = Object.entries(row).filter(([, v]) => v !== null).map(([k]) => k).sort()
      expect(set).toEqual(['bi_action_type', 'bi_actor_upn', 'bi_app', 'bi_ip', 'id', 'is_private', 'sealed', 'time'])
      expect(Number(row.is_private)).toBe(1)
    })

    it('should return private activities sealed when revealing, and open them to what was stored', async () => {
      const page = await mixed.store.activities.list(query(), REVEAL)
      expect(page.total).toBe(55)
      expect(page.items.map(storedId)).toEqual(expectedOrder(all, 'time', 'desc'))
      const opened = await vault.openAll(page.items)
      const byId = new Map(opened.map((o) => [o.activity.id, o]))
      for (const activity of privateRows) {
        // List pages carry no raw event for public rows; a private row's sealed details include it.
        expect(byId.get(activity.id)).toEqual({ isPrivate: true, activity, privateBecause: 'private-group' })
      }
      const secret = privateRows[1] as Activity
      const got = await mixed.store.activities.get(secret.id, REVEAL)
      expect(got?.isPrivate).toBe(true)
      expect(got ? await vault.open(got) : null).toEqual({ isPrivate: true, activity: secret, privateBecause: 'private-group' })
    })

    it('should match private activities by time and by eq on user, IP, app and action type through blind indexes', async () => {
      const expectIds = async (conditions: Condition[], expected: readonly Activity[], sort: ActivityQuery['sort'] = { field: 'time', direction: 'desc' }) => {
        expect(await listIds(mixed.store, query({ conditions, sort }), reveal(conditions))).toEqual(expectedOrder(expected, sort.field, sort.direction))
      }
      const secretUser: Condition[] = [{ field: 'actorUpn', op: 'eq', values: ['secret@example.com'] }]
      await expectIds(secretUser, privateRows.filter((a) => a.actor.upn === 'secret@example.com'))
      await expectIds([{ field: 'actorUpn', op: 'eq', values: ['ann@example.com'] }], all.filter((a) => a.actor.upn === 'ann@example.com'))
      await expectIds([{ field: 'app', op: 'eq', values: ['secret app', 'box'] }], all.filter((a) => ['Secret App', 'Box'].includes(a.app)))
      const window: Condition[] = [
        { field: 'time', op: 'range', gte: BASE_TIME + HOUR, lte: BASE_TIME + 2 * HOUR },
        { field: 'ip', op: 'eq', values: ['203.0.113.7'] },
        { field: 'actionType', op: 'eq', values: ['login'] },
      ]
      await expectIds(window, all.filter((a) => a.time >= BASE_TIME + HOUR && a.time <= BASE_TIME + 2 * HOUR), { field: 'time', direction: 'asc' })
      // Without blind indexes of the values, eq reaches no private activity.
      expect(await listIds(mixed.store, query({ conditions: secretUser }), REVEAL)).toEqual([])
      // Any other condition, or a sort by receivedAt, and only public activities match.
      const publicOnly = publicRows.map((r) => r.activity)
      await expectIds([{ field: 'app', op: 'contains', values: ['secret'] }], [])
      await expectIds([{ field: 'text', op: 'search', terms: ['bob@'] }], publicOnly.filter((a) => a.actor.upn === 'bob@example.com'))
      await expectIds([{ field: 'actorUpn', op: 'neq', values: ['bob@example.com'] }], publicOnly.filter((a) => a.actor.upn !== 'bob@example.com'))
      await expectIds([], publicOnly, { field: 'receivedAt', direction: 'desc' })
      await expectIds([{ field: 'receivedAt', op: 'range', gte: BASE_TIME, lte: null }], publicOnly)
    })

    it('should page a revealing query by keyset through public and private rows alike, with exact counts', async () => {
      for (const direction of ['desc', 'asc'] as const) {
        const seen: string[] = []
        let after: ActivityQuery['after'] = null
        for (let pages = 0; pages < 20; pages++) {
          const page = await mixed.store.activities.list(query({ sort: { field: 'time', direction }, limit: 7, after }), REVEAL)
          expect(page.total).toBe(55)
          seen.push(...page.items.map(storedId))
          const last = page.items.at(-1)
          if (!page.hasNext || !last) {
            break
          }
          after = { sortValue: last.isPrivate ? last.time : last.activity.time, id: storedId(last) }
        }
        expect(seen).toEqual(expectedOrder(all, 'time', direction))
      }
      expect(await mixed.store.activities.list(query({ countLimit: 40, limit: 5, skip: 3 }), REVEAL)).toMatchObject({ total: 40, moreThanTotal: true, hasNext: true })
    })

    it('should answer every non-revealing query exactly as a store without the private activities', async () => {
      const upns = ['ann@example.com', 'bob@example.com', 'secret@example.com']
      const apps = ['teams', 'github', 'box', 'secret app']
      const ids = all.map((a) => a.id)
      const times = Array.from({ length: 7 }, (_, i) => BASE_TIME + i * HOUR)
      const ops = <Op extends string>(...names: Op[]) => fc.constantFrom(...names)
      const someOf = (values: string[]) => fc.subarray(values, { minLength: 1 })
      const condition: fc.Arbitrary<Condition> = fc.oneof(
        fc.record({ field: fc.constant('actorUpn' as const), op: ops('eq', 'neq'), values: someOf(upns) }),
        fc.record({ field: fc.constant('app' as const), op: ops('eq', 'neq', 'contains', 'startswith'), values: someOf(apps) }),
        fc.record({ field: fc.constant('actorGroups' as const), op: ops('eq', 'neq'), values: someOf(['sales', 'private-group']) }),
        fc.record({ field: fc.constant('actorGroups' as const), op: ops('isset', 'isnotset') }),
        fc.record({
          field: fc.constant('text' as const),
          op: fc.constant('search' as const),
          terms: someOf(['hidden', 'ann', 'teams', 'confidential', 'example']),
        }),
        fc.record({
          field: ops('time', 'receivedAt'),
          op: fc.constant('range' as const),
          gte: fc.option(fc.constantFrom(...times), { nil: null }),
          lte: fc.option(fc.constantFrom(...times), { nil: null }),
        }),
      )
      const activityQuery: fc.Arbitrary<ActivityQuery> = fc.record({
        conditions: fc.array(condition, { maxLength: 3 }),
        sort: fc.record({ field: ops('time', 'receivedAt'), direction: ops('asc', 'desc') }),
        limit: fc.integer({ min: 1, max: 12 }),
        skip: fc.integer({ min: 0, max: 6 }),
        // Positions may name private ids and times: a cursor must not reveal whether they exist.
        after: fc.option(fc.record({ sortValue: fc.constantFrom(...times), id: fc.constantFrom(...ids) }), { nil: null }),
        countLimit: fc.integer({ min: 0, max: 40 }),
      })
      await fc.assert(
        fc.asyncProperty(activityQuery, async (q) => {
          const [expected, actual] = await Promise.all([
            plain.store.activities.list(q, HIDE_PRIVATE),
            mixed.store.activities.list(q, HIDE_PRIVATE),
          ])
          expect(JSON.stringify(actual)).toBe(JSON.stringify(expected))
        }),
        { numRuns: 150 },
      )
      for (const id of ids) {
        expect(await mixed.store.activities.get(id, HIDE_PRIVATE)).toEqual(await plain.store.activities.get(id, HIDE_PRIVATE))
      }
    })
  })

  describe.skipIf(skip)(`${engine}: accounts, tokens and sessions`, () => {
    let h: Harness

    beforeAll(async () => {
      h = await openHarness(engine)
    })
    afterAll(async () => {
      await h?.close()
    })

    it('should create, get, list and update accounts by lower-cased UPN', async () => {
      const created = await h.store.accounts.create({
        upn: 'Ann@Example.com',
        displayName: 'Ann',
        roles: ['global_admin'],
        passwordHash: 'scrypt$hash',
        createdAt: 1_000,
      })
      expect(created).toEqual({
        upn: 'ann@example.com',
        displayName: 'Ann',
        roles: ['global_admin'],
        passwordHash: 'scrypt$hash',
        disabled: false,
        createdAt: 1_000,
        updatedAt: 1_000,
      })
      await h.store.accounts.create({ upn: 'bob@example.com', displayName: null, roles: [], passwordHash: null, createdAt: 2_000 })
      expect(await h.store.accounts.get('ANN@example.com')).toEqual(created)
      expect((await h.store.accounts.list()).map((a) => a.upn)).toEqual(['ann@example.com', 'bob@example.com'])

      const updated = await h.store.accounts.update('ann@example.com', {
        roles: ['security_reader', 'compliance_admin'],
        disabled: true,
        updatedAt: 3_000,
      })
      expect(updated).toEqual({ ...created, roles: ['security_reader', 'compliance_admin'], disabled: true, updatedAt: 3_000 })
      const cleared = await h.store.accounts.update('ann@example.com', {
        displayName: null,
        passwordHash: null,
        disabled: false,
        updatedAt: 4_000,
      })
      expect(cleared).toEqual({
        ...created,
        roles: ['security_reader', 'compliance_admin'],
        displayName: null,
        passwordHash: null,
        updatedAt: 4_000,
      })
      expect(await h.store.accounts.update('nobody@example.com', { updatedAt: 1 })).toBeNull()
      expect(await h.store.accounts.get('nobody@example.com')).toBeNull()
    })

    it('should refuse a second account with the same UPN with a ConflictError', async () => {
      await h.store.accounts.create({ upn: 'carol@example.com', displayName: null, roles: [], passwordHash: null, createdAt: 1 })
      await expect(
        h.store.accounts.create({ upn: 'CAROL@example.com', displayName: 'x', roles: [], passwordHash: null, createdAt: 2 }),
      ).rejects.toBeInstanceOf(ConflictError)
      // Inside a transaction the conflict must not poison the transaction (PostgreSQL aborts on errors).
      const after = await h.store.transaction(async (tx) => {
        await tx.accounts.create({ upn: 'carol@example.com', displayName: null, roles: [], passwordHash: null, createdAt: 3 }).catch(() => null)
        return tx.accounts.get('carol@example.com')
      })
      expect(after?.createdAt).toBe(1)
    })

    it('should create, get, list, revoke and touch tokens', async () => {
      const base = { upn: 'ann@example.com', secretHash: 'ab'.repeat(32), expiresAt: null }
      const t1 = await h.store.tokens.create({ ...base, id: 'tok_1', name: 'first', createdAt: 10 })
      const t2 = await h.store.tokens.create({ ...base, id: 'tok_2', name: 'second', createdAt: 20, expiresAt: 99_999 })
      await h.store.tokens.create({ ...base, id: 'tok_3', upn: 'bob@example.com', name: 'bob', createdAt: 15 })
      expect(t1).toEqual({ ...base, id: 'tok_1', name: 'first', createdAt: 10, revokedAt: null, lastUsedAt: null })
      expect(await h.store.tokens.get('tok_2')).toEqual(t2)
      expect(await h.store.tokens.get('tok_none')).toBeNull()
      expect((await h.store.tokens.list()).map((t) => t.id)).toEqual(['tok_2', 'tok_3', 'tok_1'])
      expect((await h.store.tokens.list('Ann@example.com')).map((t) => t.id)).toEqual(['tok_2', 'tok_1'])

      expect(await h.store.tokens.revoke('tok_1', 50)).toEqual({ ...t1, revokedAt: 50 })
      expect((await h.store.tokens.revoke('tok_1', 60))?.revokedAt).toBe(50)
      expect(await h.store.tokens.revoke('tok_none', 60)).toBeNull()

      await h.store.tokens.touch('tok_2', 100)
      await h.store.tokens.touch('tok_2', 90)
      await h.store.tokens.touch('tok_none', 90)
      expect((await h.store.tokens.get('tok_2'))?.lastUsedAt).toBe(100)
    })

    it('should create, get and delete sessions', async () => {
      const session = { idHash: 'h1', upn: 'ann@example.com', csrfToken: 'c1', createdAt: 1, expiresAt: 100 }
      await h.store.sessions.create(session)
      await h.store.sessions.create({ ...session, idHash: 'h2', expiresAt: 200 })
      await h.store.sessions.create({ ...session, idHash: 'h3', upn: 'bob@example.com', expiresAt: 300 })
      await h.store.sessions.create({ ...session, idHash: 'h4', upn: 'bob@example.com', expiresAt: 50 })
      expect(await h.store.sessions.get('h1')).toEqual(session)
      await h.store.sessions.delete('h1')
      expect(await h.store.sessions.get('h1')).toBeNull()
      expect(await h.store.sessions.deleteExpired(100)).toBe(1)
      expect(await h.store.sessions.deleteFor('ANN@example.com')).toBe(1)
      expect(await h.store.sessions.get('h3')).not.toBeNull()
      expect(await h.store.sessions.deleteFor('nobody@example.com')).toBe(0)
    })
  })

  describe.skipIf(skip)(`${engine}: governance`, () => {
    let h: Harness

    beforeAll(async () => {
      h = await openHarness(engine)
    })
    afterAll(async () => {
      await h?.close()
    })

    it('should append sealed records and list them newest first with filters', async () => {
      const first = await h.store.governance.append(draft(), 1_000)
      expect(first).toMatchObject({ seq: 1, time: 1_000, prevHash: '0'.repeat(64) })
      const second = await h.store.governance.append(
        draft({
          action: 'activities.reveal',
          initiator: 'ann@example.com',
          ip: '203.0.113.1',
          justification: 'Incident 42',
          details: { count: 3, when: undefined },
        }),
        2_000,
      )
      expect(second).toMatchObject({ seq: 2, prevHash: first.hash, details: { count: 3 } })
      await h.store.governance.append(draft({ action: 'token.create', status: 'failed' }), 3_000)

      expect((await h.store.governance.list({ limit: 10 })).map((r) => r.seq)).toEqual([3, 2, 1])
      expect((await h.store.governance.list({ limit: 1, beforeSeq: 3 })).map((r) => r.seq)).toEqual([2])
      expect(await h.store.governance.list({ limit: 10, action: 'activities.reveal' })).toEqual([second])
      expect((await h.store.governance.list({ limit: 10, initiator: 'cli' })).map((r) => r.seq)).toEqual([3, 1])
      expect(await verifyChain(h.store)).toMatchObject({ ok: true, count: 3 })
    })

    it('should keep the chain gap-free under 50 concurrent appends', async () => {
      const before = (await h.store.governance.list({ limit: 1 }))[0]?.seq ?? 0
      const records = await Promise.all(Array.from({ length: 50 }, (_, i) => h.store.governance.append(draft({ target: `t${i}` }), 10_000 + i)))
      expect(records.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => before + i + 1))
      expect(await verifyChain(h.store)).toMatchObject({ ok: true, count: before + 50 })
    })

    it('should roll back a change and its governance record together', async () => {
      const head = (await h.store.governance.list({ limit: 1 }))[0]
      await expect(
        h.store.transaction(async (tx) => {
          await tx.accounts.create({ upn: 'rolled@example.com', displayName: null, roles: [], passwordHash: null, createdAt: 1 })
          await tx.governance.append(draft({ target: 'rolled@example.com' }), 20_000)
          throw new Error('fail after the record')
        }),
      ).rejects.toThrow('fail after the record')
      expect(await h.store.accounts.get('rolled@example.com')).toBeNull()
      expect((await h.store.governance.list({ limit: 1 }))[0]).toEqual(head)

      const committed = await h.store.transaction(async (tx) => {
        await tx.accounts.create({ upn: 'kept@example.com', displayName: null, roles: [], passwordHash: null, createdAt: 1 })
        return tx.governance.append(draft({ target: 'kept@example.com' }), 20_001)
      })
      expect(committed.seq).toBe((head?.seq ?? 0) + 1)
      expect(await h.store.accounts.get('kept@example.com')).not.toBeNull()
    })

    it('should stream a chain longer than one chunk, oldest first', async () => {
      const before = (await h.store.governance.list({ limit: 1 }))[0]?.seq ?? 0
      await h.store.transaction(async (tx) => {
        for (let i = 0; i < 1_005; i++) {
          await tx.governance.append(draft({ target: `bulk${i}` }), 30_000 + i)
        }
      })
      const seqs: number[] = []
      for await (const record of h.store.governance.readChain()) {
        seqs.push(record.seq)
      }
      expect(seqs).toEqual(Array.from({ length: before + 1_005 }, (_, i) => i + 1))
      expect(await verifyChain(h.store)).toMatchObject({ ok: true, count: before + 1_005 })
    })

    it('should refuse to update or delete governance records', async () => {
      await expect(h.exec(`update governance set target = 'x' where seq = 1`)).rejects.toThrow(/append-only/)
      await expect(h.exec(`delete from governance where seq = 1`)).rejects.toThrow(/append-only/)
    })

    it('should let the verifier find a record edited behind the triggers', async () => {
      // How a test (or an attacker with owner rights) gets past the append-only triggers.
      if (engine === 'postgres') {
        await h.exec('alter table governance disable trigger user')
      } else {
        await h.exec('drop trigger governance_no_update')
      }
      await h.exec(`update governance set target = 'someone-else' where seq = 2`)
      expect(await verifyChain(h.store)).toMatchObject({ ok: false, verifiedUpTo: 1, broken: { seq: 2, reason: 'content_changed' } })
    })
  })
}

describe.skipIf(!engines.includes('sqlite'))('sqlite: activities.insert while a transaction is open', () => {
  it('should wait for the transaction and not become part of it', async () => {
    const store = await openStore({ url: 'sqlite::memory:', governanceKey: GOVERNANCE_KEY })
    await store.migrate()
    try {
      let began!: () => void
      let release!: () => void
      const begun = new Promise<void>((resolve) => (began = resolve))
      const gate = new Promise<void>((resolve) => (release = resolve))
      const transaction = store.transaction(async (tx) => {
        await tx.accounts.create({ upn: 'tx@example.com', displayName: null, roles: [], passwordHash: null, createdAt: 1 })
        began()
        await gate
        throw new Error('roll back')
      })
      const settled = transaction.catch((error: unknown) => error)
      await begun

      const activity = buildPublic()
      let insertDone = false
      const insert = store.activities.insert([activity]).then((outcomes) => {
        insertDone = true
        return outcomes
      })
      await new Promise((resolve) => setTimeout(resolve, 30))
      expect(insertDone).toBe(false)

      release()
      expect(await settled).toBeInstanceOf(Error)
      expect(await insert).toEqual(['inserted'])
      // The rollback took the account but not the insert: the insert ran after, on its own.
      expect(await store.accounts.get('tx@example.com')).toBeNull()
      expect(await store.activities.get(activity.activity.id, HIDE_PRIVATE)).not.toBeNull()
    } finally {
      await store.close()
    }
  })
})

describe.skipIf(!engines.includes('postgres') || !pgAvailable)('postgres: activity partitions', () => {
  let h: Harness

  beforeAll(async () => {
    h = await openHarness('postgres')
  })
  afterAll(async () => {
    await h?.close()
  })

  it('should create a partition per month on demand and put each row in its month', async () => {
    const times = [Date.UTC(2023, 0, 31, 23, 59, 59, 999), Date.UTC(2023, 1, 1), Date.UTC(2023, 2, 15), Date.UTC(2024, 11, 31, 12)]
    const batch = times.map((time, i) => buildPublic({ id: `part-${i}`, time }))
    expect(await h.store.activities.insert(batch)).toEqual(['inserted', 'inserted', 'inserted', 'inserted'])
    const placed = await h.exec(`select id, tableoid::regclass::text as partition from activities where id like 'part-%' order by id`)
    expect(placed).toEqual([
      { id: 'part-0', partition: 'activities_p2023_01' },
      { id: 'part-1', partition: 'activities_p2023_02' },
      { id: 'part-2', partition: 'activities_p2023_03' },
      { id: 'part-3', partition: 'activities_p2024_12' },
    ])
    const indexes = await h.exec(`select indexname from pg_indexes where tablename = 'activities_p2023_02' order by indexname`)
    // The key, (time, id) for public and for private rows, the four (column, time) filter indexes, the
    // four partial blind-index indexes, and the SIEM feed's (tx_id, id).
    expect(indexes).toHaveLength(12)
  })

  it('should create the same new month from two nodes at once', async () => {
    const other = await openStore({ url: h.url, governanceKey: GOVERNANCE_KEY })
    try {
      const time = Date.UTC(2022, 5, 10)
      const a = buildPublic({ time })
      const b = buildPublic({ time: time + 1 })
      const [ra, rb] = await Promise.all([h.store.activities.insert([a, b]), other.activities.insert([b, a])])
      expect([...ra, ...rb].filter((o) => o === 'inserted')).toHaveLength(2)
      expect(await h.exec(`select count(*)::int as n from activities_p2022_06`)).toEqual([{ n: 2 }])

      // Many new months at once from both nodes: whichever creates a month first, the other goes on.
      for (const year of [2017, 2018, 2019]) {
        const months = Array.from({ length: 12 }, (_, m) => buildPublic({ time: Date.UTC(year, m, 15) }))
        const both = await Promise.all([h.store.activities.insert(months), other.activities.insert([...months].reverse())])
        expect(both.flat().filter((o) => o === 'inserted')).toHaveLength(12)
      }

      // The same rows reaching both nodes in opposite orders must not deadlock.
      for (let round = 0; round < 5; round++) {
        const rows = Array.from({ length: 300 }, (_, i) => buildPublic({ time: time + 10_000 + round * 1_000 + i }))
        const outcomes = await Promise.all([h.store.activities.insert(rows), other.activities.insert([...rows].reverse())])
        expect(outcomes.flat().filter((o) => o === 'inserted')).toHaveLength(300)
      }
    } finally {
      await other.close()
    }
  })

  it('should recreate a partition dropped behind its back', async () => {
    const time = Date.UTC(2021, 3, 5)
    await h.store.activities.insert([buildPublic({ time })])
    await h.exec('drop table activities_p2021_04')
    const again = buildPublic({ time })
    expect(await h.store.activities.insert([again])).toEqual(['inserted'])
    expect(await h.store.activities.get(again.activity.id, HIDE_PRIVATE)).not.toBeNull()
  })

  it('should keep two deliveries of one id with different times as two rows (the key is id and time)', async () => {
    const first = buildPublic({ time: Date.UTC(2023, 0, 5) })
    const moved = { ...first, activity: { ...first.activity, time: Date.UTC(2023, 2, 5) } }
    expect(await h.store.activities.insert([first])).toEqual(['inserted'])
    expect(await h.store.activities.insert([moved])).toEqual(['inserted'])
    expect(publicActivity(await h.store.activities.get(first.activity.id, HIDE_PRIVATE))?.time).toBe(Date.UTC(2023, 2, 5))
  })
})
