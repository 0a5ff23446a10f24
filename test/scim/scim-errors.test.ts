/**
 * SCIM errors over HTTP on both engines: every failure is an RFC 7644 error body with the right
 * status and scimType, naming the attribute; and a request that fails applies nothing. Also the
 * discovery documents, authentication and the content types.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createScimTestApp, filterParam, type ScimTestApp } from './scim-app.js'

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error'

function error(status: number, scimType?: string): Record<string, unknown> {
  return { schemas: [ERROR], status: String(status), ...(scimType ? { scimType } : {}), detail: expect.any(String) }
}

for (const engine of selectedStores()) {
  describe(`${engine}: SCIM errors`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    let s: ScimTestApp
    let userId = ''
    let otherUserId = ''
    let groupId = ''
    beforeAll(async () => {
      if (runs) {
        s = await createScimTestApp(engine)
        userId = (await s.scim('POST', '/Users', { schemas: [USER], userName: 'pat@contoso.com', displayName: 'Pat' })).json().id
        otherUserId = (await s.scim('POST', '/Users', { schemas: [USER], userName: 'kim@contoso.com' })).json().id
        groupId = (await s.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Legal', members: [{ value: userId }] })).json().id
        await s.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'HR' })
      }
    })
    afterAll(async () => {
      await s?.close()
    })

    async function userCount(): Promise<number> {
      return (await s.directory.listUsers({}, { offset: 0, limit: 100 })).total
    }

    const schemaViolations: ReadonlyArray<readonly [string, unknown, string, RegExp]> = [
      ['no userName', { schemas: [USER], displayName: 'Nobody' }, 'invalidValue', /userName is required/],
      ['a userName that is not a UPN', { schemas: [USER], userName: 'not-an-email' }, 'invalidValue', /userName/],
      ['active "maybe"', { schemas: [USER], userName: 'a@contoso.com', active: 'maybe' }, 'invalidValue', /active must be true or false/],
      ['emails as strings', { schemas: [USER], userName: 'a@contoso.com', emails: ['a@contoso.com'] }, 'invalidValue', /emails\[0\]/],
      ['a numeric displayName', { schemas: [USER], userName: 'a@contoso.com', displayName: 42 }, 'invalidValue', /displayName must be a string/],
      ['no schemas', { userName: 'a@contoso.com' }, 'invalidSyntax', /schemas/],
      ['the Group schema', { schemas: [GROUP], userName: 'a@contoso.com' }, 'invalidSyntax', /schemas/],
      ['an array body', [{ schemas: [USER], userName: 'a@contoso.com' }], 'invalidSyntax', /JSON object/],
    ]
    for (const [name, body, scimType, detail] of schemaViolations) {
      maybe(`should refuse a user with ${name}: 400 ${scimType}, nothing created`, async () => {
        const before = await userCount()
        const res = await s.scim('POST', '/Users', body)
        expect(res.statusCode, res.body).toBe(400)
        expect(res.headers['content-type']).toMatch(/^application\/scim\+json/)
        expect(res.json()).toEqual(error(400, scimType))
        expect(res.json().detail).toMatch(detail)
        expect(await userCount()).toBe(before)
      })
    }

    maybe('should refuse malformed JSON with 400 invalidSyntax', async () => {
      const res = await s.scim('POST', '/Users', undefined, { raw: '{"schemas": [' })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual(error(400, 'invalidSyntax'))
    })

    maybe('should accept plain application/json too', async () => {
      const res = await s.scim('GET', `/Users?${filterParam('userName eq "pat@contoso.com"')}`)
      expect(res.json().totalResults).toBe(1)
      const patched = await s.scim('PATCH', `/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Pat J.' }] }, { contentType: 'application/json' })
      expect(patched.statusCode, patched.body).toBe(200)
    })

    maybe('should refuse a duplicate userName (any case) with 409 uniqueness', async () => {
      const res = await s.scim('POST', '/Users', { schemas: [USER], userName: 'PAT@contoso.com' })
      expect(res.statusCode).toBe(409)
      expect(res.json()).toEqual(error(409, 'uniqueness'))
      const renamed = await s.scim('PATCH', `/Users/${otherUserId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'pat@contoso.com' }] })
      expect(renamed.statusCode).toBe(409)
      expect(renamed.json()).toEqual(error(409, 'uniqueness'))
    })

    maybe('should refuse a duplicate group name with 409 uniqueness', async () => {
      const res = await s.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'legal' })
      expect(res.statusCode).toBe(409)
      expect(res.json()).toEqual(error(409, 'uniqueness'))
    })

    const unknownIds: ReadonlyArray<readonly ['GET' | 'PUT' | 'PATCH' | 'DELETE', string, unknown]> = [
      ['GET', '/Users/00000000-0000-4000-8000-000000000000', undefined],
      ['GET', '/Users/not-a-uuid', undefined],
      ['GET', '/Groups/builtin:application', undefined],
      ['PUT', '/Users/00000000-0000-4000-8000-000000000000', { schemas: [USER], userName: 'x@contoso.com' }],
      ['PATCH', '/Users/00000000-0000-4000-8000-000000000000', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] }],
      ['DELETE', '/Users/00000000-0000-4000-8000-000000000000', undefined],
      ['GET', '/Groups/00000000-0000-4000-8000-000000000000', undefined],
      ['PUT', '/Groups/00000000-0000-4000-8000-000000000000', { schemas: [GROUP], displayName: 'X' }],
      ['PATCH', '/Groups/00000000-0000-4000-8000-000000000000', { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: 'x' }] }] }],
      ['DELETE', '/Groups/00000000-0000-4000-8000-000000000000', undefined],
      ['GET', '/Schemas/urn:example:nothing', undefined],
      ['GET', '/ResourceTypes/Device', undefined],
      ['GET', '/Devices', undefined],
    ]
    for (const [method, path, body] of unknownIds) {
      maybe(`should answer ${method} ${path} with a SCIM 404`, async () => {
        const res = await s.scim(method, path, body)
        expect(res.statusCode, res.body).toBe(404)
        expect(res.json()).toEqual(error(404))
      })
    }

    const badFilters: ReadonlyArray<readonly [string, string]> = [
      ['/Users', 'userName co "pat"'],
      ['/Users', 'userName eq "a" or userName eq "b"'],
      ['/Users', 'displayName eq "Pat"'],
      ['/Users', 'userName eq pat'],
      ['/Groups', 'userName eq "pat@contoso.com"'],
      ['/Groups', 'displayName sw "Le"'],
    ]
    for (const [path, filter] of badFilters) {
      maybe(`should refuse GET ${path}?filter=${filter} with 400 invalidFilter`, async () => {
        const res = await s.scim('GET', `${path}?${filterParam(filter)}`)
        expect(res.statusCode).toBe(400)
        expect(res.json()).toEqual(error(400, 'invalidFilter'))
      })
    }

    maybe('should refuse a non-integer startIndex with 400 invalidValue', async () => {
      const res = await s.scim('GET', '/Users?startIndex=first')
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual(error(400, 'invalidValue'))
      expect(res.json().detail).toMatch(/startIndex/)
    })

    maybe('should apply nothing of a user PATCH whose last operation is bad', async () => {
      const before = await s.directory.getUser(userId)
      const res = await s.scim('PATCH', `/Users/${userId}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'displayName', value: 'Changed' },
          { op: 'Replace', path: 'active', value: 'sometimes' },
        ],
      })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual(error(400, 'invalidValue'))
      expect(res.json().detail).toMatch(/Operations\[1\].*active/)
      expect(await s.directory.getUser(userId)).toEqual(before)
    })

    maybe('should apply nothing of a group PATCH that adds an unknown user', async () => {
      const res = await s.scim('PATCH', `/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'displayName', value: 'Legal EMEA' },
          { op: 'Add', path: 'members', value: [{ value: otherUserId }, { value: 'no-such-user' }] },
        ],
      })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual(error(400, 'invalidValue'))
      expect(res.json().detail).toMatch(/members.*no-such-user/)
      expect(await s.directory.getGroup(groupId)).toMatchObject({ displayName: 'Legal' })
      expect((await s.directory.members(groupId)).map((u) => u.id)).toEqual([userId])
    })

    maybe('should apply nothing of a group PATCH that renames onto another group', async () => {
      const res = await s.scim('PATCH', `/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Add', path: 'members', value: [{ value: otherUserId }] },
          { op: 'Replace', path: 'displayName', value: 'hr' },
        ],
      })
      expect(res.statusCode).toBe(409)
      expect(res.json()).toEqual(error(409, 'uniqueness'))
      expect((await s.directory.members(groupId)).map((u) => u.id)).toEqual([userId])
    })

    maybe('should apply nothing of a group PUT onto another group\'s name', async () => {
      const res = await s.scim('PUT', `/Groups/${groupId}`, { schemas: [GROUP], displayName: 'HR', members: [] })
      expect(res.statusCode).toBe(409)
      expect((await s.directory.members(groupId)).map((u) => u.id)).toEqual([userId])
    })

    maybe('should create no group with an unknown member', async () => {
      const res = await s.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Works council', members: [{ value: 'no-such-user' }] })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual(error(400, 'invalidValue'))
      expect(res.json().detail).toMatch(/members/)
      expect((await s.directory.listGroups({ displayName: 'Works council' }, { offset: 0, limit: 10 })).total).toBe(0)
    })

    const patchErrors: ReadonlyArray<readonly [string, unknown, string]> = [
      ['remove without a path', { schemas: [PATCH_OP], Operations: [{ op: 'remove' }] }, 'noTarget'],
      ['a read-only attribute', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'meta.created', value: 'x' }] }, 'mutability'],
      ['an unknown attribute', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'shoeSize', value: 44 }] }, 'invalidPath'],
      ['a malformed path', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'emails[type eq', value: 'x' }] }, 'invalidPath'],
      ['no PatchOp schema', { Operations: [{ op: 'replace', path: 'active', value: false }] }, 'invalidSyntax'],
    ]
    for (const [name, body, scimType] of patchErrors) {
      maybe(`should refuse a user PATCH with ${name}: 400 ${scimType}`, async () => {
        const res = await s.scim('PATCH', `/Users/${userId}`, body)
        expect(res.statusCode, res.body).toBe(400)
        expect(res.json()).toEqual(error(400, scimType))
      })
    }

    maybe('should answer 401 in SCIM form without a token, and 403 to a role without directory.manage', async () => {
      const anonymous = await s.scim('GET', '/Users', undefined, { role: null })
      expect(anonymous.statusCode).toBe(401)
      expect(anonymous.json()).toEqual(error(401))
      const reader = await s.scim('GET', '/Users', undefined, { role: 'security_reader' })
      expect(reader.statusCode).toBe(403)
      expect(reader.json()).toEqual(error(403))
      const nobody = await s.scim('POST', '/Users', { schemas: [USER], userName: 'z@contoso.com' }, { role: 'none' })
      expect(nobody.statusCode).toBe(403)
      expect(await s.directory.findUser('z@contoso.com')).toBeNull()
      const global = await s.scim('GET', '/Users', undefined, { role: 'global_admin' })
      expect(global.statusCode).toBe(200)
    })

    maybe('should describe itself: ServiceProviderConfig, ResourceTypes, Schemas', async () => {
      const config = (await s.scim('GET', '/ServiceProviderConfig')).json()
      expect(config).toMatchObject({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'], patch: { supported: true }, bulk: { supported: false }, filter: { supported: true }, authenticationSchemes: [{ type: 'oauthbearertoken' }] })
      const types = (await s.scim('GET', '/ResourceTypes')).json()
      expect(types).toMatchObject({ totalResults: 2, Resources: [{ id: 'User', endpoint: '/Users', schema: USER }, { id: 'Group', endpoint: '/Groups', schema: GROUP }] })
      expect((await s.scim('GET', '/ResourceTypes/Group')).json()).toMatchObject({ id: 'Group' })
      const schemas = (await s.scim('GET', '/Schemas')).json()
      expect(schemas.Resources.map((r: { id: string }) => r.id)).toEqual([USER, GROUP])
      const user = (await s.scim('GET', `/Schemas/${USER}`)).json()
      expect(user.attributes.map((a: { name: string }) => a.name)).toEqual(['userName', 'name', 'displayName', 'emails', 'active'])
    })

    maybe('should honour attributes= on a user', async () => {
      const res = await s.scim('GET', `/Users/${userId}?attributes=userName`)
      expect(Object.keys(res.json()).sort()).toEqual(['id', 'schemas', 'userName'])
    })
  })
}
