/**
 * Exports over HTTP on both engines: the CSV column set and its escaping (parsed back with csv-parse),
 * NDJSON, filters, no row cap, resuming a broken download, the governance records (and failing closed
 * without them), and streaming over a real socket: back-pressure holds the export, a client that goes
 * away stops it.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GovernanceRecord } from '../../src/core/governance/governance-record.js'
import { EXPORT_COLUMNS } from '../../src/core/privacy/export-row.js'
import { restoreNeutralizedCell } from '../../src/services/export/export-encoder.js'
import { BASE_TIME, buildPublic } from '../helpers/factories.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp, type TestRole } from '../helpers/test-app.js'

const NOW = Date.UTC(2024, 4, 2, 12, 0, 0)
/** More rows than one export page (2,000) and than the list's page size limit (50 here). */
const BULK_ROWS = 2150
/** Rows of ~3 KB, three export pages of 6 MB: a paused reader holds the export at two pages (one in the connection, one read ahead). */
const LARGE_ROWS = 6000
const LARGE_DESCRIPTION = 'x'.repeat(3000)

type Row = Record<string, string>

function csvRows(body: string): Row[] {
  return parse(body, { columns: true, bom: true }) as Row[]
}

function ndjsonLines(body: string): Array<Record<string, unknown>> {
  return body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

for (const engine of selectedStores()) {
  describe(`${engine}: activity export`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    let t: TestApp
    /** Ids of the bulk rows in export order (time desc, id desc). */
    let bulkOrder: string[] = []

    beforeAll(async () => {
      if (!runs) {
        return
      }
      t = await createTestApp({ engine, clock: () => NOW, env: { VEIL_MAX_PAGE_SIZE: '50' } })
      const bulk = Array.from({ length: BULK_ROWS }, (_, i) =>
        // Three rows share each time, so ties are broken by id, also across the export's page boundary.
        buildPublic({ id: `bulk-${String(i).padStart(5, '0')}`, time: BASE_TIME - Math.floor(i / 3) * 1000, action: { type: 'bulk.load' }, actor: { upn: i % 10 === 0 ? 'tenth@contoso.com' : 'ann@example.com' } }),
      )
      await t.runtime.store.activities.insert(bulk)
      bulkOrder = bulk
        .map((a) => a.activity)
        .sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1))
        .map((a) => a.id)
      const large = Array.from({ length: LARGE_ROWS }, (_, i) => buildPublic({ id: `large-${String(i).padStart(5, '0')}`, time: BASE_TIME - 86_400_000 - i * 1000, action: { type: 'large.load' }, description: LARGE_DESCRIPTION }))
      for (let i = 0; i < large.length; i += 1000) {
        await t.runtime.store.activities.insert(large.slice(i, i + 1000))
      }
    })
    afterAll(async () => {
      await t?.close()
    })

    const exportPost = (body: Record<string, unknown>, role: TestRole = 'security_reader') => t.app.inject({ method: 'POST', url: '/api/v1/activities/export', payload: body, headers: t.auth(role) })
    const byAction = (type: string) => ({ actionType: { eq: [type] } })
    const exportRecords = async (): Promise<GovernanceRecord[]> => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/governance?action=activities.export&limit=1000', headers: t.auth('global_admin') })
      expect(res.statusCode, res.body).toBe(200)
      return res.json().data as GovernanceRecord[]
    }
    /** The end record of an export, once written (it follows the end of the response). */
    const endRecord = async (exportId: string): Promise<GovernanceRecord> => {
      for (let attempt = 0; attempt < 200; attempt += 1) {
        const found = (await exportRecords()).find((r) => r.details.exportId === exportId && r.details.phase !== 'started')
        if (found) {
          return found
        }
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      throw new Error(`no end record for export ${exportId}`)
    }

    describe('CSV', () => {
      maybe('should write the documented columns, RFC 4180 quoting, UTF-8 and neutralized formulas', async () => {
        const tricky = buildPublic({
          id: 'csv-tricky',
          time: BASE_TIME + 5000,
          action: { type: 'csv.escaping', name: '-2+3' },
          actor: { upn: '=cmd@contoso.com', displayName: 'Zoë Ünïcödé 名前 😀' },
          app: '+SUM(1,2)',
          description: 'a, "quoted" text\r\nwith a new line',
          device: { userAgent: '\tTabbed/1.0' },
          location: { country: 'DE', city: '\rCarriage' },
          target: { type: 'file', id: "'already-quoted", name: '@SUM(A1:A9)' },
        })
        const plain = buildPublic({ id: 'csv-plain', time: BASE_TIME + 4000, action: { type: 'csv.escaping' }, target: { type: null, id: null, name: null } })
        await t.runtime.store.activities.insert([tricky, plain])

        const res = await exportPost({ filters: byAction('csv.escaping') })
        expect(res.statusCode, res.body).toBe(200)
        expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present')
        expect(res.headers['content-disposition']).toBe('attachment; filename="veil-activities-20240502T120000Z.csv"')
        expect(res.headers['veil-export-private']).toBe('absent')
        expect(res.headers['cache-control']).toBe('no-store')
        expect(res.headers['veil-export-id']).toMatch(/^[0-9a-f-]{36}$/)

        const body = res.body
        expect(body.startsWith(`${EXPORT_COLUMNS.join(',')}\r\n`)).toBe(true)
        expect(body.endsWith('\r\n')).toBe(true)
        // Comma, quote and line break are quoted, quotes doubled; a formula trigger gets a leading '.
        expect(body).toContain('"a, ""quoted"" text\r\nwith a new line"')
        expect(body).toContain(",'=cmd@contoso.com,")
        expect(body).toContain(`,"'+SUM(1,2)",`)
        expect(body).toContain(`,"'\rCarriage",`)
        expect(Buffer.from(body, 'utf8').includes(Buffer.from('Zoë Ünïcödé 名前 😀', 'utf8'))).toBe(true)

        const rows = csvRows(body)
        expect(rows.map((r) => r.id)).toEqual(['csv-tricky', 'csv-plain'])
        expect(Object.keys(rows[0] as Row)).toEqual([...EXPORT_COLUMNS])
        const first = rows[0] as Row
        expect(first).toMatchObject({
          time: new Date(BASE_TIME + 5000).toISOString(),
          actorUpn: "'=cmd@contoso.com",
          actorDisplayName: 'Zoë Ünïcödé 名前 😀',
          actionName: "'-2+3",
          app: "'+SUM(1,2)",
          userAgent: "'\tTabbed/1.0",
          city: "'\rCarriage",
          targetId: "''already-quoted",
          targetName: "'@SUM(A1:A9)",
          description: 'a, "quoted" text\r\nwith a new line',
        })
        // The neutralization is reversible: drop one leading '.
        expect(restoreNeutralizedCell(first.targetId as string)).toBe("'already-quoted")
        expect(restoreNeutralizedCell(first.actorUpn as string)).toBe('=cmd@contoso.com')
        expect(rows[1]).toMatchObject({ targetType: '', targetId: '', targetName: '', country: 'DE', result: 'success', source: 'veil' })
      })

      maybe('should start with a byte-order mark only when asked', async () => {
        const res = await exportPost({ filters: byAction('csv.escaping'), bom: true })
        expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
        expect(csvRows(res.body)).toHaveLength(2)
        expect((await exportPost({ filters: byAction('csv.escaping') })).rawPayload[0]).toBe('i'.charCodeAt(0))
      })

      maybe('should answer a header row alone when nothing matches', async () => {
        const res = await exportPost({ filters: byAction('nothing.matches') })
        expect(res.statusCode).toBe(200)
        expect(res.body).toBe(`${EXPORT_COLUMNS.join(',')}\r\n`)
        expect((await exportPost({ filters: byAction('nothing.matches'), format: 'ndjson' })).body).toBe('')
      })
    })

    describe('NDJSON', () => {
      maybe('should write one JSON object per line in the ingest format, without the raw event', async () => {
        const res = await exportPost({ filters: byAction('csv.escaping'), format: 'ndjson' })
        expect(res.statusCode, res.body).toBe(200)
        expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8')
        expect(res.headers['content-disposition']).toMatch(/filename="veil-activities-20240502T120000Z\.ndjson"/)
        expect(res.body.endsWith('\n')).toBe(true)
        const lines = ndjsonLines(res.body)
        expect(lines.map((l) => l.id)).toEqual(['csv-tricky', 'csv-plain'])
        expect(lines[0]).toMatchObject({
          time: new Date(BASE_TIME + 5000).toISOString(),
          actor: { upn: '=cmd@contoso.com', displayName: 'Zoë Ünïcödé 名前 😀', type: 'user' },
          app: '+SUM(1,2)',
          action: { type: 'csv.escaping', name: '-2+3' },
          description: 'a, "quoted" text\r\nwith a new line',
          target: { type: 'file', id: "'already-quoted", name: '@SUM(A1:A9)' },
        })
        expect(lines[0]).not.toHaveProperty('raw')
        expect(lines[0]).not.toHaveProperty('private')
      })
    })

    describe('filters and size', () => {
      maybe('should apply the list filters, in the POST and the GET form alike', async () => {
        const filters = { ...byAction('bulk.load'), 'user.username': { eq: ['tenth@contoso.com'] } }
        const posted = await exportPost({ filters, format: 'ndjson' })
        const ids = ndjsonLines(posted.body).map((l) => l.id)
        expect(ids).toEqual(bulkOrder.filter((id) => Number(id.slice(5)) % 10 === 0))
        const got = await t.app.inject({ method: 'GET', url: `/api/v1/activities/export?format=ndjson&filters=${encodeURIComponent(JSON.stringify(filters))}`, headers: t.auth('security_reader') })
        expect(got.statusCode, got.body).toBe(200)
        expect(got.body).toBe(posted.body)
      })

      maybe('should export every row, past the list page limit and across export pages, with no duplicates', async () => {
        const res = await exportPost({ filters: byAction('bulk.load') })
        expect(res.statusCode).toBe(200)
        const ids = csvRows(res.body).map((r) => r.id)
        expect(ids).toHaveLength(BULK_ROWS)
        expect(ids).toEqual(bulkOrder)
      })

      maybe('should sort as asked and stop at a row limit when one is given', async () => {
        const asc = await exportPost({ filters: byAction('bulk.load'), sortDirection: 'asc', limit: 2001, format: 'ndjson' })
        expect(ndjsonLines(asc.body).map((l) => l.id)).toEqual([...bulkOrder].reverse().slice(0, 2001))
        const created = await exportPost({ filters: byAction('bulk.load'), sortField: 'created', limit: 5, format: 'ndjson' })
        expect(ndjsonLines(created.body).map((l) => l.id)).toEqual(bulkOrder.slice(0, 5))
      })

      maybe('should refuse bad export parameters with a 400 naming each', async () => {
        const res = await exportPost({ format: 'xml', bom: 'yes' })
        expect(res.statusCode).toBe(400)
        expect(res.json().details).toEqual([
          { field: 'body/format', reason: expect.any(String) },
          { field: 'body/bom', reason: expect.any(String) },
        ])
        const skip = await t.app.inject({ method: 'GET', url: '/api/v1/activities/export?skip=10&format=json&bom=1', headers: t.auth('security_reader') })
        expect(skip.statusCode).toBe(400)
        expect(skip.json().details).toEqual([
          { field: 'querystring/format', reason: expect.any(String) },
          { field: 'querystring/bom', reason: expect.any(String) },
        ])
        const skipOnly = await exportPost({ skip: 10 })
        expect(skipOnly.json().details).toEqual([{ field: 'skip', reason: 'exports do not skip; continue with cursor or resumeAfter' }])
        const filter = await exportPost({ filters: { nope: { eq: ['x'] } } })
        expect(filter.json()).toMatchObject({ error: 'unknown_filter_field', status: 400 })
        const limit = await t.app.inject({ method: 'GET', url: '/api/v1/activities/export?limit=0', headers: t.auth('security_reader') })
        expect(limit.json().details).toEqual([{ field: 'limit', reason: expect.stringContaining('at least 1') }])
      })
    })

    describe('resume', () => {
      maybe('should continue an NDJSON export after the last complete row, also at a page boundary', async () => {
        const full = (await exportPost({ filters: byAction('bulk.load'), format: 'ndjson' })).body
        const lines = full.split('\n').filter((l) => l !== '')
        for (const kept of [1000, 2000]) {
          const lastId = (JSON.parse(lines[kept - 1] as string) as { id: string }).id
          const rest = await exportPost({ filters: byAction('bulk.load'), format: 'ndjson', resumeAfter: lastId })
          expect(rest.statusCode, rest.body).toBe(200)
          expect(lines.slice(0, kept).join('\n') + '\n' + rest.body).toBe(full)
        }
      })

      maybe('should continue a CSV export without its header row, so the parts concatenate to the whole', async () => {
        const full = (await exportPost({ filters: byAction('bulk.load') })).body
        const rows = csvRows(full)
        const kept = 1234
        const head = full.split('\r\n').slice(0, kept + 1).join('\r\n') + '\r\n'
        const rest = await exportPost({ filters: byAction('bulk.load'), resumeAfter: (rows[kept - 1] as Row).id })
        expect(rest.headers['content-type']).toBe('text/csv; charset=utf-8; header=absent')
        expect(head + rest.body).toBe(full)
        const get = await t.app.inject({ method: 'GET', url: `/api/v1/activities/export?filters=${encodeURIComponent(JSON.stringify(byAction('bulk.load')))}&resumeAfter=${(rows[kept - 1] as Row).id}`, headers: t.auth('security_reader') })
        expect(get.body).toBe(rest.body)
      })

      maybe('should start where a page of the list ended, with its cursor', async () => {
        const page = await t.app.inject({ method: 'POST', url: '/api/v1/activities/', payload: { filters: byAction('bulk.load'), limit: 30 }, headers: t.auth('security_reader') })
        const cursor = page.json().cursor as string
        const res = await exportPost({ filters: byAction('bulk.load'), cursor, format: 'ndjson' })
        expect(ndjsonLines(res.body).map((l) => l.id)).toEqual(bulkOrder.slice(30))
      })

      maybe('should refuse an unknown resume id, and a resume id with a cursor', async () => {
        const unknown = await exportPost({ filters: byAction('bulk.load'), resumeAfter: 'no-such-activity' })
        expect(unknown.statusCode).toBe(400)
        expect(unknown.json().details).toEqual([{ field: 'resumeAfter', reason: 'no activity with this id' }])
        const page = await t.app.inject({ method: 'POST', url: '/api/v1/activities/', payload: { filters: byAction('bulk.load'), limit: 3 }, headers: t.auth('security_reader') })
        const both = await exportPost({ filters: byAction('bulk.load'), cursor: page.json().cursor, resumeAfter: 'bulk-00001' })
        expect(both.json().details).toEqual([{ field: 'resumeAfter', reason: 'cannot be combined with cursor' }])
      })
    })

    describe('governance records', () => {
      maybe('should record the start before the rows and the end with the row count', async () => {
        const res = await exportPost({ filters: byAction('bulk.load'), format: 'ndjson', limit: 1500 }, 'compliance_admin')
        const exportId = res.headers['veil-export-id'] as string
        const end = await endRecord(exportId)
        const start = (await exportRecords()).find((r) => r.details.exportId === exportId && r.details.phase === 'started') as GovernanceRecord
        expect(start).toMatchObject({
          action: 'activities.export',
          target: 'activities',
          initiator: 'compliance@contoso.com',
          status: 'succeeded',
          justification: null,
          details: { format: 'ndjson', privatePlaceholders: false, route: 'POST /api/v1/activities/export', request: { filters: byAction('bulk.load'), format: 'ndjson', limit: 1500 }, maxRows: 1500, channel: 'api' },
        })
        expect(start.seq).toBeLessThan(end.seq)
        expect(end).toMatchObject({ status: 'succeeded', details: { phase: 'completed', rows: 1500, format: 'ndjson', privatePlaceholders: false } })
        expect(end.details).not.toHaveProperty('placeholders')
      })

      maybe('should not start an export the governance log cannot record (503, no rows)', async () => {
        t.setGovernanceFailing(true)
        try {
          const res = await exportPost({ filters: byAction('bulk.load') })
          expect(res.statusCode).toBe(503)
          expect(res.headers['content-type']).toMatch(/^application\/json/)
          expect(res.json()).toMatchObject({ error: 'governance_unavailable' })
          expect(res.body).not.toContain('bulk-')
        } finally {
          t.setGovernanceFailing(false)
        }
      })

      maybe('should count exports by format and outcome on /metrics', async () => {
        const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth('global_admin') })
        expect(res.body).toMatch(/veil_exports_total\{format="ndjson",outcome="completed"\} \d+/)
      })
    })

    describe('streaming over a socket', () => {
      let base = ''
      beforeAll(async () => {
        if (runs) {
          await t.app.listen({ host: '127.0.0.1', port: 0 })
          base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
        }
      })

      /** Start a CSV export of the large rows and give back the response as soon as its headers arrive. */
      const startLargeExport = () =>
        new Promise<IncomingMessage>((resolve, reject) => {
          const req = httpRequest(`${base}/api/v1/activities/export`, { method: 'POST', headers: { ...t.auth('security_reader'), 'content-type': 'application/json' } }, resolve)
          req.on('error', reject)
          req.end(JSON.stringify({ filters: byAction('large.load') }))
        })

      maybe('should be held by a reader that does not read (back-pressure), then finish when it reads on', async () => {
        const res = await startLargeExport()
        expect(res.statusCode).toBe(200)
        const exportId = res.headers['veil-export-id'] as string
        res.pause()
        await new Promise((resolve) => setTimeout(resolve, 300))
        // The server cannot finish while the reader holds back: the rows do not fit the socket buffers.
        expect((await exportRecords()).filter((r) => r.details.exportId === exportId).map((r) => r.details.phase)).toEqual(['started'])

        let bytes = 0
        let chunks = 0
        let lineEnds = 0
        res.on('data', (chunk: Buffer) => {
          chunks += 1
          bytes += chunk.length
          for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) {
            lineEnds += 1
          }
        })
        res.resume()
        await new Promise((resolve) => res.on('end', resolve))
        expect(chunks).toBeGreaterThan(10)
        expect(lineEnds).toBe(LARGE_ROWS + 1)
        expect(bytes).toBeGreaterThan(LARGE_ROWS * LARGE_DESCRIPTION.length)
        expect((await endRecord(exportId)).details).toMatchObject({ phase: 'completed', rows: LARGE_ROWS })
      })

      maybe('should stop reading when the client goes away, and record the export as aborted', async () => {
        const res = await startLargeExport()
        const exportId = res.headers['veil-export-id'] as string
        await new Promise((resolve) => res.once('data', resolve))
        res.destroy()
        const end = await endRecord(exportId)
        expect(end.status).toBe('failed')
        expect(end.details.phase).toBe('aborted')
        // At most the pages the socket buffers took: the rest was never read from the store.
        expect(end.details.rows).toBeLessThan(LARGE_ROWS)
      })
    })
  })
}
