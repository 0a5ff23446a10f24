/**
 * The role matrix, route by route: every API route is called by every role (and anonymously) and must
 * answer 401/403 exactly where the matrix says so. A route added without a case here fails the
 * completeness check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROLE_PERMISSIONS, type Permission } from '../../src/core/access/roles.js'
import { TEST_PASSWORD, createTestApp, type TestApp, type TestRole } from '../helpers/test-app.js'

interface RouteCase {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  readonly url: string
  /** Route pattern as registered, for the completeness check. */
  readonly route: string
  readonly access: Permission | 'authenticated' | 'public'
  readonly body?: unknown
  readonly contentType?: string
}

const CASES: readonly RouteCase[] = [
  { method: 'GET', url: '/healthz', route: '/healthz', access: 'public' },
  { method: 'GET', url: '/api/openapi.json', route: '/api/openapi.json', access: 'public' },
  { method: 'GET', url: '/metrics', route: '/metrics', access: 'settings.read' },
  { method: 'POST', url: '/api/v1/auth/login', route: '/api/v1/auth/login', access: 'public', body: { upn: 'reader@contoso.com', password: TEST_PASSWORD } },
  { method: 'POST', url: '/api/v1/auth/logout', route: '/api/v1/auth/logout', access: 'authenticated' },
  { method: 'GET', url: '/api/v1/me', route: '/api/v1/me', access: 'authenticated' },
  { method: 'POST', url: '/api/v1/activities/ingest', route: '/api/v1/activities/ingest', access: 'activities.ingest', body: '[]', contentType: 'application/json' },
  { method: 'POST', url: '/api/v1/activities/', route: '/api/v1/activities', access: 'activities.read', body: { filters: {} } },
  { method: 'GET', url: '/api/v1/activities', route: '/api/v1/activities', access: 'activities.read' },
  { method: 'GET', url: '/api/v1/activities/some-id/', route: '/api/v1/activities/:id', access: 'activities.read' },
  { method: 'GET', url: '/api/v1/roles', route: '/api/v1/roles', access: 'authenticated' },
  { method: 'GET', url: '/api/v1/accounts', route: '/api/v1/accounts', access: 'accounts.read' },
  { method: 'GET', url: '/api/v1/accounts/reader@contoso.com', route: '/api/v1/accounts/:upn', access: 'accounts.read' },
  { method: 'POST', url: '/api/v1/accounts', route: '/api/v1/accounts', access: 'accounts.manage', body: { upn: 'new@contoso.com', roles: [] } },
  { method: 'PATCH', url: '/api/v1/accounts/nobody@contoso.com', route: '/api/v1/accounts/:upn', access: 'accounts.manage', body: { roles: [] } },
  // Setting someone else's password needs accounts.manage; one's own needs only the current password.
  { method: 'PUT', url: '/api/v1/accounts/someone@contoso.com/password', route: '/api/v1/accounts/:upn/password', access: 'accounts.manage', body: { password: 'a-long-enough-password' } },
  { method: 'GET', url: '/api/v1/tokens', route: '/api/v1/tokens', access: 'authenticated' },
  { method: 'POST', url: '/api/v1/tokens', route: '/api/v1/tokens', access: 'authenticated', body: { name: 'matrix' } },
  { method: 'DELETE', url: '/api/v1/tokens/000000000000', route: '/api/v1/tokens/:id', access: 'authenticated' },
  { method: 'GET', url: '/api/v1/governance', route: '/api/v1/governance', access: 'governance.read' },
  { method: 'GET', url: '/api/v1/governance/verify', route: '/api/v1/governance/verify', access: 'governance.read' },
]

const ROLES: readonly TestRole[] = ['global_admin', 'security_admin', 'compliance_admin', 'security_reader', 'none']

function allowed(role: TestRole, access: RouteCase['access']): boolean {
  if (access === 'public' || access === 'authenticated') {
    return true
  }
  return role !== 'none' && ROLE_PERMISSIONS[role].includes(access)
}

describe('role matrix', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp()
  })
  afterAll(async () => {
    await t.close()
  })

  it('should have a case for every route, and every route should declare its access', () => {
    const cases = new Set(CASES.map((c) => `${c.method} ${c.route}`))
    for (const route of t.app.veilRoutes) {
      expect(route.access, `${route.method} ${route.url} declares no access`).not.toBeNull()
      expect(cases.has(`${route.method} ${route.url}`), `${route.method} ${route.url} has no role-matrix case`).toBe(true)
    }
  })

  for (const c of CASES) {
    it(`should answer 401 to ${c.method} ${c.url} without credentials${c.access === 'public' ? ' (public: no)' : ''}`, async () => {
      const res = await t.app.inject({ method: c.method, url: c.url, payload: c.body as never, headers: c.contentType ? { 'content-type': c.contentType } : {} })
      if (c.access === 'public') {
        expect(res.statusCode).not.toBe(401)
      } else {
        expect(res.statusCode).toBe(401)
        expect(res.json()).toMatchObject({ error: 'unauthenticated' })
      }
    })

    for (const role of ROLES) {
      it(`should ${allowed(role, c.access) ? 'allow' : 'forbid'} ${c.method} ${c.url} for ${role}`, async () => {
        const res = await t.app.inject({ method: c.method, url: c.url, payload: c.body as never, headers: { ...t.auth(role), ...(c.contentType ? { 'content-type': c.contentType } : {}) } })
        if (allowed(role, c.access)) {
          expect([401, 403], `${res.statusCode} ${res.body}`).not.toContain(res.statusCode)
        } else {
          expect(res.statusCode, res.body).toBe(403)
          expect(res.json()).toMatchObject({ error: 'forbidden' })
        }
      })
    }
  }
})
