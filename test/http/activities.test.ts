/**
 * The activities API over HTTP on both engines: ingest with per-record results, the Defender-compatible
 * list and get-by-id, keyset paging, limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/test-app.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'

const NOW = Date.parse('2026-11-20T12:00:00Z')
const DAY = 86_400_000

function activity(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `evt-${String(n).padStart(4, '0')}`,
    time: new Date(NOW - n * 3_600_000).toISOString(),
    actor: { upn: n % 3 === 0 ? 'Alex.Wilber@Contoso.com' : `user${n % 7}@contoso.com`, displayName: `User ${n}`, type: 'user' },
    app: n % 2 === 0 ? 'Microsoft Exchange Online' : 'Okta',
    action: { type: n % 2 === 0 ? 'mail.send' : 'login', name: n % 2 === 0 ? 'Send' : 'user.session.start' },
    ip: `198.51.100.${n % 250}`,
    location: { country: n % 5 === 0 ? 'DE' : 'US', city: 'Somewhere' },
    device: { type: 'desktop', userAgent: 'Mozilla/5.0 (Windows NT 10.0)' },
    result: 'success',
    description: `User ${n} did thing number ${n}`,
    ...overrides,
  }
}

for (const engine of selectedStores()) {
  describe(`${engine}: activities API`, async () => {
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

    const ingest = (body: string, contentType = 'application/json', role: 'security_admin' | 'security_reader' = 'security_admin') =>
      t.app.inject({ method: 'POST', url: '/api/v1/activities/ingest', payload: body, headers: { ...t.auth(role), 'content-type': contentType } })
    const list = (body: unknown, headers: Record<string, string> = t.auth('security_reader')) =>
      t.app.inject({ method: 'POST', url: '/api/v1/activities/', payload: body as never, headers })

    maybe('should ingest a JSON array and report each record', async () => {
      const res = await ingest(JSON.stringify(Array.from({ length: 60 }, (_, i) => activity(i))))
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ accepted: 60, duplicates: 0, rejected: 0 })
      expect(res.json().results[0]).toEqual({ index: 0, status: 'accepted', id: 'evt-0000' })
    })

    maybe('should keep valid records of a batch with bad ones and name index, field and reason', async () => {
      const body = JSON.stringify([activity(100), { ...activity(101), time: 'yesterday' }, activity(0), { ...activity(102), actor: { upn: 42 } }, activity(103)])
      const res = await ingest(body)
      expect(res.statusCode).toBe(400)
      const json = res.json()
      expect(json).toMatchObject({ error: 'validation_failed', accepted: 2, duplicates: 1, rejected: 2 })
      expect(json.details).toEqual([
        expect.objectContaining({ index: 1, field: '/time' }),
        expect.objectContaining({ index: 3, field: '/actor/upn' }),
      ])
      expect(json.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'rejected', 'duplicate', 'rejected', 'accepted'])
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/activities/evt-0103', headers: t.auth('security_reader') })).statusCode).toBe(200)
    })

    maybe('should ingest NDJSON and report a malformed line without losing the others', async () => {
      const body = [JSON.stringify(activity(200)), '{"id": "broken", ', '', JSON.stringify(activity(201))].join('\n')
      const res = await ingest(body, 'application/x-ndjson')
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({ accepted: 2, rejected: 1 })
      expect(res.json().details[0]).toMatchObject({ index: 1 })
    })

    maybe('should be idempotent: the same batch twice stores each event once', async () => {
      const body = JSON.stringify([activity(300), activity(301)])
      expect((await ingest(body)).json()).toMatchObject({ accepted: 2 })
      expect((await ingest(body)).json()).toMatchObject({ accepted: 0, duplicates: 2 })
    })

    maybe('should reject an empty body, an unknown format and non-JSON clearly', async () => {
      expect((await ingest('')).json()).toMatchObject({ error: 'validation_failed' })
      const unknown = await t.app.inject({ method: 'POST', url: '/api/v1/activities/ingest?format=nope', payload: '[]', headers: { ...t.auth('security_admin'), 'content-type': 'application/json' } })
      expect(unknown.statusCode).toBe(400)
      expect(unknown.json().details[0]).toMatchObject({ field: 'format' })
      const garbage = await ingest('this is not json')
      expect(garbage.statusCode).toBe(400)
      expect(garbage.json()).toMatchObject({ rejected: 1 })
    })

    maybe('should refuse ingest to a security reader', async () => {
      expect((await ingest('[]', 'application/json', 'security_reader')).statusCode).toBe(403)
    })

    maybe('should answer a Defender request body with total, hasNext and data, newest first', async () => {
      const res = await list({ filters: { 'user.username': { eq: ['alex.wilber@contoso.com'] }, date: { gte_ndays: 7 } }, skip: 0, limit: 5, sortField: 'date', sortDirection: 'desc' })
      expect(res.statusCode, res.body).toBe(200)
      const json = res.json()
      expect(json.total).toBe(20) // evt-0000..0059 with n % 3 === 0
      expect(json.hasNext).toBe(true)
      expect(json.data).toHaveLength(5)
      const times = json.data.map((a: { timestamp: number }) => a.timestamp)
      expect([...times].sort((a, b) => b - a)).toEqual(times)
      expect(json.data[0]).toMatchObject({ _id: 'evt-0000', actor: { upn: 'alex.wilber@contoso.com' } })
    })

    maybe("should accept Defender's Authorization: Token header and GET with URL-encoded filters", async () => {
      const res = await list({ filters: { app: { eq: 'okta' } }, limit: 1 }, { authorization: `Token ${t.tokens.security_reader}` })
      expect(res.statusCode).toBe(200)
      expect(res.json().data[0].app).toBe('Okta')
      const get = await t.app.inject({ method: 'GET', url: `/api/v1/activities?filters=${encodeURIComponent(JSON.stringify({ 'location.country': { eq: 'DE' } }))}&limit=3`, headers: t.auth('security_reader') })
      expect(get.statusCode, get.body).toBe(200)
      expect(get.json().data.every((a: { location: { country: string } }) => a.location.country === 'DE')).toBe(true)
    })

    maybe('should name unknown filter fields and operators in a 400', async () => {
      const field = await list({ filters: { 'user.shoeSize': { eq: 42 }, 'ip.address': { eq: '198.51.100.1' } } })
      expect(field.statusCode).toBe(400)
      expect(field.json()).toMatchObject({ error: 'unknown_filter_field' })
      expect(field.body).toContain('user.shoeSize')
      const op = await list({ filters: { 'ip.address': { gte_ndays: 3 } } })
      expect(op.statusCode).toBe(400)
      expect(op.json()).toMatchObject({ error: 'unknown_filter_operator' })
    })

    maybe('should walk every activity exactly once with the keyset cursor', async () => {
      const seen: string[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const res = await list({ limit: 7, ...(cursor ? { cursor } : {}) })
        expect(res.statusCode, res.body).toBe(200)
        const json = res.json()
        seen.push(...json.data.map((a: { id: string }) => a.id))
        cursor = json.cursor
        pages += 1
      } while (cursor && pages < 100)
      const total = (await list({ limit: 1 })).json().total
      expect(seen).toHaveLength(total)
      expect(new Set(seen).size).toBe(total)
    })

    maybe('should return more than 100 items per call (no Defender cap)', async () => {
      await ingest(JSON.stringify(Array.from({ length: 150 }, (_, i) => activity(1000 + i))))
      const res = await list({ limit: 500 })
      expect(res.json().data.length).toBeGreaterThan(100)
    })

    maybe('should return one activity with its raw event, and 404 for an unknown id', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/activities/evt-0003/', headers: t.auth('security_reader') })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ id: 'evt-0003', raw: { id: 'evt-0003', app: 'Okta' } })
      const missing = await t.app.inject({ method: 'GET', url: '/api/v1/activities/nope', headers: t.auth('security_reader') })
      expect(missing.statusCode).toBe(404)
      expect(missing.json()).toEqual({ error: 'not_found', message: 'No activity with this id', status: 404 })
    })

    maybe('should filter by date given as ISO 8601 or ms epoch alike', async () => {
      const iso = await list({ filters: { date: { gte: new Date(NOW - DAY).toISOString() } }, limit: 1 })
      const ms = await list({ filters: { date: { gte: NOW - DAY } }, limit: 1 })
      expect(iso.json().total).toBe(ms.json().total)
      expect(iso.json().total).toBeGreaterThan(0)
    })
  })
}

describe('limits', () => {
  it('should answer 429 with Retry-After past the request limit', async () => {
    const t = await createTestApp({ env: { VEIL_REQUESTS_PER_MINUTE: '3' } })
    try {
      const statuses: number[] = []
      let last
      for (let i = 0; i < 4; i += 1) {
        last = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: t.auth('security_reader') })
        statuses.push(last.statusCode)
      }
      expect(statuses).toEqual([200, 200, 200, 429])
      expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0)
      expect(last?.json()).toMatchObject({ error: 'rate_limited' })
    } finally {
      await t.close()
    }
  })

  it('should answer 413 to a body over the limit and reject an oversized record by index', async () => {
    const t = await createTestApp({ env: { VEIL_MAX_BODY_BYTES: '4096', VEIL_MAX_RECORD_BYTES: '1024' } })
    try {
      const big = await t.app.inject({ method: 'POST', url: '/api/v1/activities/ingest', payload: JSON.stringify([activity(1, { description: 'x'.repeat(5000) })]), headers: { ...t.auth('security_admin'), 'content-type': 'application/json' } })
      expect(big.statusCode).toBe(413)
      expect(big.json()).toMatchObject({ error: 'payload_too_large' })
      const oversized = await t.app.inject({ method: 'POST', url: '/api/v1/activities/ingest', payload: JSON.stringify([activity(1), activity(2, { description: 'y'.repeat(2000) })]), headers: { ...t.auth('security_admin'), 'content-type': 'application/json' } })
      expect(oversized.statusCode).toBe(400)
      expect(oversized.json()).toMatchObject({ accepted: 1, rejected: 1, details: [{ index: 1 }] })
      expect(oversized.json().details[0].reason).toContain('over the limit')
    } finally {
      await t.close()
    }
  })
})
