/**
 * The forwarder across processes' lifetimes and nodes: the durable cursor survives a restart (nothing
 * is sent twice, nothing is skipped), a shutdown with a batch stuck in flight abandons it without
 * recording it, and two nodes on one database forward each activity exactly once in the steady state.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { loadConfig } from '../../../src/config/config.js'
import { deriveSecrets } from '../../../src/config/secrets.js'
import { startRuntime, type Runtime } from '../../../src/runtime.js'
import { siemDestinationCreator } from '../../../src/siem/destinations/siem-destinations.js'
import { CLI_INITIATOR } from '../../../src/services/service-context.js'
import { openStore } from '../../../src/storage/open-store.js'
import { buildPublic } from '../../helpers/factories.js'
import { createTestDatabase, postgresReachable, selectedStores } from '../../helpers/pg.js'
import { TEST_PRIVACY_KEYS } from '../../helpers/test-app.js'
import { FAST_SIEM_ENV, tcpSettings } from './forwarding-fixture.js'
import { startSyslogListener, startWebhookReceiver, waitFor } from './siem-listeners.js'

const SECRETS = deriveSecrets(Buffer.alloc(32, 3))

/** A node: a runtime on `url` whose forwarder runs. */
function startNode(url: string, env: Record<string, string> = {}): Promise<Runtime> {
  const config = loadConfig({ VEIL_DATABASE_URL: url, VEIL_LOG_LEVEL: 'silent', ...FAST_SIEM_ENV, ...env })
  return startRuntime(config, { secrets: SECRETS, privacyKeys: TEST_PRIVACY_KEYS, privacySweepMs: 0, forwardSiem: true })
}

/** Ingest `n` public activities through the node's group-commit writer (as the ingest path does). */
async function ingest(node: Runtime, n: number, prefix: string): Promise<string[]> {
  const batch = Array.from({ length: n }, (_, i) => buildPublic({ id: `${prefix}-${String(i).padStart(5, '0')}`, time: Date.now() }))
  await node.writer.write(batch)
  return batch.map((b) => b.activity.id)
}

function counts(ids: readonly string[]): Map<string, number> {
  const result = new Map<string, number>()
  for (const id of ids) {
    result.set(id, (result.get(id) ?? 0) + 1)
  }
  return result
}

for (const engine of selectedStores()) {
  describe(`${engine}: SIEM forwarding across restarts and nodes`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    const cleanups: Array<() => Promise<void>> = []
    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) {
        await cleanup()
      }
    })

    /** A database that outlives a runtime: a file, or a fresh PostgreSQL database. */
    const database = async (): Promise<string> => {
      if (engine === 'sqlite') {
        return `sqlite:${join(mkdtempSync(join(tmpdir(), 'veil-siem-')), 'veil.db')}`
      }
      const db = await createTestDatabase()
      cleanups.push(db.drop)
      return db.url
    }

    maybe('should go on from the durable cursor after a restart: nothing sent twice, nothing skipped', async () => {
      const url = await database()
      const listener = await startSyslogListener()
      cleanups.push(listener.stop)
      const first = await startNode(url)
      await siemDestinationCreator(first.ctx, CLI_INITIATOR, { name: 'restart', settings: tcpSettings(listener.port) })
      const before = await ingest(first, 300, `before-${engine}`)
      await waitFor('the first activities', () => before.every((id) => listener.ids().includes(id)))
      await first.close()

      // Recorded while no node forwards, and after the restart.
      const offline = await openStore({ url, governanceKey: SECRETS.governanceKey })
      const whileDown = buildPublic({ id: `while-down-${engine}` })
      await offline.activities.insert([whileDown])
      await offline.close()
      const second = await startNode(url)
      cleanups.push(() => second.close())
      const after = await ingest(second, 200, `after-${engine}`)
      const expected = [...before, whileDown.activity.id, ...after]
      await waitFor('the activities after the restart', () => after.every((id) => listener.ids().includes(id)))
      expect(listener.ids()).toEqual(expected)
    })

    maybe('should abandon a batch stuck in flight on shutdown without recording it, and deliver it after the restart', async () => {
      const url = await database()
      const receiver = await startWebhookReceiver()
      cleanups.push(receiver.close)
      receiver.mode = 'hang'
      const node = await startNode(url, { VEIL_SIEM_TIMEOUT_MS: '5000' })
      const destination = await siemDestinationCreator(node.ctx, CLI_INITIATOR, { name: 'stuck', settings: { kind: 'webhook', url: receiver.url, allowInsecureHttp: true, secret: 'a-webhook-secret-of-some-length' } })
      const ids = await ingest(node, 5, `stuck-${engine}`)
      await waitFor('the request in flight', () => receiver.raw() !== '')
      const stopping = Date.now()
      await node.siemForwarder.stop(200)
      expect(Date.now() - stopping).toBeLessThan(3000)
      await node.close()

      const store = await openStore({ url, governanceKey: SECRETS.governanceKey })
      const state = await store.siem.state(destination.id)
      await store.close()
      expect(state).toMatchObject({ eventsSent: 0, lastDeliveredId: null, leaseHolder: null })

      receiver.mode = 'ok'
      const again = await startNode(url)
      cleanups.push(() => again.close())
      await waitFor('the abandoned batch after the restart', () => ids.every((id) => receiver.ids.includes(id)))
    })

    if (engine === 'postgres') {
      maybe('should keep the lease through a delivery longer than its term, so the other node does not deliver the batch too', async () => {
        const url = await database()
        const receiver = await startWebhookReceiver()
        cleanups.push(receiver.close)
        const env = { VEIL_SIEM_LEASE_SECONDS: '1', VEIL_SIEM_TIMEOUT_MS: '5000' }
        const a = await startNode(url, env)
        const b = await startNode(url, env)
        cleanups.push(() => a.close(), () => b.close())
        receiver.delayMs = 2500
        await siemDestinationCreator(a.ctx, CLI_INITIATOR, { name: 'slow', settings: { kind: 'webhook', url: receiver.url, allowInsecureHttp: true, secret: 'a-webhook-secret-of-some-length' } })
        const ids = await ingest(a, 20, 'slow-receiver')
        await waitFor('the slow delivery', () => ids.every((id) => receiver.ids.includes(id)))
        receiver.delayMs = 0
        await new Promise((resolve) => setTimeout(resolve, 300))
        expect(receiver.ids).toEqual(ids)
      })

      maybe('should forward each activity exactly once from two nodes on one database, and fail over when the forwarding node stops', async () => {
        const url = await database()
        const listener = await startSyslogListener()
        cleanups.push(listener.stop)
        const a = await startNode(url)
        const b = await startNode(url)
        // Closing a runtime twice is harmless: whichever is still open is closed.
        cleanups.push(() => a.close(), () => b.close())
        await siemDestinationCreator(a.ctx, CLI_INITIATOR, { name: 'shared', settings: tcpSettings(listener.port) })
        const ids: string[] = []
        for (let round = 0; round < 10; round += 1) {
          ids.push(...(await ingest(round % 2 ? a : b, 50, `two-nodes-${round}`)))
        }
        await waitFor('every activity from both nodes', () => ids.every((id) => listener.ids().includes(id)))
        await new Promise((resolve) => setTimeout(resolve, 200))
        expect([...counts(listener.ids()).values()].every((c) => c === 1)).toBe(true)
        expect(listener.ids()).toHaveLength(ids.length)

        // The forwarding node stops (releasing its lease): the other takes over from the cursor.
        const [destination] = await a.store.siem.list()
        const state = await a.store.siem.state(destination?.id ?? '')
        const [leader, follower] = state?.leaseHolder === a.siemForwarder.nodeId ? [a, b] : [b, a]
        expect(state?.leaseHolder).toBe(leader.siemForwarder.nodeId)
        await leader.close()
        const later = await ingest(follower, 100, 'after-failover')
        await waitFor('the activities after the failover', () => later.every((id) => listener.ids().includes(id)))
        expect([...counts(listener.ids()).values()].every((c) => c === 1)).toBe(true)
        expect((await follower.store.siem.state(destination?.id ?? ''))?.leaseHolder).toBe(follower.siemForwarder.nodeId)
      })
    }
  })
}
