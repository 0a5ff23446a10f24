import { describe, expect, it } from 'vitest'
import fc from 'fast-check'

import type { Activity } from '../activity/activity.js'
import { FORWARDING_DISCLOSURE, PrivateActivityForwardingError, forwardableActivities, type ForwardingCandidate } from './forwarding.js'

const activity = (id: string): Activity => ({
  id,
  time: 1,
  receivedAt: 2,
  source: 'veil',
  actor: { upn: 'ann@example.com', displayName: null, sourceId: null, type: 'user' },
  app: 'GitHub',
  action: { type: 'login', name: 'login' },
  ip: null,
  location: { country: null, city: null },
  device: { type: null, userAgent: null },
  target: { type: null, id: null, name: null },
  result: 'success',
  description: null,
  actorGroups: [],
  raw: null,
})

describe('forwardableActivities', () => {
  it('should pass public activities through whole and in order', () => {
    const batch: ForwardingCandidate[] = [{ isPrivate: false, activity: activity('a') }, { isPrivate: false, activity: activity('b') }]
    expect(forwardableActivities(batch)).toEqual([activity('a'), activity('b')])
    expect(forwardableActivities([])).toEqual([])
  })

  it('should refuse the whole batch, naming no detail, when any item is private', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }), fc.nat(), (flags, at) => {
        const index = at % flags.length
        const batch: ForwardingCandidate[] = flags.map((_, i) => (i === index ? { isPrivate: true, id: `secret-${i}` } : { isPrivate: false, activity: activity(`public-${i}`) }))
        expect(() => forwardableActivities(batch)).toThrow(PrivateActivityForwardingError)
        try {
          forwardableActivities(batch)
        } catch (error) {
          expect(String(error)).not.toContain('secret-')
        }
      }),
    )
  })

  it('should fail closed on an item whose private marker is not a boolean false', () => {
    const malformed = [{ isPrivate: undefined, activity: activity('x') }] as unknown as ForwardingCandidate[]
    expect(() => forwardableActivities(malformed)).toThrow(PrivateActivityForwardingError)
  })

  it('should read with a disclosure that hides private activities', () => {
    expect(FORWARDING_DISCLOSURE).toEqual({ includePrivate: false })
  })
})
