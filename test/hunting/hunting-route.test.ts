/**
 * `POST /api/v1/hunting/query` over HTTP (inject) on both engines: the answer's shape, Defender's
 * spellings, errors with positions, the row limit, and the time limit with its mechanisms (worker
 * threads on an SQLite file, the deadline function in memory, `statement_timeout` on PostgreSQL).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Activity } from '../../src/core/activity/activity.js'
import { DomainError } from '../../src/core/errors.js'
import { prepareHuntingQuery } from '../../src/core/hunting/hunting-query.js'
import { HuntingSlots } from '../../src/services/hunting/hunting-service.js'
import type { Store } from '../../src/storage/store.js'
import { asPublic, buildActivity } from '../helpers/factories.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp } from '../helpers/test-app.js'

const NOW = Date.parse('2026-03-10T12:00:00Z')
const HOUR = 3_600_000

const ACTIVITIES: Activity[] = [
  buildActivity({ id: 'a1', time: NOW - 2 * HOUR, app: 'Microsoft SharePoint Online', action: { type: 'file.download', name: 'FileDownloaded' }, raw: { Operation: 'FileDownloaded', Site: 'hr' } }),
  buildActivity({ id: 'a2', time: NOW - 2 * HOUR + 60_000, app: 'Microsoft SharePoint Online', action: { type: 'file.download', name: 'FileDownloaded' } }),
  buildActivity({ id: 'a3', time: NOW - 30 * HOUR, app: 'Microsoft OneDrive for Business', action: { type: 'file.download', name: 'FileDownloaded' } }),
  buildActivity({ id: 'a4', time: NOW - 3 * HOUR, app: 'Okta', action: { type: 'login', name: 'user.session.start' } }),
  buildActivity({ id: 'a5', time: NOW - 40 * 24 * HOUR, app: 'Okta', action: { type: 'file.download', name: 'FileDownloaded' } }),
]

const DEFENDER_SAMPLE = 'CloudAppEvents | where Timestamp > ago(7d) and ActionType == "FileDownloaded" | summarize count() by Application, bin(Timestamp, 1h) | order by count_ desc | take 10'

/** Many activities with varied text, for the time limit: slow enough to stop midway. */
function bulk(count: number): Activity[] {
  return Array.from({ length: count }, (_, i) =>
    buildActivity({
      id: `bulk-${i}`,
      time: NOW - (i % 1000) * 60_000,
      app: `App ${i % 37}`,
      target: { type: 'file', id: `f${i}`, name: `Report ${i} final.xlsx` },
      location: { country: 'DE', city: `City ${i % 101}` },
    }),
  )
}
// Its filter matches no row: the time limit must still be checked on every row read.
const SLOW_QUERY = 'CloudAppEvents | where strcat(ObjectName, "/", City, "/", Application, "/", AccountDisplayName, "/", UserAgent) has "nothing-like-this" | count'

async function query(t: TestApp, body: unknown, role: 'security_reader' | 'global_admin' = 'security_reader') {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/hunting/query', payload: body as Record<string, unknown>, headers: t.auth(role) })
  return { status: res.statusCode, body: res.json() as Record<string, unknown> }
}

for (const engine of selectedStores()) {
  describe(`${engine}: POST /api/v1/hunting/query`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    let t: TestApp

    beforeAll(async () => {
      if (!runs) {
        return
      }
      t = await createTestApp({ engine, clock: () => NOW, env: { VEIL_HUNTING_MAX_ROWS: '3', VEIL_HUNTING_MAX_QUERY_CHARS: '500' } })
      await t.runtime.store.activities.insert(ACTIVITIES.map(asPublic))
    })
    afterAll(async () => {
      await t?.close()
    })

    maybe('should run the Defender sample query unchanged and answer with schema, results and stats', async () => {
      const { status, body } = await query(t, { query: DEFENDER_SAMPLE })
      expect(status).toBe(200)
      expect(body.schema).toEqual([
        { name: 'Application', type: 'String' },
        { name: 'Timestamp', type: 'DateTime' },
        { name: 'count_', type: 'Int64' },
      ])
      expect(body.results).toEqual([
        { Application: 'Microsoft SharePoint Online', Timestamp: '2026-03-10T10:00:00.000Z', count_: 2 },
        { Application: 'Microsoft OneDrive for Business', Timestamp: '2026-03-09T06:00:00.000Z', count_: 1 },
      ])
      expect(body.stats).toMatchObject({ rows: 2, truncated: false, timespan: { from: '2026-02-08T12:00:00.000Z', to: null } })
      expect((body.stats as { elapsedMs: number }).elapsedMs).toBeGreaterThanOrEqual(0)
    })

    maybe("should take Defender's spellings Query and Timespan, and an interval", async () => {
      const wide = await query(t, { Query: 'CloudAppEvents | count', Timespan: 'P60D' })
      expect(wide.body.results).toEqual([{ Count: 5 }])
      const interval = await query(t, { query: 'CloudAppEvents | count', timespan: '2026-03-10T00:00:00Z/2026-03-11T00:00:00Z' })
      expect(interval.body).toMatchObject({ results: [{ Count: 3 }], stats: { timespan: { from: '2026-03-10T00:00:00.000Z', to: '2026-03-11T00:00:00.000Z' } } })
    })

    maybe('should write values by type: datetimes, timespans, booleans, dynamic values, empty strings', async () => {
      const { body } = await query(t, { query: 'CloudAppEvents | where ReportId == "a1" | project Timestamp, Age = now() - Timestamp, IsExternalUser, RawEventData, RawEventData.Site, ObjectName, n = strlen(Application)' })
      expect(body.results).toEqual([{ Timestamp: '2026-03-10T10:00:00.000Z', Age: '02:00:00', IsExternalUser: false, RawEventData: { Operation: 'FileDownloaded', Site: 'hr' }, RawEventData_Site: 'hr', ObjectName: '', n: 27 }])
      expect((body.schema as Array<{ type: string }>).map((c) => c.type)).toEqual(['DateTime', 'TimeSpan', 'Boolean', 'Object', 'Object', 'String', 'Int64'])
    })

    maybe('should cut the answer at the row limit and say so', async () => {
      const { body } = await query(t, { query: 'CloudAppEvents | project ReportId', timespan: 'P60D' })
      expect(body.results).toEqual([{ ReportId: 'a2' }, { ReportId: 'a1' }, { ReportId: 'a4' }])
      expect(body.stats).toMatchObject({ rows: 3, truncated: true })
      expect((await query(t, { query: 'CloudAppEvents | take 3 | project ReportId' })).body.stats).toMatchObject({ rows: 3, truncated: false })
    })

    maybe('should answer a syntax error with its code, message and position', async () => {
      const text = 'CloudAppEvents\n| where Timestamp > ago(1d) and (ActionType == "x"\n| take 5'
      const { status, body } = await query(t, { query: text })
      expect(status).toBe(400)
      expect(body).toEqual({
        error: 'hunting_query_invalid',
        status: 400,
        message: "Expected ')' to close the parenthesis, found '|' (line 3, column 1)",
        position: { line: 3, column: 1, offset: text.lastIndexOf('|') },
      })
    })

    maybe('should name other tables, operators and unknown columns', async () => {
      const cases: Array<[string, RegExp, number]> = [
        ['IdentityLogonEvents | take 10', /The table 'IdentityLogonEvents' is not available/, 0],
        ['governance', /Unknown table 'governance'/, 0],
        ['SELECT * FROM activities WHERE is_private = 1', /looks like SQL/, 0],
        ['CloudAppEvents | union IdentityLogonEvents', /The operator 'union' is not supported/, 17],
        ['CloudAppEvents | where Aplication == "Okta"', /Unknown column 'Aplication'; did you mean 'Application'\?/, 23],
      ]
      for (const [text, message, offset] of cases) {
        const { status, body } = await query(t, { query: text })
        expect(status, text).toBe(400)
        expect(body).toMatchObject({ error: 'hunting_query_invalid', position: { offset } })
        expect(body.message).toMatch(message)
      }
    })

    maybe('should refuse a query over the length limit, a bad timespan and a missing query', async () => {
      expect(await query(t, { query: `CloudAppEvents | where Application == "${'x'.repeat(500)}"` })).toMatchObject({ status: 400, body: { error: 'hunting_query_too_expensive' } })
      expect(await query(t, { query: 'CloudAppEvents', timespan: 'last week' })).toMatchObject({ status: 400, body: { error: 'validation_failed', details: [{ field: 'timespan' }] } })
      expect(await query(t, {})).toMatchObject({ status: 400, body: { error: 'validation_failed', details: [{ field: 'query' }] } })
      expect(await query(t, { query: 'CloudAppEvents', includePrivate: true })).toMatchObject({ status: 400, body: { error: 'validation_failed' } })
    })

    maybe('should count queries by outcome in /metrics', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth('global_admin') })
      expect(res.body).toMatch(/veil_hunting_queries_total\{outcome="ok"\} \d+/)
      expect(res.body).toMatch(/veil_hunting_queries_total\{outcome="invalid"\} \d+/)
    })
  })
}

const ROWS = 20_000

/**
 * Time a run of the slow query without a limit (and the longest the event loop went without turning
 * meanwhile), then run it with a fifth of that time as the limit.
 */
async function checkTimeLimit(store: Store): Promise<{ fullMs: number; stoppedAfterMs: number; longestStallMs: number }> {
  const limits = { maxQueryChars: 10_000, maxRows: 10_000, defaultWindowMs: 30 * 24 * HOUR }
  const plan = prepareHuntingQuery(SLOW_QUERY, { now: NOW, limits })
  // Warm up (a worker thread starts on first use), then time the whole query.
  await store.hunting.run(plan, { timeoutMs: 60_000 })
  let last = performance.now()
  let longestStallMs = 0
  const ticker = setInterval(() => {
    const now = performance.now()
    longestStallMs = Math.max(longestStallMs, now - last)
    last = now
  }, 1)
  let started = performance.now()
  await store.hunting.run(plan, { timeoutMs: 60_000 })
  const fullMs = performance.now() - started
  clearInterval(ticker)
  longestStallMs = Math.max(longestStallMs, performance.now() - last)
  started = performance.now()
  const error = await store.hunting.run(plan, { timeoutMs: Math.max(5, Math.floor(fullMs / 5)) }).then(
    () => null,
    (e: unknown) => e,
  )
  const stoppedAfterMs = performance.now() - started
  expect(error).toBeInstanceOf(DomainError)
  expect(error).toMatchObject({ code: 'hunting_query_too_expensive', message: expect.stringMatching(/ran past the time limit of \d+ ms/) as unknown })
  // A query after a stopped one still works.
  expect((await store.hunting.run(prepareHuntingQuery('CloudAppEvents | count', { now: NOW, limits }), { timeoutMs: 60_000 })).rows).toEqual([[ROWS]])
  return { fullMs, stoppedAfterMs, longestStallMs }
}

describe('hunting time limit', () => {
  const data = bulk(ROWS).map(asPublic)

  it('should stop an SQLite query on a database file in its worker thread, without blocking the event loop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veil-hunting-'))
    const t = await createTestApp({ engine: 'sqlite', clock: () => NOW, env: { VEIL_DATABASE_URL: `sqlite:${join(dir, 'veil.db')}` } })
    try {
      await t.runtime.store.activities.insert(data)
      const { fullMs, stoppedAfterMs, longestStallMs } = await checkTimeLimit(t.runtime.store)
      expect(fullMs).toBeGreaterThan(20)
      expect(stoppedAfterMs).toBeLessThan(fullMs)
      // The query ran in a worker thread: the event loop kept turning.
      expect(longestStallMs).toBeLessThan(fullMs / 2)
    } finally {
      await t.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('should stop an SQLite query in memory, on the store connection', async () => {
    const t = await createTestApp({ engine: 'sqlite', clock: () => NOW })
    try {
      await t.runtime.store.activities.insert(data)
      const { fullMs, stoppedAfterMs, longestStallMs } = await checkTimeLimit(t.runtime.store)
      expect(fullMs).toBeGreaterThan(20)
      expect(stoppedAfterMs).toBeLessThan(fullMs)
      // In memory the query runs on the store's own connection, in the event loop's thread.
      expect(longestStallMs).toBeGreaterThan(fullMs / 2)
    } finally {
      await t.close()
    }
  })

  it.skipIf(!selectedStores().includes('postgres'))('should stop a PostgreSQL query with statement_timeout', async () => {
    if (!(await postgresReachable())) {
      return
    }
    const t = await createTestApp({ engine: 'postgres', clock: () => NOW })
    try {
      await t.runtime.store.activities.insert(data)
      const { fullMs, stoppedAfterMs } = await checkTimeLimit(t.runtime.store)
      expect(fullMs).toBeGreaterThan(20)
      expect(stoppedAfterMs).toBeLessThan(fullMs)
    } finally {
      await t.close()
    }
  })
})

describe('HuntingSlots', () => {
  it('should let as many queries run as it has slots, queue the others in turn, and refuse one still waiting at its deadline', async () => {
    const slots = new HuntingSlots(1)
    const first = await slots.acquire(Date.now() + 1000)
    const order: string[] = []
    const second = slots.acquire(Date.now() + 1000).then((release) => {
      order.push('second')
      return release
    })
    const late = slots.acquire(Date.now() + 20)
    await expect(late).rejects.toMatchObject({ code: 'hunting_busy' })
    first()
    ;(await second)()
    expect(order).toEqual(['second'])
    const third = await slots.acquire(Date.now() + 10)
    third()
  })
})
