/**
 * The behaviour every connector must have, run per provider and per engine against its local provider
 * server: paging across several pages, the checkpoint after a restart (no gap, no duplicate beyond the
 * documented overlap), 429 with Retry-After and a 5xx retried, and a credential error shown in the
 * status (paused until the credentials change).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { ConnectorScheduler } from '../../src/connectors/connector-scheduler.js'
import type { ConnectorRunOutcome } from '../../src/connectors/connector-run.js'
import { connectorCreator, connectorReader, connectorUpdater } from '../../src/connectors/connectors.js'
import { NATIVE_FORMATS } from '../../src/ingest/formats/native-formats.js'
import { CLI_INITIATOR } from '../../src/services/service-context.js'
import { createTestApp, type TestApp } from '../helpers/test-app.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import type { FakeProvider } from './provider-servers.js'

/** Short waits and few tries, so failures and retries cost milliseconds. */
export const FAST_CONNECTOR_ENV: Record<string, string> = {
  VEIL_CONNECTOR_ATTEMPTS: '3',
  VEIL_CONNECTOR_RETRY_BASE_MS: '20',
  VEIL_CONNECTOR_TIMEOUT_MS: '5000',
  VEIL_CONNECTOR_MAX_WAIT_SECONDS: '5',
  VEIL_CONNECTOR_LEASE_SECONDS: '5',
  VEIL_CONNECTOR_POLL_MS: '50',
}

export interface ProviderUnderTest {
  readonly provider: FakeProvider
  /** Record events (or blobs) at `at` at the provider; returns the events as the provider serves them. */
  add(part: 'first' | 'second', at: number): unknown[]
  readonly settings: Record<string, unknown>
  readonly credentials: Record<string, unknown>
  readonly badCredentials: Record<string, unknown>
  /** The path of data requests, for injected failures. */
  readonly dataPath: string
}

export interface Scenario {
  readonly kind: string
  readonly format: string
  /** Whether a resumed run may fetch again what a failed run stored (time-window checkpoints). */
  readonly overlapRefetches: boolean
  /** Retry-After as seconds or as an HTTP date. */
  readonly retryAfter: 'seconds' | 'date'
  start(): Promise<ProviderUnderTest>
}

/**
 * The activity ids the events make in `format` (valid events only). The samples repeat some events
 * (several detection tests share one log), so the oracle is distinct ids, not event counts.
 */
export function activityIds(format: string, events: readonly unknown[]): Set<string> {
  const f = NATIVE_FORMATS.find((n) => n.name === format)
  if (!f) {
    throw new Error(`no format ${format}`)
  }
  const ids = new Set<string>()
  events.forEach((event, index) => {
    for (const value of f.expand?.(event)?.map((part) => part.value) ?? [event]) {
      const normalized = f.normalize(value, { index, receivedAt: Date.now() })
      if (normalized.ok) {
        ids.add(normalized.activity.id)
      }
    }
  })
  return ids
}

/**
 * The events without repeats: the first of the events that make the same activity ids. A provider
 * serves each event once, and gives a repeated one the same time, which a test server that stamps
 * events with their recording time would not.
 */
export function distinctEvents<T>(format: string, events: readonly T[], stamp: (event: T) => unknown = (event) => event): T[] {
  const seen = new Set<string>()
  return events.filter((event) => {
    // Judged as served: some samples only become valid events once the server gives them a time.
    const ids = [...activityIds(format, [stamp(event)])]
    if (ids.some((id) => seen.has(id))) {
      return false
    }
    ids.forEach((id) => seen.add(id))
    return true
  })
}

function succeeded(outcome: ConnectorRunOutcome): Extract<ConnectorRunOutcome, { status: 'succeeded' }> {
  expect(outcome.status, JSON.stringify(outcome)).toBe('succeeded')
  return outcome as Extract<ConnectorRunOutcome, { status: 'succeeded' }>
}

/** A scheduler of its own over the app's store and pipeline: another node, or this node after a restart. */
function node(t: TestApp): ConnectorScheduler {
  const { runtime } = t
  return new ConnectorScheduler({ store: runtime.store, ingest: runtime.pipeline, config: runtime.config.connectors, credentialsKey: runtime.secrets.connectorCredentialsKey, now: Date.now, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } })
}

export function describeConnector(scenario: Scenario): void {
  for (const engine of selectedStores()) {
    describe(`${engine}: ${scenario.kind} connector`, async () => {
      const runs = engine === 'sqlite' || (await postgresReachable())
      if (!runs) {
        describe.skip(`${engine} unreachable`, () => undefined)
        return
      }
      let t: TestApp
      beforeAll(async () => {
        t = await createTestApp({ engine, env: FAST_CONNECTOR_ENV })
      })
      afterAll(async () => {
        await t.close()
      })

      async function create(p: ProviderUnderTest, name: string, credentials = p.credentials): Promise<string> {
        const created = await connectorCreator(t.runtime.ctx, CLI_INITIATOR, { name, kind: scenario.kind, settings: p.settings, credentials, startFrom: Date.now() - 3_600_000 })
        return created.id
      }

      it('should page through several pages, resume from its checkpoint after a restart, and leave no gap', { timeout: 20_000 }, async () => {
        const p = await scenario.start()
        try {
          const now = Date.now()
          const first = p.add('first', now - 120_000)
          const id = await create(p, `${scenario.kind} paging`)
          const run1 = succeeded(await node(t).runNow(id))
          expect(p.provider.dataRequests().length).toBeGreaterThanOrEqual(3)
          expect(run1.counts.fetched).toBe(first.length)
          const firstIds = activityIds(scenario.format, first)
          expect(firstIds.size).toBeGreaterThan(0)
          expect(run1.counts.accepted).toBe(firstIds.size)

          // More events arrive; the provider goes down after one more page, and the node stops (restart).
          const second = p.add('second', now - 60_000)
          p.provider.failDataAfter = p.provider.dataRequests().filter((r) => r.status === 200).length + 1
          const broken = await node(t).runNow(id)
          expect(broken.status).toBe('failed')
          expect(broken.status === 'failed' && broken.errorKind).toBe('unavailable')
          const failedStatus = (await connectorReader(t.runtime.ctx, id)).status
          expect(failedStatus?.condition).toBe('failing')
          expect(failedStatus?.lastErrorKind).toBe('unavailable')

          // Another node (or this one restarted) goes on from the committed checkpoint.
          p.provider.failDataAfter = null
          const run2 = succeeded(await node(t).runNow(id))
          const partial = broken.status === 'failed' ? broken.counts : null
          const fetchedAfterFirst = (partial?.fetched ?? 0) + run2.counts.fetched
          if (scenario.overlapRefetches) {
            expect(fetchedAfterFirst).toBeGreaterThanOrEqual(second.length)
          } else {
            // Cursor checkpoints: exactly the new events, none twice.
            expect(fetchedAfterFirst).toBe(second.length)
            expect((partial?.duplicates ?? 0) + run2.counts.duplicates).toBe(0)
          }
          const allIds = activityIds(scenario.format, [...first, ...second])
          expect((partial?.accepted ?? 0) + run2.counts.accepted).toBe(allIds.size - firstIds.size)

          // No gap: every event the provider holds is already stored.
          const again = await t.runtime.pipeline.ingest({ records: [...first, ...second].map((value, index) => ({ index, value })), errors: [] }, { format: scenario.format })
          expect(again.accepted).toBe(0)
          const status = (await connectorReader(t.runtime.ctx, id)).status
          expect(status?.condition).toBe('ok')
          expect(status?.events.fetched).toBe(run1.counts.fetched + fetchedAfterFirst)
          expect(status?.events.accepted).toBe(run1.counts.accepted + (partial?.accepted ?? 0) + run2.counts.accepted)
          expect(status?.lastSuccessAt).not.toBeNull()
          expect(status?.lagSeconds).not.toBeNull()
          expect(status?.lastError).toContain('503')
        } finally {
          await p.provider.close()
        }
      })

      // Waiting is the HTTP client's, not the store's: run once (on SQLite) to keep the suite fast.
      it.runIf(engine === 'sqlite')(`should retry a 5xx and wait as Retry-After (${scenario.retryAfter}) says on a 429`, { timeout: 20_000 }, async () => {
        const p = await scenario.start()
        try {
          p.add('first', Date.now() - 120_000)
          const id = await create(p, `${scenario.kind} throttled`)
          const retryAfter = scenario.retryAfter === 'seconds' ? '1' : new Date(Date.now() + 2000).toUTCString()
          p.provider.inject.push({ status: 502, path: p.dataPath }, { status: 429, path: p.dataPath, headers: { 'retry-after': retryAfter } })
          succeeded(await node(t).runNow(id))
          const requests = p.provider.requests.filter((r) => r.path.includes(p.dataPath))
          const i502 = requests.findIndex((r) => r.status === 502)
          const i429 = requests.findIndex((r) => r.status === 429)
          expect(i502).toBeGreaterThanOrEqual(0)
          expect(i429).toBe(i502 + 1)
          const after429 = requests[i429 + 1]
          expect(after429?.status).toBe(200)
          // Retry-After 1 s, or a date 1 to 2 s ahead (HTTP dates have whole seconds).
          expect((after429?.at ?? 0) - (requests[i429]?.at ?? 0)).toBeGreaterThanOrEqual(900)
        } finally {
          await p.provider.close()
        }
      })

      it('should record a credential error, pause until the credentials change, then run again', { timeout: 20_000 }, async () => {
        const p = await scenario.start()
        try {
          p.add('first', Date.now() - 120_000)
          const id = await create(p, `${scenario.kind} credentials`, p.badCredentials)
          const outcome = await node(t).runNow(id)
          expect(outcome.status).toBe('failed')
          expect(outcome.status === 'failed' && outcome.paused).toBe(true)
          const view = await connectorReader(t.runtime.ctx, id)
          expect(view.status?.condition).toBe('paused')
          expect(view.status?.lastErrorKind).toBe('credentials')
          expect(view.status?.lastError).toMatch(/refused/)
          expect(view.status?.pausedReason).toBe(view.status?.lastError)
          expect(JSON.stringify(view)).not.toContain(String(Object.values(p.badCredentials)[0]).slice(0, 20))

          // A running scheduler leaves a paused connector alone, even once it is due.
          const seen = p.provider.requests.length
          const scheduler = node(t)
          scheduler.start()
          await new Promise((resolve) => setTimeout(resolve, 300))
          await scheduler.stop()
          expect(p.provider.requests.length).toBe(seen)

          await connectorUpdater(t.runtime.ctx, CLI_INITIATOR, id, { credentials: p.credentials })
          expect((await connectorReader(t.runtime.ctx, id)).status?.condition).not.toBe('paused')
          succeeded(await node(t).runNow(id))
          expect((await connectorReader(t.runtime.ctx, id)).status?.condition).toBe('ok')
        } finally {
          await p.provider.close()
        }
      })
    })
  }
}
