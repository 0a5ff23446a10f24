/**
 * `ConnectorRepository` on both engines: the lease elects one node, every runner write is fenced on it
 * (a node past its lease moves nothing), run requests survive a run that started before them, a
 * credential failure pauses until resumed, and a deleted connector takes its state with it.
 */
import { describe, expect, it } from 'vitest'

import { ConflictError } from '../../src/core/errors.js'
import type { StoredConnector } from '../../src/storage/store.js'
import { describeStores } from '../helpers/test-store.js'

const ZERO = { fetched: 0, accepted: 0, duplicates: 0, rejected: 0, outOfScope: 0 }

function connector(id: string, name = id): Omit<StoredConnector, 'version' | 'updatedAt'> {
  return { id, name, kind: 'okta', enabled: true, intervalSeconds: 60, settings: { baseUrl: 'https://acme.okta.com' }, sealedCredentials: Buffer.from([1, 2, 3]), credentialNames: ['apiToken'], createdAt: 1000, createdBy: 'cli' }
}

describeStores('connector repository', (s) => {
  describe('leases and fencing', () => {
    it('should let one holder at a time write, and a holder past its lease write nothing', async () => {
      const repo = s.store().connectors
      await repo.create(connector('c-lease'), 500)
      expect(await repo.acquireLease('c-lease', 'node-a', 10_000, 1000)).toBe(true)
      expect(await repo.acquireLease('c-lease', 'node-b', 10_500, 1000)).toBe(false)
      expect(await repo.startRun('c-lease', 'node-b', 10_500)).toBe(false)
      expect(await repo.recordProgress('c-lease', 'node-a', { checkpoint: { v: 1, page: 1 }, through: 9000, counts: { ...ZERO, fetched: 3, accepted: 3 }, lastRejection: null, leaseExpiresAt: 11_500 })).toBe(true)
      // node-a stalls past its lease; node-b takes over.
      expect(await repo.acquireLease('c-lease', 'node-b', 11_600, 1000)).toBe(true)
      expect(await repo.recordProgress('c-lease', 'node-a', { checkpoint: { v: 1, page: 99 }, through: 9999, counts: { ...ZERO, fetched: 50 }, lastRejection: null, leaseExpiresAt: 20_000 })).toBe(false)
      expect(await repo.finishRun('c-lease', 'node-a', { ok: true, at: 11_700, nextRunAt: 20_000 })).toBe(false)
      const state = await repo.state('c-lease')
      expect(state).toMatchObject({ checkpoint: { v: 1, page: 1 }, through: 9000, leaseHolder: 'node-b', counts: { fetched: 3, accepted: 3 } })
      await repo.releaseLease('c-lease', 'node-a')
      expect((await repo.state('c-lease'))?.leaseHolder).toBe('node-b')
      await repo.releaseLease('c-lease', 'node-b')
      expect((await repo.state('c-lease'))?.leaseHolder).toBeNull()
    })
  })

  describe('runs, pauses and deletion', () => {
    it('should keep a run request made after the run started, pause on credentials and resume', async () => {
      const repo = s.store().connectors
      await repo.create(connector('c-runs'), 500)
      expect(await repo.requestRun('c-runs', 100)).toBe(true)
      expect(await repo.acquireLease('c-runs', 'n', 200, 1000)).toBe(true)
      expect(await repo.startRun('c-runs', 'n', 200)).toBe(true)
      expect((await repo.state('c-runs'))?.runRequestedAt).toBeNull()
      expect(await repo.requestRun('c-runs', 300)).toBe(true)
      expect(await repo.finishRun('c-runs', 'n', { ok: false, at: 400, nextRunAt: 60_400, error: 'Okta refused the credentials (401)', errorKind: 'credentials', pause: true })).toBe(true)
      expect(await repo.state('c-runs')).toMatchObject({ runRequestedAt: 300, pausedAt: 400, pausedReason: 'Okta refused the credentials (401)', lastErrorKind: 'credentials', failures: 1, runs: 1 })
      expect(await repo.resume('c-runs')).toBe(true)
      expect(await repo.state('c-runs')).toMatchObject({ pausedAt: null, pausedReason: null, nextRunAt: null })
      expect(await repo.finishRun('c-runs', 'n', { ok: true, at: 500, nextRunAt: 60_500 })).toBe(true)
      expect(await repo.state('c-runs')).toMatchObject({ failures: 0, runs: 2, lastSuccessAt: 500, lastErrorAt: 400 })
    })

    it('should refuse a taken name and delete the state with the connector', async () => {
      const repo = s.store().connectors
      await repo.create(connector('c-del', 'Deleted'), 500)
      await expect(repo.create(connector('c-del-2', 'Deleted'), 500)).rejects.toBeInstanceOf(ConflictError)
      expect((await repo.delete('c-del'))?.name).toBe('Deleted')
      expect(await repo.state('c-del')).toBeNull()
      expect(await repo.requestRun('c-del', 1)).toBe(false)
      expect(await repo.delete('c-del')).toBeNull()
    })
  })
})
