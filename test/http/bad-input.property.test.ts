/**
 * Generated bad input never crashes or hangs the server: ingest bodies of arbitrary text and JSON,
 * and query bodies of arbitrary shape, always get a JSON answer with a 2xx or 4xx status, and valid
 * records mixed into a bad batch are always stored.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/test-app.js'

const NOW = Date.parse('2026-11-20T12:00:00Z')

const validRecord = fc.record({
  id: fc.uuid(),
  time: fc.integer({ min: NOW - 30 * 86_400_000, max: NOW }).map((t) => new Date(t).toISOString()),
  actor: fc.record({ upn: fc.emailAddress() }),
  app: fc.constantFrom('Okta', 'GitHub', 'Microsoft Teams'),
  action: fc.constantFrom('login', 'file.download'),
})

const junkRecord = fc.oneof(
  fc.anything(),
  fc.record({ id: fc.anything(), time: fc.anything(), actor: fc.anything(), app: fc.anything(), action: fc.anything() }, { requiredKeys: [] }),
  validRecord.map((r) => ({ ...r, time: 'not a time' })),
  validRecord.map((r) => ({ ...r, actor: { upn: 12 } })),
  validRecord.map((r) => ({ ...r, ip: '999.1.1.1' })),
)

describe('bad input (property-based)', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({ clock: () => NOW })
  })
  afterAll(async () => {
    await t.close()
  })

  const ingest = (payload: string, contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url: '/api/v1/activities/ingest', payload, headers: { ...t.auth('security_admin'), 'content-type': contentType } })

  it('should answer any text body with a JSON 200 or 400, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), fc.constantFrom('application/json', 'application/x-ndjson', 'text/plain'), async (body, contentType) => {
        const res = await ingest(body, contentType)
        expect([200, 400]).toContain(res.statusCode)
        expect(() => res.json()).not.toThrow()
      }),
      { numRuns: 150 },
    )
  })

  it('should store every valid record of a batch that mixes in junk, and name each rejected one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(validRecord.map((r) => ({ ok: true as const, r })), junkRecord.map((r) => ({ ok: false as const, r }))), { minLength: 1, maxLength: 30 }), async (items) => {
        const res = await ingest(items.map((i) => JSON.stringify(i.r) ?? 'undefined').join('\n'), 'application/x-ndjson')
        const json = res.json()
        expect([200, 400]).toContain(res.statusCode)
        const valid = items.filter((i) => i.ok).length
        // Junk can happen to be valid too (fc.anything() may build a valid record), so at least the valid ones are in.
        expect(json.accepted + json.duplicates).toBeGreaterThanOrEqual(valid)
        for (const r of json.results as Array<{ index: number; status: string; error?: { reason: string } }>) {
          if (r.status === 'rejected') {
            expect(r.error?.reason.length).toBeGreaterThan(0)
          }
        }
        expect(json.results).toHaveLength(items.length)
      }),
      { numRuns: 60 },
    )
  })

  it('should answer any query body with 200 or a 400 naming the problem', async () => {
    const filterValue = fc.dictionary(fc.constantFrom('eq', 'neq', 'contains', 'startswith', 'isset', 'gte', 'lte', 'range', 'gte_ndays', 'bogus'), fc.anything(), { maxKeys: 3 })
    const body = fc.oneof(
      fc.anything(),
      fc.record(
        {
          filters: fc.dictionary(fc.constantFrom('user.username', 'app', 'date', 'ip.address', 'text', 'activity.id', 'nope', 'created'), filterValue, { maxKeys: 4 }),
          skip: fc.oneof(fc.integer(), fc.anything()),
          limit: fc.oneof(fc.integer(), fc.anything()),
          sortField: fc.oneof(fc.constantFrom('date', 'created'), fc.string()),
          sortDirection: fc.oneof(fc.constantFrom('asc', 'desc'), fc.string()),
          cursor: fc.oneof(fc.string(), fc.base64String()),
        },
        { requiredKeys: [] },
      ),
    )
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/activities', payload: JSON.stringify(b) ?? 'null', headers: { ...t.auth('security_reader'), 'content-type': 'application/json' } })
        expect([200, 400], res.body).toContain(res.statusCode)
        if (res.statusCode === 400) {
          expect(res.json().message.length).toBeGreaterThan(0)
        }
      }),
      { numRuns: 300 },
    )
  })
})
