/**
 * Hunting queries compiled to SQL, on both engines, against a small seeded data set whose answers are
 * computed here independently, in plain JavaScript over the same activities. Private activities are in
 * the store too (with values that would change every answer) and must never count.
 */
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely'
import { beforeAll, describe, expect, it } from 'vitest'

import type { Activity } from '../../src/core/activity/activity.js'
import { prepareHuntingQuery } from '../../src/core/hunting/hunting-query.js'
import { KQL_DATETIME_ORIGIN_MS } from '../../src/core/hunting/hunting-time.js'
import { compileHuntingPlan, POSTGRES_HUNTING_DIALECT, SQLITE_HUNTING_DIALECT } from '../../src/storage/kysely-hunting-repository.js'
import type { Database } from '../../src/storage/schema.js'
import type { HuntingResult } from '../../src/storage/store.js'
import { asPublic, buildActivity } from '../helpers/factories.js'
import { createTestVault } from '../helpers/privacy.js'
import { describeStores, type StoreHandle } from '../helpers/test-store.js'

const NOW = Date.parse('2026-03-10T12:00:00Z')
const HOUR = 3_600_000
const DAY = 24 * HOUR
const LIMITS = { maxQueryChars: 10_000, maxRows: 10_000, defaultWindowMs: 30 * DAY }

const APPS = ['Microsoft Teams', 'Okta', 'GitHub', 'Box', 'microsoft teams']
const ACTIONS = [
  { type: 'file.download', name: 'FileDownloaded' },
  { type: 'login', name: 'UserLoggedIn' },
  { type: 'mailbox.rule.create', name: 'New-InboxRule' },
  { type: 'repo.clone', name: 'git.clone' },
]
const UPNS = ['ann@contoso.com', 'bob@contoso.com', 'eve@fabrikam.com', 'svc-backup@contoso.com']
const COUNTRIES = ['DE', 'US', null, 'FR']
const CITIES = ['Berlin', null, 'New York', '']
const OBJECTS = ['Q3 Budget.xlsx', 'payroll-2026.csv', null, 'repo: veil/main', 'Budget notes.docx', 'BUDGET.PDF']

/** 48 activities over the last 12 days, every field cycling through its values (nulls and empties included). */
const ACTIVITIES: Activity[] = Array.from({ length: 48 }, (_, i) => {
  const upn = UPNS[i % UPNS.length] as string
  const external = upn.endsWith('@fabrikam.com')
  return buildActivity({
    id: `evt-${String(i).padStart(3, '0')}`,
    time: NOW - Math.floor((i * 6.1 + (i % 5) * 0.37) * HOUR) - (i % 7) * 1000,
    app: APPS[i % APPS.length] as string,
    action: ACTIONS[(i * 3) % ACTIONS.length] as { type: string; name: string },
    actor: { upn, displayName: `User ${i % 6}`, sourceId: i % 3 === 0 ? null : `oid-${i % 9}`, type: upn.startsWith('svc-') ? 'application' : 'user' },
    actorGroups: external ? ['partners', 'builtin:external-users'] : ['staff'],
    ip: i % 11 === 0 ? null : `203.0.113.${i % 8}`,
    location: { country: COUNTRIES[i % COUNTRIES.length] ?? null, city: CITIES[(i >> 1) % CITIES.length] ?? null },
    device: { type: i % 2 === 0 ? 'desktop' : 'mobile', userAgent: i % 3 === 0 ? 'Mozilla/5.0 (Windows NT 10.0)' : 'Outlook-iOS/2.0' },
    target: { type: 'file', id: `obj-${i % 4}`, name: OBJECTS[i % OBJECTS.length] ?? null },
    raw: { Operation: (ACTIONS[(i * 3) % ACTIONS.length] as { name: string }).name, Workload: i % 2 === 0 ? 'SharePoint' : 'Exchange', bytes: i * 100, nested: { depth: i % 3 }, items: [`item-${i % 4}`] },
  })
})

/** Private activities: their values, had they been public, would change nearly every answer below. */
const PRIVATE: Activity[] = Array.from({ length: 9 }, (_, i) =>
  buildActivity({
    id: `evt-${String(100 + i)}`,
    time: NOW - i * 5 * HOUR,
    app: i % 2 === 0 ? 'Okta' : 'Private App',
    action: { type: 'file.download', name: 'FileDownloaded' },
    actor: { upn: 'hr.person@contoso.com', displayName: 'HR Person' },
    location: { country: 'US', city: 'Berlin' },
    target: { type: 'file', id: 'secret', name: 'Budget secret.xlsx' },
    raw: { Operation: 'FileDownloaded', bytes: 1_000_000 },
  }),
)

type Row = unknown[]

function run(handle: StoreHandle, query: string, timespan: string | null = null): Promise<HuntingResult> {
  const plan = prepareHuntingQuery(query, { now: NOW, timespan, limits: LIMITS })
  return handle.store().hunting.run(plan, { timeoutMs: 10_000 })
}

async function rows(handle: StoreHandle, query: string): Promise<Row[]> {
  return (await run(handle, query)).rows
}

/** Activities in the default window (the last 30 days), newest first then by id descending: the default order. */
function inWindow(): Activity[] {
  return ACTIVITIES.filter((a) => a.time >= NOW - 30 * DAY).sort((x, y) => y.time - x.time || (x.id < y.id ? 1 : -1))
}

/** KQL's string view of a missing value is the empty string. */
const s = (value: string | null | undefined): string => value ?? ''

/** Sort rows with JavaScript's default (code unit) comparison of their JSON, for order-free comparisons. */
function unordered(list: Row[]): string[] {
  return list.map((r) => JSON.stringify(r)).sort()
}

function compareAsc(a: unknown, b: unknown): number {
  if (a === b) {
    return 0
  }
  if (a === null || a === undefined) {
    return -1
  }
  if (b === null || b === undefined) {
    return 1
  }
  return (a as number | string) < (b as number | string) ? -1 : 1
}

function binOf(time: number, size: number): number {
  return Math.floor((time - KQL_DATETIME_ORIGIN_MS) / size) * size + KQL_DATETIME_ORIGIN_MS
}

function ids(list: Activity[]): string[][] {
  return list.map((a) => [a.id])
}

describeStores('hunting compiled to SQL', (handle) => {
  beforeAll(async () => {
    const store = handle.store()
    expect(new Set(await store.activities.insert(ACTIVITIES.map(asPublic)))).toEqual(new Set(['inserted']))
    const vault = createTestVault(store)
    const sealed = await Promise.all(PRIVATE.map((a) => vault.sealActivity(a, 'hr')))
    expect(new Set(await store.activities.insert(sealed))).toEqual(new Set(['inserted']))
  })

  describe('the Defender sample query', () => {
    it('should run unchanged and answer as computed', async () => {
      const query = 'CloudAppEvents | where Timestamp > ago(7d) and ActionType == "FileDownloaded" | summarize count() by Application, bin(Timestamp, 1h) | order by count_ desc | take 10'
      const result = await run(handle, query)
      expect(result.columns).toEqual([
        { name: 'Application', type: 'string' },
        { name: 'Timestamp', type: 'datetime' },
        { name: 'count_', type: 'long' },
      ])
      const groups = new Map<string, Row>()
      for (const a of inWindow().filter((x) => x.time > NOW - 7 * DAY && x.action.name === 'FileDownloaded')) {
        const key = JSON.stringify([a.app, binOf(a.time, HOUR)])
        const row = groups.get(key) ?? [a.app, binOf(a.time, HOUR), 0]
        row[2] = (row[2] as number) + 1
        groups.set(key, row)
      }
      const expected = [...groups.values()].sort((x, y) => (y[2] as number) - (x[2] as number) || compareAsc(x[0], y[0]) || compareAsc(x[1], y[1])).slice(0, 10)
      expect(expected.length).toBeGreaterThan(1)
      expect(result.rows).toEqual(expected)
      expect(result.truncated).toBe(false)
    })
  })

  describe('where: string operators', () => {
    const cases: Array<[string, (a: Activity) => boolean]> = [
      ['Application == "Microsoft Teams"', (a) => a.app === 'Microsoft Teams'],
      ['Application =~ "MICROSOFT teams"', (a) => a.app.toLowerCase() === 'microsoft teams'],
      ['Application != "Microsoft Teams"', (a) => a.app !== 'Microsoft Teams'],
      ['Application !~ "microsoft teams"', (a) => a.app.toLowerCase() !== 'microsoft teams'],
      ['ObjectName contains "budget"', (a) => s(a.target.name).toLowerCase().includes('budget')],
      ['ObjectName !contains "budget"', (a) => !s(a.target.name).toLowerCase().includes('budget')],
      ['ObjectName contains_cs "Budget"', (a) => s(a.target.name).includes('Budget')],
      ['ObjectName !contains_cs "Budget"', (a) => !s(a.target.name).includes('Budget')],
      ['ObjectName startswith "budget"', (a) => s(a.target.name).toLowerCase().startsWith('budget')],
      ['ObjectName startswith_cs "BUDGET"', (a) => s(a.target.name).startsWith('BUDGET')],
      ['ObjectName !startswith "budget"', (a) => !s(a.target.name).toLowerCase().startsWith('budget')],
      ['ObjectName endswith ".XLSX"', (a) => s(a.target.name).toLowerCase().endsWith('.xlsx')],
      ['ObjectName endswith_cs ".xlsx"', (a) => s(a.target.name).endsWith('.xlsx')],
      ['ObjectName !endswith_cs ".xlsx"', (a) => !s(a.target.name).endsWith('.xlsx')],
      ['ObjectName has "budget"', (a) => /(^|[^a-z0-9])budget([^a-z0-9]|$)/.test(s(a.target.name).toLowerCase())],
      ['ObjectName !has "budget"', (a) => !/(^|[^a-z0-9])budget([^a-z0-9]|$)/.test(s(a.target.name).toLowerCase())],
      ['ObjectName has_cs "Budget"', (a) => /(^|[^A-Za-z0-9])Budget([^A-Za-z0-9]|$)/.test(s(a.target.name))],
      ['ObjectName has "veil/main"', (a) => /(^|[^a-z0-9])veil\/main([^a-z0-9]|$)/.test(s(a.target.name).toLowerCase())],
      ['ObjectName contains "%"', (a) => s(a.target.name).includes('%')],
      ['ObjectName contains "_"', (a) => s(a.target.name).includes('_')],
      ['City == ""', (a) => s(a.location.city) === ''],
      ['City != ""', (a) => s(a.location.city) !== ''],
      ['City != "Berlin"', (a) => s(a.location.city) !== 'Berlin'],
      ['isempty(City)', (a) => s(a.location.city) === ''],
      ['isnotempty(CountryCode)', (a) => s(a.location.country) !== ''],
      ['isnull(City)', () => false],
      ['CountryCode in ("DE", "FR")', (a) => ['DE', 'FR'].includes(s(a.location.country))],
      ['CountryCode in ("de", "FR")', (a) => s(a.location.country) === 'FR'],
      ['CountryCode in~ ("de", "fr")', (a) => ['de', 'fr'].includes(s(a.location.country).toLowerCase())],
      ['CountryCode !in ("DE", "FR")', (a) => !['DE', 'FR'].includes(s(a.location.country))],
      ['CountryCode !in~ ("de")', (a) => s(a.location.country).toLowerCase() !== 'de'],
      ['CountryCode in ("", "US")', (a) => ['', 'US'].includes(s(a.location.country))],
      ['AccountId == "eve@fabrikam.com"', (a) => a.actor.upn === 'eve@fabrikam.com'],
      ['IPAddress startswith "203.0.113.1"', (a) => s(a.ip).startsWith('203.0.113.1')],
      ['ReportId == "evt-007"', (a) => a.id === 'evt-007'],
      ['ReportId =~ "EVT-007"', (a) => a.id === 'evt-007'],
      ['UserAgent contains "windows"', (a) => s(a.device.userAgent).toLowerCase().includes('windows')],
      ['AccountDisplayName =~ "user 3"', (a) => s(a.actor.displayName).toLowerCase() === 'user 3'],
      ['tolower(Application) == "microsoft teams"', (a) => a.app.toLowerCase() === 'microsoft teams'],
      ['toupper(ObjectName) contains_cs "BUDGET"', (a) => s(a.target.name).toUpperCase().includes('BUDGET')],
      ['strlen(ObjectName) > 15', (a) => s(a.target.name).length > 15],
      ['strcat(Application, "/", ActionType) == "Okta/UserLoggedIn"', (a) => `${a.app}/${a.action.name}` === 'Okta/UserLoggedIn'],
    ]
    for (const [condition, predicate] of cases) {
      it(`should filter ${condition}`, async () => {
        const expected = ids(inWindow().filter(predicate))
        expect(await rows(handle, `CloudAppEvents | where ${condition} | project ReportId`)).toEqual(expected)
      })
    }
  })

  describe('where: logic, numbers, times, dynamic values', () => {
    const cases: Array<[string, (a: Activity) => boolean]> = [
      // and binds tighter than or.
      ['Application == "Okta" or Application == "GitHub" and CountryCode == "US"', (a) => a.app === 'Okta' || (a.app === 'GitHub' && a.location.country === 'US')],
      ['(Application == "Okta" or Application == "GitHub") and CountryCode == "US"', (a) => (a.app === 'Okta' || a.app === 'GitHub') && a.location.country === 'US'],
      ['not(Application == "Okta" or CountryCode == "DE")', (a) => !(a.app === 'Okta' || a.location.country === 'DE')],
      ['not(ObjectName contains "budget" and City == "Berlin")', (a) => !(s(a.target.name).toLowerCase().includes('budget') && s(a.location.city) === 'Berlin')],
      ['Timestamp > ago(2d)', (a) => a.time > NOW - 2 * DAY],
      ['Timestamp <= ago(10d)', (a) => a.time <= NOW - 10 * DAY],
      ['Timestamp between (ago(3d) .. ago(1d))', (a) => a.time >= NOW - 3 * DAY && a.time <= NOW - DAY],
      ['Timestamp !between (ago(3d) .. ago(1d))', (a) => !(a.time >= NOW - 3 * DAY && a.time <= NOW - DAY)],
      ['Timestamp between (datetime(2026-03-05) .. 2d)', (a) => a.time >= Date.parse('2026-03-05T00:00:00Z') && a.time <= Date.parse('2026-03-07T00:00:00Z')],
      ['Timestamp >= datetime(2026-03-08 06:00:00)', (a) => a.time >= Date.parse('2026-03-08T06:00:00Z')],
      ['now() - Timestamp < 36h', (a) => NOW - a.time < 36 * HOUR],
      ['(now() - Timestamp) / 1h between (10 .. 20)', (a) => (NOW - a.time) / HOUR >= 10 && (NOW - a.time) / HOUR <= 20],
      ['IsExternalUser', (a) => a.actorGroups.includes('builtin:external-users')],
      ['not(IsExternalUser)', (a) => !a.actorGroups.includes('builtin:external-users')],
      ['IsExternalUser == false', (a) => !a.actorGroups.includes('builtin:external-users')],
      ['AccountType == "Application"', (a) => a.actor.type === 'application'],
      ['AccountType == "Regular"', (a) => a.actor.type === 'user'],
      ['RawEventData.Operation == "New-InboxRule"', (a) => (a.raw as { Operation: string }).Operation === 'New-InboxRule'],
      ['RawEventData["Workload"] =~ "exchange"', (a) => (a.raw as { Workload: string }).Workload === 'Exchange'],
      ['RawEventData.bytes > 2500', (a) => (a.raw as { bytes: number }).bytes > 2500],
      ['RawEventData.bytes in (100, 200, 300)', (a) => [100, 200, 300].includes((a.raw as { bytes: number }).bytes)],
      ['RawEventData.nested.depth == 2', (a) => (a.raw as { nested: { depth: number } }).nested.depth === 2],
      ['RawEventData.items[0] == "item-3"', (a) => (a.raw as { items: string[] }).items[0] === 'item-3'],
      ['tostring(RawEventData.nested.depth) == "1"', (a) => (a.raw as { nested: { depth: number } }).nested.depth === 1],
      ['isempty(RawEventData.missing)', () => true],
      ['RawEventData.Workload contains "point"', (a) => (a.raw as { Workload: string }).Workload === 'SharePoint'],
      ['iff(IsExternalUser, "ext", "int") == "ext"', (a) => a.actorGroups.includes('builtin:external-users')],
      ['coalesce(City, CountryCode, "none") == "none"', (a) => s(a.location.city) === '' && s(a.location.country) === ''],
    ]
    for (const [condition, predicate] of cases) {
      it(`should filter ${condition}`, async () => {
        expect(await rows(handle, `CloudAppEvents | where ${condition} | project ReportId`)).toEqual(ids(inWindow().filter(predicate)))
      })
    }
  })

  describe('project, extend, order, take, top', () => {
    it('should project with renames and computed columns, in the default order (newest first)', async () => {
      const result = await run(handle, 'CloudAppEvents | take 5 | project Id = ReportId, App = toupper(Application), Len = strlen(ObjectName), Both = strcat(AccountId, " in ", City), RawEventData.Workload, Day = startofday(Timestamp)')
      expect(result.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['Id:string', 'App:string', 'Len:long', 'Both:string', 'RawEventData_Workload:dynamic', 'Day:datetime'])
      expect(result.rows).toEqual(
        inWindow()
          .slice(0, 5)
          .map((a) => [a.id, a.app.toUpperCase(), s(a.target.name).length, `${s(a.actor.upn)} in ${s(a.location.city)}`, (a.raw as { Workload: string }).Workload, binOf(a.time, DAY)]),
      )
    })

    it('should extend, replace a column, and use extended columns in later filters', async () => {
      const result = await rows(handle, 'CloudAppEvents | extend Application = tolower(Application), Hours = (now() - Timestamp) / 1h | where Application == "microsoft teams" and Hours < 100 | project ReportId, Application, Hours')
      const expected = inWindow().filter((a) => a.app.toLowerCase() === 'microsoft teams' && (NOW - a.time) / HOUR < 100)
      expect(result.map((r) => r.slice(0, 2))).toEqual(expected.map((a) => [a.id, 'microsoft teams']))
      // Hours is a real (timespan / timespan): PostgreSQL divides in numeric, so compare to the float's precision.
      result.forEach((r, i) => expect(r[2] as number).toBeCloseTo((NOW - (expected[i] as Activity).time) / HOUR, 9))
    })

    it('should show every column of the table by default', async () => {
      const result = await run(handle, 'CloudAppEvents | where ReportId == "evt-005"')
      const a = ACTIVITIES[5] as Activity
      expect(Object.fromEntries(result.columns.map((c, i) => [c.name, result.rows[0]?.[i]]))).toEqual({
        Timestamp: a.time,
        ActionType: a.action.name,
        ActivityType: a.action.type,
        Application: a.app,
        AccountObjectId: a.actor.sourceId,
        AccountId: a.actor.upn,
        AccountDisplayName: a.actor.displayName,
        AccountType: 'Regular',
        IsExternalUser: false,
        IPAddress: a.ip,
        CountryCode: a.location.country,
        City: a.location.city,
        UserAgent: a.device.userAgent,
        DeviceType: a.device.type,
        ObjectName: a.target.name,
        ObjectType: a.target.type,
        ObjectId: a.target.id,
        ReportId: a.id,
        RawEventData: a.raw,
      })
    })

    it('should order by several keys with directions and KQL null placement', async () => {
      const result = await rows(handle, 'CloudAppEvents | order by CountryCode asc, Timestamp desc | project CountryCode, ReportId')
      const expected = inWindow()
        .sort((x, y) => compareAsc(x.location.country, y.location.country) || y.time - x.time || (x.id < y.id ? 1 : -1))
        .map((a) => [a.location.country, a.id])
      expect(result).toEqual(expected)
      // Descending by default, and missing values last.
      const desc = await rows(handle, 'CloudAppEvents | sort by IPAddress | project IPAddress, ReportId')
      const byIpDesc = (x: Activity, y: Activity): number => (x.ip === y.ip ? 0 : x.ip === null ? 1 : y.ip === null ? -1 : x.ip < y.ip ? 1 : -1)
      expect(desc).toEqual(inWindow().sort((x, y) => byIpDesc(x, y) || y.time - x.time || (x.id < y.id ? 1 : -1)).map((a) => [a.ip, a.id]))
    })

    it('should take, limit and top', async () => {
      expect(await rows(handle, 'CloudAppEvents | limit 3 | project ReportId')).toEqual(ids(inWindow().slice(0, 3)))
      expect(await rows(handle, 'CloudAppEvents | top 4 by Timestamp asc | project ReportId')).toEqual(ids([...inWindow()].reverse().slice(0, 4)))
      expect(await rows(handle, 'CloudAppEvents | take 10 | take 2 | project ReportId')).toEqual(ids(inWindow().slice(0, 2)))
    })

    it('should filter and sort the rows a take kept, not the table', async () => {
      const oldest5 = [...inWindow()].reverse().slice(0, 5)
      expect(await rows(handle, 'CloudAppEvents | order by Timestamp asc | take 5 | where Application != "Okta" | project ReportId')).toEqual(ids(oldest5.filter((a) => a.app !== 'Okta')))
      expect(await rows(handle, 'CloudAppEvents | take 6 | order by ReportId asc | project ReportId')).toEqual(ids(inWindow().slice(0, 6).sort((x, y) => compareAsc(x.id, y.id))))
      // Keeps the order of the rows kept.
      expect(await rows(handle, 'CloudAppEvents | top 5 by ObjectName asc | extend x = 1 | project ReportId')).toEqual(
        ids(inWindow().sort((x, y) => compareAsc(x.target.name, y.target.name) || y.time - x.time || (x.id < y.id ? 1 : -1)).slice(0, 5)),
      )
    })

    it('should project-away and project-rename', async () => {
      const result = await run(handle, 'CloudAppEvents | project ReportId, Application, City | project-away City | project-rename App = Application | take 1')
      expect(result.columns.map((c) => c.name)).toEqual(['ReportId', 'App'])
      expect(result.rows).toEqual([[inWindow()[0]?.id, inWindow()[0]?.app]])
    })
  })

  describe('summarize, distinct, count', () => {
    it('should aggregate with KQL default names, per group ordered by the keys', async () => {
      const result = await run(handle, 'CloudAppEvents | summarize count(), dcount(AccountId), min(Timestamp), max(ObjectName), countif(IsExternalUser), sum(RawEventData.bytes), avg(RawEventData.bytes) by Application')
      expect(result.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
        'Application:string',
        'count_:long',
        'dcount_AccountId:long',
        'min_Timestamp:datetime',
        'max_ObjectName:string',
        'countif_:long',
        'sum_RawEventData_bytes:real',
        'avg_RawEventData_bytes:real',
      ])
      const apps = [...new Set(inWindow().map((a) => a.app))].sort(compareAsc)
      const expected = apps.map((app) => {
        const group = inWindow().filter((a) => a.app === app)
        const bytes = group.map((a) => (a.raw as { bytes: number }).bytes)
        const names = group.map((a) => a.target.name).filter((n): n is string => n !== null)
        return [
          app,
          group.length,
          new Set(group.map((a) => a.actor.upn)).size,
          Math.min(...group.map((a) => a.time)),
          names.sort(compareAsc)[names.length - 1] ?? null,
          group.filter((a) => a.actorGroups.includes('builtin:external-users')).length,
          bytes.reduce((x, y) => x + y, 0),
          bytes.reduce((x, y) => x + y, 0) / bytes.length,
        ]
      })
      // avg: PostgreSQL averages in numeric, so compare it to the float's precision.
      expect(result.rows.map((r) => r.slice(0, 7))).toEqual(expected.map((r) => r.slice(0, 7)))
      result.rows.forEach((r, i) => expect(r[7] as number).toBeCloseTo(expected[i]?.[7] as number, 9))
    })

    it('should summarize by bins of a day and by computed keys, with names given', async () => {
      const result = await rows(handle, 'CloudAppEvents | summarize Events = count(), Users = dcount(AccountId) by Day = bin(Timestamp, 1d), Lower = tolower(Application) | where Events > 1 | order by Day desc, Lower asc')
      const groups = new Map<string, Activity[]>()
      for (const a of inWindow()) {
        const key = JSON.stringify([binOf(a.time, DAY), a.app.toLowerCase()])
        groups.set(key, [...(groups.get(key) ?? []), a])
      }
      const expected = [...groups.entries()]
        .map(([key, list]) => [...(JSON.parse(key) as [number, string]), list.length, new Set(list.map((a) => a.actor.upn)).size])
        .map(([day, app, n, users]) => [day, app, n, users])
        .filter((r) => (r[2] as number) > 1)
        .sort((x, y) => (y[0] as number) - (x[0] as number) || compareAsc(x[1], y[1]))
      expect(result).toEqual(expected)
    })

    it('should aggregate the whole table without by, and count an empty one as 0', async () => {
      expect(await rows(handle, 'CloudAppEvents | summarize count(), max(Timestamp)')).toEqual([[inWindow().length, Math.max(...inWindow().map((a) => a.time))]])
      expect(await rows(handle, 'CloudAppEvents | where Application == "nothing" | summarize count(), countif(IsExternalUser)')).toEqual([[0, 0]])
      expect(await rows(handle, 'CloudAppEvents | where Application == "nothing" | count')).toEqual([[0]])
    })

    it('should answer distinct and count', async () => {
      expect(unordered(await rows(handle, 'CloudAppEvents | distinct CountryCode'))).toEqual(unordered([...new Set(inWindow().map((a) => a.location.country))].map((c) => [c])))
      expect(await rows(handle, 'CloudAppEvents | distinct Application, AccountType | count')).toEqual([[new Set(inWindow().map((a) => `${a.app}|${a.actor.type}`)).size]])
      expect(await rows(handle, 'CloudAppEvents | where IsExternalUser | count')).toEqual([[inWindow().filter((a) => a.actorGroups.includes('builtin:external-users')).length]])
    })

    it('should summarize after a take, and summarize a summary', async () => {
      expect(await rows(handle, 'CloudAppEvents | take 7 | summarize n = count() by Application | summarize sum(n), count()')).toEqual([[7, new Set(inWindow().slice(0, 7).map((a) => a.app)).size]])
    })

    it('should group by display values read from the documents, case variants and missing values apart', async () => {
      // The shapes of the common hunting questions; 'Microsoft Teams' and 'microsoft teams' are two apps,
      // a missing IP is one group (the storage answers null; the route writes it as ""), and
      // countif/dcount read the columns they read outside a group.
      const result = await rows(
        handle,
        'CloudAppEvents | summarize count(), dcount(AccountId), countif(Application =~ "MICROSOFT TEAMS"), dcount(IPAddress) by Application, ActionType, IPAddress, bin(Timestamp, 1d)',
      )
      const groups = new Map<string, Activity[]>()
      for (const a of inWindow()) {
        const key = JSON.stringify([a.app, a.action.name, a.ip, binOf(a.time, DAY)])
        groups.set(key, [...(groups.get(key) ?? []), a])
      }
      const expected = [...groups.entries()]
        .map(([key, list]) => [
          ...(JSON.parse(key) as unknown[]),
          list.length,
          new Set(list.map((a) => a.actor.upn)).size,
          list.filter((a) => a.app.toLowerCase() === 'microsoft teams').length,
          new Set(list.map((a) => s(a.ip))).size,
        ])
        .sort((x, y) => compareAsc(x[0], y[0]) || compareAsc(x[1], y[1]) || compareAsc(x[2], y[2]) || (x[3] as number) - (y[3] as number))
      expect(new Set(result.map((r) => r[0]))).toEqual(new Set(['Microsoft Teams', 'microsoft teams', 'Okta', 'GitHub', 'Box']))
      expect(result).toEqual(expected)
    })

    it('should group by a dynamic value', async () => {
      const result = await rows(handle, 'CloudAppEvents | summarize count() by RawEventData.Workload')
      expect(unordered(result)).toEqual(unordered(['Exchange', 'SharePoint'].map((w) => [w, inWindow().filter((a) => (a.raw as { Workload: string }).Workload === w).length])))
    })
  })

  describe('window and limits', () => {
    it('should read the timespan asked for, and only it', async () => {
      const last2 = await run(handle, 'CloudAppEvents | count', 'P2D')
      expect(last2.rows).toEqual([[ACTIVITIES.filter((a) => a.time >= NOW - 2 * DAY).length]])
      const interval = await run(handle, 'CloudAppEvents | count', '2026-03-01T00:00:00Z/2026-03-05T00:00:00Z')
      expect(interval.rows).toEqual([[ACTIVITIES.filter((a) => a.time >= Date.parse('2026-03-01T00:00:00Z') && a.time <= Date.parse('2026-03-05T00:00:00Z')).length]])
      expect((await run(handle, 'CloudAppEvents | count', '6h')).rows).toEqual([[ACTIVITIES.filter((a) => a.time >= NOW - 6 * HOUR).length]])
    })

    it('should cut the answer at the row limit and say so', async () => {
      const plan = prepareHuntingQuery('CloudAppEvents | project ReportId', { now: NOW, limits: { ...LIMITS, maxRows: 10 } })
      const result = await handle.store().hunting.run(plan, { timeoutMs: 10_000 })
      expect(result.rows).toEqual(ids(inWindow().slice(0, 10)))
      expect(result.truncated).toBe(true)
      const exact = prepareHuntingQuery('CloudAppEvents | take 10 | project ReportId', { now: NOW, limits: { ...LIMITS, maxRows: 10 } })
      expect((await handle.store().hunting.run(exact, { timeoutMs: 10_000 })).truncated).toBe(false)
    })
  })

  describe('private activities', () => {
    it('should never be in the table', async () => {
      expect(await rows(handle, 'CloudAppEvents | count')).toEqual([[inWindow().length]])
      expect(await rows(handle, 'CloudAppEvents | where AccountId == "hr.person@contoso.com" or Application == "Private App" or ObjectName contains "secret" | count')).toEqual([[0]])
      expect(await rows(handle, 'CloudAppEvents | where ReportId startswith "evt-1" and strlen(ReportId) == 7 | count')).toEqual([[0]])
      expect(await rows(handle, 'CloudAppEvents | summarize max(RawEventData.bytes)')).toEqual([[Math.max(...inWindow().map((a) => (a.raw as { bytes: number }).bytes))]])
      expect(await rows(handle, 'CloudAppEvents | where Timestamp > ago(1h) | summarize count() by bin(Timestamp, 1m)')).toEqual(
        inWindow()
          .filter((a) => a.time > NOW - HOUR)
          .map((a) => [binOf(a.time, 60_000), 1]),
      )
    })
  })
})

describe('the statement of a summary that reads the documents', () => {
  const sqlite = new Kysely<Database>({
    dialect: { createAdapter: () => new SqliteAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new SqliteIntrospector(db), createQueryCompiler: () => new SqliteQueryCompiler() },
  })
  const postgres = new Kysely<Database>({
    dialect: { createAdapter: () => new PostgresAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new PostgresIntrospector(db), createQueryCompiler: () => new PostgresQueryCompiler() },
  })
  const plan = (query: string) => prepareHuntingQuery(query, { now: NOW, timespan: null, limits: LIMITS })

  it('should read each row once, then group the values, on SQLite (its sorter never holds a document)', () => {
    const { sql } = compileHuntingPlan(plan('CloudAppEvents | summarize count(), countif(Application =~ "okta") by Application, bin(Timestamp, 1h)'), SQLITE_HUNTING_DIALECT).compile(sqlite)
    const inner = /from \(select (.*) from "activities" where "is_private" = 0 (.*) limit -1\) as "r0" group by 1, 2/.exec(sql)
    expect(inner, sql).not.toBeNull()
    // The document, the time and the copy column are read inside; the grouping names only their aliases.
    expect(inner?.[1]).toContain(`"doc" ->> '$.app'`)
    expect(inner?.[1]).toContain('"app" as')
    expect(sql.slice(0, sql.indexOf('from (select'))).not.toContain('"doc"')
  })

  it('should group directly where no document is read, and on PostgreSQL', () => {
    expect(compileHuntingPlan(plan('CloudAppEvents | summarize count() by bin(Timestamp, 1h), AccountType, IsExternalUser'), SQLITE_HUNTING_DIALECT).compile(sqlite).sql).not.toContain('limit -1')
    expect(compileHuntingPlan(plan('CloudAppEvents | summarize count() by Application'), POSTGRES_HUNTING_DIALECT).compile(postgres).sql).not.toContain('limit -1')
  })
})
