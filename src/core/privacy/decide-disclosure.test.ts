import { describe, expect, it } from 'vitest'
import type { AdminRole, Viewer } from '../access/roles.js'
import { ValidationError } from '../errors.js'
import {
  HIDE_PRIVATE,
  MAX_JUSTIFICATION_LENGTH,
  NO_REVEAL,
  REFUSAL_FIELDS,
  REFUSAL_MESSAGES,
  decideDisclosure,
  decidePrivacyGrant,
  isAttemptWithoutPermission,
  privacyPermissionState,
  qualifiesForPrivacyPermission,
  readRevealRequest,
  type RevealRequest,
} from './decide-disclosure.js'

const viewer = (roles: AdminRole[]): Viewer => ({ upn: 'a@contoso.com', roles, tokenId: null })
const reveal = (overrides: Partial<RevealRequest> = {}): RevealRequest => ({ reveal: true, acknowledged: true, justification: 'Investigating incident INC-4711', ...overrides })

describe('decideDisclosure', () => {
  it.each([
    ['a non-admin', viewer([]), false],
    ['a security reader', viewer(['security_reader']), false],
    ['a global admin holding the permission', viewer(['global_admin']), true],
  ])('should hide private activities from %s who does not ask to reveal', (_name, v, permitted) => {
    expect(decideDisclosure(v, NO_REVEAL, permitted)).toEqual({ allowed: true, disclosure: HIDE_PRIVATE })
  })

  it.each([
    ['not_admin', viewer([]), true, reveal()],
    ['no_permission', viewer(['global_admin']), false, reveal()],
    ['not_acknowledged', viewer(['security_admin']), true, reveal({ acknowledged: false })],
    ['no_justification', viewer(['security_admin']), true, reveal({ justification: null })],
    ['no_justification', viewer(['security_admin']), true, reveal({ justification: '   short   ' })],
  ] as const)('should refuse a reveal with %s', (refusal, v, permitted, request) => {
    expect(decideDisclosure(v, request, permitted)).toEqual({ allowed: false, refusal })
  })

  it('should allow a justified, acknowledged reveal by a permitted admin and keep the trimmed justification', () => {
    expect(decideDisclosure(viewer(['compliance_admin']), reveal({ justification: '  Works council request #12  ' }), true)).toEqual({
      allowed: true,
      disclosure: { includePrivate: true, justification: 'Works council request #12' },
    })
  })
})

describe('readRevealRequest', () => {
  it.each([
    ['nothing', {}, false, NO_REVEAL],
    ['JSON booleans and a justification', { includePrivate: true, acknowledgeAudit: true, justification: 'Case 4711' }, false, { reveal: true, acknowledged: true, justification: 'Case 4711' }],
    ['explicit false and null', { includePrivate: false, acknowledgeAudit: null, justification: null }, false, NO_REVEAL],
    ['query-string words', { includePrivate: 'true', acknowledgeAudit: 'false', justification: 'x' }, true, { reveal: true, acknowledged: false, justification: 'x' }],
    ['a query string without reveal parameters', { limit: '10' }, true, NO_REVEAL],
  ] as const)('should read %s', (_name, input, fromQueryString, expected) => {
    expect(readRevealRequest(input, { fromQueryString })).toEqual(expected)
  })

  it.each([
    ['a string flag in a JSON body', { includePrivate: 'true' }, false, ['includePrivate']],
    ['a number flag in a JSON body', { acknowledgeAudit: 1 }, false, ['acknowledgeAudit']],
    ['another word in a query string', { includePrivate: 'yes', acknowledgeAudit: '1' }, true, ['includePrivate', 'acknowledgeAudit']],
    ['a justification that is not text', { justification: 42 }, false, ['justification']],
    ['a justification over the limit', { justification: 'x'.repeat(MAX_JUSTIFICATION_LENGTH + 1) }, false, ['justification']],
  ] as const)('should refuse %s, naming every parameter at fault', (_name, input, fromQueryString, fields) => {
    try {
      readRevealRequest(input, { fromQueryString })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).details.map((d) => d.field)).toEqual(fields)
    }
  })
})

describe('isAttemptWithoutPermission', () => {
  it.each([
    ['not_admin', true],
    ['no_permission', true],
    ['not_acknowledged', false],
    ['no_justification', false],
  ] as const)('should say %s is %s', (refusal, expected) => {
    expect(isAttemptWithoutPermission(refusal)).toBe(expected)
    expect(REFUSAL_MESSAGES[refusal]).toMatch(/\S/)
    expect(REFUSAL_FIELDS[refusal] === undefined).toBe(expected)
  })
})

describe('privacyPermissionState', () => {
  const NOW = 1_000_000
  const admin = { roles: ['security_admin'] as AdminRole[], disabled: false }
  it.each([
    ['active for an enabled admin without expiry', { expiresAt: null }, admin, 'active'],
    ['active before its expiry', { expiresAt: NOW + 1 }, admin, 'active'],
    ['expired at its expiry', { expiresAt: NOW }, admin, 'expired'],
    ['expired rather than suspended', { expiresAt: NOW - 1 }, { roles: [] as AdminRole[], disabled: false }, 'expired'],
    ['suspended without an admin role', { expiresAt: null }, { roles: [] as AdminRole[], disabled: false }, 'suspended'],
    ['suspended for a disabled account', { expiresAt: null }, { ...admin, disabled: true }, 'suspended'],
    ['suspended when the account is gone', { expiresAt: null }, null, 'suspended'],
  ] as const)('should be %s', (_name, grant, account, expected) => {
    expect(privacyPermissionState(grant, account, NOW)).toBe(expected)
  })

  it.each([
    [admin, true],
    [{ roles: [] as AdminRole[], disabled: false }, false],
    [{ ...admin, disabled: true }, false],
  ])('should say whether %j qualifies', (account, expected) => {
    expect(qualifiesForPrivacyPermission(account)).toBe(expected)
  })
})

describe('decidePrivacyGrant', () => {
  const NOW = 1_000_000
  it.each([
    ['an enabled admin', { roles: ['security_reader'] as AdminRole[], disabled: false }, null, null],
    ['an enabled admin until a later time', { roles: ['global_admin'] as AdminRole[], disabled: false }, NOW + 1, null],
    ['no account', null, null, 'no_account'],
    ['an account without an admin role', { roles: [] as AdminRole[], disabled: false }, null, 'not_admin'],
    ['a disabled admin', { roles: ['global_admin'] as AdminRole[], disabled: true }, null, 'disabled'],
    ['an expiry that is not in the future', { roles: ['global_admin'] as AdminRole[], disabled: false }, NOW, 'expiry_in_past'],
  ] as const)('should decide %s', (_name, account, expiresAt, expected) => {
    expect(decidePrivacyGrant(account, expiresAt, NOW)).toBe(expected)
  })
})
