/**
 * Saved activity-log queries per admin, on both engines: checked like an activities list body, never
 * holding reveal parameters, each admin's own, and runnable as the body of the activities list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp, type TestRole } from '../helpers/test-app.js'

for (const engine of selectedStores()) {
  describe(`${engine}: /api/v1/saved-queries`, async () => {
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
    const request = (role: TestRole, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) => t.app.inject({ method, url, payload: payload as never, headers: t.auth(role) })
    const save = (role: TestRole, name: string, query: unknown) => request(role, 'POST', '/api/v1/saved-queries', { name, query })

    maybe('should save a query, list it to its owner only, and run it as an activities list body', async () => {
      const query = { filters: { app: { eq: ['Okta'] }, 'user.username': { neq: ['svc@contoso.com'] }, date: { gte_ndays: 7 } }, sortDirection: 'asc' }
      const created = await save('security_reader', '  Okta sign-ins ', query)
      expect(created.statusCode, created.body).toBe(201)
      expect(created.json()).toEqual({ id: expect.any(String), name: 'Okta sign-ins', query, createdAt: expect.any(Number), updatedAt: expect.any(Number) })
      expect((await save('security_reader', 'Everything', { filters: {} })).statusCode).toBe(201)

      const listed = (await request('security_reader', 'GET', '/api/v1/saved-queries')).json().data as Array<{ name: string; query: unknown }>
      expect(listed.map((q) => q.name)).toEqual(['Everything', 'Okta sign-ins'])
      expect((await request('compliance_admin', 'GET', '/api/v1/saved-queries')).json()).toEqual({ data: [] })

      const run = await request('security_reader', 'POST', '/api/v1/activities/', listed[1]?.query)
      expect(run.statusCode, run.body).toBe(200)
    })

    maybe('should refuse a name the admin already uses, and allow it to another admin', async () => {
      expect((await save('global_admin', 'Mine', { filters: {} })).statusCode).toBe(201)
      const again = await save('global_admin', 'Mine', { filters: { app: { eq: ['Slack'] } } })
      expect(again.statusCode).toBe(409)
      expect(again.json()).toMatchObject({ error: 'conflict', message: expect.stringContaining('"Mine"') })
      expect((await save('security_admin', 'Mine', { filters: {} })).statusCode).toBe(201)
    })

    maybe('should refuse filters the activities list refuses, naming the field under query', async () => {
      const unknownField = await save('security_reader', 'Bad field', { filters: { 'no.such.field': { eq: ['x'] } } })
      expect(unknownField.statusCode).toBe(400)
      expect(unknownField.json()).toMatchObject({ error: 'unknown_filter_field', details: [{ field: expect.stringMatching(/^query\.filters/) }] })
      const unknownOperator = await save('security_reader', 'Bad operator', { filters: { app: { gte: ['x'] } } })
      expect(unknownOperator.json()).toMatchObject({ error: 'unknown_filter_operator' })
      const notObject = await save('security_reader', 'Not an object', ['app'])
      expect(notObject.json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'query' }] })
      const empty = await request('security_reader', 'POST', '/api/v1/saved-queries', { name: '   ', query: { filters: {} } })
      expect(empty.json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'name' }] })
    })

    maybe('should never keep reveal parameters or paging in a saved query', async () => {
      const reveal = await save('global_admin', 'Reveal', { filters: {}, includePrivate: true, acknowledgeAudit: true, justification: 'a saved reveal is not a thing' })
      expect(reveal.statusCode).toBe(400)
      expect(reveal.json().details.map((d: { field: string }) => d.field)).toEqual(['query.includePrivate', 'query.acknowledgeAudit', 'query.justification'])
      const paging = await save('global_admin', 'Paging', { filters: {}, cursor: 'abc', limit: 10 })
      expect(paging.json().details.map((d: { field: string }) => d.field)).toEqual(['query.cursor', 'query.limit'])
    })

    maybe('should delete only the admin\'s own saved query; someone else\'s is not found', async () => {
      const created = (await save('compliance_admin', 'To delete', { filters: {} })).json() as { id: string }
      const byOther = await request('security_reader', 'DELETE', `/api/v1/saved-queries/${created.id}`)
      expect(byOther.statusCode).toBe(404)
      expect(byOther.json()).toMatchObject({ error: 'not_found' })
      expect((await request('compliance_admin', 'DELETE', `/api/v1/saved-queries/${created.id}`)).statusCode).toBe(204)
      expect((await request('compliance_admin', 'DELETE', `/api/v1/saved-queries/${created.id}`)).statusCode).toBe(404)
      expect((await request('compliance_admin', 'GET', '/api/v1/saved-queries')).json()).toEqual({ data: [] })
    })

    maybe('should refuse an account without an admin role', async () => {
      expect((await save('none', 'Nope', { filters: {} })).statusCode).toBe(403)
    })
  })
}
