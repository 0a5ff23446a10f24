import { describe, expect, it } from 'vitest'
import type { Activity } from '../../../core/activity/activity.js'
import type { NormalizeResult } from '../../ingest-format.js'
import { entraAuditFormat, isEntraAudit, normalizeEntraAudit } from './entra-audit-format.js'
import { entraSignInFormat, isEntraSignIn, normalizeEntraSignIn } from './entra-signin-format.js'

const CONTEXT = { index: 0, receivedAt: Date.UTC(2026, 0, 1) }

/** A Graph `signIn` of a person. */
const GRAPH_SIGN_IN = {
  id: '66ea54eb-6301-4ee5-be62-ff5a759b8100',
  createdDateTime: '2025-05-06T07:08:09Z',
  userDisplayName: 'Anna Example',
  userPrincipalName: 'Anna@Contoso.com',
  userId: 'd7a2d5a1-0000-4c9e-9d1e-3c2b1a000001',
  appId: 'de8bc8b5-d9f9-48b1-a8ad-b748da725064',
  appDisplayName: 'Graph Explorer',
  ipAddress: '203.0.113.20',
  clientAppUsed: 'Browser',
  userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4)',
  status: { errorCode: 50126, failureReason: 'Invalid username or password.' },
  deviceDetail: { operatingSystem: 'MacOs', browser: 'Edge 124' },
  location: { city: 'Berlin', state: 'Berlin', countryOrRegion: 'DE' },
  resourceDisplayName: 'Microsoft Graph',
  isInteractive: true,
}

/** The same kind of event as an Azure Monitor diagnostic record, for a service principal. */
const DIAGNOSTIC_SP_SIGN_IN = {
  time: '2025-05-06T07:08:09.1234567Z',
  resourceId: '/tenants/t-1/providers/Microsoft.aadiam',
  operationName: 'Sign-in activity',
  category: 'ServicePrincipalSignInLogs',
  resultType: '0',
  callerIpAddress: '198.51.100.30',
  location: 'US',
  properties: {
    id: 'sp-sign-in-1',
    createdDateTime: '2025-05-06T07:08:09.1234567+00:00',
    appId: 'app-1',
    servicePrincipalId: 'sp-1',
    servicePrincipalName: 'nightly-backup',
    resourceDisplayName: 'Azure Storage',
    resourceId: 'res-1',
    status: { errorCode: 0 },
    userId: null,
  },
}

const DIAGNOSTIC_AUDIT = {
  time: '2025-05-06T07:08:09.0000000Z',
  resourceId: '/tenants/t-1/providers/Microsoft.aadiam',
  operationName: 'Add member to role',
  category: 'AuditLogs',
  callerIpAddress: '<null>',
  properties: {
    id: 'Directory_0a1b2c',
    activityDateTime: '2025-05-06T07:08:08.5000000+00:00',
    activityDisplayName: 'Add member to role',
    category: 'RoleManagement',
    result: 'success',
    loggedByService: 'Core Directory',
    initiatedBy: { user: { id: 'u-admin', userPrincipalName: 'Admin@Contoso.com', displayName: 'Admin', ipAddress: '192.0.2.44' } },
    targetResources: [{ id: 'u-bob', type: 'User', userPrincipalName: 'bob@contoso.com', modifiedProperties: [{ displayName: 'Role.DisplayName', oldValue: null, newValue: '"Global Administrator"' }] }],
    additionalDetails: [{ key: 'User-Agent', value: 'Mozilla/5.0 (Windows NT 10.0)' }],
  },
}

function activity(result: NormalizeResult): Activity {
  if (!result.ok) {
    throw new Error(JSON.stringify(result.error))
  }
  return result.activity
}

describe('entra-signin', () => {
  it('should map a failed Graph sign-in of a person', () => {
    const a = activity(normalizeEntraSignIn(GRAPH_SIGN_IN, CONTEXT))
    expect({ ...a, raw: null }).toEqual({
      id: 'entra-signin:66ea54eb-6301-4ee5-be62-ff5a759b8100',
      time: Date.UTC(2025, 4, 6, 7, 8, 9),
      receivedAt: CONTEXT.receivedAt,
      source: 'entra-signin',
      actor: { upn: 'anna@contoso.com', displayName: 'Anna Example', sourceId: 'd7a2d5a1-0000-4c9e-9d1e-3c2b1a000001', type: 'user' },
      app: 'Microsoft Entra ID',
      action: { type: 'login.failed', name: 'signIn' },
      ip: '203.0.113.20',
      location: { country: 'DE', city: 'Berlin' },
      device: { type: 'desktop', userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4)' },
      target: { type: 'application', id: 'de8bc8b5-d9f9-48b1-a8ad-b748da725064', name: 'Graph Explorer' },
      result: 'failure',
      description: 'Invalid username or password.',
      actorGroups: [],
      raw: null,
    })
    expect(a.raw).toBe(GRAPH_SIGN_IN)
  })

  it('should map a service principal sign-in from a diagnostic record to an application actor', () => {
    const a = activity(normalizeEntraSignIn(DIAGNOSTIC_SP_SIGN_IN, CONTEXT))
    expect([a.time, a.actor, a.action, a.ip, a.location.country, a.target, a.result]).toEqual([
      Date.UTC(2025, 4, 6, 7, 8, 9, 123),
      { upn: null, displayName: 'nightly-backup', sourceId: 'sp-1', type: 'application' },
      { type: 'login', name: 'ServicePrincipalSignInLogs' },
      '198.51.100.30',
      'US',
      { type: 'resource', id: 'res-1', name: 'Azure Storage' },
      'success',
    ])
  })

  it('should read a Log Analytics SigninLogs row', () => {
    const a = activity(normalizeEntraSignIn({ TimeGenerated: '2025-05-06T07:08:09Z', Type: 'SigninLogs', Category: 'SignInLogs', Id: 'la-1', UserPrincipalName: 'eve@contoso.com', UserId: 'u-eve', IPAddress: '192.0.2.1', ResultType: '0', AppDisplayName: 'Azure Portal', LocationDetails: '{"city":"Paris","countryOrRegion":"FR"}' }, CONTEXT))
    expect([a.id, a.time, a.actor.upn, a.ip, a.result, a.location, a.target.name]).toEqual(['entra-signin:la-1', Date.UTC(2025, 4, 6, 7, 8, 9), 'eve@contoso.com', '192.0.2.1', 'success', { country: 'FR', city: 'Paris' }, 'Azure Portal'])
  })

  it.each<[string, unknown, string, string]>([
    ['no time', { ...GRAPH_SIGN_IN, createdDateTime: undefined }, '/createdDateTime', 'required'],
    ['no user', { ...GRAPH_SIGN_IN, userPrincipalName: null, userId: null, appId: null }, '/userPrincipalName', 'required (or userId, or servicePrincipalId for an application)'],
    ['a diagnostic record without its time', { ...DIAGNOSTIC_SP_SIGN_IN, time: undefined, properties: { ...DIAGNOSTIC_SP_SIGN_IN.properties, createdDateTime: undefined } }, '/properties/createdDateTime', 'required'],
    ['a service principal without an id', { ...DIAGNOSTIC_SP_SIGN_IN, properties: { ...DIAGNOSTIC_SP_SIGN_IN.properties, servicePrincipalId: null, appId: null } }, '/properties/servicePrincipalId', 'required (or appId)'],
  ])('should refuse a sign-in with %s', (_, record, field, reason) => {
    expect(normalizeEntraSignIn(record, CONTEXT)).toEqual({ ok: false, error: { index: 0, field, reason } })
  })
})

describe('entra-audit', () => {
  it('should map a role assignment by a person', () => {
    const a = activity(normalizeEntraAudit(DIAGNOSTIC_AUDIT, CONTEXT))
    expect({ ...a, raw: null }).toEqual({
      id: 'entra-audit:Directory_0a1b2c',
      time: Date.UTC(2025, 4, 6, 7, 8, 8, 500),
      receivedAt: CONTEXT.receivedAt,
      source: 'entra-audit',
      actor: { upn: 'admin@contoso.com', displayName: 'Admin', sourceId: 'u-admin', type: 'user' },
      app: 'Microsoft Entra ID',
      action: { type: 'role.assign', name: 'Add member to role' },
      ip: '192.0.2.44',
      location: { country: null, city: null },
      device: { type: null, userAgent: 'Mozilla/5.0 (Windows NT 10.0)' },
      target: { type: 'User', id: 'u-bob', name: 'bob@contoso.com' },
      result: 'success',
      description: null,
      actorGroups: [],
      raw: null,
    })
  })

  it.each<[string, unknown, Activity['actor']]>([
    ['an application', { app: { appId: 'a-1', displayName: 'Provisioning', servicePrincipalId: 'sp-9', servicePrincipalName: 'prov' } }, { upn: null, displayName: 'Provisioning', sourceId: 'sp-9', type: 'application' }],
    ['nobody (the directory itself)', {}, { upn: null, displayName: 'Core Directory', sourceId: null, type: 'system' }],
    ['an empty user and an application', { user: { id: null, userPrincipalName: null }, app: { appId: 'a-2', displayName: null } }, { upn: null, displayName: null, sourceId: 'a-2', type: 'application' }],
  ])('should tell an action initiated by %s', (_, initiatedBy, actor) => {
    expect(activity(normalizeEntraAudit({ ...DIAGNOSTIC_AUDIT, properties: { ...DIAGNOSTIC_AUDIT.properties, initiatedBy } }, CONTEXT)).actor).toEqual(actor)
  })

  it('should read a Graph directoryAudit and a Log Analytics row with nested JSON text', () => {
    const graph = activity(normalizeEntraAudit(DIAGNOSTIC_AUDIT.properties, CONTEXT))
    expect([graph.id, graph.action.type, graph.ip]).toEqual(['entra-audit:Directory_0a1b2c', 'role.assign', '192.0.2.44'])
    const row = activity(
      normalizeEntraAudit(
        { TimeGenerated: '2025-05-06T07:08:09Z', Type: 'AuditLogs', Category: 'UserManagement', OperationName: 'Add user', ActivityDisplayName: 'Add user', ActivityDateTime: '2025-05-06T07:08:08Z', Id: 'la-2', Result: 'success', InitiatedBy: '{"user":{"id":"u-1","userPrincipalName":"ops@contoso.com","ipAddress":null}}', TargetResources: '[{"id":"u-2","type":"User","userPrincipalName":"new@contoso.com"}]' },
        CONTEXT,
      ),
    )
    expect([row.id, row.time, row.actor.upn, row.action.type, row.target.name, row.result]).toEqual(['entra-audit:la-2', Date.UTC(2025, 4, 6, 7, 8, 8), 'ops@contoso.com', 'user.create', 'new@contoso.com', 'success'])
  })

  it.each<[string, unknown, string, string]>([
    ['no activity', { ...DIAGNOSTIC_AUDIT, operationName: undefined, properties: { ...DIAGNOSTIC_AUDIT.properties, activityDisplayName: undefined } }, '/properties/activityDisplayName', 'required'],
    ['a time in words', { ...DIAGNOSTIC_AUDIT, properties: { ...DIAGNOSTIC_AUDIT.properties, activityDateTime: 'soon' } }, '/properties/activityDateTime', 'not an ISO 8601 timestamp'],
  ])('should refuse an audit event with %s', (_, record, field, reason) => {
    expect(normalizeEntraAudit(record, CONTEXT)).toEqual({ ok: false, error: { index: 0, field, reason } })
  })
})

describe('Entra ID detection and envelopes', () => {
  it.each<[string, unknown, boolean, boolean]>([
    ['a Graph sign-in', GRAPH_SIGN_IN, true, false],
    ['a diagnostic sign-in', DIAGNOSTIC_SP_SIGN_IN, true, false],
    ['a diagnostic audit event', DIAGNOSTIC_AUDIT, false, true],
    ['a Graph directoryAudit', DIAGNOSTIC_AUDIT.properties, false, true],
    ['an audit event of another category', { ...DIAGNOSTIC_AUDIT, category: 'Policy' }, false, true],
    ['an Event Hub message of sign-ins', { records: [DIAGNOSTIC_SP_SIGN_IN] }, true, false],
    ['a Graph page of audits', { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits', value: [DIAGNOSTIC_AUDIT.properties] }, false, true],
    ['an empty Event Hub message', { records: [] }, false, false],
    ['an Okta event', { eventType: 'user.session.start', published: '2025-01-01T00:00:00Z', actor: { id: 'x' } }, false, false],
    ['a Microsoft 365 record', { CreationTime: '2025-01-01T00:00:00', Operation: 'UserLoggedIn', Workload: 'AzureActiveDirectory' }, false, false],
  ])('should tell %s', (_, record, signIn, audit) => {
    expect([isEntraSignIn(record), isEntraAudit(record)]).toEqual([signIn, audit])
  })

  it('should split an Event Hub message and a Graph page into their events', () => {
    expect(entraSignInFormat.expand?.({ records: [DIAGNOSTIC_SP_SIGN_IN, DIAGNOSTIC_AUDIT] })).toEqual([
      { pointer: '/records/0', value: DIAGNOSTIC_SP_SIGN_IN },
      { pointer: '/records/1', value: DIAGNOSTIC_AUDIT },
    ])
    expect(entraAuditFormat.expand?.({ '@odata.nextLink': 'https://x', value: [1] })).toEqual([{ pointer: '/value/0', value: 1 }])
    expect(entraAuditFormat.expand?.(DIAGNOSTIC_AUDIT)).toBeNull()
  })
})
