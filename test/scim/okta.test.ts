/**
 * A provisioning conversation as Okta holds it with a SCIM 2.0 app, replayed on both engines in the
 * request shapes of Okta's "SCIM 2.0 provisioning" reference (values are ours): the paged probe, the
 * userName query before a create, a create carrying password/locale/groups (ignored), a full PUT
 * replace that echoes id and meta, deactivation with `{"op":"replace","value":{"active":false}}`,
 * and Group Push (create, rename with the id in the value, members[value eq] removal with an add in
 * the same PATCH, PUT with the full member list, delete).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { T0, createScimTestApp, type ScimTestApp } from './scim-app.js'

const MINUTE = 60_000
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

/** Okta's create-user body. */
function oktaUser(login: string, given: string, family: string, oktaId: string): Record<string, unknown> {
  return {
    schemas: [USER],
    userName: login,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: login, type: 'work' }],
    displayName: `${given} ${family}`,
    locale: 'en-US',
    externalId: oktaId,
    groups: [],
    password: 't1meMa$heen',
    active: true,
  }
}

/** Okta encodes the filter with %20 and %22. */
function oktaQuery(filter: string): string {
  return `filter=${encodeURIComponent(filter)}&startIndex=1&count=100`
}

for (const engine of selectedStores()) {
  describe(`${engine}: SCIM conversation with Okta`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    let s: ScimTestApp
    beforeAll(async () => {
      if (runs) {
        s = await createScimTestApp(engine)
      }
    })
    afterAll(async () => {
      await s?.close()
    })

    let danaId = ''
    let samId = ''
    let groupId = ''

    maybe('should answer the paged probe Okta sends when the app is configured', async () => {
      const users = await s.scim('GET', '/Users?startIndex=1&count=2')
      expect(users.statusCode, users.body).toBe(200)
      expect(users.json()).toMatchObject({ totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] })
      const groups = await s.scim('GET', '/Groups?startIndex=1&count=100')
      expect(groups.statusCode, groups.body).toBe(200)
    })

    maybe('should find no user, then create one (password, locale and groups are ignored)', async () => {
      const lookup = await s.scim('GET', `/Users?${oktaQuery('userName eq "dana.lee@example.com"')}`)
      expect(lookup.json()).toMatchObject({ totalResults: 0 })
      s.setNow(T0)
      const res = await s.scim('POST', '/Users', oktaUser('dana.lee@example.com', 'Dana', 'Lee', '00u1dana2EFGH3ijk4l5'), { contentType: 'application/scim+json; charset=utf-8' })
      expect(res.statusCode, res.body).toBe(201)
      danaId = res.json().id
      expect(res.json()).toMatchObject({ userName: 'dana.lee@example.com', displayName: 'Dana Lee', externalId: '00u1dana2EFGH3ijk4l5', active: true })
      expect(res.json()).not.toHaveProperty('password')
      const second = await s.scim('POST', '/Users', oktaUser('sam.ortiz@example.com', 'Sam', 'Ortiz', '00u1sam92EFGH3ijk4l5'))
      expect(second.statusCode, second.body).toBe(201)
      samId = second.json().id
    })

    maybe('should return the user by id', async () => {
      const res = await s.scim('GET', `/Users/${danaId}`)
      expect(res.json()).toMatchObject({ id: danaId, userName: 'dana.lee@example.com' })
    })

    maybe('should replace the user with PUT (id and meta echoed back are ignored)', async () => {
      s.setNow(T0 + MINUTE)
      const res = await s.scim('PUT', `/Users/${danaId}`, {
        schemas: [USER],
        id: danaId,
        userName: 'dana.lee@example.com',
        name: { givenName: 'Dana', familyName: 'Lee-Park' },
        emails: [{ primary: true, value: 'dana.leepark@example.com', type: 'work' }],
        displayName: 'Dana Lee-Park',
        locale: 'en-US',
        externalId: '00u1dana2EFGH3ijk4l5',
        groups: [],
        password: 't1meMa$heen',
        active: true,
        meta: { resourceType: 'User', created: '2026-11-20T09:00:00.000Z', lastModified: '2026-11-20T09:00:00.000Z' },
      })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ id: danaId, displayName: 'Dana Lee-Park', emails: [{ value: 'dana.leepark@example.com' }], meta: { lastModified: new Date(T0 + MINUTE).toISOString() } })
      expect(await s.directory.getUser(danaId)).toMatchObject({ displayName: 'Dana Lee-Park', emails: ['dana.leepark@example.com'] })
    })

    maybe('should push a group: look up, create, rename with the id in the value', async () => {
      const lookup = await s.scim('GET', `/Groups?${oktaQuery('displayName eq "Engineering"')}`)
      expect(lookup.json()).toMatchObject({ totalResults: 0 })
      s.setNow(T0 + 2 * MINUTE)
      const created = await s.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Engineering', members: [{ value: danaId, display: 'dana.lee@example.com' }] })
      expect(created.statusCode, created.body).toBe(201)
      groupId = created.json().id
      expect(created.json()).toMatchObject({ displayName: 'Engineering', members: [{ value: danaId, display: 'Dana Lee-Park' }] })
      const renamed = await s.scim('PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { id: groupId, displayName: 'Engineering EMEA' } }] })
      expect(renamed.statusCode, renamed.body).toBe(204)
      expect((await s.scim('GET', `/Groups/${groupId}`)).json()).toMatchObject({ displayName: 'Engineering EMEA' })
    })

    maybe('should remove one member and add another in one PATCH', async () => {
      s.setNow(T0 + 3 * MINUTE)
      const res = await s.scim('PATCH', `/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'remove', path: `members[value eq "${danaId}"]` },
          { op: 'add', path: 'members', value: [{ value: samId, display: 'sam.ortiz@example.com' }] },
        ],
      })
      expect(res.statusCode, res.body).toBe(204)
      expect((await s.directory.members(groupId)).map((u) => u.id)).toEqual([samId])
      expect(await s.directory.historyOfUser(danaId)).toEqual([{ groupId, userId: danaId, from: T0 + 2 * MINUTE, to: T0 + 3 * MINUTE }])
      expect(await s.directory.historyOfUser(samId)).toEqual([{ groupId, userId: samId, from: T0 + 3 * MINUTE, to: null }])
    })

    maybe('should replace the group with PUT and its full member list', async () => {
      s.setNow(T0 + 4 * MINUTE)
      const res = await s.scim('PUT', `/Groups/${groupId}`, { schemas: [GROUP], id: groupId, displayName: 'Engineering EMEA', members: [{ value: danaId, display: 'dana.lee@example.com' }] })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json().members).toEqual([expect.objectContaining({ value: danaId })])
      expect(await s.directory.historyOfUser(samId)).toEqual([{ groupId, userId: samId, from: T0 + 3 * MINUTE, to: T0 + 4 * MINUTE }])
    })

    maybe('should deactivate with a no-path replace and reactivate', async () => {
      const off = await s.scim('PATCH', `/Users/${danaId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] })
      expect(off.statusCode, off.body).toBe(200)
      expect(off.json()).toMatchObject({ active: false })
      expect((await s.directory.members(groupId)).map((u) => u.id)).toEqual([danaId])
      const on = await s.scim('PATCH', `/Users/${danaId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] })
      expect(on.json()).toMatchObject({ active: true })
    })

    maybe('should page through users with startIndex and count', async () => {
      const first = await s.scim('GET', '/Users?startIndex=1&count=1')
      expect(first.json()).toMatchObject({ totalResults: 2, startIndex: 1, itemsPerPage: 1 })
      const second = await s.scim('GET', '/Users?startIndex=2&count=1')
      expect(second.json()).toMatchObject({ totalResults: 2, startIndex: 2, itemsPerPage: 1 })
      expect(second.json().Resources[0].id).not.toBe(first.json().Resources[0].id)
      const past = await s.scim('GET', '/Users?startIndex=3&count=1')
      expect(past.json()).toMatchObject({ totalResults: 2, startIndex: 3, itemsPerPage: 0, Resources: [] })
      const none = await s.scim('GET', '/Users?count=0')
      expect(none.json()).toMatchObject({ totalResults: 2, itemsPerPage: 0, Resources: [] })
      const below = await s.scim('GET', '/Users?startIndex=0&count=-5')
      expect(below.json()).toMatchObject({ startIndex: 1, itemsPerPage: 0 })
    })

    maybe('should delete the group and end its memberships', async () => {
      s.setNow(T0 + 5 * MINUTE)
      const res = await s.scim('DELETE', `/Groups/${groupId}`)
      expect(res.statusCode, res.body).toBe(204)
      expect(await s.directory.historyOfUser(danaId)).toEqual([
        { groupId, userId: danaId, from: T0 + 2 * MINUTE, to: T0 + 3 * MINUTE },
        { groupId, userId: danaId, from: T0 + 4 * MINUTE, to: T0 + 5 * MINUTE },
      ])
      expect((await s.scim('GET', `/Groups?${oktaQuery('displayName eq "Engineering EMEA"')}`)).json()).toMatchObject({ totalResults: 0 })
    })
  })
}
