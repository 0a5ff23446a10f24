/**
 * `GET /api/v1/governance/export` on both engines: the governance log as CSV (RFC 4180, cells that a
 * spreadsheet would read as a formula neutralized) or NDJSON, with the list's filters, newest first,
 * across many store pages, as the log stood when the export started; the export itself recorded
 * before the first byte and at its end (`governance.export`), and refused with the filter at fault.
 */
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { GovernanceRecord } from '../../src/core/governance/governance-record.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp } from '../helpers/test-app.js'

const NOW = Date.parse('2026-11-20T12:00:00Z')
/** More than two store pages of the export (1,000 records each). */
const GRANTS = 2_300

for (const engine of selectedStores()) {
  describe(`${engine}: GET /api/v1/governance/export`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    if (!runs) {
      describe.skip(`${engine} unreachable`, () => undefined)
      return
    }
    let t: TestApp
    let now = NOW

    const exportOf = (query: string, role: 'compliance_admin' | 'security_reader' | 'none' = 'compliance_admin') => t.app.inject({ method: 'GET', url: `/api/v1/governance/export${query}`, headers: t.auth(role) })
    const exportRecords = async () => (await t.runtime.store.governance.list({ limit: 100, action: 'governance.export' })).reverse()

    beforeAll(async () => {
      t = await createTestApp({ engine, clock: () => now })
      const append = (i: number) =>
        t.runtime.store.governance.append(
          { action: 'privacy_permission.grant', target: i === 7 ? '=HYPERLINK("http://evil.example")' : `admin${i}@contoso.com`, initiator: 'ciso@contoso.com', app: 'Veil', ip: '203.0.113.7', status: 'succeeded', justification: i === 3 ? 'line one\nline "two", with a comma' : null, details: { n: i } },
          NOW - (GRANTS - i) * 1000,
        )
      for (let i = 0; i < GRANTS; i += 1) {
        await append(i)
      }
    }, 120_000)
    afterAll(async () => {
      await t?.close()
    })

    it('should stream every record of the filter as CSV, newest first, across store pages, with formulas neutralized', async () => {
      const res = await exportOf('?action=privacy_permission.grant')
      expect(res.statusCode, res.body).toBe(200)
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present')
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="veil-governance-20261120T120000Z\.csv"$/)
      expect(res.headers['veil-export-id']).toMatch(/^[0-9a-f-]{36}$/)
      const rows = parse(res.body, { columns: true }) as Array<Record<string, string>>
      expect(Object.keys(rows[0] ?? {})).toEqual(['seq', 'time', 'action', 'target', 'initiator', 'app', 'ip', 'status', 'justification', 'details', 'hash'])
      expect(rows).toHaveLength(GRANTS)
      const seqs = rows.map((r) => Number(r.seq))
      expect(seqs).toEqual([...seqs].sort((a, b) => b - a))
      expect(new Set(seqs).size).toBe(GRANTS)
      expect(rows.every((r) => r.action === 'privacy_permission.grant' && /^[0-9a-f]{64}$/.test(r.hash ?? ''))).toBe(true)
      expect(rows.find((r) => r.details === '{"n":7}')?.target).toBe('\'=HYPERLINK("http://evil.example")')
      expect(rows.find((r) => r.details === '{"n":3}')?.justification).toBe('line one\nline "two", with a comma')
      expect(rows.at(-1)?.time).toBe(new Date(NOW - GRANTS * 1000).toISOString())
      expect(res.body.split('\r\n').length).toBeGreaterThan(GRANTS)
    })

    it('should record the export before its first byte and its end with the rows written', async () => {
      now += 60_000
      const res = await exportOf('?format=ndjson&initiator=CISO@contoso.com&from=' + new Date(NOW - 10_000).toISOString())
      expect(res.statusCode, res.body).toBe(200)
      expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8')
      const lines = res.body.trimEnd().split('\n').map((line) => JSON.parse(line) as GovernanceRecord)
      // The last 10 grants (from is inclusive), newest first, as the list answers them.
      expect(lines.map((r) => (r.details as { n: number }).n)).toEqual([2299, 2298, 2297, 2296, 2295, 2294, 2293, 2292, 2291, 2290])
      const listed = (await t.app.inject({ method: 'GET', url: `/api/v1/governance?limit=10&action=privacy_permission.grant`, headers: t.auth('compliance_admin') })).json() as { data: GovernanceRecord[] }
      expect(lines).toEqual(listed.data)

      await expect.poll(async () => (await exportRecords()).filter((r) => r.details.exportId === res.headers['veil-export-id']).map((r) => r.details.phase)).toEqual(['started', 'completed'])
      const [started, ended] = (await exportRecords()).filter((r) => r.details.exportId === res.headers['veil-export-id'])
      expect(started).toMatchObject({ initiator: 'compliance@contoso.com', target: 'governance log', status: 'succeeded', details: { format: 'ndjson', route: 'GET /api/v1/governance/export', filters: { action: null, initiator: 'ciso@contoso.com', from: NOW - 10_000, to: null } } })
      expect(ended).toMatchObject({ status: 'succeeded', details: { phase: 'completed', rows: 10 } })
      // An export never holds its own records: they come after the ones it read.
      expect(lines.every((r) => r.action !== 'governance.export')).toBe(true)
    })

    it('should answer an empty filter with the header alone', async () => {
      const res = await exportOf('?action=privacy_key.rotate&bom=true')
      expect(res.statusCode).toBe(200)
      expect(res.body).toBe('\uFEFFseq,time,action,target,initiator,app,ip,status,justification,details,hash\r\n')
    })

    it('should refuse filters that are not valid, naming each, and admins without governance.read', async () => {
      const bad = await exportOf('?action=nope&from=yesterday&format=xml')
      expect(bad.statusCode).toBe(400)
      expect(bad.json()).toMatchObject({ error: 'validation_failed' })
      const reversed = await exportOf(`?from=${NOW}&to=${NOW - 1}`)
      expect(reversed.json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'to' }] })
      const actions = await exportOf('?action=nope')
      expect(actions.json()).toMatchObject({ details: [{ field: 'action' }] })
      expect((await exportOf('', 'none')).statusCode).toBe(403)
    })
  })
}
