/**
 * The cache stays correct after every kind of change: on the node that made it at once, and on a second
 * node (a second store and cache on the same database: PostgreSQL, or the same SQLite file as a CLI
 * import next to a server) after `refresh()`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, postgresReachable, selectedStores } from '../../../test/helpers/pg.js'
import { TEST_GOVERNANCE_KEY } from '../../../test/helpers/test-store.js'
import { deriveSecrets } from '../../config/secrets.js'
import type { Actor } from '../../core/activity/activity.js'
import { openStore } from '../../storage/open-store.js'
import type { Store } from '../../storage/store.js'
import { CLI_INITIATOR } from '../service-context.js'
import { DirectoryCache } from './directory-cache.js'
import type { DirectoryService, ImportRow } from './directory-service.js'
import { KyselyDirectoryService } from './directory-service-impl.js'

const T0 = Date.UTC(2026, 10, 1)
const HOUR = 3_600_000
const me = CLI_INITIATOR

const byUpn = (upn: string): Actor => ({ upn, displayName: null, sourceId: null, type: 'user' })
const bySource = (sourceId: string): Actor => ({ upn: null, displayName: null, sourceId, type: 'user' })
const rows = (...pairs: Array<[string, string]>): ImportRow[] => pairs.map(([group, upn], i) => ({ row: i + 1, group, upn }))

const dir = mkdtempSync(join(tmpdir(), 'veil-cache-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

for (const engine of selectedStores()) {
  describe(`${engine}: directory cache on two nodes`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    let now = T0
    let mono = 0
    const stores: Store[] = []
    let drop: (() => Promise<void>) | null = null
    let a: DirectoryService
    let cacheA: DirectoryCache
    let b: DirectoryService
    let cacheB: DirectoryCache

    beforeAll(async () => {
      if (!runs) {
        return
      }
      const database = engine === 'postgres' ? await createTestDatabase() : null
      drop = database?.drop ?? null
      const url = database?.url ?? `sqlite:${join(dir, 'shared.db')}`
      for (let i = 0; i < 2; i++) {
        const store = await openStore({ url, governanceKey: TEST_GOVERNANCE_KEY })
        await store.migrate()
        stores.push(store)
      }
      const secrets = deriveSecrets(Buffer.alloc(32, 2))
      cacheA = new DirectoryCache(stores[0]!.directory)
      cacheB = new DirectoryCache(stores[1]!.directory, { now: () => mono })
      await Promise.all([cacheA.load(), cacheB.load()])
      a = new KyselyDirectoryService({ store: stores[0]!, clock: () => now, secrets }, { cache: cacheA })
      b = new KyselyDirectoryService({ store: stores[1]!, clock: () => now, secrets }, { cache: cacheB })
    })
    afterAll(async () => {
      for (const store of stores) {
        await store.close()
      }
      await drop?.()
    })
    if (!runs) {
      it.skip(`${engine} unreachable`, () => undefined)
      return
    }

    /** Both nodes answer the same: A at once, B after one refresh. */
    async function expectBoth(actor: Actor, time: number, groups: string[]): Promise<void> {
      expect([...cacheA.groupsOf(actor, time)].sort(), `node A ${JSON.stringify(actor)} at ${time - T0}`).toEqual(groups)
      mono += 1_000
      await cacheB.refresh()
      expect([...cacheB.groupsOf(actor, time)].sort(), `node B ${JSON.stringify(actor)} at ${time - T0}`).toEqual(groups)
    }

    it('should match by UPN, email alias and external id, case-insensitively, after an add on either node', async () => {
      const u = await a.createUser(me, { upn: 'pat@two.example', emails: ['P.Smith@two.example'], externalId: 'AAD-PAT' })
      const g = await a.createGroup(me, { displayName: 'HR', id: 'hr' })
      await a.addMembers(me, g.id, [u.id])
      for (const actor of [byUpn('pat@two.example'), byUpn('PAT@Two.Example'), byUpn('p.smith@two.example'), bySource('aad-pat'), bySource('AAD-PAT')]) {
        await expectBoth(actor, now, ['hr'])
      }
      await expectBoth(byUpn('stranger@two.example'), now, [])
      expect(cacheA.matchUser(byUpn('P.SMITH@two.example'))).toBe(u.id)
      expect(cacheB.matchUser(bySource('aad-pat'))).toBe(u.id)
      expect(cacheB.matchUser(byUpn('stranger@two.example'))).toBeNull()
      // A change made on B reaches A through A's refresh.
      await b.createGroup(me, { displayName: 'Works council', id: 'council', memberIds: [u.id] })
      await cacheA.refresh({ force: true })
      expect([...cacheA.groupsOf(byUpn('pat@two.example'), now)].sort()).toEqual(['council', 'hr'])
    })

    it('should follow a removal, with the past still answered', async () => {
      const u = await a.findUser('pat@two.example')
      now = T0 + HOUR
      await b.removeMembers(me, 'council', [u!.id])
      await cacheA.refresh({ force: true })
      await expectBoth(byUpn('pat@two.example'), T0 + HOUR, ['hr'])
      await expectBoth(byUpn('pat@two.example'), T0 + HOUR - 1, ['council', 'hr'])
    })

    it('should follow imports, delta and full', async () => {
      now = T0 + 2 * HOUR
      await a.importMemberships(me, rows(['Legal', 'lee@two.example'], ['Legal', 'pat@two.example']), { mode: 'delta', atomic: false })
      await expectBoth(byUpn('lee@two.example'), now, ['legal'])
      await expectBoth(byUpn('pat@two.example'), now, ['hr', 'legal'])
      now = T0 + 3 * HOUR
      await a.importMemberships(me, rows(['Legal', 'lee@two.example']), { mode: 'full', atomic: false })
      await expectBoth(byUpn('pat@two.example'), now, ['hr'])
      await expectBoth(byUpn('pat@two.example'), now - 1, ['hr', 'legal'])
    })

    it('should follow a renamed UPN: the new one matches, the old one only for the time before', async () => {
      const u = await a.findUser('lee@two.example')
      now = T0 + 4 * HOUR
      await a.updateUser(me, u!.id, { upn: 'lee.new@two.example' })
      await expectBoth(byUpn('lee.new@two.example'), now, ['legal'])
      await expectBoth(byUpn('lee@two.example'), now, [])
      await expectBoth(byUpn('lee@two.example'), now - 1, ['legal'])
    })

    it('should follow a deleted user and a deleted group', async () => {
      const pat = await a.findUser('pat@two.example')
      now = T0 + 5 * HOUR
      await b.deleteUser(me, pat!.id)
      await cacheA.refresh({ force: true })
      await expectBoth(byUpn('pat@two.example'), now, [])
      await expectBoth(bySource('aad-pat'), now, [])
      await expectBoth(byUpn('pat@two.example'), now - 1, ['hr'])
      expect(cacheB.matchUser(byUpn('pat@two.example'))).toBeNull()
      now = T0 + 6 * HOUR
      await a.deleteGroup(me, 'legal')
      await expectBoth(byUpn('lee.new@two.example'), now, [])
      await expectBoth(byUpn('lee.new@two.example'), now - 1, ['legal'])
    })

    it('should query at most once per interval unless forced or invalidated, and reload only changed users', async () => {
      mono += 1_000
      await cacheB.refresh()
      const before = cacheB.stats()
      mono += 100
      await cacheB.refresh()
      expect(cacheB.stats().refreshes).toBe(before.refreshes)
      await cacheB.refresh({ force: true })
      expect(cacheB.stats()).toMatchObject({ refreshes: before.refreshes + 1, usersReloaded: before.usersReloaded, fullLoads: before.fullLoads })
      cacheB.invalidate()
      await cacheB.refresh()
      expect(cacheB.stats().refreshes).toBe(before.refreshes + 2)
      now = T0 + 7 * HOUR
      await a.importMemberships(me, rows(['Solo', 'solo@two.example']), { mode: 'delta', atomic: false })
      mono += 1_000
      await cacheB.refresh()
      expect(cacheB.stats()).toMatchObject({ usersReloaded: before.usersReloaded + 1, fullLoads: before.fullLoads })
      expect(cacheB.stats().users).toBe(cacheA.stats().users)
    })

    // PostgreSQL only: two SQLite connections in one process cannot wait for each other's write lock
    // (better-sqlite3 waits synchronously, blocking the thread the other needs to commit); two processes can.
    const multiNode = engine === 'postgres' ? it : it.skip
    multiNode('should end equal to the database after concurrent writes on both nodes while refreshing', async () => {
      now = T0 + 8 * HOUR
      const users = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).createUser(me, { upn: `c${i}@busy.example` })))
      const groups = await Promise.all(['x', 'y', 'z'].map((id) => a.createGroup(me, { displayName: `Busy ${id}`, id: `busy-${id}` })))
      let refreshing = true
      const refresher = (async () => {
        while (refreshing) {
          mono += 1_000
          await cacheB.refresh()
        }
      })()
      await Promise.all(
        users.flatMap((u, i) =>
          groups.map((g, j) => {
            const node = (i + j) % 2 === 0 ? a : b
            return (i + j) % 3 === 0 ? node.addMembers(me, g.id, [u.id]).then(() => node.removeMembers(me, g.id, [u.id])) : node.addMembers(me, g.id, [u.id])
          }),
        ),
      )
      refreshing = false
      await refresher
      mono += 1_000
      await cacheB.refresh()
      await cacheA.refresh({ force: true })
      for (const u of users) {
        const expected = [...(await a.groupsOf(u.id, now))].sort()
        expect([...cacheA.groupsOf(byUpn(u.upn), now)].sort(), u.upn).toEqual(expected)
        expect([...cacheB.groupsOf(byUpn(u.upn), now)].sort(), u.upn).toEqual(expected)
      }
    })
  })
}
