/**
 * Privacy rule 4 for the counts an admin reads beside the activity log, on both engines: two Veil
 * instances receive the same public activities and different private ones (how many, duplicates
 * too), in the same HTTP ingest batches and through the same kind of pull connector. The ingest
 * metrics, the overview (ingest rate per minute included) and the connector's status must answer the
 * same in both: a count that included private activities would tell an admin who may not reveal, by
 * its difference with the public log, how many private activities arrived and when.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { FAST_CONNECTOR_ENV } from '../connectors/connector-scenarios.js'
import { startOkta } from '../connectors/provider-servers.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp, type TestRole } from '../helpers/test-app.js'

const START = Date.parse('2026-11-20T12:00:00Z')
const TOKEN = '00okta-token-for-the-count-test'
const REVEAL = { includePrivate: true, justification: 'count test: check the private activities arrived' }

/** A record in Veil's own format. */
function veilRecord(id: string, upn: string, app: string, time: number) {
  return { id, time: new Date(time).toISOString(), actor: { upn, type: 'user' }, app, action: 'login' }
}

/** An Okta System Log sign-in of `upn` (the connector's provider serves it). */
function oktaEvent(uuid: string, upn: string) {
  return {
    uuid,
    eventType: 'user.session.start',
    version: '0',
    severity: 'INFO',
    displayMessage: 'User login to Okta',
    actor: { id: `00u-${upn}`, type: 'User', alternateId: upn, displayName: upn },
    client: { ipAddress: '203.0.113.5', userAgent: { rawUserAgent: 'Mozilla/5.0' } },
    outcome: { result: 'SUCCESS' },
  }
}

const PUBLIC_RECORDS = Array.from({ length: 5 }, (_, i) => veilRecord(`pub-${i}`, i % 2 ? 'sales.sam@contoso.com' : 'ops.olga@contoso.com', i % 2 ? 'Okta' : 'Slack', START - (i + 1) * 10_000))
const PUBLIC_OKTA = Array.from({ length: 4 }, (_, i) => oktaEvent(`okta-public-${i}`, 'sales.sam@contoso.com'))

/** What differs between the two instances: only private activities. */
const INSTANCES = [
  {
    privateRecords: [veilRecord('hr-a-1', 'hr.anna@contoso.com', 'Workday', START - 5000)],
    privateOkta: [oktaEvent('okta-private-a-1', 'hr.anna@contoso.com')],
  },
  {
    privateRecords: [
      veilRecord('hr-b-1', 'hr.anna@contoso.com', 'Workday', START - 5000),
      veilRecord('hr-b-2', 'hr.ben@contoso.com', 'Okta', START - 4000),
      veilRecord('hr-b-3', 'hr.ben@contoso.com', 'Slack', START - 3000),
      // Sent twice: a duplicate of a private activity must not be counted either.
      veilRecord('hr-b-3', 'hr.ben@contoso.com', 'Slack', START - 3000),
    ],
    privateOkta: [oktaEvent('okta-private-b-1', 'hr.anna@contoso.com'), oktaEvent('okta-private-b-2', 'hr.ben@contoso.com'), oktaEvent('okta-private-b-3', 'hr.ben@contoso.com')],
  },
] as const

/**
 * The ingest and connector-event metrics' lines, which must not depend on private activities; the
 * connector label (a random id, different in each instance) is blanked.
 */
function ingestMetricLines(exposition: string): string[] {
  return exposition
    .split('\n')
    .filter((line) => /^veil_(ingest_(records_total|batches_total|commit_rows_(bucket|sum|count))|connector_events_total)\b/.test(line))
    .map((line) => line.replace(/connector="[^"]*"/, 'connector="*"'))
}

for (const engine of selectedStores()) {
  describe(`${engine}: no count an admin reads depends on private activities (privacy rule 4)`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    if (!runs) {
      describe.skip(`${engine} unreachable`, () => undefined)
      return
    }
    let now = START
    const apps: TestApp[] = []
    const providers: Array<Awaited<ReturnType<typeof startOkta>>> = []
    const connectorIds: string[] = []

    const get = (t: TestApp, role: TestRole, url: string) => t.app.inject({ method: 'GET', url, headers: t.auth(role) })

    beforeAll(async () => {
      // Both instances start (and their ingest meters take a first sample) at 12:00:00; records arrive a second later.
      apps.push(...(await Promise.all(INSTANCES.map(() => createTestApp({ engine, clock: () => now, env: FAST_CONNECTOR_ENV })))))
      now = START + 1_000
      for (const [i, instance] of INSTANCES.entries()) {
        const t = apps[i] as TestApp
        const admin = t.auth('security_admin')
        const csv = ['group,upn', 'HR,hr.anna@contoso.com', 'HR,hr.ben@contoso.com', 'Sales,sales.sam@contoso.com'].join('\n')
        expect((await t.app.inject({ method: 'POST', url: '/api/v1/directory/import', payload: csv, headers: { ...admin, 'content-type': 'text/csv' } })).statusCode).toBe(200)
        expect((await t.app.inject({ method: 'POST', url: '/api/v1/settings/privacy-groups', payload: { groups: ['hr'] }, headers: admin })).statusCode).toBe(200)

        // Two batches, public and private records mixed in each, as a source sends them.
        const records: unknown[] = [...PUBLIC_RECORDS, ...instance.privateRecords]
        for (const batch of [records.slice(0, 4), records.slice(4)]) {
          const res = await t.app.inject({ method: 'POST', url: '/api/v1/activities/ingest', payload: JSON.stringify(batch), headers: { ...admin, 'content-type': 'application/json' } })
          expect(res.statusCode, res.body).toBe(200)
        }

        const okta = await startOkta(TOKEN)
        providers.push(okta)
        okta.add([...PUBLIC_OKTA, ...instance.privateOkta], START - 60_000)
        const created = await t.app.inject({ method: 'POST', url: '/api/v1/connectors', headers: admin, payload: { name: 'Okta', kind: 'okta', settings: { baseUrl: okta.url }, credentials: { apiToken: TOKEN }, startFrom: '2026-01-01T00:00:00Z' } })
        expect(created.statusCode, created.body).toBe(201)
        const id = (created.json() as { id: string }).id
        connectorIds.push(id)
        expect((await t.app.inject({ method: 'POST', url: `/api/v1/connectors/${id}/run`, headers: admin })).statusCode).toBe(202)
        t.runtime.connectorScheduler.start()
        const deadline = Date.now() + 20_000
        while (((await get(t, 'security_reader', `/api/v1/connectors/${id}`)).json() as { status: { lastSuccessAt: number | null } }).status.lastSuccessAt === null) {
          expect(Date.now(), 'the connector should have run').toBeLessThan(deadline)
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        await t.runtime.connectorScheduler.stop()
        // The overview's ingest meter samples at each request: this one closes the minute 12:00.
        expect((await get(t, 'security_reader', '/api/v1/overview')).statusCode).toBe(200)
      }
      now = START + 61_000
    })
    afterAll(async () => {
      await Promise.all(providers.map((p) => p.close()))
      await Promise.all(apps.map((t) => t.close()))
    })

    it('should hold different private activities in the two instances', async () => {
      const all = { conditions: [], sort: { field: 'time' as const, direction: 'desc' as const }, limit: 1, skip: 0, after: null, countLimit: 1_000 }
      const totals = await Promise.all(apps.map(async (t) => (await t.runtime.store.activities.list(all, REVEAL)).total))
      const publicCount = PUBLIC_RECORDS.length + PUBLIC_OKTA.length
      expect(totals).toEqual([publicCount + 2, publicCount + 6])
    })

    it('should count only public activities in the ingest metrics', async () => {
      const [a, b] = await Promise.all(apps.map(async (t) => ingestMetricLines((await get(t, 'global_admin', '/metrics')).body)))
      expect(a).toEqual(b)
      expect(a).toContain(`veil_ingest_records_total{outcome="accepted"} ${PUBLIC_RECORDS.length + PUBLIC_OKTA.length}`)
      expect(a).toContain('veil_ingest_records_total{outcome="duplicate"} 0')
      expect(a).toContain(`veil_ingest_commit_rows_sum ${PUBLIC_RECORDS.length + PUBLIC_OKTA.length}`)
      expect(a).toContain(`veil_connector_events_total{connector="*",outcome="accepted"} ${PUBLIC_OKTA.length}`)
    })

    it('should answer the overview the same, ingest rate included, for every viewer', async () => {
      for (const role of ['security_reader', 'compliance_admin', 'global_admin'] as const) {
        const [a, b] = await Promise.all(apps.map(async (t) => (await get(t, role, '/api/v1/overview')).json() as { activities: unknown; ingest: { perMinute: Array<{ accepted: number | null }> } | null; reveals: unknown; connectors: { items: Array<{ name: string; accepted: number }> } | null }))
        expect(a?.activities, role).toEqual(b?.activities)
        expect(a?.ingest, role).toEqual(b?.ingest)
        expect(a?.reveals, role).toEqual(b?.reveals)
        expect(a?.connectors?.items.map((c) => [c.name, c.accepted]), role).toEqual(b?.connectors?.items.map((c) => [c.name, c.accepted]))
      }
      const overview = (await get(apps[0] as TestApp, 'security_reader', '/api/v1/overview')).json() as { ingest: { perMinute: Array<{ minute: number; accepted: number | null }> } }
      // The minute 12:00 holds the HTTP batches and the connector's run, all at the test's clock.
      expect(overview.ingest.perMinute.at(-1)).toEqual({ minute: START, accepted: PUBLIC_RECORDS.length + PUBLIC_OKTA.length })
    })

    it('should leave private activities out of the connector status, fetched included', async () => {
      const [a, b] = await Promise.all(apps.map(async (t, i) => ((await get(t, 'security_reader', `/api/v1/connectors/${connectorIds[i]}`)).json() as { status: { events: unknown } }).status.events))
      expect(a).toEqual(b)
      expect(a).toEqual({ fetched: PUBLIC_OKTA.length, accepted: PUBLIC_OKTA.length, duplicates: 0, rejected: 0, outOfScope: 0 })
    })
  })
}
