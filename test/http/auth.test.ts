/**
 * Password login, session cookie with CSRF, API tokens (shown once, stored hashed, revocable), account
 * changes as governance records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_PASSWORD, createTestApp, type TestApp } from '../helpers/test-app.js'

describe('accounts and access', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp()
  })
  afterAll(async () => {
    await t.close()
  })

  const login = (upn: string, password: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { upn, password } })

  it('should sign in with a password and set an HttpOnly, SameSite=Strict session cookie', async () => {
    const res = await login('Reader@Contoso.com', TEST_PASSWORD)
    expect(res.statusCode, res.body).toBe(200)
    const cookie = res.cookies.find((c) => c.name === 'veil_session')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' })
    expect(res.json()).toMatchObject({ upn: 'reader@contoso.com', roles: ['security_reader'] })
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { veil_session: cookie?.value as string } })
    expect(me.json()).toMatchObject({ upn: 'reader@contoso.com', via: 'session', canRevealPrivate: false, permissions: expect.arrayContaining(['activities.read']) })
  })

  it('should answer a wrong password and an unknown account the same way', async () => {
    const wrong = await login('reader@contoso.com', 'not the password at all')
    const unknown = await login('ghost@contoso.com', 'not the password at all')
    expect(wrong.statusCode).toBe(401)
    expect(unknown.statusCode).toBe(401)
    expect(wrong.body).toBe(unknown.body)
  })

  it('should require the CSRF header for state-changing requests made with the session cookie', async () => {
    const res = await login('global@contoso.com', TEST_PASSWORD)
    const session = res.cookies.find((c) => c.name === 'veil_session')?.value as string
    const csrf = res.json().csrfToken as string
    const without = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'x' }, cookies: { veil_session: session } })
    expect(without.statusCode).toBe(403)
    const withHeader = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'x' }, cookies: { veil_session: session }, headers: { 'x-csrf-token': csrf } })
    expect(withHeader.statusCode).toBe(201)
    const logout = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', cookies: { veil_session: session }, headers: { 'x-csrf-token': csrf } })
    expect(logout.statusCode).toBe(200)
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { veil_session: session } })).statusCode).toBe(401)
  })

  it('should show a token once, store only its hash, and stop accepting it once revoked', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'siem-script' }, headers: t.auth('security_admin') })
    expect(created.statusCode).toBe(201)
    const { id, token } = created.json() as { id: string; token: string }
    expect(token).toMatch(/^veil_[0-9a-f]{12}_/)
    const stored = await t.runtime.store.tokens.get(id)
    expect(stored?.secretHash).not.toContain(token)
    expect(JSON.stringify(stored)).not.toContain(token.slice(18))
    const listed = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: t.auth('security_admin') })
    expect(listed.body).not.toContain(token.slice(18))
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: t.auth('security_admin') })).statusCode).toBe(200)
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })
    expect(after.statusCode).toBe(401)
    expect(after.json()).toMatchObject({ error: 'unauthenticated' })
  })

  it("should not let one account revoke another's token unless global admin", async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'mine' }, headers: t.auth('security_reader') })
    const { id } = created.json() as { id: string }
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: t.auth('compliance_admin') })).statusCode).toBe(404)
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: t.auth('global_admin') })).statusCode).toBe(200)
  })

  it('should reject malformed and expired tokens', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Bearer nonsense' } })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Basic abc' } })).statusCode).toBe(401)
  })

  it('should record account creation and role changes in the governance log, which verifies', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/accounts', payload: { upn: 'New.Admin@contoso.com', roles: ['security_reader'], password: 'another long password' }, headers: t.auth('global_admin') })
    expect(created.statusCode, created.body).toBe(201)
    const patched = await t.app.inject({ method: 'PATCH', url: '/api/v1/accounts/new.admin@contoso.com', payload: { roles: ['security_admin'] }, headers: t.auth('global_admin') })
    expect(patched.json()).toMatchObject({ roles: ['security_admin'] })
    const log = (await t.app.inject({ method: 'GET', url: '/api/v1/governance?limit=2', headers: t.auth('compliance_admin') })).json()
    expect(log.data[0]).toMatchObject({ action: 'account.roles.change', target: 'new.admin@contoso.com', initiator: 'global@contoso.com', details: { before: ['security_reader'], after: ['security_admin'] } })
    expect(log.data[1]).toMatchObject({ action: 'account.create', target: 'new.admin@contoso.com' })
    expect(log.hasNext).toBe(true)
    const verify = (await t.app.inject({ method: 'GET', url: '/api/v1/governance/verify', headers: t.auth('security_reader') })).json()
    expect(verify).toMatchObject({ ok: true })
    expect(verify.count).toBeGreaterThan(10)
  })

  it('should refuse to remove the last global admin, and reject unknown roles by name', async () => {
    const last = await t.app.inject({ method: 'PATCH', url: '/api/v1/accounts/global@contoso.com', payload: { roles: [] }, headers: t.auth('global_admin') })
    expect(last.statusCode).toBe(409)
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/accounts', payload: { upn: 'x@contoso.com', roles: ['superuser'] }, headers: t.auth('global_admin') })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().details[0].field).toContain('roles')
  })

  it('should stop a disabled account from signing in or using its tokens', async () => {
    await t.app.inject({ method: 'POST', url: '/api/v1/accounts', payload: { upn: 'leaver@contoso.com', roles: ['security_reader'], password: TEST_PASSWORD }, headers: t.auth('global_admin') })
    const token = (await t.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'x', upn: 'leaver@contoso.com' }, headers: t.auth('global_admin') })).json().token as string
    await t.app.inject({ method: 'PATCH', url: '/api/v1/accounts/leaver@contoso.com', payload: { disabled: true }, headers: t.auth('global_admin') })
    expect((await login('leaver@contoso.com', TEST_PASSWORD)).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401)
  })

  it('should let an account change its own password only with the current one', async () => {
    const url = '/api/v1/accounts/compliance@contoso.com/password'
    expect((await t.app.inject({ method: 'PUT', url, payload: { password: 'brand new password 1' }, headers: t.auth('compliance_admin') })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'PUT', url, payload: { password: 'brand new password 1', currentPassword: TEST_PASSWORD }, headers: t.auth('compliance_admin') })).statusCode).toBe(200)
    expect((await login('compliance@contoso.com', 'brand new password 1')).statusCode).toBe(200)
  })

  it('should serve an OpenAPI document describing the activities API', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json()
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/activities', '/api/v1/activities/ingest', '/api/v1/activities/{id}']))
  })

  it('should answer /healthz and serve Prometheus metrics to admins', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok', engine: 'sqlite' })
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth('security_reader') })
    expect(metrics.body).toContain('veil_ingest_records_total')
  })
})
