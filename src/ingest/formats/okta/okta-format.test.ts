import { describe, expect, it } from 'vitest'
import type { Activity } from '../../../core/activity/activity.js'
import { isOktaEvent, normalizeOktaEvent } from './okta-format.js'

const CONTEXT = { index: 5, receivedAt: Date.UTC(2026, 0, 1) }

const SESSION_START = {
  uuid: 'a1b2c3d4-0000-11ef-8000-0242ac120002',
  published: '2025-02-03T04:05:06.789Z',
  eventType: 'user.session.start',
  version: '0',
  severity: 'INFO',
  legacyEventType: 'core.user_auth.login_failed',
  displayMessage: 'User login to Okta',
  actor: { id: '00u1abcdEFGH', type: 'User', alternateId: 'Max.Mustermann@Contoso.com', displayName: 'Max Mustermann', detailEntry: null },
  client: {
    userAgent: { rawUserAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)', os: 'iOS', browser: 'SAFARI' },
    zone: 'null',
    device: 'Mobile',
    ipAddress: '203.0.113.99',
    geographicalContext: { city: 'Munich', state: 'Bavaria', country: 'Germany', postalCode: '80331', geolocation: { lat: 48.1, lon: 11.6 } },
  },
  outcome: { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' },
  target: [{ id: '0oa1app', type: 'AppInstance', alternateId: 'Salesforce', displayName: 'Salesforce.com' }],
  debugContext: { debugData: { behaviors: '{New Geo-Location=NEGATIVE, New Device=POSITIVE}', threatSuspected: 'false' } },
}

function activity(record: unknown): Activity {
  const result = normalizeOktaEvent(record, CONTEXT)
  if (!result.ok) {
    throw new Error(JSON.stringify(result.error))
  }
  return result.activity
}

describe('okta', () => {
  it('should map a failed sign-in', () => {
    expect({ ...activity(SESSION_START), raw: null }).toEqual({
      id: 'okta:a1b2c3d4-0000-11ef-8000-0242ac120002',
      time: Date.UTC(2025, 1, 3, 4, 5, 6, 789),
      receivedAt: CONTEXT.receivedAt,
      source: 'okta',
      actor: { upn: 'max.mustermann@contoso.com', displayName: 'Max Mustermann', sourceId: '00u1abcdEFGH', type: 'user' },
      app: 'Okta',
      action: { type: 'login.failed', name: 'user.session.start' },
      ip: '203.0.113.99',
      location: { country: 'DE', city: 'Munich' },
      device: { type: 'mobile', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)' },
      target: { type: 'AppInstance', id: '0oa1app', name: 'Salesforce' },
      result: 'failure',
      description: 'User login to Okta',
      actorGroups: [],
      raw: null,
    })
  })

  it.each<[string, Record<string, unknown>, Activity['actor']]>([
    ['an OAuth client', { id: '0oa9client', type: 'PublicClientApp', alternateId: 'unknown', displayName: 'Mobile app' }, { upn: null, displayName: 'Mobile app', sourceId: '0oa9client', type: 'application' }],
    ['Okta itself', { id: '0oa0system', type: 'SystemPrincipal', alternateId: 'system@okta.com', displayName: 'Okta System' }, { upn: 'system@okta.com', displayName: 'Okta System', sourceId: '0oa0system', type: 'system' }],
    ['an anonymous address', { id: '192.0.2.1', type: 'IP address', alternateId: 'unknown', displayName: '192.0.2.1' }, { upn: null, displayName: '192.0.2.1', sourceId: '192.0.2.1', type: 'user' }],
  ])('should tell an actor that is %s', (_, actor, expected) => {
    expect(activity({ ...SESSION_START, actor }).actor).toEqual(expected)
  })

  it('should take the first address of the request chain when the client has none, and read lower-cased keys', () => {
    const a = activity({ ...SESSION_START, client: { zone: 'null' }, request: { ipChain: [{ ip: '192.0.2.55', version: 'V4' }] } })
    expect(a.ip).toBe('192.0.2.55')
    const lower = Object.fromEntries(Object.entries(SESSION_START).map(([k, v]) => [k.toLowerCase(), v]))
    expect({ ...activity(lower), raw: null }).toEqual({ ...activity(SESSION_START), raw: null })
  })

  it.each<[string, string, Activity['result']]>([
    ['SUCCESS', 'login', 'success'],
    ['ALLOW', 'login', 'success'],
    ['DENY', 'login.failed', 'failure'],
    ['CHALLENGE', 'login', 'unknown'],
  ])('should read the outcome %s', (result, type, expected) => {
    const a = activity({ ...SESSION_START, outcome: { result } })
    expect([a.action.type, a.result]).toEqual([type, expected])
  })

  it.each<[string, Record<string, unknown>, string, string]>([
    ['no published', { published: undefined }, '/published', 'required'],
    ['a redacted time', { published: 'redacted' }, '/published', 'not an ISO 8601 timestamp'],
    ['no actor', { actor: null }, '/actor', 'required'],
    ['an actor without ids', { actor: { type: 'User', displayName: 'x' } }, '/actor/alternateId', 'required (or /actor/id)'],
  ])('should refuse an event with %s', (_, change, field, reason) => {
    expect(normalizeOktaEvent({ ...SESSION_START, ...change }, CONTEXT)).toEqual({ ok: false, error: { index: 5, field, reason } })
  })

  it.each<[string, unknown, boolean]>([
    ['an event', SESSION_START, true],
    ['an event reduced to eventType and published', { eventType: 'x.y', published: '2025-01-01T00:00:00Z' }, true],
    ['eventType alone', { eventType: 'user.session.end' }, false],
    ['a GitHub event', { action: 'org.add_member', actor: 'octocat', created_at: 1 }, false],
  ])('should tell %s', (_, record, expected) => {
    expect(isOktaEvent(record)).toBe(expected)
  })
})
