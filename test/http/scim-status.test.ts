/**
 * SCIM status for the User groups page, on both engines: the last provisioning call, the last
 * successful change and the last failure, noted after each SCIM answer (never its body).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { scimOperationOf } from '../../src/scim/scim-status.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp } from '../helpers/test-app.js'

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

describe('scimOperationOf', () => {
  it('should name each SCIM operation by method and route', () => {
    expect(scimOperationOf('POST', '/scim/v2/Users')).toBe('create_user')
    expect(scimOperationOf('GET', '/scim/v2/Users')).toBe('list_users')
    expect(scimOperationOf('GET', '/scim/v2/Groups/:id')).toBe('get_group')
    expect(scimOperationOf('PUT', '/scim/v2/Groups/:id')).toBe('replace_group')
    expect(scimOperationOf('PATCH', '/scim/v2/Users/:id')).toBe('patch_user')
    expect(scimOperationOf('DELETE', '/scim/v2/Groups/:id')).toBe('delete_group')
    expect(scimOperationOf('GET', '/scim/v2/ServiceProviderConfig')).toBe('discovery')
    expect(scimOperationOf('GET', '/scim/v2/Schemas/:id')).toBe('discovery')
  })
})

for (const engine of selectedStores()) {
  describe(`${engine}: GET /api/v1/directory/scim/status`, async () => {
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
    const scim = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, authorization = t.auth('security_admin').authorization) =>
      t.app.inject({ method, url, payload: payload === undefined ? undefined : JSON.stringify(payload), headers: { authorization, 'content-type': 'application/scim+json' } })
    const status = async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/directory/scim/status', headers: t.auth('security_reader') })
      expect(res.statusCode, res.body).toBe(200)
      return res.json()
    }

    maybe('should say no call was made yet', async () => {
      expect(await status()).toEqual({ lastCall: null, lastChange: null, lastFailure: null })
    })

    maybe('should keep the last call and the last change, with the caller, and never a body', async () => {
      const created = await scim('POST', '/scim/v2/Users', { schemas: [USER_SCHEMA], userName: 'scim.status@contoso.com' })
      expect(created.statusCode, created.body).toBe(201)
      const id = created.json().id as string
      // Noted after the answer was sent: wait for it.
      await vi.waitFor(async () => expect((await status()).lastChange).toMatchObject({ operation: 'create_user' }))
      expect((await scim('GET', `/scim/v2/Users?filter=${encodeURIComponent('userName eq "scim.status@contoso.com"')}`)).statusCode).toBe(200)
      await vi.waitFor(async () => expect((await status()).lastCall).toMatchObject({ operation: 'list_users' }))
      const now = await status()
      expect(now.lastChange).toEqual({ at: expect.any(Number), method: 'POST', route: '/scim/v2/Users', operation: 'create_user', resourceId: null, status: 201, outcome: 'succeeded', initiator: 'secadmin@contoso.com', tokenId: expect.any(String) })
      expect(now.lastCall).toMatchObject({ method: 'GET', status: 200, outcome: 'succeeded' })
      expect(now.lastFailure).toBeNull()
      expect(JSON.stringify(now)).not.toContain('scim.status@contoso.com')

      expect((await scim('PATCH', `/scim/v2/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] })).statusCode).toBe(200)
      await vi.waitFor(async () => expect((await status()).lastChange).toMatchObject({ operation: 'patch_user', resourceId: id, status: 200 }))
    })

    maybe('should keep the last failure apart, a refused token included', async () => {
      expect((await scim('PATCH', '/scim/v2/Groups/no-such-group', { schemas: [PATCH_SCHEMA], Operations: [{ op: 'remove', path: 'members' }] })).statusCode).toBe(404)
      await vi.waitFor(async () => expect((await status()).lastFailure).toMatchObject({ operation: 'patch_group', resourceId: 'no-such-group', status: 404, outcome: 'failed', initiator: 'secadmin@contoso.com' }))
      expect((await status()).lastChange).toMatchObject({ operation: 'patch_user' })

      expect((await scim('GET', '/scim/v2/Users', undefined, 'Bearer not-a-valid-token')).statusCode).toBe(401)
      await vi.waitFor(async () => expect((await status()).lastFailure).toMatchObject({ operation: 'list_users', status: 401, initiator: 'anonymous', tokenId: null }))
      // A role without directory.manage is refused by SCIM (403), and that is a failure too.
      expect((await scim('GET', '/scim/v2/Users', undefined, t.auth('security_reader').authorization)).statusCode).toBe(403)
      await vi.waitFor(async () => expect((await status()).lastFailure).toMatchObject({ status: 403, initiator: 'reader@contoso.com' }))
    })

    maybe('should not be readable without directory.read', async () => {
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/directory/scim/status', headers: t.auth('none') })).statusCode).toBe(403)
    })
  })
}
