/**
 * The SIEM repository on both engines: destinations, the lease and its fencing, and above all the feed
 * of new activities: public only, in order, starting at the head, never skipping a row committed late.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { Kysely, Migrator, PostgresDialect, sql } from 'kysely'

import { ConflictError } from '../../../src/core/errors.js'
import { migration0001Init } from '../../../src/storage/postgres/migrations/0001-init.js'
import { migration0002Settings } from '../../../src/storage/postgres/migrations/0002-settings.js'
import { migration0003Directory } from '../../../src/storage/postgres/migrations/0003-directory.js'
import { migration0004Privacy } from '../../../src/storage/postgres/migrations/0004-privacy.js'
import { migration0005PrivacyPermissions } from '../../../src/storage/postgres/migrations/0005-privacy-permissions.js'
import { openStore } from '../../../src/storage/open-store.js'
import type { NewSiemDestination, SiemFeedItem, SiemFeedPosition, Store } from '../../../src/storage/store.js'
import { BASE_TIME, buildActivity, buildPublic, storedId } from '../../helpers/factories.js'
import { createTestDatabase, postgresReachable, selectedStores } from '../../helpers/pg.js'
import { createTestVault } from '../../helpers/privacy.js'
import { waitForSettledFeed } from '../../helpers/siem-feed.js'
import { TEST_GOVERNANCE_KEY, describeStores } from '../../helpers/test-store.js'

let destinations = 0

function newDestination(overrides: Partial<NewSiemDestination> = {}): NewSiemDestination {
  destinations += 1
  return {
    id: `dest-${destinations}`,
    name: `SIEM ${destinations}`,
    kind: 'syslog',
    enabled: true,
    settings: { kind: 'syslog', transport: 'tcp', host: 'siem.example.com', port: 514 },
    sealedSettings: Buffer.from([1, 2, 3]),
    createdAt: BASE_TIME,
    createdBy: 'global@contoso.com',
    ...overrides,
  }
}

const ids = (items: readonly SiemFeedItem[]): string[] => items.map((i) => storedId(i.item))

/**
 * The feed after `position` once `expected` rows have settled. On PostgreSQL a row is read only when
 * every transaction that started before it has ended, on the whole server: another test's migration in
 * another database holds it back for a moment.
 */
async function settled(store: Store, position: SiemFeedPosition, expected: number, limit = 100): Promise<SiemFeedItem[]> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const read = await store.siem.readAfter(position, limit)
    if (read.length >= expected || Date.now() > deadline) {
      return read
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function insertPrivate(store: Store, upn: string): Promise<string> {
  const activity = buildActivity({ actor: { upn } })
  const sealed = await createTestVault(store).sealActivity(activity, 'hr')
  await store.activities.insert([sealed])
  return activity.id
}

describeStores('SIEM repository', (s) => {
  describe('destinations', () => {
    it('should create, list, get, update (bumping the version) and delete a destination with its state', async () => {
      const store = s.store()
      const created = await store.siem.create(newDestination({ name: 'Sentinel' }), null)
      expect(created).toMatchObject({ name: 'Sentinel', enabled: true, version: 1, settings: { host: 'siem.example.com' } })
      expect(created.sealedSettings).toEqual(Buffer.from([1, 2, 3]))
      expect((await store.siem.list()).map((d) => d.name)).toContain('Sentinel')
      const updated = await store.siem.update(created.id, { enabled: false, settings: { port: 6514 }, sealedSettings: Buffer.from([4]), updatedAt: BASE_TIME + 5 })
      expect(updated).toMatchObject({ enabled: false, version: 2, settings: { port: 6514 }, updatedAt: BASE_TIME + 5 })
      expect(await store.siem.state(created.id)).toMatchObject({ eventsSent: 0, backfill: null, leaseHolder: null })
      expect((await store.siem.delete(created.id))?.name).toBe('Sentinel')
      expect(await store.siem.get(created.id)).toBeNull()
      expect(await store.siem.state(created.id)).toBeNull()
      expect(await store.siem.update(created.id, { enabled: true, updatedAt: BASE_TIME })).toBeNull()
      expect(await store.siem.delete(created.id)).toBeNull()
    })

    it('should refuse a taken name with a ConflictError, on create and on rename, inside a transaction too', async () => {
      const store = s.store()
      const first = await store.siem.create(newDestination({ name: 'Splunk' }), null)
      await expect(store.transaction((tx) => tx.siem.create(newDestination({ name: 'Splunk' }), null))).rejects.toBeInstanceOf(ConflictError)
      const second = await store.siem.create(newDestination({ name: 'QRadar' }), null)
      await expect(store.siem.update(second.id, { name: 'Splunk', updatedAt: BASE_TIME })).rejects.toBeInstanceOf(ConflictError)
      expect((await store.siem.update(first.id, { name: 'Splunk', updatedAt: BASE_TIME }))?.version).toBe(2)
    })
  })

  describe('feed', () => {
    it('should start a new destination at the head and read only public activities recorded after it, in order', async () => {
      const store = s.store()
      await store.activities.insert([buildPublic(), buildPublic()])
      await waitForSettledFeed(store)
      const destination = await store.siem.create(newDestination(), null)
      const cursor = (await store.siem.state(destination.id))?.cursor
      expect(cursor).toBeDefined()
      expect(await store.siem.readAfter(cursor!, 100)).toEqual([])

      const a = buildPublic({ time: BASE_TIME + 3 })
      const b = buildPublic({ time: BASE_TIME - 1 })
      await store.activities.insert([a])
      const hidden = await insertPrivate(store, 'hr.anna@contoso.com')
      await store.activities.insert([b])
      const read = await settled(store, cursor!, 2)
      // Feed order is the order of recording, not of activity time.
      expect(ids(read)).toEqual([a.activity.id, b.activity.id])
      expect(ids(read)).not.toContain(hidden)
      expect(read.every((i) => !i.item.isPrivate)).toBe(true)

      // From the first item's position on, only the second; from the last, nothing.
      expect(ids(await store.siem.readAfter(read[0]!.position, 100))).toEqual([b.activity.id])
      expect(await store.siem.readAfter(read[1]!.position, 100)).toEqual([])
      expect(ids(await store.siem.readAfter(cursor!, 1))).toEqual([a.activity.id])
    })

    it('should not read an activity made private after it was recorded', async () => {
      const store = s.store()
      await waitForSettledFeed(store)
      const destination = await store.siem.create(newDestination(), null)
      const cursor = (await store.siem.state(destination.id))!.cursor
      const kept = buildPublic({ actor: { upn: 'sales.sam@contoso.com' } })
      const later = buildActivity({ actor: { upn: 'hr.ben@contoso.com' } })
      await store.activities.insert([kept, { isPrivate: false, activity: later }])
      expect(ids(await settled(store, cursor, 2))).toEqual([kept.activity.id, later.id])
      const sealed = await createTestVault(store).sealActivity(later, 'hr')
      expect(await store.activities.seal([sealed])).toEqual([later.id])
      expect(ids(await store.siem.readAfter(cursor, 100))).toEqual([kept.activity.id])
    })

    it('should back-fill by activity time up to the live cursor, oldest first, public only, in batches', async () => {
      const store = s.store()
      const from = BASE_TIME + 10 * 86_400_000
      const before = [buildPublic({ time: from + 30 }), buildPublic({ time: from + 10 }), buildPublic({ time: from - 1 }), buildPublic({ time: from + 20 })]
      await store.activities.insert(before)
      const hidden = await insertPrivate(store, 'hr.anna@contoso.com')
      await waitForSettledFeed(store)
      const destination = await store.siem.create(newDestination(), { from, to: from + 1000, requestedAt: BASE_TIME })
      const state = (await store.siem.state(destination.id))!
      expect(state.backfill).toEqual({ from, to: from + 1000, after: null, requestedAt: BASE_TIME })
      // Recorded after the destination: the live feed's, not the back-fill's.
      const live = buildPublic({ time: from + 15 })
      await store.activities.insert([live])

      const range = { from, to: from + 1000 }
      const first = await store.siem.readBackfill(range, null, state.cursor, 2)
      expect(ids(first)).toEqual([before[1]!.activity.id, before[3]!.activity.id])
      const last = first[1]!.item
      const after = { sortValue: last.isPrivate ? last.time : last.activity.time, id: storedId(last) }
      expect(ids(await store.siem.readBackfill(range, after, state.cursor, 10))).toEqual([before[0]!.activity.id])
      const all = ids(await store.siem.readBackfill(range, null, state.cursor, 10))
      expect(all).not.toContain(hidden)
      expect(all).not.toContain(live.activity.id)
      expect(ids(await settled(store, state.cursor, 1))).toEqual([live.activity.id])
    })

    it('should report the backlog after a position, counting up to a limit', async () => {
      const store = s.store()
      await waitForSettledFeed(store)
      const destination = await store.siem.create(newDestination(), null)
      const cursor = (await store.siem.state(destination.id))!.cursor
      expect(await store.siem.backlog(cursor, 10)).toEqual({ pending: 0, morePending: false, oldestPendingReceivedAt: null })
      const batch = [buildPublic({ receivedAt: BASE_TIME + 7 }), buildPublic({ receivedAt: BASE_TIME + 9 }), buildPublic({ receivedAt: BASE_TIME + 8 })]
      await store.activities.insert(batch)
      await insertPrivate(store, 'hr.anna@contoso.com')
      expect(await store.siem.backlog(cursor, 10)).toEqual({ pending: 3, morePending: false, oldestPendingReceivedAt: BASE_TIME + 7 })
      expect(await store.siem.backlog(cursor, 2)).toMatchObject({ pending: 2, morePending: true })
    })

    it('should note a retention gap only on destinations that have not received what retention removes', async () => {
      const store = s.store()
      const behind = await store.siem.create(newDestination(), null)
      const old = buildPublic({ time: BASE_TIME - 400 * 86_400_000 })
      await store.activities.insert([old])
      await waitForSettledFeed(store)
      const fresh = await store.siem.create(newDestination(), null)
      const overtaken = await store.siem.recordRetentionGaps(BASE_TIME - 180 * 86_400_000, BASE_TIME)
      expect(overtaken).toContain(behind.id)
      expect(overtaken).not.toContain(fresh.id)
      expect((await store.siem.state(behind.id))?.gap).toEqual({ droppedBefore: BASE_TIME - 180 * 86_400_000, recordedAt: BASE_TIME })
      expect((await store.siem.state(fresh.id))?.gap).toBeNull()
    })
  })

  describe('lease', () => {
    it('should let one holder at a time hold the lease, hand it over on expiry or release, and fence every write on it', async () => {
      const store = s.store()
      const { id } = await store.siem.create(newDestination(), null)
      const head = await store.siem.head()
      const delivery = { cursor: head, count: 2, lastDeliveredId: 'x', at: BASE_TIME, leaseExpiresAt: BASE_TIME + 30_000 }
      expect(await store.siem.acquireLease(id, 'node-a', BASE_TIME, 30_000)).toBe(true)
      expect(await store.siem.acquireLease(id, 'node-b', BASE_TIME + 29_999, 30_000)).toBe(false)
      expect(await store.siem.recordDelivery(id, 'node-b', delivery)).toBe(false)
      expect(await store.siem.recordFailure(id, 'node-b', 'refused', BASE_TIME)).toBe(false)
      expect(await store.siem.recordDelivery(id, 'node-a', delivery)).toBe(true)
      expect(await store.siem.acquireLease(id, 'node-a', BASE_TIME + 1, 30_000)).toBe(true)

      // Expired: node-b takes over, and node-a's writes no longer land.
      expect(await store.siem.acquireLease(id, 'node-b', BASE_TIME + 30_001, 30_000)).toBe(true)
      expect(await store.siem.recordDelivery(id, 'node-a', delivery)).toBe(false)
      expect(await store.siem.recordFailure(id, 'node-b', 'connection refused', BASE_TIME + 2)).toBe(true)
      expect(await store.siem.state(id)).toMatchObject({ leaseHolder: 'node-b', eventsSent: 2, lastDeliveredId: 'x', lastError: 'connection refused', lastErrorAt: BASE_TIME + 2 })

      await store.siem.releaseLease(id, 'node-a')
      expect((await store.siem.state(id))?.leaseHolder).toBe('node-b')
      await store.siem.releaseLease(id, 'node-b')
      expect(await store.siem.acquireLease(id, 'node-a', BASE_TIME + 30_002, 30_000)).toBe(true)
    })

    it('should apply back-fill progress only to the back-fill it belongs to', async () => {
      const store = s.store()
      const { id } = await store.siem.create(newDestination(), { from: 0, to: 10, requestedAt: 100 })
      expect(await store.siem.acquireLease(id, 'node-a', BASE_TIME, 30_000)).toBe(true)
      const progress = (requestedAt: number) => ({ backfill: { requestedAt, after: { sortValue: 5, id: 'a' } }, count: 1, lastDeliveredId: 'a', at: BASE_TIME, leaseExpiresAt: BASE_TIME + 30_000 })
      expect(await store.siem.recordDelivery(id, 'node-a', progress(100))).toBe(true)
      expect((await store.siem.state(id))?.backfill).toEqual({ from: 0, to: 10, after: { sortValue: 5, id: 'a' }, requestedAt: 100 })
      // Replaced by a new request: the old one's progress and end do not apply to it.
      expect(await store.siem.setBackfill(id, { from: 20, to: 30, requestedAt: 200 })).toBe(true)
      expect(await store.siem.recordDelivery(id, 'node-a', progress(100))).toBe(false)
      expect(await store.siem.finishBackfill(id, 'node-a', 100)).toBe(false)
      expect((await store.siem.state(id))?.backfill).toEqual({ from: 20, to: 30, after: null, requestedAt: 200 })
      expect(await store.siem.finishBackfill(id, 'node-a', 200)).toBe(true)
      expect((await store.siem.state(id))?.backfill).toBeNull()
    })
  })
})

for (const engine of selectedStores()) {
  describe(`${engine}: SIEM feed ordering`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip

    if (engine === 'postgres') {
      let database: { url: string; drop: () => Promise<void> } | null = null
      let store: Store | null = null
      beforeAll(async () => {
        if (!runs) {
          return
        }
        database = await createTestDatabase()
        store = await openStore({ url: database.url, governanceKey: TEST_GOVERNANCE_KEY })
        await store.migrate()
      })
      afterAll(async () => {
        await store?.close()
        await database?.drop()
      })

      maybe('should hold back rows committed after a transaction that is still open, and deliver both in transaction order once it commits', async () => {
        const s = store!
        const destination = await s.siem.create(newDestination(), null)
        const cursor = (await s.siem.state(destination.id))!.cursor
        const early = buildActivity({ id: 'tx-early' })
        const client = new pg.Client({ connectionString: database!.url })
        await client.connect()
        try {
          // The early transaction takes its id first, inserts, and stays open.
          await client.query('begin')
          await s.activities.insert([{ isPrivate: false, activity: buildActivity({ id: 'tx-partition-warmup' }) }])
          await client.query(`insert into activities (id, time, received_at, is_private, doc) values ($1, $2, $3, 0, $4)`, [early.id, early.time, early.receivedAt, JSON.stringify({ ...early, raw: undefined })])
          const late = buildPublic({ id: 'tx-late' })
          await s.activities.insert([late])
          // Committed, but an older transaction is still running: a cursor moved past it would skip tx-early.
          const whileOpen = ids(await settled(s, cursor, 1))
          expect(whileOpen).toEqual(['tx-partition-warmup'])
          expect(ids(await s.siem.readAfter(cursor, 100))).toEqual(['tx-partition-warmup'])
          expect((await s.siem.backlog(cursor, 100)).pending).toBe(2)
          await client.query('commit')
          const all = await settled(s, cursor, 3)
          expect(ids(all)).toEqual(['tx-partition-warmup', 'tx-early', 'tx-late'])
          const seqs = all.map((i) => BigInt(i.position.seq))
          expect(seqs[1]! < seqs[2]!).toBe(true)
        } finally {
          await client.query('rollback').catch(() => undefined)
          await client.end()
        }
      })

      maybe('should keep no transaction id on a private row, recorded private or made private later', async () => {
        const s = store!
        const client = new pg.Client({ connectionString: database!.url })
        await client.connect()
        try {
          const recorded = await insertPrivate(s, 'hr.anna@contoso.com')
          const later = buildActivity({ actor: { upn: 'hr.ben@contoso.com' } })
          await s.activities.insert([{ isPrivate: false, activity: later }])
          const txOf = async (id: string) => (await client.query<{ tx_id: string | null }>('select tx_id::text from activities where id = $1', [id])).rows[0]?.tx_id
          expect(await txOf(recorded)).toBeNull()
          expect(await txOf(later.id)).not.toBeNull()
          await s.activities.seal([await createTestVault(s).sealActivity(later, 'hr')])
          expect(await txOf(later.id)).toBeNull()
        } finally {
          await client.end()
        }
      })

      maybe('should add the transaction id to a database with activities without rewriting its partitions', async () => {
        const upgraded = await createTestDatabase()
        const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: upgraded.url, max: 1 }) }) })
        try {
          const earlier = { '0001-init': migration0001Init, '0002-settings': migration0002Settings, '0003-directory': migration0003Directory, '0004-privacy': migration0004Privacy, '0005-privacy-permissions': migration0005PrivacyPermissions }
          const { error } = await new Migrator({ db, provider: { getMigrations: () => Promise.resolve(earlier) } }).migrateToLatest()
          expect(error).toBeUndefined()
          const old = await openStore({ url: upgraded.url, governanceKey: TEST_GOVERNANCE_KEY })
          await old.activities.insert([buildPublic({ id: 'recorded-before-0006' })])
          const fileOf = async () => (await sql<{ file: string }>`select pg_relation_filenode(inhrelid)::text as file from pg_inherits where inhparent = 'activities'::regclass`.execute(db)).rows.map((r) => r.file)
          const before = await fileOf()
          expect((await old.migrate()).applied).toContain('0006-siem')
          expect(await fileOf()).toEqual(before)
          const destination = await old.siem.create(newDestination(), { from: 0, to: Date.now() + 86_400_000, requestedAt: 1 })
          const state = (await old.siem.state(destination.id))!
          await old.activities.insert([buildPublic({ id: 'recorded-after-0006' })])
          expect(ids(await settled(old, state.cursor, 1))).toEqual(['recorded-after-0006'])
          expect(ids(await old.siem.readBackfill({ from: 0, to: Date.now() + 86_400_000 }, null, state.cursor, 10))).toEqual(['recorded-before-0006'])
          await old.close()
        } finally {
          await db.destroy()
          await upgraded.drop()
        }
      })

      maybe('should treat rows from before the migration (no transaction id) as older than every destination', async () => {
        const s = store!
        const client = new pg.Client({ connectionString: database!.url })
        await client.connect()
        try {
          const legacy = buildActivity({ id: 'legacy-row', time: BASE_TIME + 1 })
          await client.query(`insert into activities (id, time, received_at, is_private, doc, tx_id) values ($1, $2, $3, 0, $4, null)`, [legacy.id, legacy.time, legacy.receivedAt, JSON.stringify(legacy)])
          const destination = await s.siem.create(newDestination(), null)
          const cursor = (await s.siem.state(destination.id))!.cursor
          expect(ids(await s.siem.readAfter({ seq: '0', id: '' }, 1000))).not.toContain('legacy-row')
          expect(ids(await s.siem.readBackfill({ from: BASE_TIME, to: BASE_TIME + 2 }, null, cursor, 1000))).toContain('legacy-row')
        } finally {
          await client.end()
        }
      })
    } else {
      maybe('should not skip a row that reuses the rowid of the cursor after the newest row was deleted', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'veil-siem-'))
        const path = join(dir, 'veil.db')
        const store = await openStore({ url: `sqlite:${path}`, governanceKey: TEST_GOVERNANCE_KEY })
        try {
          await store.migrate()
          const destination = await store.siem.create(newDestination(), null)
          const cursor = (await store.siem.state(destination.id))!.cursor
          await store.activities.insert([buildPublic({ id: 'first' }), buildPublic({ id: 'newest' })])
          const read = await store.siem.readAfter(cursor, 10)
          expect(ids(read)).toEqual(['first', 'newest'])
          const side = new BetterSqlite3(path)
          side.prepare(`delete from activities where id = 'newest'`).run()
          side.close()
          await store.activities.insert([buildPublic({ id: 'reused' })])
          const reused = await store.siem.readAfter(read[1]!.position, 10)
          expect(ids(reused)).toEqual(['reused'])
          expect(reused[0]!.position.seq).toBe(read[1]!.position.seq)
        } finally {
          await store.close()
        }
      })
    }
  })
}
