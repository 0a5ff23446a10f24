/**
 * A provisioning conversation as Microsoft Entra ID holds it with a SCIM endpoint, replayed on both
 * engines in the request shapes of Microsoft's "Tutorial: Develop and plan provisioning for a SCIM
 * endpoint in Microsoft Entra ID" (values are ours): the userName query before a create, the create
 * with the enterprise extension, `Replace` op names, the string "False" for `active`, groups with
 * `excludedAttributes=members`, members added and removed by PATCH. The directory is checked after
 * each step: members, and history spans closed at the time of the removal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { T0, createScimTestApp, filterParam, type ScimTestApp } from './scim-app.js'

const MINUTE = 60_000
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'

/** Entra's create-user body: no displayName, the name parts, the enterprise extension, roles. */
function entraUser(upn: string, objectId: string, given: string, family: string): Record<string, unknown> {
  return {
    schemas: [USER, ENTERPRISE],
    externalId: objectId,
    userName: upn,
    active: true,
    emails: [{ primary: true, type: 'work', value: upn }],
    meta: { resourceType: 'User' },
    name: { formatted: `${given} ${family}`, familyName: family, givenName: given },
    roles: [],
    [ENTERPRISE]: { department: 'Finance', employeeNumber: '100042', manager: { value: 'f4c1d3b2-0000-4000-8000-000000000001' } },
  }
}

for (const engine of selectedStores()) {
  describe(`${engine}: SCIM conversation with Microsoft Entra ID`, async () => {
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

    let alexId = ''
    let meganId = ''
    let groupId = ''

    maybe('should answer the connection test: a userName query that matches nothing', async () => {
      const res = await s.scim('GET', `/Users?${filterParam('userName eq "5c8bd2f1-0a8c-4a4b-9b33-5b5c4a9a2e10"')}`)
      expect(res.statusCode, res.body).toBe(200)
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/)
      expect(res.json()).toEqual({ schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] })
    })

    maybe('should create a user with the enterprise extension: 201, Location, the SCIM User', async () => {
      s.setNow(T0)
      const res = await s.scim('POST', '/Users', entraUser('Alex.Wilber@contoso.com', '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef', 'Alex', 'Wilber'))
      expect(res.statusCode, res.body).toBe(201)
      const user = res.json()
      alexId = user.id
      expect(res.headers.location).toBe(user.meta.location)
      expect(user.meta.location).toMatch(new RegExp(`/scim/v2/Users/${alexId}$`))
      expect(user).toMatchObject({
        schemas: [USER],
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName: 'alex.wilber@contoso.com',
        displayName: 'Alex Wilber',
        emails: [{ value: 'alex.wilber@contoso.com', type: 'work', primary: true }],
        active: true,
        meta: { resourceType: 'User', created: new Date(T0).toISOString(), lastModified: new Date(T0).toISOString() },
      })
      expect(await s.directory.getUser(alexId)).toMatchObject({ upn: 'alex.wilber@contoso.com', externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef', active: true })
    })

    maybe('should find the user by userName (any case) and by externalId', async () => {
      const byName = await s.scim('GET', `/Users?${filterParam('userName eq "Alex.Wilber@contoso.com"')}`)
      expect(byName.json()).toMatchObject({ totalResults: 1, itemsPerPage: 1, Resources: [{ id: alexId }] })
      const byExternalId = await s.scim('GET', `/Users?${filterParam('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')}`)
      expect(byExternalId.json()).toMatchObject({ totalResults: 1, Resources: [{ id: alexId }] })
      const byWorkEmail = await s.scim('GET', `/Users?${filterParam('emails[type eq "work"].value eq "alex.wilber@contoso.com"')}`)
      expect(byWorkEmail.statusCode, byWorkEmail.body).toBe(200)
    })

    maybe('should get the user by id', async () => {
      const res = await s.scim('GET', `/Users/${alexId}`)
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ id: alexId, userName: 'alex.wilber@contoso.com' })
    })

    maybe('should apply a multi-valued update with Replace op names (work email, family name)', async () => {
      s.setNow(T0 + MINUTE)
      const res = await s.scim('PATCH', `/Users/${alexId}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'Alex.W@contoso.com' },
          { op: 'Replace', path: 'name.familyName', value: 'Wilber-Smith' },
        ],
      })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ id: alexId, emails: [{ value: 'alex.w@contoso.com', type: 'work', primary: true }], meta: { lastModified: new Date(T0 + MINUTE).toISOString() } })
      expect((await s.directory.getUser(alexId))?.emails).toEqual(['alex.w@contoso.com'])
      const byAlias = await s.scim('GET', `/Users?${filterParam('emails[type eq "work"].value eq "alex.w@contoso.com"')}`)
      expect(byAlias.json()).toMatchObject({ totalResults: 1, Resources: [{ id: alexId }] })
    })

    maybe('should apply a single-valued update (userName) and Add of an enterprise attribute', async () => {
      const res = await s.scim('PATCH', `/Users/${alexId}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'userName', value: 'alex.wilber@contoso.onmicrosoft.com' },
          { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Finance EMEA' },
        ],
      })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ userName: 'alex.wilber@contoso.onmicrosoft.com' })
      expect(await s.directory.findUser('alex.wilber@contoso.onmicrosoft.com')).toMatchObject({ id: alexId })
    })

    maybe('should create a second user', async () => {
      const res = await s.scim('POST', '/Users', entraUser('Megan.Bowen@contoso.com', '5e1c8f3a-2b7d-4e9f-8a6c-1d2e3f4a5b6c', 'Megan', 'Bowen'))
      expect(res.statusCode, res.body).toBe(201)
      meganId = res.json().id
    })

    maybe('should look a group up by displayName with excludedAttributes=members, then create it', async () => {
      const lookup = await s.scim('GET', `/Groups?excludedAttributes=members&${filterParam('displayName eq "Finance"')}`)
      expect(lookup.json()).toMatchObject({ totalResults: 0, Resources: [] })
      s.setNow(T0 + 2 * MINUTE)
      const res = await s.scim('POST', '/Groups', {
        schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group'],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'Finance',
        meta: { resourceType: 'Group' },
      })
      expect(res.statusCode, res.body).toBe(201)
      const group = res.json()
      groupId = group.id
      expect(res.headers.location).toMatch(new RegExp(`/scim/v2/Groups/${groupId}$`))
      expect(group).toMatchObject({ schemas: [GROUP], displayName: 'Finance', externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', members: [], meta: { resourceType: 'Group' } })
    })

    maybe('should get the group without members when asked so', async () => {
      const res = await s.scim('GET', `/Groups/${groupId}?excludedAttributes=members`)
      expect(res.statusCode).toBe(200)
      expect(res.json()).not.toHaveProperty('members')
      expect(res.json()).toMatchObject({ id: groupId, displayName: 'Finance' })
      const found = await s.scim('GET', `/Groups?excludedAttributes=members&${filterParam('displayName eq "finance"')}`)
      expect(found.json()).toMatchObject({ totalResults: 1, Resources: [{ id: groupId }] })
      expect(found.json().Resources[0]).not.toHaveProperty('members')
    })

    maybe('should add members with Add and a value list: 204, both members from that time', async () => {
      s.setNow(T0 + 3 * MINUTE)
      const res = await s.scim('PATCH', `/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: alexId }, { $ref: null, value: meganId }] }],
      })
      expect(res.statusCode, res.body).toBe(204)
      expect((await s.directory.members(groupId)).map((u) => u.id).sort()).toEqual([alexId, meganId].sort())
      const group = (await s.scim('GET', `/Groups/${groupId}`)).json()
      expect(group.members).toHaveLength(2)
      expect(group.members).toContainEqual({ value: meganId, display: 'Megan Bowen', $ref: expect.stringMatching(new RegExp(`/scim/v2/Users/${meganId}$`)), type: 'User' })
    })

    maybe('should rename the group with Replace displayName', async () => {
      const res = await s.scim('PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: 'Finance EMEA' }] })
      expect(res.statusCode, res.body).toBe(204)
      expect(await s.directory.getGroup(groupId)).toMatchObject({ displayName: 'Finance EMEA' })
    })

    maybe('should answer a membership check (id and members[value eq])', async () => {
      const res = await s.scim('GET', `/Groups?excludedAttributes=members&${filterParam(`id eq "${groupId}" and members[value eq "${meganId}"]`)}`)
      expect(res.json()).toMatchObject({ totalResults: 1, Resources: [{ id: groupId }] })
    })

    maybe('should remove a member with members[value eq "..."] and close its span at that time', async () => {
      s.setNow(T0 + 4 * MINUTE)
      const res = await s.scim('PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: `members[value eq "${meganId}"]` }] })
      expect(res.statusCode, res.body).toBe(204)
      expect((await s.directory.members(groupId)).map((u) => u.id)).toEqual([alexId])
      expect(await s.directory.historyOfUser(meganId)).toEqual([{ groupId, userId: meganId, from: T0 + 3 * MINUTE, to: T0 + 4 * MINUTE }])
      expect(await s.directory.groupsOf(meganId, T0 + 3 * MINUTE + 1)).toEqual([groupId])
      expect(await s.directory.groupsOf(meganId, T0 + 4 * MINUTE)).toEqual([])
    })

    maybe('should add again and remove with a value list (the other Remove form)', async () => {
      s.setNow(T0 + 5 * MINUTE)
      await s.scim('PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: meganId }] }] })
      s.setNow(T0 + 6 * MINUTE)
      const res = await s.scim('PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: meganId }] }] })
      expect(res.statusCode, res.body).toBe(204)
      expect(await s.directory.historyOfUser(meganId)).toEqual([
        { groupId, userId: meganId, from: T0 + 3 * MINUTE, to: T0 + 4 * MINUTE },
        { groupId, userId: meganId, from: T0 + 5 * MINUTE, to: T0 + 6 * MINUTE },
      ])
    })

    maybe('should disable a user with Replace active "False" and keep its memberships', async () => {
      s.setNow(T0 + 7 * MINUTE)
      const res = await s.scim('PATCH', `/Users/${alexId}`, { Operations: [{ op: 'Replace', path: 'active', value: 'False' }], schemas: [PATCH_OP] })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ active: false })
      expect(await s.directory.getUser(alexId)).toMatchObject({ active: false })
      expect((await s.directory.members(groupId)).map((u) => u.id)).toEqual([alexId])
      const listed = await s.scim('GET', `/Users?${filterParam('userName eq "alex.wilber@contoso.onmicrosoft.com"')}`)
      expect(listed.json()).toMatchObject({ totalResults: 1, Resources: [{ id: alexId, active: false }] })
    })

    maybe('should delete the user: 204, memberships end, the user is gone from lookups', async () => {
      s.setNow(T0 + 8 * MINUTE)
      const res = await s.scim('DELETE', `/Users/${alexId}`)
      expect(res.statusCode, res.body).toBe(204)
      expect(res.body).toBe('')
      expect((await s.scim('GET', `/Users/${alexId}`)).statusCode).toBe(404)
      expect(await s.directory.members(groupId)).toEqual([])
      expect(await s.directory.historyOfUser(alexId)).toEqual([{ groupId, userId: alexId, from: T0 + 3 * MINUTE, to: T0 + 8 * MINUTE }])
    })

    maybe('should delete the group: 204, then 404', async () => {
      const res = await s.scim('DELETE', `/Groups/${groupId}`)
      expect(res.statusCode, res.body).toBe(204)
      expect((await s.scim('GET', `/Groups/${groupId}`)).statusCode).toBe(404)
      expect(await s.directory.historyOfGroup(groupId)).toHaveLength(3)
    })
  })
}
