/**
 * Privacy rule 8 for hunting, as an invariant on both engines: private activities are not in the
 * `CloudAppEvents` table at all. Two Veil instances hold the same public activities and different
 * private ones (how many, and everything in them, with values that collide with the public ones and
 * values only they have); every hunting query of a generated set — filters on every kind of column,
 * computed columns, summaries, sorts, limits, the rows a `take` keeps, several windows — from every
 * role that may query gets the same status and the same body from both, but for the measured
 * `stats.elapsedMs`.
 *
 * fast-check with a fixed seed, so CI runs the same cases every time.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Activity } from '../../src/core/activity/activity.js'
import { asPublic, buildActivity } from '../helpers/factories.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp, type TestRole } from '../helpers/test-app.js'

const NOW = Date.parse('2026-11-20T12:00:00Z')
const HOUR = 3_600_000
const SEED = 20261121
const RUNS = 150

const ROLES: readonly TestRole[] = ['global_admin', 'security_admin', 'compliance_admin', 'security_reader']

const UPNS = ['ann@contoso.com', 'bob@contoso.com', 'eve@external.example']
const APPS = ['Microsoft Teams', 'Okta', 'GitHub']
const ACTIONS = [
  { type: 'login', name: 'UserLoggedIn' },
  { type: 'file.download', name: 'FileDownloaded' },
  { type: 'mailbox.rule.create', name: 'New-InboxRule' },
]
const IPS = ['203.0.113.7', '198.51.100.20']
const COUNTRIES = ['DE', 'US', null]
const OBJECTS = ['budget.xlsx', 'Payroll 2026.csv', null]
// Values only private activities have.
const PRIVATE_UPN = 'hr.director@contoso.com'
const PRIVATE_IP = '192.0.2.99'
const PRIVATE_APP = 'Workday'

function activityArb(prefix: string, privateOnly: boolean): fc.Arbitrary<Activity> {
  const pick = <T>(values: readonly T[], extra: T): fc.Arbitrary<T> => (privateOnly ? fc.constantFrom(...values, extra) : fc.constantFrom(...values))
  return fc
    .record({
      n: fc.integer({ min: 0, max: 999_999 }),
      upn: pick(UPNS, PRIVATE_UPN),
      app: pick(APPS, PRIVATE_APP),
      action: fc.constantFrom(...ACTIONS),
      ip: pick<string | null>([...IPS, null], PRIVATE_IP),
      country: fc.constantFrom(...COUNTRIES),
      object: fc.constantFrom(...OBJECTS),
      hoursAgo: fc.integer({ min: 0, max: 24 * 60 }),
      external: fc.boolean(),
      bytes: fc.integer({ min: 0, max: 5000 }),
    })
    .map((r) =>
      buildActivity({
        id: `${prefix}-${String(r.n).padStart(6, '0')}`,
        time: NOW - r.hoursAgo * HOUR - (r.n % 1000),
        app: r.app,
        action: r.action,
        actor: { upn: r.upn, displayName: r.upn.split('@')[0] ?? null, type: r.upn.startsWith('svc') ? 'application' : 'user' },
        actorGroups: r.external ? ['builtin:external-users'] : [],
        ip: r.ip,
        location: { country: r.country, city: null },
        target: { type: 'file', id: null, name: r.object },
        raw: { Operation: r.action.name, bytes: r.bytes },
      }),
    )
}

function sample(prefix: string, count: number, seed: number, privateOnly: boolean): Activity[] {
  const byId = new Map<string, Activity>()
  for (const a of fc.sample(activityArb(prefix, privateOnly), { numRuns: count * 3, seed })) {
    if (byId.size < count) {
      byId.set(a.id, a)
    }
  }
  return [...byId.values()]
}

const PUBLIC = sample('evt', 50, SEED, false)
// Private ids share the public prefix (they would sort among the public ones), distinct from them.
const PRIVATE_A = sample('evt', 80, SEED + 1, true).filter((a) => !PUBLIC.some((p) => p.id === a.id)).slice(0, 17)
const PRIVATE_B = sample('evt', 80, SEED + 2, true).filter((a) => !PUBLIC.some((p) => p.id === a.id)).slice(0, 31)

const STRING_COLUMNS = ['Application', 'AccountId', 'ActionType', 'ActivityType', 'IPAddress', 'CountryCode', 'ObjectName', 'ReportId', 'AccountDisplayName']
const VALUES = [...UPNS, PRIVATE_UPN, ...APPS, PRIVATE_APP, 'okta', ...IPS, PRIVATE_IP, 'DE', 'US', '', 'budget', 'FileDownloaded', 'login', 'evt-0', 'hr', '%', '_']

const stringValue = fc.constantFrom(...VALUES).map((v) => JSON.stringify(v))
const condition: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom(...STRING_COLUMNS), fc.constantFrom('==', '!=', '=~', '!~', 'contains', '!contains', 'startswith', 'endswith', 'has', 'contains_cs'), stringValue).map(([c, op, v]) => `${c} ${op} ${v}`),
  fc.tuple(fc.constantFrom(...STRING_COLUMNS), fc.subarray(VALUES, { minLength: 1, maxLength: 3 }), fc.constantFrom('in', '!in', 'in~')).map(([c, vs, op]) => `${c} ${op} (${vs.map((v) => JSON.stringify(v)).join(', ')})`),
  fc.constantFrom('Timestamp > ago(1d)', 'Timestamp < ago(10d)', 'Timestamp between (ago(20d) .. ago(5d))', 'IsExternalUser', 'not(IsExternalUser)', 'isempty(IPAddress)', 'isnotempty(ObjectName)'),
  fc.constantFrom('RawEventData.bytes > 2500', 'RawEventData.Operation == "FileDownloaded"', 'strlen(AccountId) > 15', 'AccountType == "Regular"'),
)
const predicate = fc.oneof(
  { weight: 3, arbitrary: condition },
  { weight: 1, arbitrary: fc.tuple(condition, fc.constantFrom('and', 'or'), condition).map(([a, op, b]) => `(${a} ${op} ${b})`) },
  { weight: 1, arbitrary: condition.map((c) => `not(${c})`) },
)
const column = fc.constantFrom('Timestamp', 'Application', 'AccountId', 'IPAddress', 'ObjectName', 'CountryCode', 'ReportId')
const direction = fc.constantFrom('asc', 'desc', '')
const count = fc.integer({ min: 0, max: 12 })
const aggregate = fc.constantFrom('count()', 'dcount(AccountId)', 'min(Timestamp)', 'max(ObjectName)', 'countif(IsExternalUser)', 'sum(RawEventData.bytes)', 'avg(RawEventData.bytes)')
const key = fc.constantFrom('Application', 'CountryCode', 'bin(Timestamp, 1d)', 'AccountId', 'tolower(ActivityType)', 'RawEventData.Operation', 'IsExternalUser')

const tail: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  fc.tuple(column, direction, count).map(([c, d, n]) => `| order by ${c} ${d} | take ${n}`),
  fc.tuple(count, column, direction).map(([n, c, d]) => `| top ${n} by ${c} ${d} | project ReportId, ${c === 'ReportId' ? 'Timestamp' : c}, Lower = tolower(Application)`),
  fc.tuple(fc.subarray(['count()', 'dcount(AccountId)', 'min(Timestamp)', 'max(ObjectName)', 'countif(IsExternalUser)', 'sum(RawEventData.bytes)'], { minLength: 1, maxLength: 3 }), fc.subarray(['Application', 'bin(Timestamp, 1d)', 'CountryCode'], { maxLength: 2 })).map(
    ([aggs, keys]) => `| summarize ${aggs.join(', ')}${keys.length > 0 ? ` by ${keys.join(', ')}` : ''}`,
  ),
  fc.tuple(aggregate, key, count).map(([a, k, n]) => `| summarize n = ${a} by ${k} | order by n desc | take ${n}`),
  fc.tuple(count, predicate).map(([n, p]) => `| take ${n} | where ${p}`),
  column.map((c) => `| distinct ${c}`),
  fc.constant('| count'),
  fc.constant('| extend Age = now() - Timestamp, Raw = RawEventData | take 3'),
)

const huntingQuery = fc
  .record({
    filters: fc.array(predicate, { maxLength: 2 }),
    extend: fc.option(fc.constantFrom('| extend App = toupper(Application), Hours = (now() - Timestamp) / 1h', '| project-away DeviceType, UserAgent'), { nil: null }),
    tail,
    timespan: fc.constantFrom(null, 'P7D', 'P90D', '2026-11-01T00:00:00Z/2026-11-15T00:00:00Z'),
    role: fc.constantFrom(...ROLES),
  })
  .map((r) => ({ ...r, query: ['CloudAppEvents', ...r.filters.map((f) => `| where ${f}`), r.extend ?? '', r.tail].filter((p) => p !== '').join(' ') }))

interface Answer {
  readonly status: number
  readonly body: unknown
}

async function answer(t: TestApp, role: TestRole, query: string, timespan: string | null): Promise<Answer> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/hunting/query', headers: t.auth(role), payload: timespan === null ? { query } : { query, timespan } })
  const body = res.json() as { stats?: { elapsedMs?: number } }
  // The one field measured rather than computed.
  if (body.stats) {
    delete body.stats.elapsedMs
  }
  return { status: res.statusCode, body }
}

for (const engine of selectedStores()) {
  describe(`${engine}: hunting never sees private activities (privacy rule 8)`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    let a: TestApp
    let b: TestApp

    beforeAll(async () => {
      if (!runs) {
        return
      }
      ;[a, b] = await Promise.all([createTestApp({ engine, clock: () => NOW }), createTestApp({ engine, clock: () => NOW })])
      for (const [t, privates] of [
        [a, PRIVATE_A],
        [b, PRIVATE_B],
      ] as const) {
        await t.runtime.store.activities.insert(PUBLIC.map(asPublic))
        const sealed = await Promise.all(privates.map((p) => t.runtime.vault.sealActivity(p, 'hr')))
        expect(await t.runtime.store.activities.insert(sealed)).toEqual(sealed.map(() => 'inserted'))
      }
    })
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()])
    })

    maybe('should hold different private activities in the two stores', async () => {
      const all = { conditions: [], sort: { field: 'time' as const, direction: 'desc' as const }, limit: 1, skip: 0, after: null, countLimit: 1_000 }
      const reveal = { includePrivate: true, justification: 'invariant test: check the stores differ' }
      expect((await a.runtime.store.activities.list(all, reveal)).total).toBe(PUBLIC.length + PRIVATE_A.length)
      expect((await b.runtime.store.activities.list(all, reveal)).total).toBe(PUBLIC.length + PRIVATE_B.length)
      expect(PRIVATE_A.some((p) => p.actor.upn === PRIVATE_UPN) && PRIVATE_B.some((p) => p.ip === PRIVATE_IP)).toBe(true)
    })

    maybe('should answer every hunting query byte for byte the same', async () => {
      let ok = 0
      await fc.assert(
        fc.asyncProperty(huntingQuery, async ({ query, timespan, role }) => {
          const [fromA, fromB] = await Promise.all([answer(a, role, query, timespan), answer(b, role, query, timespan)])
          expect(fromA, query).toEqual(fromB)
          ok += fromA.status === 200 ? 1 : 0
        }),
        { seed: SEED, numRuns: RUNS },
      )
      // The generator makes valid queries: nearly all of them must have run.
      expect(ok).toBeGreaterThan(RUNS * 0.9)
    })

    maybe("should find nothing by a private activity's UPN, IP, app or id", async () => {
      const privateIds = PRIVATE_A.map((p) => JSON.stringify(p.id)).join(', ')
      for (const query of [
        `CloudAppEvents | where AccountId == "${PRIVATE_UPN}"`,
        `CloudAppEvents | where IPAddress == "${PRIVATE_IP}" or Application =~ "${PRIVATE_APP}"`,
        `CloudAppEvents | where ReportId in (${privateIds})`,
        `CloudAppEvents | where AccountId contains "hr.director" | summarize count()`,
      ]) {
        const res = await answer(a, 'global_admin', query, 'P90D')
        expect(res.status, query).toBe(200)
        const body = res.body as { results: Array<Record<string, unknown>> }
        expect(body.results.every((r) => r.count_ === 0), query).toBe(true)
      }
      // And the total is the public activities', whatever the window.
      const total = await answer(a, 'security_reader', 'CloudAppEvents | count', 'P3650D')
      expect(total.body).toMatchObject({ results: [{ Count: PUBLIC.length }] })
    })
  })
}
