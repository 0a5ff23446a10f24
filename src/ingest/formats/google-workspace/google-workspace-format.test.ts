import { describe, expect, it } from 'vitest'
import type { Activity } from '../../../core/activity/activity.js'
import { expandGoogleWorkspaceRecord, isGoogleWorkspaceRecord, normalizeGoogleWorkspaceRecord } from './google-workspace-format.js'

const CONTEXT = { index: 0, receivedAt: Date.UTC(2026, 0, 1) }

/** A Drive activity in which the actor shared one document with two people: two events. */
const DRIVE_SHARE = {
  kind: 'admin#reports#activity',
  id: { time: '2025-04-01T09:30:00.123Z', uniqueQualifier: '-4120340201581234567', applicationName: 'drive', customerId: 'C03az79cb' },
  etag: '"abc/def"',
  actor: { callerType: 'USER', email: 'Liz@Contoso.com', profileId: '110000000000000000001' },
  ipAddress: '2001:db8::77',
  events: [
    { type: 'acl_change', name: 'change_user_access', parameters: [{ name: 'doc_id', value: 'doc-1' }, { name: 'doc_title', value: 'Q2 plan' }, { name: 'doc_type', value: 'document' }, { name: 'target_user', value: 'a@example.net' }, { name: 'visibility', value: 'shared_externally' }] },
    { type: 'acl_change', name: 'change_user_access', parameters: [{ name: 'doc_id', value: 'doc-1' }, { name: 'doc_title', value: 'Q2 plan' }, { name: 'doc_type', value: 'document' }, { name: 'target_user', value: 'b@example.net' }, { name: 'visibility', value: 'shared_externally' }] },
  ],
}

const LOGIN_FAILURE = {
  kind: 'admin#reports#activity',
  id: { time: '2025-04-01T09:00:00Z', uniqueQualifier: '17', applicationName: 'login', customerId: 'C03az79cb' },
  actor: { callerType: 'USER', email: 'liz@contoso.com', profileId: '110000000000000000001' },
  ipAddress: '198.51.100.8',
  events: [{ type: 'login', name: 'login_failure', parameters: [{ name: 'login_type', value: 'google_password' }, { name: 'login_failure_type', value: 'login_failure_invalid_password' }, { name: 'is_suspicious', boolValue: false }] }],
}

function normalized(record: unknown): Activity {
  const result = normalizeGoogleWorkspaceRecord(record, CONTEXT)
  if (!result.ok) {
    throw new Error(JSON.stringify(result.error))
  }
  return result.activity
}

/** What the pipeline does: expand, then normalize each part. */
function activities(record: unknown): Activity[] {
  return (expandGoogleWorkspaceRecord(record) ?? [{ pointer: '', value: record }]).map((part) => normalized(part.value))
}

describe('google-workspace', () => {
  it('should make one activity per event, each with the activity around that one event as its raw event', () => {
    const [first, second] = activities(DRIVE_SHARE)
    expect({ ...first, raw: null, id: null }).toEqual({
      id: null,
      time: Date.UTC(2025, 3, 1, 9, 30, 0, 123),
      receivedAt: CONTEXT.receivedAt,
      source: 'google-workspace',
      actor: { upn: 'liz@contoso.com', displayName: null, sourceId: '110000000000000000001', type: 'user' },
      app: 'Google Workspace',
      action: { type: 'file.share', name: 'change_user_access' },
      ip: '2001:db8::77',
      location: { country: null, city: null },
      device: { type: null, userAgent: null },
      target: { type: 'document', id: 'doc-1', name: 'Q2 plan' },
      result: 'success',
      description: null,
      actorGroups: [],
      raw: null,
    })
    expect(first?.raw).toEqual({ ...DRIVE_SHARE, events: [DRIVE_SHARE.events[0]] })
    expect(second?.raw).toEqual({ ...DRIVE_SHARE, events: [DRIVE_SHARE.events[1]] })
    expect(first?.id).toMatch(/^google-workspace:v1-[0-9a-f]{32}$/)
    expect(first?.id).not.toBe(second?.id)
  })

  it('should give the same ids to the same activity sent again, whole or split per event', () => {
    const whole = activities(DRIVE_SHARE).map((a) => a.id)
    expect(activities(structuredClone(DRIVE_SHARE)).map((a) => a.id)).toEqual(whole)
    const split = DRIVE_SHARE.events.map((event) => normalized({ ...DRIVE_SHARE, events: event }).id)
    expect(split).toEqual(whole)
  })

  it('should keep byte-identical events of one activity apart', () => {
    const twice = { ...DRIVE_SHARE, events: [DRIVE_SHARE.events[0], DRIVE_SHARE.events[0]] }
    const ids = activities(twice).map((a) => a.id)
    expect(new Set(ids).size).toBe(2)
    expect(activities(structuredClone(twice)).map((a) => a.id)).toEqual(ids)
  })

  it('should map a failed login', () => {
    const [a] = activities(LOGIN_FAILURE)
    expect([a?.action, a?.result, a?.ip, a?.time]).toEqual([{ type: 'login.failed', name: 'login_failure' }, 'failure', '198.51.100.8', Date.UTC(2025, 3, 1, 9)])
    expect(expandGoogleWorkspaceRecord(LOGIN_FAILURE)).toBeNull()
  })

  it.each<[string, Record<string, unknown>, Activity['actor']]>([
    ['an OAuth client (KEY caller)', { callerType: 'KEY', key: 'SYSTEM' }, { upn: null, displayName: 'SYSTEM', sourceId: 'SYSTEM', type: 'application' }],
    ['an application acting as a user', { email: 'liz@contoso.com', profileId: '1', applicationInfo: { oauthClientId: 'client-7', applicationName: 'Backupify', impersonation: true } }, { upn: 'liz@contoso.com', displayName: 'Backupify', sourceId: 'client-7', type: 'application' }],
    ['no caller at all (Google itself)', {}, { upn: null, displayName: 'Google Workspace', sourceId: null, type: 'system' }],
  ])('should tell an actor that is %s', (_, actor, expected) => {
    expect(normalized({ ...LOGIN_FAILURE, actor }).actor).toEqual(expected)
  })

  it('should read parameters of every type and rows flattened to one event', () => {
    const admin = normalized({
      kind: 'admin#reports#activity',
      id: { time: '2025-04-01T10:00:00Z', uniqueQualifier: '1', applicationName: 'admin', customerId: 'C1' },
      actor: { email: 'admin@contoso.com' },
      events: [{ type: 'USER_SETTINGS', name: 'CREATE_USER', parameters: [{ name: 'USER_EMAIL', value: 'new@contoso.com' }, { name: 'COUNT', intValue: '3' }, { name: 'LIST', multiValue: ['a', 'b'] }] }],
    })
    expect([admin.action.type, admin.target]).toEqual(['user.create', { type: 'user', id: null, name: 'new@contoso.com' }])
    const flattened = normalized({ id: { applicationName: 'token', time: '2025-04-01 10:00:00' }, actor: { email: 'u@contoso.com' }, type: 'auth', name: 'authorize', parameters: { client_id: 'c-1', app_name: 'Zapier' } })
    expect([flattened.action.type, flattened.target, flattened.time]).toEqual(['oauth.authorize', { type: 'application', id: 'c-1', name: 'Zapier' }, Date.UTC(2025, 3, 1, 10)])
  })

  it('should split a Reports page into the events of each of its activities, with fields pointing into the page', () => {
    const page = { kind: 'admin#reports#activities', items: [DRIVE_SHARE, LOGIN_FAILURE, { ...LOGIN_FAILURE, id: { applicationName: 'login' } }] }
    const parts = expandGoogleWorkspaceRecord(page) ?? []
    expect(parts.map((p) => p.pointer)).toEqual(['/items/0', '/items/0', '/items/1', '/items/2'])
    expect(normalizeGoogleWorkspaceRecord(parts[3]?.value, CONTEXT)).toEqual({ ok: false, error: { index: 0, field: '/id/time', reason: 'required' } })
  })

  it.each<[string, unknown, string, string]>([
    ['no id', { ...LOGIN_FAILURE, id: undefined }, '/id', 'required'],
    ['no time', { ...LOGIN_FAILURE, id: { applicationName: 'login' } }, '/id/time', 'required'],
    ['no application', { ...LOGIN_FAILURE, id: { time: '2025-04-01T09:00:00Z' } }, '/id/applicationName', 'required'],
    ['no events', { ...LOGIN_FAILURE, events: [] }, '/events/0', 'required (an activity has at least one event)'],
    ['an event without a name', { ...LOGIN_FAILURE, events: [{ type: 'login' }] }, '/events/0/name', 'required'],
    ['events that are text', { ...LOGIN_FAILURE, events: 'login' }, '/events', 'must be an array of events'],
    ['no actor', { ...LOGIN_FAILURE, actor: undefined }, '/actor', 'required'],
  ])('should refuse an activity with %s', (_, record, field, reason) => {
    expect(normalizeGoogleWorkspaceRecord(record, CONTEXT)).toEqual({ ok: false, error: { index: 0, field, reason } })
  })

  it('should name the event of an expanded activity that is wrong', () => {
    const parts = expandGoogleWorkspaceRecord({ ...DRIVE_SHARE, events: [DRIVE_SHARE.events[0], { type: 'access' }] }) ?? []
    expect(normalizeGoogleWorkspaceRecord(parts[1]?.value, CONTEXT)).toEqual({ ok: false, error: { index: 0, field: '/events/1/name', reason: 'required' } })
  })

  it.each<[string, unknown, boolean]>([
    ['an activity', DRIVE_SHARE, true],
    ['a page', { kind: 'admin#reports#activities', items: [] }, true],
    ['a flattened row', { id: { applicationName: 'login' }, name: 'logout' }, true],
    ['an id without application', { id: { time: 'x' }, events: [] }, false],
    ['a CloudTrail event', { eventTime: 'x', eventName: 'y', eventSource: 'z' }, false],
  ])('should tell %s', (_, record, expected) => {
    expect(isGoogleWorkspaceRecord(record)).toBe(expected)
  })
})
