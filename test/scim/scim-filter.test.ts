/**
 * The SCIM filter grammar and what a filter asks of the directory, table-driven: the filters Entra ID
 * and Okta send, the RFC 7644 forms around them, and the ones Veil refuses with `invalidFilter`.
 */
import { describe, expect, it } from 'vitest'
import { parsePatchPath, parseScimFilter, type FilterComparison } from '../../src/scim/scim-filter.js'
import { compileGroupQuery, compileUserQuery, groupMatches, userMatches } from '../../src/scim/scim-query.js'
import { scimErrorOf } from './scim-test-support.js'

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'

function cmp(attribute: string, subAttribute: string | null, value: FilterComparison['value'], where: FilterComparison['where'] = [], schema: string | null = null): FilterComparison {
  return { path: { schema, attribute, subAttribute }, value, where }
}

describe('parseScimFilter', () => {
  const valid: ReadonlyArray<readonly [string, readonly FilterComparison[]]> = [
    // Entra ID and Okta
    ['userName eq "Test_User_dfeef4c5@contoso.com"', [cmp('username', null, 'Test_User_dfeef4c5@contoso.com')]],
    ['externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"', [cmp('externalid', null, '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef')]],
    ['displayName eq "Sales EMEA"', [cmp('displayname', null, 'Sales EMEA')]],
    ['emails[type eq "work"].value eq "alex@contoso.com"', [cmp('emails', 'value', 'alex@contoso.com', [{ subAttribute: 'type', value: 'work' }])]],
    ['emails.value eq "alex@contoso.com"', [cmp('emails', 'value', 'alex@contoso.com')]],
    ['id eq "2819c223-7f76-453a-919d-413861904646"', [cmp('id', null, '2819c223-7f76-453a-919d-413861904646')]],
    ['members[value eq "u-1"]', [cmp('members', 'value', 'u-1')]],
    ['members.value eq "u-1"', [cmp('members', 'value', 'u-1')]],
    // combined with and, any case, any spacing, parentheses
    ['userName eq "a@b.com" and externalId eq "x"', [cmp('username', null, 'a@b.com'), cmp('externalid', null, 'x')]],
    ['USERNAME EQ "a@b.com" AND ExternalID Eq "x"', [cmp('username', null, 'a@b.com'), cmp('externalid', null, 'x')]],
    ['  userName   eq   "a@b.com"  ', [cmp('username', null, 'a@b.com')]],
    ['(userName eq "a@b.com") and (id eq "1" and externalId eq "x")', [cmp('username', null, 'a@b.com'), cmp('id', null, '1'), cmp('externalid', null, 'x')]],
    ['id eq "g1" and members[value eq "u1"]', [cmp('id', null, 'g1'), cmp('members', 'value', 'u1')]],
    ['emails[type eq "work" and primary eq true].value eq "a@b.com"', [cmp('emails', 'value', 'a@b.com', [{ subAttribute: 'type', value: 'work' }, { subAttribute: 'primary', value: true }])]],
    // values and names
    [`${USER_SCHEMA}:userName eq "a@b.com"`, [cmp('username', null, 'a@b.com', [], USER_SCHEMA)]],
    ['displayName eq "Team \\"A\\" \\u00e9"', [cmp('displayname', null, 'Team "A" é')]],
    ['active eq true', [cmp('active', null, true)]],
    ['externalId eq null', [cmp('externalid', null, null)]],
    ['meta.version eq 12.5', [cmp('meta', 'version', 12.5)]],
    ['name.givenName eq "Barbara"', [cmp('name', 'givenname', 'Barbara')]],
  ]
  for (const [filter, expected] of valid) {
    it(`should parse ${filter}`, () => {
      expect(parseScimFilter(filter)).toEqual(expected)
    })
  }

  const invalid: ReadonlyArray<readonly [string, RegExp]> = [
    ['', /empty/],
    ['userName co "a"', /Operator "co" is not supported/],
    ['userName sw "a"', /Operator "sw" is not supported/],
    ['userName ne "a"', /Operator "ne" is not supported/],
    ['userName pr', /Operator "pr" is not supported/],
    ['userName eq "a" or userName eq "b"', /"or" is not supported/],
    ['not (userName eq "a")', /"not" is not supported/],
    ['userName eq', /Expected a value/],
    ['userName "a"', /Expected an operator/],
    ['userName eq "a', /Unterminated string/],
    ['userName eq a', /Expected a value/],
    ['userName eq "a" userName eq "b"', /Expected "and"/],
    ['emails[type eq "work"', /Missing "]"/],
    ['(userName eq "a"', /Missing "\)"/],
    ['emails[type eq "work"]', /needs a value eq/],
    ['emails[type[x eq "y"] eq "z"]', /Inside \[...\] only simple/],
    ['a.b.c eq "x"', /not a valid attribute name/],
    ['userName eq "a"; drop', /Unexpected character/],
    ['1abc eq "x"', /not a valid attribute name/],
    ['eq "x"', /Expected an operator|not a valid/],
    ['userName eq "a" and', /Expected an attribute name/],
    [`userName eq "${'x'.repeat(5000)}"`, /longer than/],
  ]
  for (const [filter, detail] of invalid) {
    it(`should refuse ${filter.slice(0, 60) || '(empty)'} with 400 invalidFilter`, () => {
      const error = scimErrorOf(() => parseScimFilter(filter))
      expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter' })
      expect(error.detail).toMatch(detail)
    })
  }
})

describe('parsePatchPath', () => {
  it('should parse the paths identity providers send', () => {
    expect(parsePatchPath('active')).toEqual({ path: { schema: null, attribute: 'active', subAttribute: null }, where: [], text: 'active' })
    expect(parsePatchPath('name.familyName').path).toEqual({ schema: null, attribute: 'name', subAttribute: 'familyname' })
    expect(parsePatchPath('emails[type eq "work"].value')).toMatchObject({ path: { attribute: 'emails', subAttribute: 'value' }, where: [{ subAttribute: 'type', value: 'work' }] })
    expect(parsePatchPath('members[value eq "2819c223"]')).toMatchObject({ path: { attribute: 'members', subAttribute: null }, where: [{ subAttribute: 'value', value: '2819c223' }] })
    expect(parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department').path).toEqual({ schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attribute: 'department', subAttribute: null })
  })

  const invalid = ['', 'members[value eq "x"', 'members[value eq "x"] extra', 'members[value eq "x"]value', 'name.givenName[type eq "x"]', 'a.b.c', 'emails[value co "x"]']
  for (const path of invalid) {
    it(`should refuse the path ${path || '(empty)'} with 400 invalidPath`, () => {
      expect(scimErrorOf(() => parsePatchPath(path))).toMatchObject({ status: 400, scimType: 'invalidPath' })
    })
  }
})

describe('compileUserQuery', () => {
  const cases: ReadonlyArray<readonly [string, ReturnType<typeof compileUserQuery>]> = [
    ['userName eq "Alex@Contoso.com"', { id: null, filter: { upn: 'Alex@Contoso.com' }, matchesNothing: false }],
    ['externalId eq "00u1"', { id: null, filter: { externalId: '00u1' }, matchesNothing: false }],
    ['emails[type eq "work"].value eq "a@b.com"', { id: null, filter: { email: 'a@b.com' }, matchesNothing: false }],
    ['emails.value eq "a@b.com"', { id: null, filter: { email: 'a@b.com' }, matchesNothing: false }],
    ['id eq "u1" and userName eq "a@b.com"', { id: 'u1', filter: { upn: 'a@b.com' }, matchesNothing: false }],
    ['userName eq "a@b.com" and userName eq "A@B.COM"', { id: null, filter: { upn: 'a@b.com' }, matchesNothing: false }],
    ['userName eq "a@b.com" and userName eq "c@d.com"', { id: null, filter: { upn: 'a@b.com' }, matchesNothing: true }],
    [`${USER_SCHEMA}:userName eq "a@b.com"`, { id: null, filter: { upn: 'a@b.com' }, matchesNothing: false }],
  ]
  for (const [filter, expected] of cases) {
    it(`should turn ${filter} into a directory query`, () => {
      expect(compileUserQuery(parseScimFilter(filter))).toEqual(expected)
    })
  }

  it('should list every user without a filter', () => {
    expect(compileUserQuery(null)).toEqual({ id: null, filter: {}, matchesNothing: false })
  })

  const refused = ['displayName eq "Alex"', 'active eq true', 'name.givenName eq "A"', 'userName eq 42', 'emails[display eq "x"].value eq "a@b.com"', 'urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "x"', 'members[value eq "u1"]']
  for (const filter of refused) {
    it(`should refuse ${filter} on Users with 400 invalidFilter`, () => {
      expect(scimErrorOf(() => compileUserQuery(parseScimFilter(filter)))).toMatchObject({ status: 400, scimType: 'invalidFilter' })
    })
  }

  it('should check the rest of the filter on a user found by id', () => {
    const user = { id: 'u1', upn: 'alex@contoso.com', displayName: null, externalId: 'EXT', emails: ['alex@alias.com'], active: true, createdAt: 0, updatedAt: 0 }
    expect(userMatches(user, compileUserQuery(parseScimFilter('id eq "u1" and userName eq "ALEX@contoso.com"')))).toBe(true)
    expect(userMatches(user, compileUserQuery(parseScimFilter('id eq "u1" and externalId eq "ext"')))).toBe(true)
    expect(userMatches(user, compileUserQuery(parseScimFilter('id eq "u1" and emails.value eq "alex@alias.com"')))).toBe(true)
    expect(userMatches(user, compileUserQuery(parseScimFilter('id eq "u1" and userName eq "other@contoso.com"')))).toBe(false)
    expect(userMatches(user, compileUserQuery(parseScimFilter('id eq "u2"')))).toBe(false)
  })
})

describe('compileGroupQuery', () => {
  const cases: ReadonlyArray<readonly [string, ReturnType<typeof compileGroupQuery>]> = [
    ['displayName eq "Sales"', { id: null, memberId: null, filter: { displayName: 'Sales' }, matchesNothing: false }],
    ['externalId eq "8aa1"', { id: null, memberId: null, filter: { externalId: '8aa1' }, matchesNothing: false }],
    ['id eq "g1" and members[value eq "u1"]', { id: 'g1', memberId: 'u1', filter: {}, matchesNothing: false }],
    ['members.value eq "u1"', { id: null, memberId: 'u1', filter: {}, matchesNothing: false }],
    ['displayName eq "A" and displayName eq "B"', { id: null, memberId: null, filter: { displayName: 'A' }, matchesNothing: true }],
  ]
  for (const [filter, expected] of cases) {
    it(`should turn ${filter} into a directory query`, () => {
      expect(compileGroupQuery(parseScimFilter(filter))).toEqual(expected)
    })
  }

  for (const filter of ['userName eq "a@b.com"', 'members[type eq "User" and value eq "u1"]', 'members[value eq "u1"].display eq "x"']) {
    it(`should refuse ${filter} on Groups with 400 invalidFilter`, () => {
      expect(scimErrorOf(() => compileGroupQuery(parseScimFilter(filter)))).toMatchObject({ status: 400, scimType: 'invalidFilter' })
    })
  }

  it('should check the rest of the filter on a group found by id', () => {
    const group = { id: 'g1', displayName: 'Sales', externalId: null, createdAt: 0, updatedAt: 0 }
    expect(groupMatches(group, compileGroupQuery(parseScimFilter('id eq "g1" and displayName eq "SALES"')))).toBe(true)
    expect(groupMatches(group, compileGroupQuery(parseScimFilter('id eq "g1" and externalId eq "x"')))).toBe(false)
  })
})
