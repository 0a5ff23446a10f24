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
  // The portal's shell and its built assets (client-side routes are answered by the not-found handler).
  { method: 'GET', url: '/', route: '/', access: 'public' },
  { method: 'GET', url: '/assets/no-such-asset.js', route: '/assets/*', access: 'public' },
  { method: 'GET', url: '/metrics', route: '/metrics', access: 'settings.read' },
  { method: 'POST', url: '/api/v1/auth/login', route: '/api/v1/auth/login', access: 'public', body: { upn: 'reader@contoso.com', password: TEST_PASSWORD } },
  { method: 'POST', url: '/api/v1/auth/logout', route: '/api/v1/auth/logout', access: 'authenticated' },
  { method: 'GET', url: '/api/v1/me', route: '/api/v1/me', access: 'authenticated' },
  { method: 'GET', url: '/api/v1/auth/session', route: '/api/v1/auth/session', access: 'public' },
  { method: 'POST', url: '/api/v1/activities/ingest', route: '/api/v1/activities/ingest', access: 'activities.ingest', body: '[]', contentType: 'application/json' },
  { method: 'POST', url: '/api/v1/activities/', route: '/api/v1/activities', access: 'activities.read', body: { filters: {} } },
  { method: 'GET', url: '/api/v1/activities', route: '/api/v1/activities', access: 'activities.read' },
  { method: 'GET', url: '/api/v1/activities/some-id/', route: '/api/v1/activities/:id', access: 'activities.read' },
  { method: 'POST', url: '/api/v1/hunting/query', route: '/api/v1/hunting/query', access: 'activities.read', body: { query: 'CloudAppEvents | count' } },
  { method: 'POST', url: '/api/v1/activities/export', route: '/api/v1/activities/export', access: 'activities.read', body: { filters: {}, format: 'ndjson' } },
  { method: 'GET', url: '/api/v1/activities/export?format=csv', route: '/api/v1/activities/export', access: 'activities.read' },
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
  { method: 'GET', url: '/api/v1/governance/export', route: '/api/v1/governance/export', access: 'governance.read' },
  { method: 'GET', url: '/api/v1/groups', route: '/api/v1/groups', access: 'directory.read' },
  { method: 'POST', url: '/api/v1/groups', route: '/api/v1/groups', access: 'directory.manage', body: { displayName: 'Matrix group' } },
  { method: 'GET', url: '/api/v1/groups/builtin:application', route: '/api/v1/groups/:id', access: 'directory.read' },
  { method: 'PATCH', url: '/api/v1/groups/no-such-group', route: '/api/v1/groups/:id', access: 'directory.manage', body: { displayName: 'Renamed' } },
  { method: 'DELETE', url: '/api/v1/groups/no-such-group', route: '/api/v1/groups/:id', access: 'directory.manage' },
  { method: 'GET', url: '/api/v1/groups/no-such-group/members', route: '/api/v1/groups/:id/members', access: 'directory.read' },
  { method: 'POST', url: '/api/v1/groups/no-such-group/members', route: '/api/v1/groups/:id/members', access: 'directory.manage', body: { userIds: [] } },
  { method: 'DELETE', url: '/api/v1/groups/no-such-group/members/someone@contoso.com', route: '/api/v1/groups/:id/members/:userId', access: 'directory.manage' },
  { method: 'GET', url: '/api/v1/groups/no-such-group/history', route: '/api/v1/groups/:id/history', access: 'directory.read' },
  { method: 'GET', url: '/api/v1/users', route: '/api/v1/users', access: 'directory.read' },
  { method: 'POST', url: '/api/v1/users', route: '/api/v1/users', access: 'directory.manage', body: { upn: 'matrix-user@contoso.com' } },
  { method: 'GET', url: '/api/v1/users/someone@contoso.com', route: '/api/v1/users/:id', access: 'directory.read' },
  { method: 'PATCH', url: '/api/v1/users/someone@contoso.com', route: '/api/v1/users/:id', access: 'directory.manage', body: { active: false } },
  { method: 'DELETE', url: '/api/v1/users/someone@contoso.com', route: '/api/v1/users/:id', access: 'directory.manage' },
  { method: 'GET', url: '/api/v1/users/someone@contoso.com/groups', route: '/api/v1/users/:id/groups', access: 'directory.read' },
  { method: 'POST', url: '/api/v1/directory/import', route: '/api/v1/directory/import', access: 'directory.manage', body: 'group,upn\nMatrix import,matrix-import@contoso.com\n', contentType: 'text/csv' },
  { method: 'GET', url: '/api/v1/settings/managed-domains', route: '/api/v1/settings/managed-domains', access: 'settings.read' },
  { method: 'PUT', url: '/api/v1/settings/managed-domains', route: '/api/v1/settings/managed-domains', access: 'settings.manage', body: { domains: ['contoso.com'] } },
  { method: 'POST', url: '/api/v1/settings/managed-domains', route: '/api/v1/settings/managed-domains', access: 'settings.manage', body: { domain: 'contoso.com' } },
  { method: 'DELETE', url: '/api/v1/settings/managed-domains/fabrikam.com', route: '/api/v1/settings/managed-domains/:domain', access: 'settings.manage' },
  { method: 'GET', url: '/api/v1/settings/scope', route: '/api/v1/settings/scope', access: 'settings.read' },
  { method: 'POST', url: '/api/v1/privacy/retroactive', route: '/api/v1/privacy/retroactive', access: 'settings.manage', body: { groupId: 'no-such-group', from: 0, to: 1, justification: 'role matrix: no such group' } },
  { method: 'PUT', url: '/api/v1/settings/scope', route: '/api/v1/settings/scope', access: 'settings.manage', body: { rules: [] } },
  { method: 'GET', url: '/api/v1/settings/privacy-groups', route: '/api/v1/settings/privacy-groups', access: 'settings.read' },
  { method: 'POST', url: '/api/v1/settings/privacy-groups', route: '/api/v1/settings/privacy-groups', access: 'settings.manage', body: { groups: ['builtin:application'] } },
  { method: 'DELETE', url: '/api/v1/settings/privacy-groups/no-such-group', route: '/api/v1/settings/privacy-groups/:groupId', access: 'settings.manage' },
  // Reading the activity privacy permission: global, security and compliance admins; granting and revoking: global admins only.
  { method: 'GET', url: '/api/v1/permissions/activity-privacy', route: '/api/v1/permissions/activity-privacy', access: 'privacy.read' },
  { method: 'POST', url: '/api/v1/permissions/activity-privacy', route: '/api/v1/permissions/activity-privacy', access: 'privacy.manage', body: { upn: 'reader@contoso.com' } },
  { method: 'DELETE', url: '/api/v1/permissions/activity-privacy/not-granted@contoso.com', route: '/api/v1/permissions/activity-privacy/:upn', access: 'privacy.manage' },
  // SIEM destinations: every admin role reads (never a secret); global and security admins change them.
  { method: 'GET', url: '/api/v1/siem/destinations', route: '/api/v1/siem/destinations', access: 'siem.read' },
  { method: 'POST', url: '/api/v1/siem/destinations', route: '/api/v1/siem/destinations', access: 'siem.manage', body: { name: 'Matrix SIEM', settings: { kind: 'syslog' } } },
  { method: 'GET', url: '/api/v1/siem/destinations/no-such-destination', route: '/api/v1/siem/destinations/:id', access: 'siem.read' },
  { method: 'PATCH', url: '/api/v1/siem/destinations/no-such-destination', route: '/api/v1/siem/destinations/:id', access: 'siem.manage', body: { enabled: false } },
  { method: 'DELETE', url: '/api/v1/siem/destinations/no-such-destination', route: '/api/v1/siem/destinations/:id', access: 'siem.manage' },
  { method: 'POST', url: '/api/v1/siem/destinations/no-such-destination/test', route: '/api/v1/siem/destinations/:id/test', access: 'siem.manage' },
  { method: 'GET', url: '/api/v1/siem/destinations/no-such-destination/status', route: '/api/v1/siem/destinations/:id/status', access: 'siem.read' },
  { method: 'POST', url: '/api/v1/siem/destinations/no-such-destination/backfill', route: '/api/v1/siem/destinations/:id/backfill', access: 'siem.manage', body: { from: 0 } },
  { method: 'GET', url: '/api/v1/connectors', route: '/api/v1/connectors', access: 'connectors.read' },
  { method: 'POST', url: '/api/v1/connectors', route: '/api/v1/connectors', access: 'connectors.manage', body: { name: 'Matrix connector', kind: 'okta', settings: {}, credentials: {} } },
  { method: 'GET', url: '/api/v1/connectors/no-such-connector', route: '/api/v1/connectors/:id', access: 'connectors.read' },
  { method: 'PATCH', url: '/api/v1/connectors/no-such-connector', route: '/api/v1/connectors/:id', access: 'connectors.manage', body: { enabled: false } },
  { method: 'DELETE', url: '/api/v1/connectors/no-such-connector', route: '/api/v1/connectors/:id', access: 'connectors.manage' },
  { method: 'POST', url: '/api/v1/connectors/no-such-connector/run', route: '/api/v1/connectors/:id/run', access: 'connectors.manage' },
  { method: 'POST', url: '/api/v1/connectors/no-such-connector/test', route: '/api/v1/connectors/:id/test', access: 'connectors.manage' },
  // Overview (parts a role may not see are null, not refused), saved queries (each admin's own), SCIM status.
  { method: 'GET', url: '/api/v1/overview', route: '/api/v1/overview', access: 'activities.read' },
  { method: 'GET', url: '/api/v1/saved-queries', route: '/api/v1/saved-queries', access: 'activities.read' },
  { method: 'POST', url: '/api/v1/saved-queries', route: '/api/v1/saved-queries', access: 'activities.read', body: { name: 'Matrix query', query: { filters: { app: { eq: ['Okta'] } } } } },
  { method: 'DELETE', url: '/api/v1/saved-queries/no-such-query', route: '/api/v1/saved-queries/:id', access: 'activities.read' },
  { method: 'GET', url: '/api/v1/directory/scim/status', route: '/api/v1/directory/scim/status', access: 'directory.read' },
  { method: 'GET', url: '/scim/v2/Users', route: '/scim/v2/Users', access: 'directory.manage' },
  { method: 'POST', url: '/scim/v2/Users', route: '/scim/v2/Users', access: 'directory.manage', body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'matrix-scim@contoso.com' } },
  { method: 'GET', url: '/scim/v2/Users/no-such-user', route: '/scim/v2/Users/:id', access: 'directory.manage' },
  { method: 'PUT', url: '/scim/v2/Users/no-such-user', route: '/scim/v2/Users/:id', access: 'directory.manage', body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'x@contoso.com' } },
  { method: 'PATCH', url: '/scim/v2/Users/no-such-user', route: '/scim/v2/Users/:id', access: 'directory.manage', body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] } },
  { method: 'DELETE', url: '/scim/v2/Users/no-such-user', route: '/scim/v2/Users/:id', access: 'directory.manage' },
  { method: 'GET', url: '/scim/v2/Groups', route: '/scim/v2/Groups', access: 'directory.manage' },
  { method: 'POST', url: '/scim/v2/Groups', route: '/scim/v2/Groups', access: 'directory.manage', body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Matrix SCIM group' } },
  { method: 'GET', url: '/scim/v2/Groups/no-such-group', route: '/scim/v2/Groups/:id', access: 'directory.manage' },
  { method: 'PUT', url: '/scim/v2/Groups/no-such-group', route: '/scim/v2/Groups/:id', access: 'directory.manage', body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'X' } },
  { method: 'PATCH', url: '/scim/v2/Groups/no-such-group', route: '/scim/v2/Groups/:id', access: 'directory.manage', body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path: 'members' }] } },
  { method: 'DELETE', url: '/scim/v2/Groups/no-such-group', route: '/scim/v2/Groups/:id', access: 'directory.manage' },
  { method: 'GET', url: '/scim/v2/ServiceProviderConfig', route: '/scim/v2/ServiceProviderConfig', access: 'directory.manage' },
  { method: 'GET', url: '/scim/v2/ResourceTypes', route: '/scim/v2/ResourceTypes', access: 'directory.manage' },
  { method: 'GET', url: '/scim/v2/ResourceTypes/User', route: '/scim/v2/ResourceTypes/:id', access: 'directory.manage' },
  { method: 'GET', url: '/scim/v2/Schemas', route: '/scim/v2/Schemas', access: 'directory.manage' },
  { method: 'GET', url: '/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User', route: '/scim/v2/Schemas/:id', access: 'directory.manage' },
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
        expect(res.json()).toMatchObject(c.url.startsWith('/scim/') ? { status: '401' } : { error: 'unauthenticated' })
      }
    })

    for (const role of ROLES) {
      it(`should ${allowed(role, c.access) ? 'allow' : 'forbid'} ${c.method} ${c.url} for ${role}`, async () => {
        const res = await t.app.inject({ method: c.method, url: c.url, payload: c.body as never, headers: { ...t.auth(role), ...(c.contentType ? { 'content-type': c.contentType } : {}) } })
        if (allowed(role, c.access)) {
          expect([401, 403], `${res.statusCode} ${res.body}`).not.toContain(res.statusCode)
        } else {
          expect(res.statusCode, res.body).toBe(403)
          expect(res.json()).toMatchObject(c.url.startsWith('/scim/') ? { status: '403' } : { error: 'forbidden' })
        }
      })
    }
  }
})
