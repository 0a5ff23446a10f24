/**
 * SCIM resources and error bodies without a server: reading User and Group bodies, presenting
 * directory users and groups, attribute projection, and the conversion of every kind of error into
 * an RFC 7644 error body.
 */
import { describe, expect, it } from 'vitest'
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../../src/core/errors.js'
import { INTERNAL_ERROR_BODY, ScimError, toScimErrorBody } from '../../src/scim/scim-error.js'
import { listResponse, presentGroup, presentUser, project, readGroupBody, readProjection, readUserBody, type ScimUserInput } from '../../src/scim/scim-resources.js'
import { scimErrorOf } from './scim-test-support.js'

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error'
const BASE = 'https://veil.example.com/scim/v2'

describe('readUserBody', () => {
  const cases: ReadonlyArray<readonly [string, Record<string, unknown>, ScimUserInput]> = [
    ['the minimum', { schemas: [USER], userName: 'a@b.com' }, { userName: 'a@b.com', externalId: null, displayName: null, emails: [], active: null }],
    [
      'Entra ID\'s create (displayName from the name parts, string boolean)',
      { schemas: [USER, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'], externalId: 'oid', userName: 'a@b.com', active: 'True', emails: [{ primary: true, type: 'work', value: 'a@b.com' }], name: { familyName: 'Wilber', givenName: 'Alex' } },
      { userName: 'a@b.com', externalId: 'oid', displayName: 'Alex Wilber', emails: ['a@b.com'], active: true },
    ],
    ['name.formatted before the parts', { schemas: [USER], userName: 'a@b.com', name: { formatted: 'Dr. A. W.', givenName: 'Alex' } }, { userName: 'a@b.com', externalId: null, displayName: 'Dr. A. W.', emails: [], active: null }],
    ['attribute names in any case', { SCHEMAS: [USER.toLowerCase()], UserName: 'a@b.com', DISPLAYNAME: 'A', Active: false }, { userName: 'a@b.com', externalId: null, displayName: 'A', emails: [], active: false }],
    [
      'the work email first, duplicates once',
      { schemas: [USER], userName: 'a@b.com', emails: [{ type: 'home', value: 'h@b.com' }, { type: 'work', value: 'w@b.com' }, { value: 'W@b.com' }] },
      { userName: 'a@b.com', externalId: null, displayName: null, emails: ['w@b.com', 'h@b.com'], active: null },
    ],
    ['read-only and unknown attributes ignored', { schemas: [USER], userName: 'a@b.com', id: 'x', meta: {}, groups: [{ value: 'g' }], password: 'p', locale: 'en' }, { userName: 'a@b.com', externalId: null, displayName: null, emails: [], active: null }],
  ]
  for (const [name, body, expected] of cases) {
    it(`should read ${name}`, () => {
      expect(readUserBody(body)).toEqual(expected)
    })
  }

  const invalid: ReadonlyArray<readonly [string, Record<string, unknown>, string, RegExp]> = [
    ['no schemas', { userName: 'a@b.com' }, 'invalidSyntax', /schemas/],
    ['no userName', { schemas: [USER] }, 'invalidValue', /userName is required/],
    ['a null userName', { schemas: [USER], userName: null }, 'invalidValue', /userName is required/],
    ['an object userName', { schemas: [USER], userName: {} }, 'invalidValue', /userName must be a string/],
    ['active 1', { schemas: [USER], userName: 'a@b.com', active: 1 }, 'invalidValue', /active/],
    ['a string name', { schemas: [USER], userName: 'a@b.com', name: 'Alex' }, 'invalidValue', /name must be an object/],
    ['an email without value', { schemas: [USER], userName: 'a@b.com', emails: [{ type: 'work' }] }, 'invalidValue', /emails\[0\]\.value is required/],
    ['a non-boolean primary', { schemas: [USER], userName: 'a@b.com', emails: [{ value: 'a@b.com', primary: 'yes' }] }, 'invalidValue', /emails\[0\]\.primary/],
    ['a numeric externalId', { schemas: [USER], userName: 'a@b.com', externalId: 7 }, 'invalidValue', /externalId must be a string/],
  ]
  for (const [name, body, scimType, detail] of invalid) {
    it(`should refuse ${name} with 400 ${scimType}`, () => {
      const error = scimErrorOf(() => readUserBody(body))
      expect(error).toMatchObject({ status: 400, scimType })
      expect(error.detail).toMatch(detail)
    })
  }
})

describe('readGroupBody', () => {
  it('should read a group with and without members', () => {
    expect(readGroupBody({ schemas: [GROUP], displayName: 'Sales', members: [{ value: 'u1', display: 'x' }, { value: 'u1' }] })).toEqual({ displayName: 'Sales', externalId: null, memberIds: ['u1'] })
    expect(readGroupBody({ schemas: [GROUP], displayName: 'Sales', externalId: 'e' })).toEqual({ displayName: 'Sales', externalId: 'e', memberIds: null })
  })

  it('should refuse a group without displayName or with bad members', () => {
    expect(scimErrorOf(() => readGroupBody({ schemas: [GROUP] }))).toMatchObject({ scimType: 'invalidValue', detail: 'displayName is required' })
    expect(scimErrorOf(() => readGroupBody({ schemas: [GROUP], displayName: 'S', members: [{ display: 'x' }] }))).toMatchObject({ scimType: 'invalidValue', detail: 'members[0].value is required' })
    expect(scimErrorOf(() => readGroupBody({ schemas: [USER], displayName: 'S' }))).toMatchObject({ scimType: 'invalidSyntax' })
  })
})

describe('presentUser and presentGroup', () => {
  const user = { id: 'u1', upn: 'alex@contoso.com', displayName: 'Alex', externalId: 'oid', emails: ['alex@contoso.com', 'a@alias.com'], active: false, createdAt: 0, updatedAt: 60_000 }

  it('should present a user as a SCIM User', () => {
    expect(presentUser(user, BASE)).toEqual({
      schemas: [USER],
      id: 'u1',
      externalId: 'oid',
      userName: 'alex@contoso.com',
      name: { formatted: 'Alex' },
      displayName: 'Alex',
      emails: [{ value: 'alex@contoso.com', type: 'work', primary: true }, { value: 'a@alias.com' }],
      active: false,
      meta: { resourceType: 'User', created: '1970-01-01T00:00:00.000Z', lastModified: '1970-01-01T00:01:00.000Z', location: `${BASE}/Users/u1`, version: 'W/"60000"' },
    })
  })

  it('should leave unassigned attributes out', () => {
    expect(Object.keys(presentUser({ ...user, displayName: null, externalId: null, emails: [] }, BASE))).toEqual(['schemas', 'id', 'userName', 'active', 'meta'])
  })

  it('should present a group with members, or without when excluded', () => {
    const group = { id: 'g 1', displayName: 'Sales', externalId: null, createdAt: 0, updatedAt: 0 }
    expect(presentGroup(group, [user, { ...user, id: 'u2', displayName: null, upn: 'kim@contoso.com' }], BASE)).toMatchObject({
      schemas: [GROUP],
      id: 'g 1',
      displayName: 'Sales',
      members: [
        { value: 'u1', display: 'Alex', $ref: `${BASE}/Users/u1`, type: 'User' },
        { value: 'u2', display: 'kim@contoso.com', $ref: `${BASE}/Users/u2`, type: 'User' },
      ],
      meta: { resourceType: 'Group', location: `${BASE}/Groups/g%201` },
    })
    expect(presentGroup(group, null, BASE)).not.toHaveProperty('members')
  })

  it('should wrap resources in a ListResponse', () => {
    expect(listResponse([{ id: 'a' }], 7, 3)).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 7, startIndex: 3, itemsPerPage: 1, Resources: [{ id: 'a' }] })
  })

  it('should project attributes, always keeping schemas and id', () => {
    const resource = presentUser(user, BASE)
    expect(Object.keys(project(resource, readProjection('userName,emails.value', undefined)))).toEqual(['schemas', 'id', 'userName', 'emails'])
    expect(Object.keys(project(resource, readProjection(undefined, 'emails, meta,id,urn:ietf:params:scim:schemas:core:2.0:User:name')))).toEqual(['schemas', 'id', 'externalId', 'userName', 'displayName', 'active'])
    expect(project(resource, readProjection(undefined, undefined))).toBe(resource)
  })
})

describe('toScimErrorBody', () => {
  const cases: ReadonlyArray<readonly [string, unknown, Record<string, unknown>]> = [
    ['a ScimError', new ScimError(400, 'invalidFilter', 'bad filter'), { schemas: [ERROR], status: '400', scimType: 'invalidFilter', detail: 'bad filter' }],
    ['a SCIM 404', new ScimError(404, null, 'No User with this id'), { schemas: [ERROR], status: '404', detail: 'No User with this id' }],
    ['a ConflictError', new ConflictError('Another user already has "a@b.com" as its UPN'), { schemas: [ERROR], status: '409', scimType: 'uniqueness', detail: 'Another user already has "a@b.com" as its UPN' }],
    ['a ValidationError naming upn', new ValidationError('"x" is not a UPN', [{ field: 'upn', reason: 'must be a UPN' }]), { schemas: [ERROR], status: '400', scimType: 'invalidValue', detail: '"x" is not a UPN (userName: must be a UPN)' }],
    ['a NotFoundError', new NotFoundError('No group g'), { schemas: [ERROR], status: '404', detail: 'No group g' }],
    ['an unauthenticated DomainError', new DomainError('unauthenticated', 'Send a token'), { schemas: [ERROR], status: '401', detail: 'Send a token' }],
    ['a forbidden DomainError', new DomainError('forbidden', 'No'), { schemas: [ERROR], status: '403', detail: 'No' }],
    ['Fastify\'s bad JSON', Object.assign(new Error('Body is not valid JSON'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }), { schemas: [ERROR], status: '400', scimType: 'invalidSyntax', detail: 'The request body is not valid JSON' }],
    ['Fastify\'s body limit', Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), { schemas: [ERROR], status: '413', detail: 'The request body is over the size limit' }],
    ['Fastify\'s media type', Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }), { schemas: [ERROR], status: '415', detail: 'Send application/scim+json or application/json' }],
  ]
  for (const [name, error, body] of cases) {
    it(`should turn ${name} into a SCIM error body`, () => {
      expect(toScimErrorBody(error)).toEqual(body)
    })
  }

  it('should not forward an unexpected error', () => {
    expect(toScimErrorBody(new Error('connection string postgres://secret@db'))).toBeNull()
    expect(INTERNAL_ERROR_BODY).toEqual({ schemas: [ERROR], status: '500', detail: expect.not.stringContaining('secret') })
  })
})
