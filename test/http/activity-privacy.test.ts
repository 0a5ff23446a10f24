/**
 * Activity privacy end to end over HTTP, on both engines: privacy groups, the activity privacy
 * permission, the gated and audited reveal, and the governance log that records it all. One named
 * suite per privacy rule of PRODUCT.md this side covers (1, 3, 5, 6, 7's marking, 9, 10); the
 * encryption at rest (2), the no-side-channel invariant (4) and the dump test live with the data path.
 *
 * The suites share one app per engine and run in order: the HR group is imported first, activities of
 * its members are ingested as the tests go, and the test clock moves forward only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GovernanceRecord } from '../../src/core/governance/governance-record.js'
import { expiredPrivacyPermissionSweeper } from '../../src/services/privacy/privacy-permissions.js'
import { IngestSettingsCache } from '../../src/services/settings/organization-settings.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp, type TestRole } from '../helpers/test-app.js'

const START = Date.parse('2026-11-20T12:00:00Z')
const HOUR = 3_600_000
const JUSTIFICATION = 'Works council request WC-2026-17: harassment complaint'
const REVEAL = { includePrivate: true, acknowledgeAudit: true, justification: JUSTIFICATION } as const

/** What a private activity of this suite says, so a test can show none of it leaks into a governance record. */
const SECRET_DESCRIPTION = 'salary review spreadsheet of the board'
const SECRET_AGENT = 'SecretAgent/7.1 (private-device)'

interface Item {
  readonly id: string
  readonly [key: string]: unknown
}

for (const engine of selectedStores()) {
  describe(`${engine}: activity privacy`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    let t: TestApp
    let now = START
    let n = 0

    beforeAll(async () => {
      if (!runs) {
        return
      }
      t = await createTestApp({ engine, clock: () => now, env: { VEIL_REVEALS_PER_HOUR: '1000' } })
      const csv = ['group,upn', 'HR,hr.anna@contoso.com', 'HR,hr.ben@contoso.com', 'Sales,sales.sam@contoso.com'].join('\n')
      const imported = await t.app.inject({ method: 'POST', url: '/api/v1/directory/import', payload: csv, headers: { ...t.auth('security_admin'), 'content-type': 'text/csv' } })
      expect(imported.statusCode, imported.body).toBe(200)
    })
    afterAll(async () => {
      await t?.close()
    })

    const request = (role: TestRole, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
      t.app.inject({ method, url, payload: payload as never, headers: t.auth(role) })
    /** An activity of `upn` at `time` (default: now), with details that must never leave a private row unrevealed. */
    const event = (upn: string, time = now) => ({
      id: `priv-${engine}-${(n += 1)}`,
      time: new Date(time).toISOString(),
      actor: { upn, type: 'user' },
      app: 'Microsoft SharePoint Online',
      action: { type: 'file.download', name: 'FileDownloaded' },
      ip: '198.51.100.77',
      device: { type: 'desktop', userAgent: SECRET_AGENT },
      description: SECRET_DESCRIPTION,
    })
    const ingest = async (...records: Array<ReturnType<typeof event>>): Promise<string[]> => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/activities/ingest', payload: JSON.stringify(records), headers: { ...t.auth('security_admin'), 'content-type': 'application/json' } })
      expect(res.statusCode, res.body).toBe(200)
      return records.map((r) => r.id)
    }
    const ingestOne = async (record: ReturnType<typeof event>): Promise<string> => (await ingest(record))[0] as string
    const list = (role: TestRole, body: Record<string, unknown> = {}) => request(role, 'POST', '/api/v1/activities/', { limit: 1000, ...body })
    const visibleIds = async (role: TestRole, body: Record<string, unknown> = {}): Promise<string[]> => {
      const res = await list(role, body)
      expect(res.statusCode, res.body).toBe(200)
      return (res.json().data as Item[]).map((a) => a.id)
    }
    /** Governance records, newest first (reading them adds a `governance.read` record, which is not in the answer). */
    const governance = async (query = ''): Promise<GovernanceRecord[]> => {
      const res = await request('global_admin', 'GET', `/api/v1/governance?${query.includes('limit=') ? '' : 'limit=1000'}${query}`)
      expect(res.statusCode, res.body).toBe(200)
      return res.json().data as GovernanceRecord[]
    }
    const reveals = () => governance('&action=activities.reveal')
    const addPrivacyGroups = (groups: string[], role: TestRole = 'security_admin') => request(role, 'POST', '/api/v1/settings/privacy-groups', { groups })
    const grant = (upn: string, extra: Record<string, unknown> = {}) => request('global_admin', 'POST', '/api/v1/permissions/activity-privacy', { upn, ...extra })

    /** Ids by their role in the story. */
    const ids = { beforeGroup: '', anna: '', sam: '', late: '', leaver: '', afterRemoval: '' }

    describe('privacy groups API', () => {
      maybe('should add several groups at once, name every unknown one in a 400 and add nothing then', async () => {
        const bad = await addPrivacyGroups(['hr', 'no-such-group', ' ', 'builtin:external-users', 'nope'])
        expect(bad.statusCode).toBe(400)
        expect(bad.json().details).toEqual([
          { index: 1, field: 'groups[1]', reason: expect.stringContaining('unknown group "no-such-group"') },
          { index: 2, field: 'groups[2]', reason: 'must not be empty' },
          { index: 4, field: 'groups[4]', reason: expect.stringContaining('unknown group "nope"') },
        ])
        expect((await request('security_reader', 'GET', '/api/v1/settings/privacy-groups')).json()).toEqual({ groups: [] })
      })

      maybe('should refuse changes to roles without settings.manage', async () => {
        expect((await addPrivacyGroups(['sales'], 'compliance_admin')).statusCode).toBe(403)
        expect((await request('security_reader', 'DELETE', '/api/v1/settings/privacy-groups/sales')).statusCode).toBe(403)
      })

      maybe('should add and remove groups with names, and answer 404 for a group not on the list', async () => {
        const added = await addPrivacyGroups(['sales', 'builtin:external-users'], 'global_admin')
        expect(added.statusCode, added.body).toBe(200)
        expect(added.json()).toEqual({
          groups: [
            { id: 'builtin:external-users', displayName: 'External users', builtin: true },
            { id: 'sales', displayName: 'Sales', builtin: false },
          ],
        })
        expect((await request('security_admin', 'DELETE', '/api/v1/settings/privacy-groups/builtin:external-users')).json()).toEqual({ groups: [{ id: 'sales', displayName: 'Sales', builtin: false }] })
        expect((await request('security_admin', 'DELETE', '/api/v1/settings/privacy-groups/sales')).json()).toEqual({ groups: [] })
        const missing = await request('security_admin', 'DELETE', '/api/v1/settings/privacy-groups/sales')
        expect(missing.statusCode).toBe(404)
        expect(missing.json().message).toBe('"sales" is not a privacy group')
      })

      maybe('should let a node that did not make the change see it within 250 ms (its own cache)', async () => {
        const otherNode = new IngestSettingsCache(t.runtime.ctx)
        expect([...(await otherNode.privacyGroups())]).toEqual([])
        expect((await addPrivacyGroups(['sales'])).statusCode).toBe(200)
        expect([...(await otherNode.privacyGroups())]).toEqual([]) // still within its 250 ms
        await new Promise((resolve) => setTimeout(resolve, 260))
        expect([...(await otherNode.privacyGroups())]).toEqual(['sales'])
        expect((await request('security_admin', 'DELETE', '/api/v1/settings/privacy-groups/sales')).statusCode).toBe(200)
      })
    })

    describe('privacy rule 1: decided once, when an activity is recorded', () => {
      maybe('should leave activities recorded before a group is added public, and make those of its members recorded after private', async () => {
        ids.beforeGroup = await ingestOne(event('hr.anna@contoso.com'))
        const added = await addPrivacyGroups(['hr'])
        expect(added.statusCode, added.body).toBe(200)
        ids.anna = await ingestOne(event('hr.anna@contoso.com'))
        ids.sam = await ingestOne(event('sales.sam@contoso.com'))
        const seen = await visibleIds('security_reader')
        expect(seen).toContain(ids.beforeGroup)
        expect(seen).toContain(ids.sam)
        expect(seen).not.toContain(ids.anna)
      })

      maybe('should make an activity private when its actor is a member at recording though not at its own time (a late event)', async () => {
        // Anna joined HR at START (the import); this event happened a day before.
        ids.late = await ingestOne(event('hr.anna@contoso.com', START - 24 * HOUR))
        expect(await visibleIds('security_reader')).not.toContain(ids.late)
      })

      maybe('should make an activity private when its actor was a member at its own time though not at recording', async () => {
        now = START + HOUR
        const left = await t.app.inject({ method: 'POST', url: '/api/v1/directory/import', payload: 'group,upn,action\nHR,hr.ben@contoso.com,remove', headers: { ...t.auth('security_admin'), 'content-type': 'text/csv' } })
        expect(left.statusCode, left.body).toBe(200)
        now = START + 2 * HOUR
        ids.leaver = await ingestOne(event('hr.ben@contoso.com', START + HOUR / 2))
        expect(await visibleIds('security_reader')).not.toContain(ids.leaver)
        const afterLeaving = await ingestOne(event('hr.ben@contoso.com', START + 90 * 60_000))
        expect(await visibleIds('security_reader')).toContain(afterLeaving)
      })

      maybe('should never make a private activity visible again when its group is removed, and keep later ones public', async () => {
        const removed = await request('security_admin', 'DELETE', '/api/v1/settings/privacy-groups/hr')
        expect(removed.statusCode, removed.body).toBe(200)
        ids.afterRemoval = await ingestOne(event('hr.anna@contoso.com'))
        const seen = await visibleIds('security_reader')
        expect(seen).toContain(ids.afterRemoval)
        for (const id of [ids.anna, ids.late, ids.leaver]) {
          expect(seen).not.toContain(id)
        }
        expect((await addPrivacyGroups(['hr'])).statusCode).toBe(200)
      })
    })

    describe('privacy rule 3: hidden by default', () => {
      maybe('should leave private activities out of lists, totals and paging for whoever does not reveal, a permitted admin included', async () => {
        expect((await grant('global@contoso.com')).statusCode).toBe(201)
        for (const role of ['security_reader', 'compliance_admin', 'global_admin'] as const) {
          const res = await list(role)
          const body = res.json() as { total: number; data: Item[] }
          expect(body.data.map((a) => a.id)).not.toContain(ids.anna)
          expect(body.total).toBe(body.data.length)
          // Page by one: no page, cursor or total mentions a private activity.
          let cursor: string | null = null
          const paged: string[] = []
          do {
            const page = (await list(role, { limit: 1, ...(cursor ? { cursor } : {}) })).json() as { total: number; cursor: string | null; data: Item[] }
            expect(page.total).toBe(body.total)
            paged.push(...page.data.map((a) => a.id))
            cursor = page.cursor
          } while (cursor)
          expect(paged).toEqual(body.data.map((a) => a.id))
        }
      })

      maybe('should answer get-by-id of a private activity exactly as an unknown id', async () => {
        for (const role of ['security_reader', 'global_admin'] as const) {
          const hidden = await request(role, 'GET', `/api/v1/activities/${ids.anna}/`)
          const unknown = await request(role, 'GET', '/api/v1/activities/no-such-activity/')
          expect(hidden.statusCode).toBe(404)
          expect(hidden.body).toBe(unknown.body)
          expect(hidden.headers['content-length']).toBe(unknown.headers['content-length'])
        }
      })
    })

    describe('privacy rule 5: reveal is gated, justified and audited before it happens', () => {
      maybe('should refuse a reveal without the permission with 403 and record the refused attempt', async () => {
        const before = (await reveals()).length
        const res = await list('security_admin', REVEAL)
        expect(res.statusCode).toBe(403)
        expect(res.json()).toMatchObject({ error: 'reveal_denied', message: expect.stringContaining('do not hold the activity privacy permission') })
        expect(res.body).not.toContain(ids.anna)
        const records = await reveals()
        expect(records).toHaveLength(before + 1)
        expect(records[0]).toMatchObject({ action: 'activities.reveal', status: 'failed', initiator: 'secadmin@contoso.com', target: 'activities', justification: JUSTIFICATION, details: { refusal: 'no_permission' } })
        const byId = await request('security_admin', 'GET', `/api/v1/activities/${ids.anna}/?includePrivate=true&acknowledgeAudit=true&justification=${encodeURIComponent(JUSTIFICATION)}`)
        expect(byId.statusCode).toBe(403)
        expect((await reveals())[0]).toMatchObject({ status: 'failed', target: ids.anna, details: { refusal: 'no_permission', route: 'GET /api/v1/activities/:id' } })
      })

      maybe('should refuse a permitted admin\'s reveal without acknowledgement or justification with a 400 naming it', async () => {
        const before = (await reveals()).length
        const noAck = await list('global_admin', { ...REVEAL, acknowledgeAudit: false })
        expect(noAck.statusCode).toBe(400)
        expect(noAck.json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'acknowledgeAudit' }] })
        const noWhy = await list('global_admin', { ...REVEAL, justification: 'because' })
        expect(noWhy.statusCode).toBe(400)
        expect(noWhy.json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'justification' }] })
        const loose = await list('global_admin', { ...REVEAL, includePrivate: 'yes' })
        expect(loose.statusCode).toBe(400)
        expect(loose.json().details).toEqual([{ field: 'includePrivate', reason: 'must be a JSON boolean (true or false)' }])
        // Malformed requests of a permitted admin are not attempts without permission: no record.
        expect(await reveals()).toHaveLength(before)
      })

      maybe('should show private activities to a permitted admin who acknowledges and justifies', async () => {
        const seen = await visibleIds('global_admin', REVEAL)
        expect(seen).toEqual(expect.arrayContaining([ids.anna, ids.late, ids.leaver, ids.sam]))
        const byId = await request('global_admin', 'GET', `/api/v1/activities/${ids.anna}/?includePrivate=true&acknowledgeAudit=true&justification=${encodeURIComponent(JUSTIFICATION)}`)
        expect(byId.statusCode, byId.body).toBe(200)
        expect(byId.json()).toMatchObject({ id: ids.anna })
      })

      maybe('should fail closed with 503 and send nothing private when the governance record cannot be written', async () => {
        t.setGovernanceFailing(true)
        try {
          const res = await list('global_admin', REVEAL)
          expect(res.statusCode).toBe(503)
          expect(res.json()).toMatchObject({ error: 'governance_unavailable' })
          const byId = await request('global_admin', 'GET', `/api/v1/activities/${ids.anna}/?includePrivate=true&acknowledgeAudit=true&justification=${encodeURIComponent(JUSTIFICATION)}`)
          expect(byId.statusCode).toBe(503)
          for (const body of [res.body, byId.body]) {
            expect(body).not.toContain(ids.anna)
            expect(body).not.toContain(SECRET_DESCRIPTION)
            expect(body).not.toContain(SECRET_AGENT)
          }
          // A refused attempt that cannot be recorded is not answered as if it had been.
          expect((await list('security_admin', REVEAL)).statusCode).toBe(503)
          // Reads that reveal nothing do not depend on the governance log.
          expect((await list('security_reader')).statusCode).toBe(200)
        } finally {
          t.setGovernanceFailing(false)
        }
      })
    })

    describe('privacy rule 6: every reveal is one governance record', () => {
      maybe('should record who, when, from where, the exact query, which private activities and the justification, and no private detail', async () => {
        const body = { filters: { 'user.username': { eq: ['hr.anna@contoso.com'] } }, limit: 50, sortField: 'date', sortDirection: 'desc', ...REVEAL }
        const res = await list('global_admin', body)
        expect(res.statusCode, res.body).toBe(200)
        const shown = (res.json().data as Item[]).map((a) => a.id)
        const [record] = await reveals()
        expect(record).toMatchObject({
          action: 'activities.reveal',
          status: 'succeeded',
          initiator: 'global@contoso.com',
          ip: '127.0.0.1',
          time: now,
          target: 'activities',
          justification: JUSTIFICATION,
          details: {
            route: 'POST /api/v1/activities',
            request: { filters: { 'user.username': { eq: ['hr.anna@contoso.com'] } }, limit: 50, sortField: 'date', sortDirection: 'desc' },
            private: { count: 2, ids: [ids.anna, ids.late] },
            returned: shown.length,
            channel: 'api',
          },
        })
        expect(shown).toEqual(expect.arrayContaining([ids.anna, ids.late]))
        expect((record as GovernanceRecord).details.request).not.toHaveProperty('includePrivate')
        const text = JSON.stringify(record)
        expect(text).not.toContain(SECRET_DESCRIPTION)
        expect(text).not.toContain(SECRET_AGENT)
      })

      maybe('should write one record per revealing request: ten pages, ten records', async () => {
        for (let i = 0; i < 10; i += 1) {
          await ingest(event('hr.anna@contoso.com', now - i * 60_000))
        }
        const before = (await reveals()).length
        let cursor: string | null = null
        const cursors: Array<string | null> = []
        for (let page = 0; page < 10; page += 1) {
          cursors.push(cursor)
          const res = await list('global_admin', { limit: 1, ...REVEAL, ...(cursor ? { cursor } : {}) })
          expect(res.statusCode, res.body).toBe(200)
          cursor = res.json().cursor as string | null
        }
        const records = await reveals()
        expect(records).toHaveLength(before + 10)
        expect(records.slice(0, 10).map((r) => (r.details.request as { cursor?: string }).cursor ?? null)).toEqual(cursors.reverse())
      })

      maybe('should record a get-by-id reveal with the activity as target and its id', async () => {
        await request('global_admin', 'GET', `/api/v1/activities/${ids.leaver}/?includePrivate=true&acknowledgeAudit=true&justification=${encodeURIComponent(JUSTIFICATION)}`)
        expect((await reveals())[0]).toMatchObject({ status: 'succeeded', target: ids.leaver, details: { route: 'GET /api/v1/activities/:id', private: { count: 1, ids: [ids.leaver] }, returned: 1 } })
      })
    })

    describe('privacy rule 7 (marking): a revealed answer marks each private activity and its privacy group', () => {
      maybe('should mark private activities with the group that made them private, and public ones as public', async () => {
        const res = await list('global_admin', REVEAL)
        const items = res.json().data as Item[]
        expect(items.find((a) => a.id === ids.anna)).toMatchObject({ private: true, privateBecause: 'hr', description: SECRET_DESCRIPTION })
        expect(items.find((a) => a.id === ids.leaver)).toMatchObject({ private: true, privateBecause: 'hr' })
        expect(items.find((a) => a.id === ids.sam)).toMatchObject({ private: false })
        const byId = await request('global_admin', 'GET', `/api/v1/activities/${ids.anna}/?includePrivate=true&acknowledgeAudit=true&justification=${encodeURIComponent(JUSTIFICATION)}`)
        expect(byId.json()).toMatchObject({ id: ids.anna, private: true, privateBecause: 'hr' })
        // Without a reveal nothing says private: the items are just the public ones.
        expect((await list('global_admin')).json().data.every((a: Item) => !('private' in a))).toBe(true)
      })
    })

    describe('privacy rule 9: only admins, losing the role suspends', () => {
      maybe('should grant only an existing, enabled account with an admin role, and say why not', async () => {
        const unknown = await grant('ghost@contoso.com')
        expect(unknown.statusCode).toBe(400)
        expect(unknown.json()).toMatchObject({ error: 'validation_failed', message: expect.stringContaining('No Veil account "ghost@contoso.com"') })
        const notAdmin = await grant('nobody@contoso.com')
        expect(notAdmin.statusCode).toBe(409)
        expect(notAdmin.json().message).toContain('nobody@contoso.com has no admin role')
        const bySecurityAdmin = await request('security_admin', 'POST', '/api/v1/permissions/activity-privacy', { upn: 'reader@contoso.com' })
        expect(bySecurityAdmin.statusCode).toBe(403)
        expect((await grant('reader@contoso.com', { expiresAt: 'tomorrow' })).statusCode).toBe(400)
      })

      maybe('should grant by UPN or email, case aside, and list the grant as active', async () => {
        const res = await grant('Compliance@Contoso.com')
        expect(res.statusCode, res.body).toBe(201)
        expect(res.json()).toMatchObject({ upn: 'compliance@contoso.com', state: 'active', roles: ['compliance_admin'], grantedBy: 'global@contoso.com', expiresAt: null })
        expect(await visibleIds('compliance_admin', REVEAL)).toContain(ids.anna)
        const listed = (await request('compliance_admin', 'GET', '/api/v1/permissions/activity-privacy')).json().data as Array<{ upn: string; state: string }>
        expect(listed.map((g) => [g.upn, g.state])).toEqual([
          ['compliance@contoso.com', 'active'],
          ['global@contoso.com', 'active'],
        ])
      })

      maybe('should suspend a grantee who loses every admin role, and reinstate it when a role is given back', async () => {
        expect((await request('global_admin', 'PATCH', '/api/v1/accounts/compliance@contoso.com', { roles: [] })).statusCode).toBe(200)
        const state = async () => ((await request('global_admin', 'GET', '/api/v1/permissions/activity-privacy')).json().data as Array<{ upn: string; state: string }>).find((g) => g.upn === 'compliance@contoso.com')?.state
        expect(await state()).toBe('suspended')
        // /api/v1/me tells the portal whether to offer "Show private activities".
        expect((await request('compliance_admin', 'GET', '/api/v1/me')).json()).toMatchObject({ roles: [], canRevealPrivate: false })
        const [suspended] = await governance('&action=privacy_permission.suspend')
        expect(suspended).toMatchObject({ target: 'compliance@contoso.com', initiator: 'global@contoso.com', details: { reason: 'no_admin_role' } })
        expect((await request('global_admin', 'PATCH', '/api/v1/accounts/compliance@contoso.com', { roles: ['compliance_admin'] })).statusCode).toBe(200)
        expect(await state()).toBe('active')
        expect((await request('compliance_admin', 'GET', '/api/v1/me')).json()).toMatchObject({ canRevealPrivate: true })
        expect((await governance('&action=privacy_permission.reinstate'))[0]).toMatchObject({ target: 'compliance@contoso.com', details: { roles: ['compliance_admin'] } })
        expect(await visibleIds('compliance_admin', REVEAL)).toContain(ids.anna)
        // A role change between admin roles is neither.
        await request('global_admin', 'PATCH', '/api/v1/accounts/compliance@contoso.com', { roles: ['security_reader'] })
        expect(await governance('&action=privacy_permission.suspend')).toHaveLength(1)
        await request('global_admin', 'PATCH', '/api/v1/accounts/compliance@contoso.com', { roles: ['compliance_admin'] })
      })

      maybe('should suspend the grant of a disabled account and reinstate it when enabled', async () => {
        await request('global_admin', 'PATCH', '/api/v1/accounts/compliance@contoso.com', { disabled: true })
        expect((await governance('&action=privacy_permission.suspend'))[0]).toMatchObject({ target: 'compliance@contoso.com', details: { reason: 'account_disabled' } })
        await request('global_admin', 'PATCH', '/api/v1/accounts/compliance@contoso.com', { disabled: false })
        expect(await governance('&action=privacy_permission.reinstate')).toHaveLength(2)
      })

      maybe('should record grants and revocations, and refuse to revoke what is not granted', async () => {
        const revoked = await request('global_admin', 'DELETE', '/api/v1/permissions/activity-privacy/compliance@contoso.com')
        expect(revoked.json()).toEqual({ upn: 'compliance@contoso.com', revoked: true })
        expect((await request('global_admin', 'DELETE', '/api/v1/permissions/activity-privacy/compliance@contoso.com')).statusCode).toBe(404)
        const revealAfter = await list('compliance_admin', REVEAL)
        expect(revealAfter.statusCode).toBe(403)
        const [revocation] = await governance('&action=privacy_permission.revoke')
        expect(revocation).toMatchObject({ target: 'compliance@contoso.com', initiator: 'global@contoso.com', details: { grantedBy: 'global@contoso.com', wasSuspended: false } })
        const grants = await governance('&action=privacy_permission.grant')
        expect(grants.map((g) => g.target)).toEqual(['compliance@contoso.com', 'global@contoso.com'])
        const changes = await governance('&action=privacy_groups.change')
        expect(changes[0]).toMatchObject({ initiator: 'secadmin@contoso.com', details: { change: 'add', added: ['hr'], before: [], after: ['hr'] } })
      })

      maybe('should expire a time-boxed grant at the first check after its end, once, and let the sweep expire the others', async () => {
        expect((await grant('reader@contoso.com', { expiresAt: new Date(now + HOUR).toISOString() })).json()).toMatchObject({ state: 'active', expiresAt: new Date(now + HOUR).toISOString() })
        expect((await grant('secadmin@contoso.com', { expiresAt: now + HOUR })).statusCode).toBe(201)
        expect(await visibleIds('security_reader', REVEAL)).toContain(ids.anna)
        now += 2 * HOUR
        const listed = (await request('global_admin', 'GET', '/api/v1/permissions/activity-privacy')).json().data as Array<{ upn: string; state: string }>
        expect(listed.find((g) => g.upn === 'reader@contoso.com')?.state).toBe('expired')
        const refused = await list('security_reader', REVEAL)
        expect(refused.statusCode).toBe(403)
        expect((await list('security_reader', REVEAL)).statusCode).toBe(403)
        const expiries = await governance('&action=privacy_permission.expire')
        expect(expiries).toHaveLength(1)
        expect(expiries[0]).toMatchObject({ target: 'reader@contoso.com', initiator: 'system', details: { noticedBy: 'reveal', expiresAt: now - HOUR } })
        expect(await expiredPrivacyPermissionSweeper(t.runtime.ctx)).toBe(1)
        expect(await expiredPrivacyPermissionSweeper(t.runtime.ctx)).toBe(0)
        expect((await governance('&action=privacy_permission.expire'))[0]).toMatchObject({ target: 'secadmin@contoso.com', details: { noticedBy: 'sweep' } })
        const remaining = (await request('global_admin', 'GET', '/api/v1/permissions/activity-privacy')).json().data as Array<{ upn: string }>
        expect(remaining.map((g) => g.upn)).toEqual(['global@contoso.com'])
      })
    })

    describe('governance log filters', () => {
      maybe('should filter by action, initiator and time range, and record each reading with its filters', async () => {
        const all = await governance()
        const byInitiator = await governance('&initiator=SecAdmin@Contoso.com')
        expect(byInitiator.length).toBeGreaterThan(0)
        expect(byInitiator.every((r) => r.initiator === 'secadmin@contoso.com')).toBe(true)
        const middle = all[Math.floor(all.length / 2)] as GovernanceRecord
        const from = new Date(middle.time).toISOString()
        const inRange = await governance(`&from=${from}&to=${middle.time}`)
        expect(inRange.length).toBeGreaterThan(0)
        expect(inRange.every((r) => r.time === middle.time)).toBe(true)
        const [read] = await governance('&action=governance.read&limit=1')
        expect(read).toMatchObject({ initiator: 'global@contoso.com', target: 'governance log', details: { filters: { from: middle.time, to: middle.time, action: null, initiator: null, limit: 1000 } } })
      })

      maybe('should refuse an unknown action and a malformed time, naming them', async () => {
        const res = await request('security_reader', 'GET', '/api/v1/governance?action=nope&from=yesterday&to=2026-01-01T00:00:00Z')
        expect(res.statusCode).toBe(400)
        expect(res.json().details.map((d: { field: string }) => d.field)).toEqual(['action', 'from'])
        const reversed = await request('security_reader', 'GET', '/api/v1/governance?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z')
        expect(reversed.json().details).toEqual([{ field: 'to', reason: 'must not be before from' }])
      })

      maybe('should fail closed when the reading cannot be recorded', async () => {
        t.setGovernanceFailing(true)
        try {
          const res = await request('security_reader', 'GET', '/api/v1/governance?limit=5')
          expect(res.statusCode).toBe(503)
          expect(res.json()).toMatchObject({ error: 'governance_unavailable' })
          expect(res.body).not.toContain('seq')
        } finally {
          t.setGovernanceFailing(false)
        }
      })
    })

    describe('privacy rule 10: tamper-evident governance log', () => {
      maybe('should verify the whole chain with every privacy record in it, and check a checkpoint', async () => {
        const verdict = (await request('compliance_admin', 'GET', '/api/v1/governance/verify')).json() as { ok: boolean; count: number; headHash: string }
        expect(verdict).toMatchObject({ ok: true })
        const actions = new Set((await governance()).map((r) => r.action))
        for (const action of ['activities.reveal', 'privacy_groups.change', 'privacy_permission.grant', 'privacy_permission.revoke', 'privacy_permission.suspend', 'privacy_permission.reinstate', 'privacy_permission.expire', 'governance.read']) {
          expect(actions).toContain(action)
        }
        const matching = await request('compliance_admin', 'GET', `/api/v1/governance/verify?checkpoint=${verdict.count}:${verdict.headHash}`)
        expect(matching.json()).toMatchObject({ ok: true, checkpoint: { ok: true, seq: verdict.count } })
        const ahead = await request('compliance_admin', 'GET', `/api/v1/governance/verify?checkpoint=${verdict.count + 1000}:${verdict.headHash}`)
        expect(ahead.json()).toMatchObject({ ok: true, checkpoint: { ok: false, reason: 'truncated', seq: verdict.count + 1000 } })
        const other = await request('compliance_admin', 'GET', `/api/v1/governance/verify?checkpoint=1:${'0'.repeat(63)}1`)
        expect(other.json()).toMatchObject({ checkpoint: { ok: false, reason: 'hash_mismatch', seq: 1 } })
        expect((await request('compliance_admin', 'GET', '/api/v1/governance/verify?checkpoint=nonsense')).statusCode).toBe(400)
      })
    })
  })
}

describe('reveal rate limit and metric', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({ clock: () => START, env: { VEIL_REVEALS_PER_HOUR: '3' } })
    await t.app.inject({ method: 'POST', url: '/api/v1/permissions/activity-privacy', payload: { upn: 'secadmin@contoso.com' }, headers: t.auth('global_admin') })
  })
  afterAll(async () => {
    await t.close()
  })

  it('should answer 429 with Retry-After past VEIL_REVEALS_PER_HOUR reveals of one admin, and count reveals per admin', async () => {
    const reveal = () => t.app.inject({ method: 'POST', url: '/api/v1/activities/', payload: REVEAL, headers: t.auth('security_admin') })
    for (let i = 0; i < 3; i += 1) {
      expect((await reveal()).statusCode).toBe(200)
    }
    const limited = await reveal()
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toMatchObject({ error: 'rate_limited', message: expect.stringContaining('At most 3 reveals an hour') })
    expect(limited.headers['retry-after']).toBe('3600')
    // Other admins and reads that do not reveal are not limited.
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/activities/', payload: {}, headers: t.auth('security_admin') })).statusCode).toBe(200)
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth('security_reader') })
    expect(metrics.body).toContain('veil_reveals_total{admin="secadmin@contoso.com"} 3')
  })
})
