/**
 * How the server serves the portal and the session cookie a browser gets (no browser needed):
 * the shell and assets with their security headers, client-side routes answered with the shell,
 * API 404s kept as JSON, a page that says so when the portal is not built, and the cookie's flags.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, type App } from '../../src/http/app.js'
import { PORTAL_CSP } from '../../src/http/portal.js'
import type { Runtime } from '../../src/runtime.js'
import { GOVERNANCE_ACTIONS } from '../../src/core/governance/governance-record.js'
import { GOVERNANCE_ACTION_LABELS } from '../../portal/src/pages/governance-log/governance-actions.js'
import { TEST_PASSWORD, createTestApp, type TestApp } from '../helpers/test-app.js'

/** The app of a runtime (its parts carry the names of AppDeps), serving the portal built into `portalDir`. */
function appWithPortal(runtime: Runtime, portalDir: string): Promise<App> {
  return buildApp({ ...runtime, logger: false, portalDir })
}

describe('portal serving', () => {
  let t: TestApp
  let app: App
  let missing: App
  const dir = mkdtempSync(join(tmpdir(), 'veil-portal-'))

  beforeAll(async () => {
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/app-1.js"></script>')
    writeFileSync(join(dir, 'assets', 'app-1.js'), 'console.log(1)')
    writeFileSync(join(dir, 'assets', 'notes.exe'), 'never served')
    t = await createTestApp()
    app = await appWithPortal(t.runtime, dir)
    missing = await appWithPortal(t.runtime, join(dir, 'not-built'))
  })

  afterAll(async () => {
    await app.close()
    await missing.close()
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it.each(['/', '/activity', '/settings/activity-privacy', '/governance?action=activities.reveal'])('should answer %s with the shell and the security headers', async (url) => {
    const res = await app.inject({ method: 'GET', url })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('/assets/app-1.js')
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.headers['content-security-policy']).toBe(PORTAL_CSP)
    expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'cross-origin-opener-policy': 'same-origin', 'cache-control': 'no-cache' })
    expect(res.headers['strict-transport-security']).toBeUndefined()
  })

  it('should forbid inline script and style, framing and foreign origins in the CSP', () => {
    expect(PORTAL_CSP).toContain("default-src 'none'")
    expect(PORTAL_CSP).toContain("script-src 'self'")
    expect(PORTAL_CSP).toContain("style-src 'self'")
    expect(PORTAL_CSP).toContain("frame-ancestors 'none'")
    expect(PORTAL_CSP).not.toContain('unsafe')
  })

  it('should send HSTS only over HTTPS (directly or behind a proxy that says so)', async () => {
    const res = await app.inject({ method: 'GET', url: '/', headers: { 'x-forwarded-proto': 'https' } })
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains')
  })

  it('should serve built assets as immutable, with an ETag that answers 304', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/app-1.js' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const again = await app.inject({ method: 'GET', url: '/assets/app-1.js', headers: { 'if-none-match': String(res.headers.etag) } })
    expect(again.statusCode).toBe(304)
  })

  it.each(['/assets/no-such.js', '/assets/notes.exe', '/assets/../index.html', '/assets/%2e%2e/%2e%2e/package.json'])('should not serve %s', async (url) => {
    const res = await app.inject({ method: 'GET', url })
    expect(res.statusCode).not.toBe(200)
  })

  it.each([
    ['GET', '/api/v1/no-such-route'],
    ['GET', '/healthz/extra'],
    ['POST', '/activity'],
    ['GET', '/favicon.ico'],
  ])('should keep %s %s a JSON 404', async (method, url) => {
    const res = await app.inject({ method: method as 'GET' | 'POST', url })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ error: 'not_found', status: 404 })
  })

  it('should say how to build the portal when it is not built', async () => {
    const res = await missing.inject({ method: 'GET', url: '/activity' })
    expect(res.statusCode).toBe(503)
    expect(res.body).toContain('npm run build')
    expect(res.headers['content-security-policy']).toBe(PORTAL_CSP)
  })

  it('should name only real governance actions in the portal', () => {
    for (const action of Object.keys(GOVERNANCE_ACTION_LABELS)) {
      expect(GOVERNANCE_ACTIONS as readonly string[]).toContain(action)
    }
  })
})

describe('session cookie', () => {
  let t: TestApp
  let https: TestApp

  beforeAll(async () => {
    t = await createTestApp()
    https = await createTestApp({ env: { VEIL_PUBLIC_URL: 'https://veil.example.org' } })
  })

  afterAll(async () => {
    await t.close()
    await https.close()
  })

  const login = (target: TestApp, headers: Record<string, string> = {}) =>
    target.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { upn: 'reader@contoso.com', password: TEST_PASSWORD }, headers })

  it('should be HttpOnly and SameSite=Strict, not Secure over plain HTTP', async () => {
    const res = await login(t)
    const cookie = String(res.headers['set-cookie'])
    expect(cookie).toMatch(/^veil_session=[^;]+;/)
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Strict')
    expect(cookie).toContain('Path=/')
    expect(cookie).toContain('Expires=')
    expect(cookie).not.toContain('Secure')
    expect(res.headers['cache-control']).toBe('no-store')
  })

  it.each([
    ['behind a proxy that says X-Forwarded-Proto: https', () => login(t, { 'x-forwarded-proto': 'https' })],
    ['when the public URL is HTTPS', () => login(https)],
  ])('should be Secure %s', async (_, request) => {
    expect(String((await request()).headers['set-cookie'])).toContain('Secure')
  })

  it('should be cleared on sign-out with the same flags, and the session should end', async () => {
    const res = await login(t, { 'x-forwarded-proto': 'https' })
    const secret = /^veil_session=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1] ?? ''
    const csrf = (res.json() as { csrfToken: string }).csrfToken
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', cookies: { veil_session: secret }, headers: { 'x-csrf-token': csrf, 'x-forwarded-proto': 'https' } })
    expect(out.statusCode).toBe(200)
    const cleared = String(out.headers['set-cookie'])
    expect(cleared).toMatch(/^veil_session=;/)
    expect(cleared).toContain('HttpOnly')
    expect(cleared).toContain('SameSite=Strict')
    expect(cleared).toContain('Secure')
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { veil_session: secret } })
    expect(after.statusCode).toBe(401)
  })

  it('should answer /api/v1/auth/session without a 401 whether or not a session is presented', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/auth/session' })
    expect(anonymous.statusCode).toBe(200)
    expect(anonymous.json()).toEqual({ authenticated: false })
    const res = await login(t)
    const secret = /^veil_session=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1] ?? ''
    const signedIn = await t.app.inject({ method: 'GET', url: '/api/v1/auth/session', cookies: { veil_session: secret } })
    expect(signedIn.json()).toMatchObject({ authenticated: true, upn: 'reader@contoso.com', csrfToken: (res.json() as { csrfToken: string }).csrfToken, canRevealPrivate: false })
    expect(signedIn.headers['cache-control']).toBe('no-store')
  })
})
