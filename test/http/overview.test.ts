/**
 * The overview page's API on both engines: public activities per day and per app (private ones never
 * counted), reveals per admin from the governance log, this node's ingest rate, SIEM lag, the window's
 * validation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp, type TestRole } from '../helpers/test-app.js'

const DAY = 86_400_000
const START = Date.parse('2026-11-20T12:00:00Z')
const REVEAL = { includePrivate: true, acknowledgeAudit: true, justification: 'Overview test: reveal for the count' }

for (const engine of selectedStores()) {
  describe(`${engine}: GET /api/v1/overview`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    let t: TestApp
    let now = START
    let n = 0

    const request = (role: TestRole, method: 'GET' | 'POST', url: string, payload?: unknown) => t.app.inject({ method, url, payload: payload as never, headers: t.auth(role) })
    const event = (upn: string, app: string, time: number) => ({ id: `ov-${engine}-${(n += 1)}`, time: new Date(time).toISOString(), actor: { upn, type: 'user' }, app, action: 'login' })
    const ingest = async (records: unknown[]) => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/activities/ingest', payload: JSON.stringify(records), headers: { ...t.auth('security_admin'), 'content-type': 'application/json' } })
      expect(res.statusCode, res.body).toBe(200)
      expect((res.json().results as Array<{ status: string }>).every((r) => r.status === 'accepted'), res.body).toBe(true)
    }

    beforeAll(async () => {
      if (!runs) {
        return
      }
      t = await createTestApp({ engine, clock: () => now, env: { VEIL_REVEALS_PER_HOUR: '1000' } })
      const csv = ['group,upn', 'HR,hr.anna@contoso.com', 'Sales,sales.sam@contoso.com'].join('\n')
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/directory/import', payload: csv, headers: { ...t.auth('security_admin'), 'content-type': 'text/csv' } })).statusCode).toBe(200)
      expect((await request('security_admin', 'POST', '/api/v1/settings/privacy-groups', { groups: ['hr'] })).statusCode).toBe(200)
      // Two days ago, yesterday and today: Okta 4, Slack 2 public; HR's 3 are private and never counted.
      await ingest([
        event('sales.sam@contoso.com', 'Okta', START - 2 * DAY),
        event('sales.sam@contoso.com', 'Okta', START - DAY),
        event('sales.sam@contoso.com', 'Slack', START - DAY),
        event('sales.sam@contoso.com', 'Okta', START - 60_000),
        event('sales.sam@contoso.com', 'Okta', START - 30_000),
        event('sales.sam@contoso.com', 'Slack', START - 10_000),
        event('hr.anna@contoso.com', 'Okta', START - 2 * DAY),
        event('hr.anna@contoso.com', 'Workday', START - DAY),
        event('hr.anna@contoso.com', 'Workday', START - 1000),
      ])
    })
    afterAll(async () => {
      await t?.close()
    })

    maybe('should count public activities per UTC day and per app, every day of the window listed, private ones never', async () => {
      const res = await request('security_reader', 'GET', `/api/v1/overview?from=${new Date(START - 3 * DAY).toISOString()}&to=${START}`)
      expect(res.statusCode, res.body).toBe(200)
      const body = res.json()
      expect(body.from).toBe(START - 3 * DAY)
      expect(body.to).toBe(START)
      expect(body.activities.total).toBe(6)
      expect(body.activities.perDay).toEqual([
        { day: '2026-11-17', start: Date.parse('2026-11-17T00:00:00Z'), count: 0 },
        { day: '2026-11-18', start: Date.parse('2026-11-18T00:00:00Z'), count: 1 },
        { day: '2026-11-19', start: Date.parse('2026-11-19T00:00:00Z'), count: 2 },
        { day: '2026-11-20', start: Date.parse('2026-11-20T00:00:00Z'), count: 3 },
      ])
      expect(body.activities.perApp).toEqual([
        { app: 'okta', count: 4 },
        { app: 'slack', count: 2 },
      ].map((a) => ({ ...a, app: expect.stringMatching(new RegExp(`^${a.app}$`, 'i')) })))
      expect(body.activities.otherApps).toBe(0)
      expect(JSON.stringify(body)).not.toMatch(/workday/i)
    })

    maybe('should answer the same counts whether or not the viewer may reveal', async () => {
      expect((await request('global_admin', 'POST', '/api/v1/permissions/activity-privacy', { upn: 'compliance@contoso.com' })).statusCode).toBe(201)
      const asReader = (await request('security_reader', 'GET', `/api/v1/overview?from=${START - 3 * DAY}&to=${START}`)).json()
      const asRevealer = (await request('compliance_admin', 'GET', `/api/v1/overview?from=${START - 3 * DAY}&to=${START}`)).json()
      expect(asRevealer.activities).toEqual(asReader.activities)
    })

    maybe('should count reveals and refused attempts per admin from the governance log', async () => {
      expect((await request('compliance_admin', 'POST', '/api/v1/activities/', { ...REVEAL })).statusCode).toBe(200)
      expect((await request('compliance_admin', 'POST', '/api/v1/activities/', { ...REVEAL, filters: { app: { eq: ['Workday'] } } })).statusCode).toBe(200)
      expect((await request('security_reader', 'POST', '/api/v1/activities/', { ...REVEAL })).statusCode).toBe(403)
      const body = (await request('global_admin', 'GET', `/api/v1/overview?from=${START - DAY}&to=${START}`)).json()
      expect(body.reveals.perAdmin).toEqual([
        { upn: 'compliance@contoso.com', reveals: 2, refused: 0, lastAt: START },
        { upn: 'reader@contoso.com', reveals: 0, refused: 1, lastAt: START },
      ])
      // Outside the window: none.
      expect((await request('global_admin', 'GET', `/api/v1/overview?from=${START - 3 * DAY}&to=${START - 2 * DAY}`)).json().reveals.perAdmin).toEqual([])
    })

    maybe('should report this node\'s accepted records per minute', async () => {
      now = START + 61_000
      await ingest([event('sales.sam@contoso.com', 'Okta', now), event('sales.sam@contoso.com', 'Okta', now)])
      // The meter samples the counter every few seconds of real time and at every request; this request is the sample at 12:01:01.
      expect((await request('security_reader', 'GET', '/api/v1/overview')).statusCode).toBe(200)
      now = START + 125_000
      const { ingest: rate } = (await request('security_reader', 'GET', '/api/v1/overview')).json()
      expect(rate.scope).toBe('node')
      expect(rate.perMinute).toHaveLength(15)
      // The minute 12:01 holds the two records of this test; the minutes before the meter started are unknown.
      expect(rate.perMinute.at(-1)).toEqual({ minute: Date.parse('2026-11-20T12:01:00Z'), accepted: 2 })
      expect(rate.perMinute.at(0).accepted).toBeNull()
      expect(rate.lastMinute).toBe(0)
    })

    maybe('should show each SIEM destination with its lag, and the connectors', async () => {
      const created = await request('security_admin', 'POST', '/api/v1/siem/destinations', { name: 'Overview hook', settings: { kind: 'webhook', url: 'https://siem.example.com/veil', secret: 'a-webhook-secret-of-some-length' } })
      expect(created.statusCode, created.body).toBe(201)
      const body = (await request('compliance_admin', 'GET', '/api/v1/overview')).json()
      expect(body.siem).toEqual([expect.objectContaining({ id: created.json().id, name: 'Overview hook', enabled: true, lagSeconds: 0, pendingEvents: 0, behind: false })])
      expect(body.connectors).toMatchObject({ total: 0, items: [] })
    })

    maybe('should default to the last 30 days and refuse a window that is reversed, too long or not a time', async () => {
      const body = (await request('security_reader', 'GET', '/api/v1/overview')).json()
      expect(body.to - body.from).toBe(30 * DAY)
      expect(body.activities.perDay).toHaveLength(31)
      const reversed = await request('security_reader', 'GET', `/api/v1/overview?from=${START}&to=${START - 1}`)
      expect(reversed.statusCode).toBe(400)
      expect(reversed.json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'to' }] })
      const long = await request('security_reader', 'GET', `/api/v1/overview?from=${START - 400 * DAY}&to=${START}`)
      expect(long.json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'from' }] })
      const bad = await request('security_reader', 'GET', '/api/v1/overview?from=yesterday')
      expect(bad.json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'from', reason: expect.stringContaining('ISO 8601') }] })
      expect((await request('none', 'GET', '/api/v1/overview')).statusCode).toBe(403)
    })

    maybe('should document the portal\'s endpoints in the OpenAPI document', async () => {
      const paths = Object.keys((await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json().paths as object)
      expect(paths).toEqual(expect.arrayContaining(['/api/v1/overview', '/api/v1/saved-queries', '/api/v1/saved-queries/{id}', '/api/v1/directory/scim/status', '/api/v1/me', '/api/v1/governance/verify', '/api/v1/groups/{id}/history']))
    })
  })
}
