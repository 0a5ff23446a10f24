import { describe, expect, it } from 'vitest'
import type { AdminRole, Viewer } from '../access/roles.js'
import { HIDE_PRIVATE, NO_REVEAL, decideDisclosure, type RevealRequest } from './decide-disclosure.js'

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
