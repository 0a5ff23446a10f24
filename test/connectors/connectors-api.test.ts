/**
 * `/api/v1/connectors` on both engines: create (validation naming each field), list and get with
 * credentials redacted, test, run now (picked up by the node's scheduler), patch, delete; governance
 * records without secrets; credentials sealed at rest; the routes in the OpenAPI document. And
 * `veil connectors` as an operator uses it.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { ConnectorScheduler } from '../../src/connectors/connector-scheduler.js'
import { veil } from '../helpers/cli.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp } from '../helpers/test-app.js'
import { FIXTURE_CORPUS, loadSamples } from '../ingest/corpus.js'
import { FAST_CONNECTOR_ENV } from './connector-scenarios.js'
import { startOkta } from './provider-servers.js'

const TOKEN = '00okta-api-secret-token-value'
const EVENTS = loadSamples(FIXTURE_CORPUS, ['okta-system-log'])
  .map((s) => s.value as Record<string, unknown>)
  .slice(0, 12)

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > deadline) {
      return value
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

for (const engine of selectedStores()) {
  describe(`${engine}: /api/v1/connectors`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    if (!runs) {
      describe.skip(`${engine} unreachable`, () => undefined)
      return
    }
    let t: TestApp
    let okta: Awaited<ReturnType<typeof startOkta>>
    beforeAll(async () => {
      t = await createTestApp({ engine, env: FAST_CONNECTOR_ENV })
      okta = await startOkta(TOKEN)
      okta.add(EVENTS, Date.now() - 60_000)
    })
    afterAll(async () => {
      await t.runtime.connectorScheduler.stop()
      await okta.close()
      await t.close()
    })

    it('should name every problem of a connector that is not valid', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/connectors', headers: t.auth('security_admin'), payload: { name: '', kind: 'okta', settings: { baseUrl: 'http://okta.example.com', limit: 5000, colour: 'red' }, credentials: {} } })
      expect(res.statusCode).toBe(400)
      const fields = (res.json() as { details: Array<{ field: string }> }).details.map((d) => d.field)
      expect(fields).toEqual(expect.arrayContaining(['name', 'settings.baseUrl', 'settings.limit', 'settings.colour', 'credentials.apiToken']))
      const kind = await t.app.inject({ method: 'POST', url: '/api/v1/connectors', headers: t.auth('security_admin'), payload: { name: 'x', kind: 'salesforce', settings: {}, credentials: {} } })
      expect(kind.statusCode).toBe(400)
      expect(kind.json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'kind' }] })
    })

    it('should create, show redacted, test, run, change and delete a connector, with governance records and no secret anywhere', { timeout: 20_000 }, async () => {
      const created = await t.app.inject({ method: 'POST', url: '/api/v1/connectors', headers: t.auth('security_admin'), payload: { name: 'Okta prod', kind: 'okta', settings: { baseUrl: okta.url, limit: 5 }, credentials: { apiToken: TOKEN }, startFrom: '2026-01-01T00:00:00Z' } })
      expect(created.statusCode, created.body).toBe(201)
      const view = created.json() as { id: string; credentials: Record<string, string>; status: { condition: string }; settings: Record<string, unknown> }
      expect(view.credentials).toEqual({ apiToken: '********' })
      expect(view.settings).toEqual({ baseUrl: okta.url, limit: 5, overlapMinutes: 5 })
      expect(view.status.condition).toBe('waiting')
      expect(created.body).not.toContain(TOKEN)

      const stored = await t.runtime.store.connectors.get(view.id)
      expect(stored?.sealedCredentials.toString('latin1')).not.toContain(TOKEN)

      const duplicate = await t.app.inject({ method: 'POST', url: '/api/v1/connectors', headers: t.auth('global_admin'), payload: { name: 'Okta prod', kind: 'okta', settings: { baseUrl: okta.url }, credentials: { apiToken: TOKEN } } })
      expect(duplicate.statusCode).toBe(409)

      const list = await t.app.inject({ method: 'GET', url: '/api/v1/connectors', headers: t.auth('security_reader') })
      expect(list.statusCode).toBe(200)
      expect(list.body).not.toContain(TOKEN)
      expect((list.json() as { data: Array<{ id: string }> }).data.map((c) => c.id)).toContain(view.id)

      const test = await t.app.inject({ method: 'POST', url: `/api/v1/connectors/${view.id}/test`, headers: t.auth('security_admin') })
      expect(test.json()).toMatchObject({ ok: true, events: 5 })
      // The test stores nothing and commits no checkpoint.
      expect((await t.runtime.store.connectors.state(view.id))?.checkpoint).toBeNull()

      const run = await t.app.inject({ method: 'POST', url: `/api/v1/connectors/${view.id}/run`, headers: t.auth('security_admin') })
      expect(run.statusCode).toBe(202)
      t.runtime.connectorScheduler.start()
      const ran = await until(
        async () => (await t.app.inject({ method: 'GET', url: `/api/v1/connectors/${view.id}`, headers: t.auth('compliance_admin') })).json() as { status: { condition: string; lastSuccessAt: number | null; lagSeconds: number | null; events: { fetched: number }; runRequestedAt: number | null } },
        (v) => v.status.lastSuccessAt !== null,
      )
      expect(ran.status).toMatchObject({ condition: 'ok', runRequestedAt: null, events: { fetched: EVENTS.length } })
      expect(ran.status.lagSeconds).toBeGreaterThanOrEqual(0)
      await t.runtime.connectorScheduler.stop()

      const patched = await t.app.inject({ method: 'PATCH', url: `/api/v1/connectors/${view.id}`, headers: t.auth('security_admin'), payload: { enabled: false, credentials: { apiToken: `${TOKEN}-rotated` }, intervalSeconds: 120 } })
      expect(patched.statusCode, patched.body).toBe(200)
      expect(patched.json()).toMatchObject({ enabled: false, intervalSeconds: 120, credentials: { apiToken: '********' }, status: { condition: 'disabled' } })
      // Sending the redacted value back keeps the stored credential: nothing changed, no record.
      const unchanged = await t.app.inject({ method: 'PATCH', url: `/api/v1/connectors/${view.id}`, headers: t.auth('security_admin'), payload: { credentials: { apiToken: '********' } } })
      expect(unchanged.json()).toMatchObject({ version: (patched.json() as { version: number }).version })

      const forbidden = await t.app.inject({ method: 'DELETE', url: `/api/v1/connectors/${view.id}`, headers: t.auth('compliance_admin') })
      expect(forbidden.statusCode).toBe(403)
      const deleted = await t.app.inject({ method: 'DELETE', url: `/api/v1/connectors/${view.id}`, headers: t.auth('security_admin') })
      expect(deleted.statusCode).toBe(204)
      expect((await t.app.inject({ method: 'GET', url: `/api/v1/connectors/${view.id}`, headers: t.auth('security_admin') })).statusCode).toBe(404)

      const records = [...(await t.runtime.store.governance.list({ limit: 50, action: 'connector.change' })), ...(await t.runtime.store.governance.list({ limit: 50, action: 'connector.run' }))]
      const mine = records.filter((r) => r.target.includes(view.id))
      expect(mine.map((r) => r.details.change ?? r.action).sort()).toEqual(['connector.run', 'create', 'delete', 'update'])
      expect(mine.find((r) => r.details.change === 'update')?.details).toMatchObject({ credentialsChanged: ['apiToken'], channel: 'api' })
      expect(JSON.stringify(mine)).not.toContain(TOKEN)
      expect(mine.every((r) => r.initiator === 'secadmin@contoso.com')).toBe(true)
    })

    it('should show a refused credential in the test answer', async () => {
      const created = await t.app.inject({ method: 'POST', url: '/api/v1/connectors', headers: t.auth('security_admin'), payload: { name: 'Okta revoked', kind: 'okta', settings: { baseUrl: okta.url }, credentials: { apiToken: 'revoked' } } })
      const test = await t.app.inject({ method: 'POST', url: `/api/v1/connectors/${(created.json() as { id: string }).id}/test`, headers: t.auth('security_admin') })
      expect(test.json()).toMatchObject({ ok: false, errorKind: 'credentials', message: expect.stringContaining('Invalid token provided') })
    })

    it('should run a connector on one node at a time when several nodes share the database', { timeout: 20_000 }, async () => {
      const { runtime } = t
      const nodes = ['a', 'b', 'c'].map(
        (n) => new ConnectorScheduler({ nodeId: `node-${n}`, store: runtime.store, ingest: runtime.pipeline, config: runtime.config.connectors, credentialsKey: runtime.secrets.connectorCredentialsKey, now: Date.now, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } }),
      )
      const created = await t.app.inject({ method: 'POST', url: '/api/v1/connectors', headers: t.auth('security_admin'), payload: { name: 'Okta shared', kind: 'okta', settings: { baseUrl: okta.url, limit: 5 }, credentials: { apiToken: TOKEN } } })
      const id = (created.json() as { id: string }).id
      // Only this connector's token is accepted: the revoked connector of the test before gets 401s.
      const answered = () => okta.dataRequests().filter((r) => r.status === 200).length
      const before = answered()
      nodes.forEach((n) => n.start())
      try {
        const state = await until(
          () => runtime.store.connectors.state(id),
          (s) => s?.lastSuccessAt !== null,
        )
        await new Promise((resolve) => setTimeout(resolve, 200))
        expect(state?.runs).toBe(1)
        expect((await runtime.store.connectors.state(id))?.runs).toBe(1)
        // One run: ceil(12 / 5) pages and the short one, from one node.
        expect(answered() - before).toBe(3)
        expect(state?.counts.fetched).toBe(EVENTS.length)
      } finally {
        await Promise.all(nodes.map((n) => n.stop()))
      }
    })

    it('should show each connector\'s runs, events, retries, lag and pause on /metrics', async () => {
      const create = async (name: string, apiToken: string) => {
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/connectors', headers: t.auth('security_admin'), payload: { name, kind: 'okta', settings: { baseUrl: okta.url, limit: 5 }, credentials: { apiToken }, startFrom: '2026-01-01T00:00:00Z' } })
        expect(res.statusCode, res.body).toBe(201)
        return (res.json() as { id: string }).id
      }
      const good = await create('Okta metrics', TOKEN)
      const refused = await create('Okta metrics refused', 'revoked')
      expect(await t.runtime.connectorScheduler.runNow(good)).toMatchObject({ status: 'succeeded' })
      expect(await t.runtime.connectorScheduler.runNow(refused)).toMatchObject({ status: 'failed', errorKind: 'credentials' })
      okta.inject.push({ status: 503 })
      expect(await t.runtime.connectorScheduler.runNow(good)).toMatchObject({ status: 'succeeded' })

      const lines = (await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth('global_admin') })).body.split('\n')
      const value = (metric: string) => Number(lines.find((line) => line.startsWith(`${metric} `))?.split(' ')[1] ?? Number.NaN)
      expect(value(`veil_connector_runs_total{connector="${good}",outcome="succeeded"}`)).toBe(2)
      expect(value(`veil_connector_runs_total{connector="${refused}",outcome="credentials"}`)).toBe(1)
      // The earlier connectors of this file stored the same events, so most come back as duplicates.
      const events = ['accepted', 'duplicate', 'rejected', 'out_of_scope'].map((outcome) => value(`veil_connector_events_total{connector="${good}",outcome="${outcome}"}`))
      expect(events.reduce((a, b) => a + b, 0)).toBe(EVENTS.length)
      expect(value(`veil_connector_retries_total{connector="${good}"}`)).toBe(1)
      expect(value(`veil_connector_lag_seconds{connector="${good}"}`)).toBeGreaterThanOrEqual(0)
      expect(lines.some((line) => line.startsWith(`veil_connector_lag_seconds{connector="${refused}"}`))).toBe(false) // never reached the end
      expect(value(`veil_connector_paused{connector="${good}"}`)).toBe(0)
      expect(value(`veil_connector_paused{connector="${refused}"}`)).toBe(1)
      expect(lines.join('\n')).not.toContain(TOKEN)
    })

    it('should describe the connector routes in the OpenAPI document', async () => {
      const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> }
      expect(Object.keys(doc.paths['/api/v1/connectors'] ?? {}).sort()).toEqual(['get', 'post'])
      expect(Object.keys(doc.paths['/api/v1/connectors/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch'])
      expect(doc.paths['/api/v1/connectors/{id}/run']).toHaveProperty('post')
      expect(doc.paths['/api/v1/connectors/{id}/test']).toHaveProperty('post')
    })
  })
}

describe('veil connectors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veil-connectors-cli-'))
  const env: Record<string, string> = { ...FAST_CONNECTOR_ENV, VEIL_DATABASE_URL: `sqlite:${join(dir, 'veil.db')}`, VEIL_SECRET_KEY: '3'.repeat(64), VEIL_PRIVACY_KEY: '9'.repeat(64) }
  let okta: Awaited<ReturnType<typeof startOkta>>
  beforeAll(async () => {
    okta = await startOkta(TOKEN)
    okta.add(EVENTS, Date.now() - 60_000)
  })
  afterAll(async () => {
    await okta.close()
  })

  it('should add (credentials from standard input), run, show and remove a connector', async () => {
    const added = await veil(env, ['connectors', 'add', '--name', 'Okta', '--kind', 'okta', '--settings', JSON.stringify({ baseUrl: okta.url, limit: 5 }), '--credentials-stdin'], JSON.stringify({ apiToken: TOKEN }))
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toContain('added Okta: okta')

    const run = await veil(env, ['connectors', 'run', 'Okta'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain(`${EVENTS.length} events fetched`)

    const show = await veil(env, ['connectors', 'show', 'Okta'])
    expect(show.code, show.stderr).toBe(0)
    expect(show.stdout).toMatch(/Okta \(.+\): okta, ok/)
    expect(show.stdout).toContain('credentials apiToken (set, never shown)')
    expect(show.stdout).toContain(`events fetched ${EVENTS.length}`)
    expect(show.stdout + added.stdout + run.stdout).not.toContain(TOKEN)

    const removed = await veil(env, ['connectors', 'remove', 'Okta'])
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stdout).toContain('removed Okta')
  })
})
