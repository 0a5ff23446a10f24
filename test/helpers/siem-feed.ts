/**
 * Waiting for the SIEM feed to settle, for tests that create a destination and expect it to start
 * after everything written before.
 *
 * On PostgreSQL a new destination starts at the snapshot's xmin, and rows of transactions at or above
 * it are delivered again (at least once, never lost). While another test's transaction is open in
 * another database of the same server, that includes rows this test wrote just before. A marker row,
 * written now and read back from the feed, proves that every earlier transaction has ended.
 */
import type { Store } from '../../src/storage/store.js'
import { buildPublic, storedId } from './factories.js'

export async function waitForSettledFeed(store: Store, timeoutMs = 20_000): Promise<void> {
  const from = await store.siem.head()
  const marker = buildPublic()
  await store.activities.insert([marker])
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const read = await store.siem.readAfter(from, 10_000)
    if (read.some((item) => storedId(item.item) === marker.activity.id)) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`The SIEM feed did not settle within ${timeoutMs} ms`)
}
