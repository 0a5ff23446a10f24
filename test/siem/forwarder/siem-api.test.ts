/**
 * `/api/v1/siem/destinations` on both engines: validation errors name the field, secrets are write-only
 * (redacted in every answer and governance record, sealed at rest, kept when sent back redacted), every
 * change is a governance record with before/after, and unknown ids are 404s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { GovernanceRecord } from '../../../src/core/governance/governance-record.js'
import { postgresReachable, selectedStores } from '../../helpers/pg.js'
import { createTestApp, type TestApp, type TestRole } from '../../helpers/test-app.js'

const SECRET = 'first-webhook-secret-0123456789'
const NEW_SECRET = 'second-webhook-secret-9876543210'
const TOKEN = 'Splunk 7f3c-secret-header-value'

interface ErrorAnswer {
  readonly error: string
  readonly details: Array<{ field: string; reason: string }>
}

for (const engine of selectedStores()) {
  describe(`${engine}: SIEM destinations API`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    let t: TestApp

    beforeAll(async () => {
      if (runs) {
        t = await createTestApp({ engine })
      }
    })
    afterAll(async () => {
      await t?.close()
    })

    const request = (role: TestRole, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => t.app.inject({ method, url, payload: payload as never, headers: t.auth(role) })
    const fields = async (method: 'POST' | 'PATCH', url: string, payload: unknown): Promise<string[]> => {
      const res = await request('security_admin', method, url, payload)
      expect(res.statusCode, res.body).toBe(400)
      const body = res.json() as ErrorAnswer
      expect(body.error).toBe('validation_failed')
      return body.details.map((d) => d.field)
    }
    const governance = async (): Promise<GovernanceRecord[]> => (await request('global_admin', 'GET', '/api/v1/governance?limit=1000&action=siem_destination.change')).json().data as GovernanceRecord[]
    const webhook = (extra: Record<string, unknown> = {}) => ({ kind: 'webhook', url: 'https://siem.example.com/veil', secret: SECRET, headers: { Authorization: TOKEN }, ...extra })

    maybe('should name every field at fault in a 400 and create nothing', async () => {
      const url = '/api/v1/siem/destinations'
      expect(await fields('POST', url, { settings: { kind: 'syslog', transport: 'tcp', host: 'siem.example.com', port: 514 } })).toEqual(['name'])
      expect(await fields('POST', url, { name: 'x', settings: { kind: 'syslog', transport: 'tcp', host: 'siem.example.com', port: 70000 } })).toEqual(['settings.port'])
      expect(await fields('POST', url, { name: 'x', settings: { kind: 'syslog', transport: 'tcp', host: 'not a host', port: 514 } })).toEqual(['settings.host'])
      expect(await fields('POST', url, { name: 'x', settings: { kind: 'kafka' } })).toEqual(['settings.kind'])
      expect(await fields('POST', url, { name: 'x' })).toEqual(['settings'])
      expect(await fields('POST', url, { name: 'x', settings: { ...webhook(), url: 'http://siem.example.com/veil' } })).toEqual(['settings.url'])
      expect(await fields('POST', url, { name: 'x', settings: { ...webhook(), secret: 'short' } })).toEqual(['settings.secret'])
      expect(await fields('POST', url, { name: 'x', settings: { ...webhook(), secret: '********' } })).toEqual(['settings.secret'])
      expect(await fields('POST', url, { name: 'x', settings: webhook(), backfill: { from: 'yesterday' } })).toEqual(['backfill.from'])
      expect(await fields('POST', url, { name: 'x', settings: webhook(), backfill: { from: 2000, to: 1000 } })).toEqual(['backfill.to'])
      expect(await fields('POST', url, { name: 'x', settings: webhook(), colour: 'red' })).toEqual(['colour'])
      expect(await fields('POST', url, { name: '', enabled: 'yes', settings: { kind: 'syslog', transport: 'carrier-pigeon', host: 'siem.example.com', port: 514 } })).toEqual(['name', 'enabled', 'settings.transport'])
      expect((await request('security_reader', 'GET', url)).json()).toEqual({ data: [] })
    })

    maybe('should never show a secret: not in answers, not in the governance log, not in the database in the clear', async () => {
      const created = await request('security_admin', 'POST', '/api/v1/siem/destinations', { name: 'Splunk HEC', settings: webhook() })
      expect(created.statusCode, created.body).toBe(201)
      const id = created.json().id as string
      expect(created.json()).toMatchObject({ name: 'Splunk HEC', kind: 'webhook', enabled: true, version: 1, createdBy: 'secadmin@contoso.com', settings: { secret: '********', headers: { Authorization: '********' }, url: 'https://siem.example.com/veil' } })
      const answers = [created.body, (await request('security_reader', 'GET', `/api/v1/siem/destinations/${id}`)).body, (await request('compliance_admin', 'GET', '/api/v1/siem/destinations')).body, JSON.stringify(await governance())]
      for (const answer of answers) {
        expect(answer).not.toContain(SECRET)
        expect(answer).not.toContain(TOKEN)
      }
      const stored = await t.runtime.store.siem.get(id)
      expect(JSON.stringify(stored?.settings)).not.toContain(SECRET)
      expect(stored?.sealedSettings.toString('latin1')).not.toContain(SECRET)
      expect(stored?.sealedSettings.toString('latin1')).not.toContain(TOKEN)
      // The forwarder opens them with the key derived from the master secret.
      expect(t.runtime.siemForwarder.openSettings(stored!)).toMatchObject({ secret: SECRET, headers: { Authorization: TOKEN } })
    })

    maybe('should keep secrets sent back redacted, replace those given, and record which changed (never their values)', async () => {
      const id = (await request('security_admin', 'POST', '/api/v1/siem/destinations', { name: 'Round trip', settings: webhook() })).json().id as string
      const read = (await request('security_admin', 'GET', `/api/v1/siem/destinations/${id}`)).json()
      const roundTrip = await request('security_admin', 'PATCH', `/api/v1/siem/destinations/${id}`, { settings: { ...read.settings, batchSize: 100 } })
      expect(roundTrip.statusCode, roundTrip.body).toBe(200)
      expect(roundTrip.json()).toMatchObject({ version: 2, settings: { batchSize: 100, secret: '********' } })
      const open = async () => t.runtime.siemForwarder.openSettings((await t.runtime.store.siem.get(id))!)
      expect(await open()).toMatchObject({ secret: SECRET, headers: { Authorization: TOKEN }, batchSize: 100 })

      // A webhook secret left out is kept as well; a new one replaces it.
      const { secret: _omitted, ...withoutSecret } = read.settings as Record<string, unknown>
      expect((await request('security_admin', 'PATCH', `/api/v1/siem/destinations/${id}`, { settings: { ...withoutSecret, batchSize: 200 } })).statusCode).toBe(200)
      expect(await open()).toMatchObject({ secret: SECRET, batchSize: 200 })
      expect((await request('security_admin', 'PATCH', `/api/v1/siem/destinations/${id}`, { settings: { ...read.settings, secret: NEW_SECRET } })).statusCode).toBe(200)
      expect(await open()).toMatchObject({ secret: NEW_SECRET, headers: { Authorization: TOKEN } })

      const records = (await governance()).filter((r) => r.target.includes(id))
      expect(records.map((r) => r.details.change)).toEqual(['update', 'update', 'update', 'create'])
      expect(records.map((r) => r.details.secretsChanged)).toEqual([['secret'], [], [], undefined])
      expect(records[0]).toMatchObject({ initiator: 'secadmin@contoso.com', status: 'succeeded', details: { before: { settings: { batchSize: 200, secret: '********' } }, after: { settings: { batchSize: 500, secret: '********' } } } })
      expect(JSON.stringify(records)).not.toContain(NEW_SECRET)
      expect(JSON.stringify(records)).not.toContain(SECRET)
    })

    maybe('should record enabling, disabling, renaming, deleting and back-filling, and refuse a taken name', async () => {
      const body = { name: 'QRadar', settings: { kind: 'syslog', transport: 'udp', host: '192.0.2.10', port: 514 } }
      const id = (await request('global_admin', 'POST', '/api/v1/siem/destinations', body)).json().id as string
      expect((await request('global_admin', 'POST', '/api/v1/siem/destinations', body)).statusCode).toBe(409)
      expect((await request('security_admin', 'PATCH', `/api/v1/siem/destinations/${id}`, { enabled: false })).json()).toMatchObject({ enabled: false, version: 2 })
      // Nothing changes: no version, no record.
      expect((await request('security_admin', 'PATCH', `/api/v1/siem/destinations/${id}`, { enabled: false })).json()).toMatchObject({ version: 2 })
      expect((await request('security_admin', 'PATCH', `/api/v1/siem/destinations/${id}`, { enabled: true, name: 'QRadar EU' })).json()).toMatchObject({ name: 'QRadar EU', enabled: true, version: 3 })
      const backfill = await request('security_admin', 'POST', `/api/v1/siem/destinations/${id}/backfill`, { from: '2026-05-01T00:00:00Z', to: '2026-05-03T00:00:00Z' })
      expect(backfill.statusCode, backfill.body).toBe(202)
      expect(backfill.json()).toEqual({ backfill: { from: Date.parse('2026-05-01T00:00:00Z'), to: Date.parse('2026-05-03T00:00:00Z') } })
      expect((await request('security_reader', 'GET', `/api/v1/siem/destinations/${id}/status`)).json()).toMatchObject({
        id,
        name: 'QRadar EU',
        condition: 'backfilling',
        backfill: { from: Date.parse('2026-05-01T00:00:00Z'), to: Date.parse('2026-05-03T00:00:00Z'), deliveredThrough: null },
        eventsSent: 0,
        forwardingNode: null,
        gap: null,
      })
      expect((await request('security_admin', 'DELETE', `/api/v1/siem/destinations/${id}`)).statusCode).toBe(204)

      const records = (await governance()).filter((r) => r.target.includes(id))
      expect(records.map((r) => r.details.change)).toEqual(['delete', 'update', 'disable', 'create'])
      expect(records[1]?.details).toMatchObject({ before: { name: 'QRadar', enabled: false }, after: { name: 'QRadar EU', enabled: true } })
      const backfills = (await request('global_admin', 'GET', '/api/v1/governance?action=siem_destination.backfill')).json().data as GovernanceRecord[]
      expect(backfills.find((r) => r.target.includes(id))?.details).toMatchObject({ from: Date.parse('2026-05-01T00:00:00Z'), to: Date.parse('2026-05-03T00:00:00Z') })
    })

    maybe('should answer 404 for an id that does not exist, on every route', async () => {
      const base = '/api/v1/siem/destinations/no-such-destination'
      for (const [method, url, body] of [
        ['GET', base, undefined],
        ['PATCH', base, { enabled: true }],
        ['DELETE', base, undefined],
        ['GET', `${base}/status`, undefined],
        ['POST', `${base}/test`, undefined],
        ['POST', `${base}/backfill`, { from: 0 }],
      ] as const) {
        const res = await request('global_admin', method, url, body)
        expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(404)
      }
    })

    maybe('should describe the routes and their settings in OpenAPI', async () => {
      const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json()
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/siem/destinations', '/api/v1/siem/destinations/{id}', '/api/v1/siem/destinations/{id}/status', '/api/v1/siem/destinations/{id}/test', '/api/v1/siem/destinations/{id}/backfill']))
      expect(JSON.stringify(doc.paths['/api/v1/siem/destinations'].post)).toContain('allowInsecureHttp')
    })
  })
}
