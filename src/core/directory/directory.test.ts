import { describe, expect, it } from 'vitest'
import { APPLICATION_GROUP_ID, EXTERNAL_USERS_GROUP_ID, builtinGroupsOf } from './builtin-groups.js'
import { domainOf, isManagedDomain, normalizeDomain } from './managed-domains.js'

describe('managed domains', () => {
  const managed = new Set(['contoso.com', 'fabrikam.de'])
  it.each([
    ['contoso.com', true],
    ['eu.contoso.com', true],
    ['mail.eu.contoso.com', true],
    ['CONTOSO.COM', true],
    ['notcontoso.com', false],
    ['contoso.com.evil.example', false],
    ['fabrikam.com', false],
  ])('should say whether %s is managed', (domain, expected) => {
    expect(isManagedDomain(domain, managed)).toBe(expected)
  })

  it.each([
    ['Contoso.COM', 'contoso.com'],
    ['@contoso.com', 'contoso.com'],
    ['contoso.com.', 'contoso.com'],
    ['not a domain', null],
    ['-bad.com', null],
    ['localhost', null],
  ])('should normalize %s', (value, expected) => {
    expect(normalizeDomain(value)).toBe(expected)
  })

  it('should take the domain of a UPN', () => {
    expect(domainOf('Alex@Contoso.com')).toBe('contoso.com')
    expect(domainOf('no-at-sign')).toBeNull()
    expect(domainOf(null)).toBeNull()
  })
})

describe('builtinGroupsOf', () => {
  const managed = new Set(['contoso.com'])
  it.each([
    [{ upn: 'a@contoso.com', type: 'user' as const }, []],
    [{ upn: 'a@sub.contoso.com', type: 'user' as const }, []],
    [{ upn: 'guest@partner.example', type: 'user' as const }, [EXTERNAL_USERS_GROUP_ID]],
    [{ upn: null, type: 'user' as const }, []],
    [{ upn: null, type: 'application' as const }, [APPLICATION_GROUP_ID]],
    [{ upn: 'svc@contoso.com', type: 'system' as const }, [APPLICATION_GROUP_ID]],
  ])('should place %j', (actor, expected) => {
    expect(builtinGroupsOf(actor, managed)).toEqual(expected)
  })
})
