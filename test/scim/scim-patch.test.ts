/**
 * SCIM PATCH, table-driven: the operation shapes Entra ID and Okta send (op names in any case, the
 * no-path value object, string booleans), what they do to a user or a group, and the errors with
 * their scimType. A failing operation leaves the state untouched.
 */
import { describe, expect, it } from 'vitest'
import { applyUserPatch, parsePatchRequest, planGroupPatch, userPatchOf, type GroupPatchPlan, type ScimUserState } from '../../src/scim/scim-patch.js'
import { scimErrorOf } from './scim-test-support.js'

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

function patch(...operations: unknown[]): unknown {
  return { schemas: [PATCH_OP], Operations: operations }
}

const ALEX: ScimUserState = Object.freeze({
  id: 'u1',
  userName: 'alex@contoso.com',
  externalId: 'ext-1',
  displayName: 'Alex Wilber',
  name: Object.freeze({ formatted: null, givenName: null, familyName: null }),
  emails: Object.freeze(['alex@contoso.com', 'alex@alias.com']),
  active: true,
})

describe('parsePatchRequest', () => {
  it('should read op names in any case, with and without path', () => {
    const ops = parsePatchRequest(patch({ op: 'Replace', path: 'active', value: 'False' }, { op: 'ADD', value: { displayName: 'x' } }, { op: 'remove', path: 'externalId' }))
    expect(ops.map((o) => [o.op, o.path?.text ?? null])).toEqual([
      ['replace', 'active'],
      ['add', null],
      ['remove', 'externalId'],
    ])
  })

  it('should read attribute names of the message case-insensitively', () => {
    expect(parsePatchRequest({ Schemas: [PATCH_OP], operations: [{ OP: 'replace', Path: 'active', Value: false }] })).toHaveLength(1)
  })

  const invalid: ReadonlyArray<readonly [string, unknown, string, RegExp]> = [
    ['a body that is not an object', [], 'invalidSyntax', /JSON object/],
    ['a body without schemas', { Operations: [{ op: 'replace', path: 'active', value: false }] }, 'invalidSyntax', /schemas/],
    ['a body with the wrong schema', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], Operations: [{ op: 'replace', path: 'active', value: false }] }, 'invalidSyntax', /PatchOp/],
    ['no Operations', { schemas: [PATCH_OP] }, 'invalidSyntax', /Operations/],
    ['empty Operations', patch(), 'invalidSyntax', /Operations/],
    ['an operation that is not an object', patch('replace'), 'invalidSyntax', /Operations\[0\]/],
    ['an unknown op', patch({ op: 'move', path: 'active', value: false }), 'invalidSyntax', /Operations\[0\]\.op/],
    ['remove without a path', patch({ op: 'remove', value: { active: false } }), 'noTarget', /remove needs a path/],
    ['replace without a value', patch({ op: 'replace', path: 'active' }), 'invalidSyntax', /Operations\[0\]\.value is required/],
    ['no path and a string value', patch({ op: 'replace', value: 'x' }), 'invalidSyntax', /value must be an object/],
    ['a path that is not a string', patch({ op: 'replace', path: 7, value: 'x' }), 'invalidPath', /path must be a string/],
    ['a malformed path', patch({ op: 'remove', path: 'members[value eq "x"' }), 'invalidPath', /Operations\[0\]\.path/],
    ['an unsupported path filter', patch({ op: 'remove', path: 'members[value co "x"]' }), 'invalidPath', /Operator "co"/],
  ]
  for (const [name, body, scimType, detail] of invalid) {
    it(`should refuse ${name} with 400 ${scimType}`, () => {
      const error = scimErrorOf(() => parsePatchRequest(body))
      expect(error).toMatchObject({ status: 400, scimType })
      expect(error.detail).toMatch(detail)
    })
  }
})

describe('applyUserPatch', () => {
  const cases: ReadonlyArray<readonly [string, unknown[], Partial<ScimUserState>]> = [
    // Entra ID
    ['Entra: Replace active with the string "False"', [{ op: 'Replace', path: 'active', value: 'False' }], { active: false }],
    ['Entra: Replace active with "True"', [{ op: 'Replace', path: 'active', value: 'True' }], { active: true }],
    ['Entra: no path, value {active: false}', [{ op: 'Replace', value: { active: false } }], { active: false }],
    ['Entra: Replace the work email and the family name', [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@contoso.com' }, { op: 'Replace', path: 'name.familyName', value: 'Wilber-Smith' }], { emails: ['new@contoso.com', 'alex@alias.com'], name: { formatted: null, givenName: null, familyName: 'Wilber-Smith' } }],
    ['Entra: Add the work email (Entra sends Add for an existing one too)', [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'other@contoso.com' }], { emails: ['other@contoso.com', 'alex@alias.com'] }],
    ['Entra: Replace userName', [{ op: 'Replace', path: 'userName', value: 'alex.wilber@contoso.com' }], { userName: 'alex.wilber@contoso.com' }],
    ['Entra: Replace displayName and externalId', [{ op: 'Replace', path: 'displayName', value: 'Alex W.' }, { op: 'Replace', path: 'externalId', value: 'ext-2' }], { displayName: 'Alex W.', externalId: 'ext-2' }],
    ['Entra: an enterprise-extension attribute is accepted and not kept', [{ op: 'Add', path: `${ENTERPRISE}:department`, value: 'Sales' }], {}],
    ['Entra: Add name.givenName', [{ op: 'Add', path: 'name.givenName', value: 'Alex' }], { name: { formatted: null, givenName: 'Alex', familyName: null } }],
    // Okta
    ['Okta: no path, value {active: false}', [{ op: 'replace', value: { active: false } }], { active: false }],
    // RFC 7644 forms
    ['a core-schema-qualified path', [{ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:displayName', value: 'X' }], { displayName: 'X' }],
    ['a no-path value with a core-schema object and an extension object', [{ op: 'replace', value: { 'urn:ietf:params:scim:schemas:core:2.0:User': { displayName: 'Y' }, [ENTERPRISE]: { department: 'Sales' } } }], { displayName: 'Y' }],
    ['a no-path value with dotted and bracketed keys', [{ op: 'add', value: { 'name.givenName': 'Al', 'emails[type eq "work"].value': 'w@contoso.com' } }], { name: { formatted: null, givenName: 'Al', familyName: null }, emails: ['w@contoso.com', 'alex@alias.com'] }],
    ['a no-path value with the name object', [{ op: 'replace', value: { name: { givenName: 'A', familyName: 'W', middleName: 'M' } } }], { name: { formatted: null, givenName: 'A', familyName: 'W' } }],
    ['a no-path value naming the user\'s own id', [{ op: 'replace', value: { id: 'u1', displayName: 'Z' } }], { displayName: 'Z' }],
    ['remove externalId and displayName', [{ op: 'remove', path: 'externalId' }, { op: 'remove', path: 'displayName' }], { externalId: null, displayName: null }],
    ['replace the emails list (work first)', [{ op: 'replace', path: 'emails', value: [{ value: 'h@x.com', type: 'home' }, { value: 'w@x.com', type: 'work' }] }], { emails: ['w@x.com', 'h@x.com'] }],
    ['add an untyped email', [{ op: 'add', path: 'emails', value: [{ value: 'third@x.com' }] }], { emails: ['alex@contoso.com', 'alex@alias.com', 'third@x.com'] }],
    ['add a primary email', [{ op: 'add', path: 'emails', value: [{ value: 'alex@alias.com', primary: true }] }], { emails: ['alex@alias.com'] }],
    ['remove one email by value', [{ op: 'remove', path: 'emails[value eq "ALEX@alias.com"]' }], { emails: ['alex@contoso.com'] }],
    ['replace one email by value', [{ op: 'replace', path: 'emails[value eq "alex@alias.com"].value', value: 'alias2@x.com' }], { emails: ['alex@contoso.com', 'alias2@x.com'] }],
    ['remove the work email', [{ op: 'remove', path: 'emails[type eq "work"]' }], { emails: ['alex@alias.com'] }],
    ['remove every email', [{ op: 'remove', path: 'emails' }], { emails: [] }],
    ['change only the type or primary flag of an email (kept by order)', [{ op: 'replace', path: 'emails[type eq "work"].primary', value: true }], {}],
    ['ignore attributes Veil does not keep', [{ op: 'replace', path: 'title', value: 'CFO' }, { op: 'add', path: 'phoneNumbers', value: [{ value: '1' }] }, { op: 'replace', value: { locale: 'de-DE', password: 'x' } }], {}],
    ['apply operations in order', [{ op: 'replace', path: 'displayName', value: 'A' }, { op: 'replace', path: 'displayName', value: 'B' }], { displayName: 'B' }],
  ]
  for (const [name, operations, change] of cases) {
    it(`should apply ${name}`, () => {
      const after = applyUserPatch(ALEX, parsePatchRequest(patch(...operations)))
      expect(after).toEqual({ ...ALEX, ...change })
    })
  }

  const invalid: ReadonlyArray<readonly [string, unknown[], string, RegExp]> = [
    ['active "maybe"', [{ op: 'replace', path: 'active', value: 'maybe' }], 'invalidValue', /active must be true or false/],
    ['an empty userName', [{ op: 'replace', path: 'userName', value: ' ' }], 'invalidValue', /userName must not be empty/],
    ['a numeric userName', [{ op: 'replace', path: 'userName', value: 42 }], 'invalidValue', /userName must be a string/],
    ['remove userName', [{ op: 'remove', path: 'userName' }], 'invalidValue', /userName is required/],
    ['remove active', [{ op: 'remove', path: 'active' }], 'invalidValue', /active cannot be removed/],
    ['a numeric displayName (no path)', [{ op: 'replace', value: { displayName: 5 } }], 'invalidValue', /displayName must be a string/],
    ['replace meta', [{ op: 'replace', path: 'meta', value: {} }], 'mutability', /meta is read-only/],
    ['replace another id', [{ op: 'replace', value: { id: 'u2' } }], 'mutability', /id is read-only/],
    ['replace groups', [{ op: 'add', path: 'groups', value: [{ value: 'g1' }] }], 'mutability', /groups is read-only/],
    ['an unknown attribute', [{ op: 'replace', path: 'fooBar', value: 1 }], 'invalidPath', /no attribute "fooBar"/],
    ['an unknown attribute in a no-path value', [{ op: 'replace', value: { fooBar: 1 } }], 'invalidPath', /no attribute "fooBar"/],
    ['a home email path', [{ op: 'replace', path: 'emails[type eq "home"].value', value: 'h@x.com' }], 'invalidPath', /one work address/],
    ['the ambiguous emails.value', [{ op: 'replace', path: 'emails.value', value: 'h@x.com' }], 'invalidPath', /ambiguous/],
    ['an unknown part of name', [{ op: 'replace', path: 'name.nickname', value: 'x' }], 'invalidPath', /name has no sub-attribute/],
    ['name that is not an object', [{ op: 'replace', path: 'name', value: 'Alex' }], 'invalidValue', /name must be an object/],
    ['emails that are not objects', [{ op: 'replace', path: 'emails', value: ['a@b.com'] }], 'invalidValue', /Operations\[0\]: emails\[0\] must be an object/],
    ['an email without value', [{ op: 'add', path: 'emails', value: [{ type: 'work' }] }], 'invalidValue', /value is required/],
    ['replace a missing email by value', [{ op: 'replace', path: 'emails[value eq "nobody@x.com"].value', value: 'y@x.com' }], 'noTarget', /no email address matches/],
    ['keys that differ only in case', [{ op: 'replace', value: { active: false, Active: true } }], 'invalidSyntax', /case-insensitive/],
  ]
  for (const [name, operations, scimType, detail] of invalid) {
    it(`should refuse ${name} with 400 ${scimType}`, () => {
      const error = scimErrorOf(() => applyUserPatch(ALEX, parsePatchRequest(patch(...operations))))
      expect(error).toMatchObject({ status: 400, scimType })
      expect(error.detail).toMatch(detail)
    })
  }

  it('should apply nothing when a later operation fails', () => {
    const operations = parsePatchRequest(patch({ op: 'replace', path: 'displayName', value: 'Changed' }, { op: 'replace', path: 'active', value: 'nope' }))
    expect(() => applyUserPatch(ALEX, operations)).toThrow()
    expect(ALEX.displayName).toBe('Alex Wilber')
  })
})

describe('userPatchOf', () => {
  it('should list only what changed, and nothing for a case-only userName change', () => {
    expect(userPatchOf(ALEX, { ...ALEX })).toEqual({})
    expect(userPatchOf(ALEX, { ...ALEX, userName: 'ALEX@contoso.com', emails: ['Alex@Contoso.com', 'alex@alias.com'] })).toEqual({})
    expect(userPatchOf(ALEX, { ...ALEX, name: { formatted: 'x', givenName: 'y', familyName: 'z' } })).toEqual({})
    expect(userPatchOf(ALEX, { ...ALEX, active: false, displayName: null, emails: [] })).toEqual({ active: false, displayName: null, emails: [] })
    expect(userPatchOf(ALEX, { ...ALEX, userName: 'new@contoso.com', externalId: null })).toEqual({ upn: 'new@contoso.com', externalId: null })
  })
})

describe('planGroupPatch', () => {
  const cases: ReadonlyArray<readonly [string, unknown[], GroupPatchPlan]> = [
    // Entra ID
    ['Entra: Add members with a value list', [{ op: 'Add', path: 'members', value: [{ $ref: null, value: 'u1' }, { value: 'u2' }] }], { members: { kind: 'delta', add: ['u1', 'u2'], remove: [] } }],
    ['Entra: Remove members with a value list', [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'u1' }] }], { members: { kind: 'delta', add: [], remove: ['u1'] } }],
    ['Entra: Replace displayName', [{ op: 'Replace', path: 'displayName', value: 'Sales EMEA' }], { displayName: 'Sales EMEA', members: { kind: 'none' } }],
    // Okta
    ['Okta: remove members[value eq "id"] and add another', [{ op: 'remove', path: 'members[value eq "u1"]' }, { op: 'add', path: 'members', value: [{ value: 'u3', display: 'c@contoso.com' }] }], { members: { kind: 'delta', add: ['u3'], remove: ['u1'] } }],
    ['Okta: rename with a no-path value that repeats the id', [{ op: 'replace', value: { id: 'g1', displayName: 'Renamed' } }], { displayName: 'Renamed', members: { kind: 'none' } }],
    // RFC 7644 forms
    ['replace members', [{ op: 'replace', path: 'members', value: [{ value: 'u3' }] }], { members: { kind: 'replace', userIds: ['u3'] } }],
    ['remove every member', [{ op: 'remove', path: 'members' }], { members: { kind: 'replace', userIds: [] } }],
    ['a no-path value with members and externalId', [{ op: 'add', value: { members: [{ value: 'u1' }], externalId: 'e-1' } }], { externalId: 'e-1', members: { kind: 'delta', add: ['u1'], remove: [] } }],
    ['remove externalId', [{ op: 'remove', path: 'externalId' }], { externalId: null, members: { kind: 'none' } }],
    ['add then remove the same member: removed', [{ op: 'add', path: 'members', value: [{ value: 'u1' }] }, { op: 'remove', path: 'members[value eq "u1"]' }], { members: { kind: 'delta', add: [], remove: ['u1'] } }],
    ['remove then add the same member: added', [{ op: 'remove', path: 'members[value eq "u1"]' }, { op: 'add', path: 'members', value: [{ value: 'u1' }] }], { members: { kind: 'delta', add: ['u1'], remove: [] } }],
    ['replace, then add and remove', [{ op: 'replace', path: 'members', value: [{ value: 'u1' }] }, { op: 'add', path: 'members', value: [{ value: 'u2' }] }, { op: 'remove', path: 'members[value eq "u1"]' }], { members: { kind: 'replace', userIds: ['u2'] } }],
    ['a single member object instead of a list', [{ op: 'add', path: 'members', value: { value: 'u1' } }], { members: { kind: 'delta', add: ['u1'], remove: [] } }],
    ['duplicate ids once', [{ op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'u1' }] }], { members: { kind: 'delta', add: ['u1'], remove: [] } }],
    ['an extension attribute (ignored)', [{ op: 'add', path: 'urn:example:params:scim:schemas:extension:custom:2.0:Group:costCenter', value: '7' }], { members: { kind: 'none' } }],
  ]
  for (const [name, operations, expected] of cases) {
    it(`should plan ${name}`, () => {
      expect(planGroupPatch('g1', parsePatchRequest(patch(...operations)))).toEqual(expected)
    })
  }

  const invalid: ReadonlyArray<readonly [string, unknown[], string, RegExp]> = [
    ['an empty displayName', [{ op: 'replace', path: 'displayName', value: '' }], 'invalidValue', /displayName must not be empty/],
    ['remove displayName', [{ op: 'remove', path: 'displayName' }], 'invalidValue', /displayName is required/],
    ['a member without value', [{ op: 'add', path: 'members', value: [{ display: 'x' }] }], 'invalidValue', /Operations\[0\]: members\[0\]\.value is required/],
    ['a member given as a bare string', [{ op: 'add', path: 'members', value: ['u1'] }], 'invalidValue', /must be an object/],
    ['replace with a member filter', [{ op: 'replace', path: 'members[value eq "u1"]', value: [{ value: 'u2' }] }], 'invalidPath', /not supported/],
    ['a member filter on display', [{ op: 'remove', path: 'members[display eq "x"]' }], 'invalidPath', /members\[value eq/],
    ['a members sub-attribute', [{ op: 'remove', path: 'members.value' }], 'invalidPath', /not supported/],
    ['another group id', [{ op: 'replace', value: { id: 'g2', displayName: 'x' } }], 'mutability', /id is read-only/],
    ['meta', [{ op: 'replace', path: 'meta.lastModified', value: 'x' }], 'mutability', /meta is read-only/],
    ['an unknown attribute', [{ op: 'replace', path: 'description', value: 'x' }], 'invalidPath', /no attribute "description"/],
  ]
  for (const [name, operations, scimType, detail] of invalid) {
    it(`should refuse ${name} with 400 ${scimType}`, () => {
      const error = scimErrorOf(() => planGroupPatch('g1', parsePatchRequest(patch(...operations))))
      expect(error).toMatchObject({ status: 400, scimType })
      expect(error.detail).toMatch(detail)
    })
  }
})
