/**
 * Managed domains, built-in groups and scoped deployment end to end: settings over HTTP, directory from
 * an import, and the ingest path deciding what is recorded — on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp } from '../helpers/test-app.js'

const NOW = Date.parse('2026-11-20T12:00:00Z')

for (const engine of selectedStores()) {
  describe(`${engine}: managed domains and scoped deployment`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    let t: TestApp
    beforeAll(async () => {
      if (runs) {
        t = await createTestApp({ engine, clock: () => NOW })
      }
    })
    afterAll(async () => {
      await t?.close()
    })
    const maybe = runs ? it : it.skip
    let n = 0
    // Memberships imported during the test start at NOW (the test clock), so events happen at NOW too.
    const event = (upn: string | null, app: string, type: 'user' | 'application' = 'user') => ({
      id: `scope-${(n += 1)}`,
      time: new Date(NOW).toISOString(),
      actor: upn ? { upn, type } : { sourceId: 'sp-1', type },
      app,
      action: 'login',
    })
    const ingest = async (records: unknown[]) => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/activities/ingest', payload: JSON.stringify(records), headers: { ...t.auth('security_admin'), 'content-type': 'application/json' } })
      return (res.json().results as Array<{ status: string }>).map((r) => r.status)
    }
    const put = (url: string, payload: unknown) => t.app.inject({ method: 'PUT', url, payload: payload as never, headers: t.auth('security_admin') })

    maybe('should validate managed domains, name each bad entry, and record the change', async () => {
      const bad = await put('/api/v1/settings/managed-domains', { domains: ['contoso.com', 'not a domain', '@fabrikam.com', '-x.com'] })
      expect(bad.statusCode).toBe(400)
      expect(bad.json().details.map((d: { field: string }) => d.field)).toEqual(['domains[1]', 'domains[3]'])
      const ok = await put('/api/v1/settings/managed-domains', { domains: ['Contoso.com', '@fabrikam.com', 'contoso.com'] })
      expect(ok.json()).toEqual({ domains: ['contoso.com', 'fabrikam.com'] })
      const log = (await t.app.inject({ method: 'GET', url: '/api/v1/governance?limit=1', headers: t.auth('security_reader') })).json()
      expect(log.data[0]).toMatchObject({ action: 'managed_domains.change', initiator: 'secadmin@contoso.com', details: { before: [], after: ['contoso.com', 'fabrikam.com'] } })
      expect((await put('/api/v1/settings/managed-domains', { domains: [] })).statusCode).toBe(200)
      await put('/api/v1/settings/managed-domains', { domains: ['contoso.com'] })
    })

    maybe('should refuse scope and domain changes to a security reader', async () => {
      expect((await t.app.inject({ method: 'PUT', url: '/api/v1/settings/scope', payload: { rules: [] }, headers: t.auth('security_reader') })).statusCode).toBe(403)
    })

    maybe('should not record activities of external users excluded by scope, and follow managed-domain changes from then on', async () => {
      const scope = await put('/api/v1/settings/scope', { rules: [{ name: 'No externals', kind: 'exclude', groups: ['builtin:external-users'], apps: 'all' }] })
      expect(scope.statusCode, scope.body).toBe(200)
      expect(await ingest([event('alex@contoso.com', 'Okta'), event('alex@eu.contoso.com', 'Okta'), event('guest@partner.example', 'Okta'), event(null, 'Okta', 'application')])).toEqual([
        'accepted',
        'accepted',
        'out_of_scope',
        'accepted',
      ])
      await t.app.inject({ method: 'POST', url: '/api/v1/settings/managed-domains', payload: { domain: 'partner.example' }, headers: t.auth('security_admin') })
      expect(await ingest([event('guest@partner.example', 'Okta')])).toEqual(['accepted'])
      const metrics = await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth('security_reader') })
      expect(metrics.body).toMatch(/veil_ingest_records_total\{outcome="out_of_scope"\} 1/)
      await put('/api/v1/settings/scope', { rules: [] })
    })

    maybe("should apply Defender's include/exclude precedence on the product example", async () => {
      const csv = ['group,upn', 'Germany,all3@contoso.com', 'Global sales,all3@contoso.com', 'Sales managers,all3@contoso.com', 'Global sales,gs@contoso.com', 'Global sales,both@contoso.com', 'Sales managers,both@contoso.com', 'Sales managers,sm@contoso.com', 'Germany,de@contoso.com'].join('\n')
      const imported = await t.app.inject({ method: 'POST', url: '/api/v1/directory/import?mode=full', payload: csv, headers: { ...t.auth('security_admin'), 'content-type': 'text/csv' } })
      expect(imported.statusCode, imported.body).toBe(200)
      const groups = (await t.app.inject({ method: 'GET', url: '/api/v1/groups', headers: t.auth('security_reader') })).json().data as Array<{ id: string; displayName: string }>
      const id = (name: string) => groups.find((g) => g.displayName === name)?.id as string
      const res = await put('/api/v1/settings/scope', {
        rules: [
          { name: 'Germany', kind: 'exclude', groups: [id('Germany')], apps: 'all' },
          { name: 'Global sales', kind: 'include', groups: [id('Global sales')], apps: ['Microsoft Exchange Online', 'Microsoft SharePoint Online'] },
          { name: 'Sales managers', kind: 'include', groups: [id('Sales managers')], apps: ['Microsoft Power BI'] },
        ],
      })
      expect(res.statusCode, res.body).toBe(200)
      const apps = ['Microsoft Exchange Online', 'Microsoft SharePoint Online', 'Microsoft Power BI', 'Salesforce']
      const recorded = async (upn: string) => (await ingest(apps.map((app) => event(upn, app)))).map((s) => s === 'accepted')
      expect(await recorded('all3@contoso.com')).toEqual([false, false, false, false])
      expect(await recorded('gs@contoso.com')).toEqual([true, true, false, true])
      expect(await recorded('both@contoso.com')).toEqual([true, true, true, true])
      expect(await recorded('sm@contoso.com')).toEqual([false, false, true, true])
      expect(await recorded('de@contoso.com')).toEqual([false, false, false, false])
      expect(await recorded('nobody-in-groups@contoso.com')).toEqual([false, false, false, true])
      const log = (await t.app.inject({ method: 'GET', url: '/api/v1/governance?action=scope.change&limit=1', headers: t.auth('security_reader') })).json()
      expect(log.data[0].details.after.rules).toHaveLength(3)
      await put('/api/v1/settings/scope', { rules: [] })
    })

    maybe('should refuse a scope change that names a version older than the stored one, and keep the newer rules', async () => {
      const get = async () => (await t.app.inject({ method: 'GET', url: '/api/v1/settings/scope', headers: t.auth('security_reader') })).json() as { rules: unknown[]; version: number }
      const read = await get()
      expect(read.version).toEqual(expect.any(Number))
      const rule = { name: 'No externals', kind: 'exclude', groups: ['builtin:external-users'], apps: 'all' }
      // Another admin writes after our read...
      const theirs = await put('/api/v1/settings/scope', { rules: [rule], version: read.version })
      expect(theirs.statusCode, theirs.body).toBe(200)
      expect(theirs.json()).toMatchObject({ rules: [rule], version: read.version + 1 })
      // ...so our write, naming what we read, is refused instead of overwriting theirs.
      const ours = await put('/api/v1/settings/scope', { rules: [], version: read.version })
      expect(ours.statusCode).toBe(412)
      expect(ours.json()).toMatchObject({ error: 'precondition_failed', status: 412 })
      expect(await get()).toEqual({ rules: [rule], version: read.version + 1 })
      const latest = (await t.app.inject({ method: 'GET', url: '/api/v1/governance?action=scope.change&limit=1', headers: t.auth('security_reader') })).json()
      expect(latest.data[0].details.after.rules).toEqual([rule]) // the refused change left no record
      // Without a version the change is a plain replace, as before.
      expect((await put('/api/v1/settings/scope', { rules: [] })).statusCode).toBe(200)
    })

    maybe('should name an unknown group in a scope rule', async () => {
      const res = await put('/api/v1/settings/scope', { rules: [{ name: 'X', kind: 'include', groups: ['no-such-group'], apps: 'all' }] })
      expect(res.statusCode).toBe(400)
      expect(res.json().details[0]).toMatchObject({ field: 'rules[0].groups', reason: 'unknown group "no-such-group"' })
    })
  })
}
