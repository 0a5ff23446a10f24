/**
 * What the portal learns from the API to run "Show private activities" and the permission list: the
 * session's end and the configured reveal duration (`/api/v1/me`), and the clear errors of granting the
 * activity privacy permission to someone who is not an admin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { TEST_PASSWORD, createTestApp, type TestApp } from '../helpers/test-app.js'

for (const engine of selectedStores()) {
  describe(`${engine}: reveal duration, session expiry and permission errors`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    let t: TestApp

    beforeAll(async () => {
      if (runs) {
        t = await createTestApp({ engine, env: { VEIL_REVEAL_MINUTES: '5', VEIL_SESSION_TTL_MINUTES: '60' } })
      }
    })
    afterAll(async () => {
      await t?.close()
    })

    maybe('should tell a portal session when it ends and how long a reveal lasts', async () => {
      const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { upn: 'compliance@contoso.com', password: TEST_PASSWORD } })
      expect(login.statusCode, login.body).toBe(200)
      const cookie = login.cookies.find((c) => c.name === 'veil_session')
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { veil_session: cookie?.value ?? '' } })
      expect(me.statusCode, me.body).toBe(200)
      expect(me.json()).toMatchObject({ upn: 'compliance@contoso.com', via: 'session', sessionExpiresAt: login.json().expiresAt, revealTtlSeconds: 300 })
      expect(login.json().expiresAt - Date.now()).toBeGreaterThan(59 * 60_000)
    })

    maybe('should give a token no session end, and the reveal duration all the same', async () => {
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: t.auth('security_reader') })
      expect(me.json()).toMatchObject({ via: 'token', sessionExpiresAt: null, revealTtlSeconds: 300 })
    })

    maybe('should refuse to grant the activity privacy permission to an account without an admin role, saying so', async () => {
      const grant = (upn: string) => t.app.inject({ method: 'POST', url: '/api/v1/permissions/activity-privacy', payload: { upn }, headers: t.auth('global_admin') })
      for (const upn of ['nobody@contoso.com', 'NoBody@Contoso.COM']) {
        const res = await grant(upn)
        expect(res.statusCode).toBe(409)
        expect(res.json()).toMatchObject({ error: 'conflict', message: expect.stringMatching(/^nobody@contoso\.com has no admin role; only admins can be granted/) })
      }
      const unknown = await grant('ghost@contoso.com')
      expect(unknown.statusCode).toBe(400)
      expect(unknown.json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'upn', reason: expect.stringContaining('admin role') }] })
      expect((await grant('reader@contoso.com')).statusCode).toBe(201)
    })
  })
}

describe('VEIL_REVEAL_MINUTES', () => {
  it('should default to 15 minutes', async () => {
    const t = await createTestApp()
    try {
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: t.auth('global_admin') })).json().revealTtlSeconds).toBe(900)
    } finally {
      await t.close()
    }
  })
})
