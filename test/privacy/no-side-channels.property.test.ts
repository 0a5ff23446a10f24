/**
 * Privacy rule 4 as an invariant, over HTTP, on both engines: two Veil instances hold the same public
 * activities and different private ones (how many, and everything in them: users, apps, IPs, times,
 * ids, free text). Every non-revealing request — random filters over every field with every operator
 * (valid or not), free text, both sorts and directions, limits, skip, the cursors the answers hand
 * out and cursors forged to point at private positions, get-by-id of public, private and unknown ids —
 * from every kind of viewer gets a byte-identical answer, status and body, from both.
 *
 * fast-check with a fixed seed, so CI runs the same cases every time.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Activity, ActorType } from '../../src/core/activity/activity.js'
import type { Disclosure } from '../../src/core/privacy/decide-disclosure.js'
import { encodeCursor, queryFingerprint } from '../../src/core/query/cursor.js'
import { DEFENDER_FILTER_FIELDS, parseDefenderQuery } from '../../src/core/query/defender-query.js'
import { asPublic, buildActivity } from '../helpers/factories.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp, type TestRole } from '../helpers/test-app.js'

const NOW = Date.parse('2026-11-20T12:00:00Z')
const HOUR = 3_600_000
const SEED = 20261120
const RUNS = 120
const REVEAL: Disclosure = { includePrivate: true, justification: 'invariant test: check the stores differ' }

const ROLES: readonly TestRole[] = ['global_admin', 'security_admin', 'compliance_admin', 'security_reader', 'none']

// Pools shared by public and private activities, so private ones collide with public values everywhere.
const UPNS = ['ann@contoso.com', 'bob@contoso.com', 'carol@fabrikam.com', 'dave@contoso.com', 'eve@external.example']
const NAMES = ['Ann Example', 'Bob Builder', 'Carol Danvers', 'Dave Grohl', 'Eve Outsider']
const APPS = ['Microsoft Teams', 'Okta', 'GitHub', 'Box', 'Salesforce']
const ACTIONS = [
  { type: 'login', name: 'UserLoggedIn' },
  { type: 'file.download', name: 'FileDownloaded' },
  { type: 'mailbox.rule.create', name: 'New-InboxRule' },
  { type: 'repo.clone', name: 'git.clone' },
]
const IPS = ['203.0.113.7', '203.0.113.8', '198.51.100.20', '2001:db8::1']
const COUNTRIES = ['DE', 'US', 'FR', 'IS']
const AGENTS = ['Mozilla/5.0 (Windows NT 10.0)', 'git/2.43.0', 'Outlook-iOS/2.0']
const GROUPS = ['sales', 'hr', 'legal', 'builtin:external-users']
const WORDS = ['budget', 'report', 'payroll', 'merger', 'holiday', 'confidential']
const SOURCES = ['veil', 'o365', 'okta']
const TIMES = Array.from({ length: 24 }, (_, i) => NOW - (i % 12) * 7 * HOUR - (i % 3) * 1000)
const ACTOR_TYPES: readonly ActorType[] = ['user', 'application', 'system']

/** An activity drawn from the pools; `prefix` keeps the ids of the two stores' private activities apart. */
function activityArb(prefix: string): fc.Arbitrary<Activity> {
  return fc
    .record({
      n: fc.integer({ min: 0, max: 1_000_000 }),
      upn: fc.option(fc.constantFrom(...UPNS, 'zed@private-only.example'), { nil: null }),
      name: fc.constantFrom(...NAMES, 'Zed Private'),
      actorType: fc.constantFrom(...ACTOR_TYPES),
      app: fc.constantFrom(...APPS, 'Private Only App'),
      action: fc.constantFrom(...ACTIONS, { type: 'private.only', name: 'PrivateOnly' }),
      ip: fc.option(fc.constantFrom(...IPS, '192.0.2.99'), { nil: null }),
      country: fc.option(fc.constantFrom(...COUNTRIES), { nil: null }),
      agent: fc.option(fc.constantFrom(...AGENTS), { nil: null }),
      groups: fc.subarray(GROUPS),
      words: fc.subarray(WORDS, { minLength: 1, maxLength: 3 }),
      time: fc.oneof(fc.constantFrom(...TIMES), fc.integer({ min: NOW - 90 * 24 * HOUR, max: NOW })),
      received: fc.integer({ min: 0, max: 5 }),
      result: fc.constantFrom('success' as const, 'failure' as const, 'unknown' as const),
      source: fc.constantFrom(...SOURCES),
    })
    .map((r) =>
      buildActivity({
        id: `${prefix}-${String(r.n).padStart(7, '0')}`,
        time: r.time,
        receivedAt: r.time + r.received * 1000,
        source: r.source,
        actor: { upn: r.upn, displayName: r.name, type: r.actorType },
        app: r.app,
        action: r.action,
        ip: r.ip,
        location: { country: r.country, city: null },
        device: { type: 'desktop', userAgent: r.agent },
        result: r.result,
        description: `${r.name} ${r.words.join(' ')}`,
        actorGroups: r.groups,
        raw: { words: r.words },
      }),
    )
}

/** Distinct by id. */
function sample(prefix: string, count: number, seed: number): Activity[] {
  const seen = new Map<string, Activity>()
  for (const a of fc.sample(activityArb(prefix), { numRuns: count * 2, seed })) {
    if (seen.size < count) {
      seen.set(a.id, a)
    }
  }
  return [...seen.values()]
}

const PUBLIC = sample('evt', 60, SEED)
// Private ids share the public prefix (and so sort among public ids), but are distinct from them.
const PRIVATE_A = sample('evt', 200, SEED + 1).filter((a) => !PUBLIC.some((p) => p.id === a.id)).slice(0, 23)
const PRIVATE_B = sample('evt', 200, SEED + 2).filter((a) => !PUBLIC.some((p) => p.id === a.id) && !PRIVATE_A.some((p) => p.id === a.id)).slice(0, 41)
const PRIVATE_IDS = [...PRIVATE_A, ...PRIVATE_B].map((a) => a.id)

/** Values a filter may name: public ones, private ones, absent ones, and LIKE wildcards. */
const VALUE_POOL = [
  ...new Set([
    ...UPNS,
    'zed@private-only.example',
    'contoso.com',
    'private-only.example',
    ...APPS,
    'private only app',
    ...ACTIONS.flatMap((a) => [a.type, a.name]),
    'private.only',
    ...IPS,
    '192.0.2.99',
    ...COUNTRIES,
    ...AGENTS,
    ...GROUPS,
    ...SOURCES,
    ...ACTOR_TYPES,
    'success',
    'failure',
    'desktop',
    ...PUBLIC.slice(0, 5).map((a) => a.id),
    ...PRIVATE_IDS.slice(0, 8),
    'evt-',
    'ann',
    'zed',
    '%',
    '_',
    'no-such-value',
  ]),
]

const STRING_FIELD_NAMES = [...DEFENDER_FILTER_FIELDS.entries()].filter(([, spec]) => spec.kind === 'string').map(([name]) => name)
const TIME_FIELD_NAMES = ['date', 'created']

const stringFilter = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constantFrom('eq', 'neq', 'contains', 'startswith'), values: fc.subarray(VALUE_POOL, { minLength: 1, maxLength: 3 }) }).map((f) => ({ [f.op]: f.values.length === 1 ? f.values[0] : f.values })) },
  { weight: 2, arbitrary: fc.constantFrom({ isset: true }, { isnotset: true }) },
  // Invalid ones: the 400 must not depend on private activities either.
  { weight: 1, arbitrary: fc.constantFrom({ bogus: 'x' }, { eq: [] }, { eq: '' }, { isset: 'yes' }, { eq: [{}] }) },
)
const timeValue = fc.oneof(fc.constantFrom(...TIMES), fc.integer({ min: NOW - 100 * 24 * HOUR, max: NOW }), fc.constantFrom(...TIMES).map((t) => new Date(t).toISOString()))
const timeFilter = fc.oneof(
  fc.record({ gte: timeValue }, { requiredKeys: [] }),
  fc.record({ lte: timeValue }),
  fc.record({ gte: timeValue, lte: timeValue }),
  fc.record({ gte_ndays: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ lte_ndays: fc.integer({ min: 0, max: 30 }) }),
  fc.tuple(timeValue, timeValue).map(([a, b]) => ({ range: [a, b] })),
  fc.constantFrom({ gte: 'yesterday' }, { lte_ndays: -1 }, { between: 1 }),
)
const textFilter = fc.oneof(
  fc.subarray([...WORDS, ...NAMES.map((n) => n.split(' ')[0] as string), 'zed', 'teams', 'private'], { minLength: 1, maxLength: 3 }).map((terms) => ({ contains: terms.join(' ') })),
  fc.constantFrom({ eq: 'budget' }, { contains: '' }, { contains: 42 }),
)

const filters = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...STRING_FIELD_NAMES), stringFilter) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...TIME_FIELD_NAMES), timeFilter) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('text'), textFilter) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('user.shoeSize', 'bogus'), stringFilter) },
    ),
    { maxLength: 3 },
  )
  .map((entries) => Object.fromEntries(entries))

const body = fc.record(
  {
    filters,
    limit: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 15 }) }, { weight: 1, arbitrary: fc.constantFrom(0, -3, 'ten') }),
    skip: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: fc.constant(-1) }),
    sortField: fc.constantFrom('date', 'created'),
    sortDirection: fc.constantFrom('asc', 'desc'),
    includePrivate: fc.constant(false),
  },
  { requiredKeys: ['filters'] },
)

/** What a request does after its first page. */
const follow = fc.record({
  pages: fc.integer({ min: 0, max: 3 }),
  // A cursor made to point at a private activity's position: it must mean nothing more than any other.
  forged: fc.option(fc.record({ id: fc.constantFrom(...PRIVATE_IDS), time: fc.constantFrom(...[...PRIVATE_A, ...PRIVATE_B].map((a) => a.time)) }), { nil: null }),
  garbage: fc.option(fc.constantFrom('not-a-cursor', 'eyJ2IjoxfQ', ''), { nil: null }),
})

const request = fc.record({ role: fc.constantFrom(...ROLES), body, viaGet: fc.boolean(), follow })

interface Answer {
  readonly status: number
  readonly body: string
}

async function listAnswer(t: TestApp, role: TestRole, payload: Record<string, unknown>, viaGet: boolean): Promise<Answer> {
  const headers = t.auth(role)
  if (!viaGet) {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/activities/', payload, headers })
    return { status: res.statusCode, body: res.body }
  }
  const query = Object.entries(payload)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&')
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/activities?${query}`, headers })
  return { status: res.statusCode, body: res.body }
}

async function getAnswer(t: TestApp, role: TestRole, id: string): Promise<Answer> {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/activities/${encodeURIComponent(id)}`, headers: t.auth(role) })
  return { status: res.statusCode, body: res.body }
}

for (const engine of selectedStores()) {
  describe(`${engine}: no side channels (privacy rule 4)`, async () => {
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
        const sealed = []
        for (const p of privates) {
          sealed.push(await t.runtime.vault.sealActivity(p, GROUPS[p.id.length % GROUPS.length] as string))
        }
        expect(await t.runtime.store.activities.insert(sealed)).toEqual(sealed.map(() => 'inserted'))
      }
    })
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()])
    })

    maybe('should hold the same public and different private activities in the two stores', async () => {
      const all = { conditions: [], sort: { field: 'time' as const, direction: 'desc' as const }, limit: 1, skip: 0, after: null, countLimit: 1_000 }
      expect((await a.runtime.store.activities.list(all, REVEAL)).total).toBe(PUBLIC.length + PRIVATE_A.length)
      expect((await b.runtime.store.activities.list(all, REVEAL)).total).toBe(PUBLIC.length + PRIVATE_B.length)
      expect(PRIVATE_A.length).not.toBe(PRIVATE_B.length)
    })

    maybe('should answer every non-revealing list query byte for byte the same', async () => {
      const parseOptions = { now: NOW, defaultLimit: a.runtime.config.limits.defaultPageSize, maxLimit: a.runtime.config.limits.maxPageSize, countLimit: a.runtime.config.limits.countLimit, ignoreKeys: ['includePrivate'] }
      let pagesCompared = 0
      await fc.assert(
        fc.asyncProperty(request, async ({ role, body: payload, viaGet, follow: next }) => {
          const first = await Promise.all([listAnswer(a, role, payload, viaGet), listAnswer(b, role, payload, viaGet)])
          expect(first[0], JSON.stringify(payload)).toEqual(first[1])
          pagesCompared += 1
          // Follow the cursors the answers handed out (the same in both, as the answers are).
          let answer = first[0]
          for (let page = 0; page < next.pages && answer.status === 200; page++) {
            const cursor = (JSON.parse(answer.body) as { cursor: string | null }).cursor
            if (!cursor) {
              break
            }
            const pair = await Promise.all([listAnswer(a, role, { ...payload, cursor }, viaGet), listAnswer(b, role, { ...payload, cursor }, viaGet)])
            expect(pair[0], `${JSON.stringify(payload)} page ${page + 2}`).toEqual(pair[1])
            pagesCompared += 1
            answer = pair[0]
          }
          // Cursors that point at a private position, and malformed ones.
          const extra: string[] = next.garbage === null ? [] : [next.garbage]
          if (next.forged) {
            try {
              const parsed = parseDefenderQuery(payload, parseOptions)
              extra.push(encodeCursor({ sortValue: next.forged.time, id: next.forged.id }, parsed.sort, queryFingerprint(parsed.conditions), parsed.anchor))
            } catch {
              // An invalid query has no cursor to forge; its 400 was compared above.
            }
          }
          for (const cursor of extra) {
            const pair = await Promise.all([listAnswer(a, role, { ...payload, cursor }, viaGet), listAnswer(b, role, { ...payload, cursor }, viaGet)])
            expect(pair[0], `${JSON.stringify(payload)} cursor ${cursor}`).toEqual(pair[1])
          }
        }),
        { seed: SEED, numRuns: RUNS },
      )
      expect(pagesCompared).toBeGreaterThan(RUNS)
    })

    maybe('should answer get-by-id of a private id exactly as of an unknown id', async () => {
      const ids = fc.constantFrom(...PUBLIC.slice(0, 10).map((p) => p.id), ...PRIVATE_IDS, 'evt-9999999', 'no-such-id', 'EVT-0000001')
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...ROLES), ids, async (role, id) => {
          const [fromA, fromB] = await Promise.all([getAnswer(a, role, id), getAnswer(b, role, id)])
          expect(fromA, id).toEqual(fromB)
        }),
        { seed: SEED, numRuns: 80 },
      )
      // And concretely: a private id of one store answers there exactly what the other says of an id it never had.
      for (const id of [PRIVATE_A[0]?.id, PRIVATE_B[0]?.id]) {
        const [fromA, fromB] = await Promise.all([getAnswer(a, 'global_admin', id ?? ''), getAnswer(b, 'global_admin', id ?? '')])
        expect(fromA.status).toBe(404)
        expect(fromA).toEqual(fromB)
      }
    })
  })
}
