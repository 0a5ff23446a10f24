/**
 * Privacy rule 7 for exports, on both engines: without a reveal an export is byte-identical to the
 * export of a store that never held the private activities, whoever asks; an export made while
 * revealing lists them only as placeholder rows (time and "Private activity"), is marked as such, never
 * opens a sealed row, is recorded, and counts against the reveal limit. Refused reveals are recorded as
 * the list's are.
 *
 * Two apps per engine get the same directory, privacy group and public activities; one of them also
 * gets the private activities (through the real ingest path, which seals them).
 */
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GovernanceRecord } from '../../src/core/governance/governance-record.js'
import { EXPORT_COLUMNS, PRIVATE_ACTIVITY_PLACEHOLDER } from '../../src/core/privacy/export-row.js'
import type { PrivacyVault } from '../../src/services/privacy/privacy-vault.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp, type TestRole } from '../helpers/test-app.js'

const NOW = Date.parse('2026-11-20T12:00:00Z')
const JUSTIFICATION = 'Works council request WC-2026-17: export for the hearing'
const REVEAL = { includePrivate: true, acknowledgeAudit: true, justification: JUSTIFICATION } as const

/** What the private activities carry and no public one does: none of it may appear in any export. */
const SECRETS = ['hr.anna@contoso.com', 'hr.ben@contoso.com', '198.51.100.77', 'HR Payroll Vault', 'SecretAgent/7.1', 'salary review of the board', 'payroll.export', 'PayrollExported', 'priv-']

interface Event {
  readonly id: string
  readonly time: string
  readonly [key: string]: unknown
}

function publicEvent(i: number, time: number): Event {
  return { id: `pub-${String(i).padStart(3, '0')}`, time: new Date(time).toISOString(), actor: { upn: `user${i % 4}@contoso.com`, type: 'user' }, app: 'Okta', action: { type: 'login', name: 'UserLoggedIn' }, ip: '203.0.113.9', description: `sign-in ${i}` }
}

function privateEvent(i: number, time: number): Event {
  return {
    id: `priv-${String(i).padStart(3, '0')}`,
    time: new Date(time).toISOString(),
    actor: { upn: i % 2 === 0 ? 'hr.anna@contoso.com' : 'hr.ben@contoso.com', type: 'user' },
    app: 'HR Payroll Vault',
    action: { type: 'payroll.export', name: 'PayrollExported' },
    ip: '198.51.100.77',
    device: { type: 'desktop', userAgent: 'SecretAgent/7.1' },
    target: { type: 'file', id: 'f-9', name: 'board-salaries.xlsx' },
    description: 'salary review of the board',
  }
}

const PUBLIC_EVENTS = Array.from({ length: 40 }, (_, i) => publicEvent(i, NOW - 3_600_000 - i * 60_000))
// Between the public ones, and some at exactly a public activity's time (ties broken by id).
const PRIVATE_EVENTS = Array.from({ length: 12 }, (_, i) => privateEvent(i, NOW - 3_600_000 - i * 180_000 - (i % 3 === 0 ? 0 : 30_000)))

for (const engine of selectedStores()) {
  describe(`${engine}: exports and activity privacy (rule 7)`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    /** Holds the private activities. */
    let withPrivate: TestApp
    /** The same without them; its reveal limit is 2 an hour, for the rate-limit test. */
    let without: TestApp

    const setUp = async (t: TestApp, events: readonly Event[]) => {
      const csv = ['group,upn', 'HR,hr.anna@contoso.com', 'HR,hr.ben@contoso.com'].join('\n')
      const imported = await t.app.inject({ method: 'POST', url: '/api/v1/directory/import', payload: csv, headers: { ...t.auth('security_admin'), 'content-type': 'text/csv' } })
      expect(imported.statusCode, imported.body).toBe(200)
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/settings/privacy-groups', payload: { groups: ['hr'] }, headers: t.auth('security_admin') })).statusCode).toBe(200)
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/permissions/activity-privacy', payload: { upn: 'compliance@contoso.com' }, headers: t.auth('global_admin') })).statusCode).toBe(201)
      const ingested = await t.app.inject({ method: 'POST', url: '/api/v1/activities/ingest', payload: JSON.stringify(events), headers: { ...t.auth('security_admin'), 'content-type': 'application/json' } })
      expect(ingested.statusCode, ingested.body).toBe(200)
      expect(ingested.json()).toMatchObject({ accepted: events.length })
    }

    beforeAll(async () => {
      if (!runs) {
        return
      }
      withPrivate = await createTestApp({ engine, clock: () => NOW, env: { VEIL_REVEALS_PER_HOUR: '1000' } })
      without = await createTestApp({ engine, clock: () => NOW, env: { VEIL_REVEALS_PER_HOUR: '2' } })
      // Interleaved, as they would arrive.
      await setUp(withPrivate, [...PUBLIC_EVENTS.slice(0, 20), ...PRIVATE_EVENTS, ...PUBLIC_EVENTS.slice(20)])
      await setUp(without, PUBLIC_EVENTS)
    })
    afterAll(async () => {
      await withPrivate?.close()
      await without?.close()
    })

    const exportFrom = (t: TestApp, role: TestRole, body: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/v1/activities/export', payload: body, headers: t.auth(role) })
    const governance = async (t: TestApp, action: string): Promise<GovernanceRecord[]> => {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/governance?action=${action}&limit=1000`, headers: t.auth('global_admin') })
      expect(res.statusCode, res.body).toBe(200)
      return res.json().data as GovernanceRecord[]
    }
    const endRecord = async (t: TestApp, exportId: string): Promise<GovernanceRecord> => {
      for (let attempt = 0; attempt < 200; attempt += 1) {
        const found = (await governance(t, 'activities.export')).find((r) => r.details.exportId === exportId && r.details.phase !== 'started')
        if (found) {
          return found
        }
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      throw new Error(`no end record for export ${exportId}`)
    }
    const expectNoSecret = (body: string) => {
      for (const secret of SECRETS) {
        expect(body, `the export carries "${secret}"`).not.toContain(secret)
      }
    }

    describe('without a reveal', () => {
      const requests: ReadonlyArray<{ readonly name: string; readonly body: Record<string, unknown> }> = [
        { name: 'everything as CSV', body: {} },
        { name: 'everything as NDJSON', body: { format: 'ndjson' } },
        { name: 'oldest first', body: { sortDirection: 'asc', format: 'ndjson' } },
        { name: 'a private user', body: { filters: { 'user.username': { eq: ['hr.anna@contoso.com'] } } } },
        { name: 'the private IP', body: { filters: { 'ip.address': { eq: ['198.51.100.77'] } }, format: 'ndjson' } },
        { name: 'a private detail as free text', body: { filters: { text: { eq: 'salary' } } } },
        { name: 'a row limit', body: { limit: 25 } },
        { name: 'resuming after a public row', body: { resumeAfter: 'pub-019', format: 'ndjson' } },
        { name: 'resuming after a private row', body: { resumeAfter: 'priv-003' } },
      ]
      for (const role of ['global_admin', 'security_admin', 'compliance_admin', 'security_reader'] as const) {
        maybe(`should give ${role} the same bytes as a store without the private activities`, async () => {
          for (const { name, body } of requests) {
            const a = await exportFrom(withPrivate, role, body)
            const b = await exportFrom(without, role, body)
            expect(a.statusCode, `${name}: ${a.body}`).toBe(b.statusCode)
            expect(a.body, name).toBe(b.body)
            expect(a.headers['veil-export-private'], name).toBe(b.headers['veil-export-private'])
            expectNoSecret(a.body)
          }
          const all = await exportFrom(withPrivate, role, { format: 'ndjson' })
          expect(all.headers['veil-export-private']).toBe('absent')
          expect(all.body.split('\n').filter((l) => l !== '')).toHaveLength(PUBLIC_EVENTS.length)
        })
      }

      maybe('should answer the GET form the same from both stores', async () => {
        const url = `/api/v1/activities/export?format=csv&filters=${encodeURIComponent(JSON.stringify({ date: { gte: NOW - 86_400_000 } }))}`
        const a = await withPrivate.app.inject({ method: 'GET', url, headers: withPrivate.auth('compliance_admin') })
        const b = await without.app.inject({ method: 'GET', url, headers: without.auth('compliance_admin') })
        expect(a.statusCode).toBe(200)
        expect(a.body).toBe(b.body)
      })

      maybe('should refuse an account without an admin role', async () => {
        expect((await exportFrom(withPrivate, 'none', {})).statusCode).toBe(403)
        expect((await exportFrom(withPrivate, 'none', REVEAL)).json()).toMatchObject({ error: 'forbidden' })
      })
    })

    describe('refused reveals', () => {
      maybe('should refuse an admin without the permission and record the attempt as the list does', async () => {
        const before = (await governance(withPrivate, 'activities.reveal')).length
        const res = await exportFrom(withPrivate, 'security_reader', { ...REVEAL, format: 'ndjson' })
        expect(res.statusCode).toBe(403)
        expect(res.json()).toMatchObject({ error: 'reveal_denied' })
        expectNoSecret(res.body)
        const records = await governance(withPrivate, 'activities.reveal')
        expect(records).toHaveLength(before + 1)
        expect(records[0]).toMatchObject({
          status: 'failed',
          initiator: 'reader@contoso.com',
          justification: JUSTIFICATION,
          details: { route: 'POST /api/v1/activities/export', refusal: 'no_permission', request: { format: 'ndjson' } },
        })
        // No export was started.
        expect((await governance(withPrivate, 'activities.export')).some((r) => r.initiator === 'reader@contoso.com' && r.details.privatePlaceholders === true)).toBe(false)
      })

      maybe('should ask a permitted admin for the acknowledgement and the justification (400, not recorded as an attempt)', async () => {
        const res = await exportFrom(withPrivate, 'compliance_admin', { includePrivate: true, justification: JUSTIFICATION })
        expect(res.statusCode).toBe(400)
        expect(res.json().details).toEqual([{ field: 'acknowledgeAudit', reason: expect.any(String) }])
        const short = await withPrivate.app.inject({ method: 'GET', url: '/api/v1/activities/export?includePrivate=true&acknowledgeAudit=true&justification=why', headers: withPrivate.auth('compliance_admin') })
        expect(short.json().details).toEqual([{ field: 'justification', reason: expect.any(String) }])
      })
    })

    describe('while revealing', () => {
      /** Make every attempt to open a sealed row fail the test, for the duration of `work`. */
      const withSealedRowsUnopenable = async <T>(vault: PrivacyVault, work: () => Promise<T>): Promise<T> => {
        const opened: string[] = []
        const open = vault.open.bind(vault)
        const openAll = vault.openAll.bind(vault)
        Object.defineProperty(vault, 'open', { configurable: true, value: (item: { id?: string }) => (opened.push(String(item.id)), Promise.reject(new Error('an export opened a sealed row'))) })
        Object.defineProperty(vault, 'openAll', { configurable: true, value: () => (opened.push('*'), Promise.reject(new Error('an export opened sealed rows'))) })
        try {
          return await work()
        } finally {
          Object.defineProperty(vault, 'open', { configurable: true, value: open })
          Object.defineProperty(vault, 'openAll', { configurable: true, value: openAll })
          expect(opened, 'sealed rows opened by an export').toEqual([])
        }
      }

      maybe('should list private activities as placeholder rows with time and marker only (CSV), marked as such', async () => {
        const res = await withSealedRowsUnopenable(withPrivate.runtime.vault, () => exportFrom(withPrivate, 'compliance_admin', REVEAL))
        expect(res.statusCode, res.body).toBe(200)
        expect(res.headers['veil-export-private']).toBe('placeholders')
        expect(res.headers['content-disposition']).toMatch(/-private-placeholders\.csv"$/)
        expectNoSecret(res.body)

        const rows = parse(res.body, { columns: true }) as Array<Record<string, string>>
        expect(Object.keys(rows[0] ?? {})).toEqual([...EXPORT_COLUMNS, 'private'])
        expect(rows).toHaveLength(PUBLIC_EVENTS.length + PRIVATE_EVENTS.length)
        const placeholders = rows.filter((r) => r.private === 'true')
        expect(placeholders.map((r) => r.time).sort()).toEqual(PRIVATE_EVENTS.map((e) => new Date(e.time).toISOString()).sort())
        for (const row of placeholders) {
          // Time, the marker and the private flag; every other cell is empty.
          expect(Object.entries(row).filter(([, value]) => value !== '')).toEqual([
            ['time', row.time],
            ['description', PRIVATE_ACTIVITY_PLACEHOLDER],
            ['private', 'true'],
          ])
        }
        expect(rows.filter((r) => r.private === 'false').map((r) => r.id).sort()).toEqual(PUBLIC_EVENTS.map((e) => e.id).sort())

        const exportId = res.headers['veil-export-id'] as string
        const end = await endRecord(withPrivate, exportId)
        const start = (await governance(withPrivate, 'activities.export')).find((r) => r.details.exportId === exportId && r.details.phase === 'started')
        expect(start).toMatchObject({ initiator: 'compliance@contoso.com', justification: JUSTIFICATION, details: { privatePlaceholders: true, format: 'csv', request: {} } })
        expect(start?.details.request).not.toHaveProperty('justification')
        expect(end).toMatchObject({ status: 'succeeded', justification: JUSTIFICATION, details: { phase: 'completed', rows: rows.length, privatePlaceholders: true } })
        expect(end.details.placeholders).toEqual({ count: PRIVATE_EVENTS.length, ids: expect.arrayContaining(PRIVATE_EVENTS.map((e) => e.id)) })
      })

      maybe('should write placeholders in NDJSON as {time, private, description} and mark every line', async () => {
        const res = await withSealedRowsUnopenable(withPrivate.runtime.vault, () => exportFrom(withPrivate, 'compliance_admin', { ...REVEAL, format: 'ndjson' }))
        expect(res.statusCode).toBe(200)
        expectNoSecret(res.body)
        const lines = res.body
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as Record<string, unknown>)
        expect(lines.every((l) => typeof l.private === 'boolean')).toBe(true)
        const placeholders = lines.filter((l) => l.private === true)
        expect(placeholders).toHaveLength(PRIVATE_EVENTS.length)
        for (const line of placeholders) {
          expect(Object.keys(line).sort()).toEqual(['description', 'private', 'time'])
          expect(line.description).toBe(PRIVATE_ACTIVITY_PLACEHOLDER)
        }
      })

      maybe('should match private activities by the filters a reveal can use (time, user) and show them as placeholders', async () => {
        const res = await exportFrom(withPrivate, 'compliance_admin', { ...REVEAL, format: 'ndjson', filters: { 'user.username': { eq: ['hr.anna@contoso.com'] } } })
        expectNoSecret(res.body)
        const lines = res.body.split('\n').filter((l) => l !== '')
        expect(lines).toHaveLength(PRIVATE_EVENTS.filter((_, i) => i % 2 === 0).length)
      })

      maybe('should fail closed when the governance log cannot be written', async () => {
        withPrivate.setGovernanceFailing(true)
        try {
          const res = await exportFrom(withPrivate, 'compliance_admin', REVEAL)
          expect(res.statusCode).toBe(503)
          expect(res.json()).toMatchObject({ error: 'governance_unavailable' })
          expect(res.body).not.toContain(PRIVATE_ACTIVITY_PLACEHOLDER)
        } finally {
          withPrivate.setGovernanceFailing(false)
        }
      })

      maybe('should count a revealing export against the per-admin reveal limit, with the list', async () => {
        const list = await without.app.inject({ method: 'POST', url: '/api/v1/activities/', payload: REVEAL, headers: without.auth('compliance_admin') })
        expect(list.statusCode, list.body).toBe(200)
        expect((await exportFrom(without, 'compliance_admin', REVEAL)).statusCode).toBe(200)
        const third = await exportFrom(without, 'compliance_admin', REVEAL)
        expect(third.statusCode).toBe(429)
        expect(third.json()).toMatchObject({ error: 'rate_limited' })
        expect(third.headers['retry-after']).toMatch(/^\d+$/)
        // Not revealing is not limited.
        expect((await exportFrom(without, 'compliance_admin', {})).statusCode).toBe(200)
        const metrics = await without.app.inject({ method: 'GET', url: '/metrics', headers: without.auth('global_admin') })
        expect(metrics.body).toContain('veil_reveals_total{admin="compliance@contoso.com"} 2')
      })
    })
  })
}
