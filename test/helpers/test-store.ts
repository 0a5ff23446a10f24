/**
 * Run one suite against every selected engine with a fresh, migrated store: SQLite in memory, and a
 * fresh PostgreSQL database (skipped with a message outside CI when the server is unreachable).
 *
 * @example
 * describeStores('settings', (s) => { it('should …', async () => { await s.store().settings.get('x') }) })
 */
import { afterAll, beforeAll, describe } from 'vitest'
import { openStore } from '../../src/storage/open-store.js'
import type { Store, StoreEngine } from '../../src/storage/store.js'
import { createTestDatabase, postgresReachable, selectedStores } from './pg.js'

export const TEST_GOVERNANCE_KEY = Buffer.alloc(32, 5)

export interface StoreHandle {
  readonly engine: StoreEngine
  store(): Store
}

export function describeStores(title: string, suite: (handle: StoreHandle) => void): void {
  for (const engine of selectedStores()) {
    describe(`${engine}: ${title}`, async () => {
      const runs = engine === 'sqlite' || (await postgresReachable())
      let store: Store | null = null
      let drop: (() => Promise<void>) | null = null
      beforeAll(async () => {
        if (!runs) {
          return
        }
        const database = engine === 'postgres' ? await createTestDatabase() : null
        drop = database?.drop ?? null
        store = await openStore({ url: database?.url ?? 'sqlite::memory:', governanceKey: TEST_GOVERNANCE_KEY })
        await store.migrate()
      })
      afterAll(async () => {
        await store?.close()
        await drop?.()
      })
      if (!runs) {
        describe.skip(`${engine} unreachable`, () => undefined)
        return
      }
      suite({ engine, store: () => store as Store })
    })
  }
}
