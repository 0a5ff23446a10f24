import { describe, expect, it } from 'vitest'
import type { Activity } from '../../../core/activity/activity.js'
import { isO365Record, normalizeO365Record } from './o365-format.js'

const CONTEXT = { index: 2, receivedAt: Date.UTC(2026, 0, 1) }

const SHAREPOINT = {
  CreationTime: '2025-03-04T10:11:12',
  Id: '5b0c3f5e-1111-4c2e-9a3e-0f0e0d0c0b0a',
  Operation: 'FileDownloaded',
  OrganizationId: 'org-1',
  RecordType: 6,
  UserKey: 'i:0h.f|membership|10032000@live.com',
  UserType: 0,
  Version: 1,
  Workload: 'SharePoint',
  ClientIP: '203.0.113.7:50123',
  ObjectId: 'https://contoso.sharepoint.com/sites/hr/Shared Documents/salaries.xlsx',
  UserId: 'Anna.HR@Contoso.com',
  ItemType: 'File',
  SourceFileName: 'salaries.xlsx',
  UserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
  SomethingNew: { nested: [1, 2, 3] },
}

function activity(record: unknown): Activity {
  const result = normalizeO365Record(record, CONTEXT)
  if (!result.ok) {
    throw new Error(JSON.stringify(result.error))
  }
  return result.activity
}

describe('normalizeO365Record', () => {
  it('should map a SharePoint file download, keeping the record whole', () => {
    expect(activity(SHAREPOINT)).toEqual({
      id: 'o365:5b0c3f5e-1111-4c2e-9a3e-0f0e0d0c0b0a',
      time: Date.UTC(2025, 2, 4, 10, 11, 12),
      receivedAt: CONTEXT.receivedAt,
      source: 'o365',
      actor: { upn: 'anna.hr@contoso.com', displayName: null, sourceId: 'i:0h.f|membership|10032000@live.com', type: 'user' },
      app: 'Microsoft SharePoint Online',
      action: { type: 'file.download', name: 'FileDownloaded' },
      ip: '203.0.113.7',
      location: { country: null, city: null },
      device: { type: null, userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' },
      target: { type: 'file', id: SHAREPOINT.ObjectId, name: 'salaries.xlsx' },
      result: 'success',
      description: null,
      actorGroups: [],
      raw: SHAREPOINT,
    })
  })

  it('should map an inbox rule created in Exchange to its cmdlet object', () => {
    const a = activity({
      CreationTime: '2025-03-04T10:11:12',
      Id: 'e1',
      Operation: 'New-InboxRule',
      RecordType: 1,
      ResultStatus: 'True',
      UserId: 'bob@contoso.com',
      Workload: 'Exchange',
      ObjectId: 'EURPR01A001.prod.outlook.com/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/bob\\Forward all',
      Parameters: [{ Name: 'Name', Value: 'Forward all' }, { Name: 'ForwardTo', Value: 'x@example.net' }],
      ClientIP: '[2001:db8::5]:443',
    })
    expect([a.app, a.action, a.target.type, a.target.name, a.result, a.ip]).toEqual(['Microsoft Exchange Online', { type: 'mailbox.rule.create', name: 'New-InboxRule' }, 'inboxRule', 'Forward all', 'success', '2001:db8::5'])
  })

  it('should map a failed Entra ID sign-in with its user agent from ExtendedProperties', () => {
    const a = activity({
      CreationTime: '2025-03-04T10:11:12',
      Id: 'l1',
      Operation: 'UserLoginFailed',
      RecordType: 15,
      ResultStatus: 'Success',
      UserId: 'carol@contoso.com',
      Workload: 'AzureActiveDirectory',
      ClientIP: '198.51.100.4',
      ExtendedProperties: [{ Name: 'UserAgent', Value: 'curl/8.4' }, { Name: 'RequestType', Value: 'Login:login' }],
      LogonError: 'InvalidPasswordExpiredPassword',
    })
    expect([a.app, a.action, a.result, a.device.userAgent]).toEqual(['Microsoft Entra ID', { type: 'login.failed', name: 'UserLoginFailed' }, 'failure', 'curl/8.4'])
  })

  it.each<[string, Record<string, unknown>, Activity['actor']]>([
    ['Exchange acting as itself', { UserId: 'NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)', UserType: 2, UserKey: 'S-1-5-18' }, { upn: null, displayName: 'NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)', sourceId: 'S-1-5-18', type: 'system' }],
    ['a system user type', { UserId: 'SHAREPOINT\\system', UserType: 4, UserKey: 'Not Available' }, { upn: null, displayName: 'SHAREPOINT\\system', sourceId: 'SHAREPOINT\\system', type: 'system' }],
    ['a service principal by name', { UserId: 'ServicePrincipal_6b1f4c3a', UserType: 0, UserKey: 'sp-key' }, { upn: null, displayName: 'ServicePrincipal_6b1f4c3a', sourceId: 'sp-key', type: 'application' }],
    ['an application user type (named)', { UserId: 'backup-app@contoso.com', UserType: 'Application', UserKey: 'k' }, { upn: 'backup-app@contoso.com', displayName: null, sourceId: 'k', type: 'application' }],
    ['a service principal without a UserId', { UserId: undefined, UserType: '6', UserKey: undefined, AppId: 'app-9' }, { upn: null, displayName: null, sourceId: 'app-9', type: 'application' }],
  ])('should tell the actor type of %s', (_, change, actor) => {
    expect(activity({ ...SHAREPOINT, ...change }).actor).toEqual(actor)
  })

  it('should read records whose keys were all lower-cased', () => {
    const lower = Object.fromEntries(Object.entries(SHAREPOINT).map(([k, v]) => [k.toLowerCase(), v]))
    expect({ ...activity(lower), raw: null }).toEqual({ ...activity(SHAREPOINT), raw: null })
  })

  it("should read Microsoft Sentinel's OfficeActivity rows", () => {
    const a = activity({ TimeGenerated: '2025-03-04T10:11:12Z', Operation: 'MailItemsAccessed', OfficeWorkload: 'Exchange', RecordType: '50', UserId: 'dan@contoso.com', UserKey: '10032', Client_IPAddress: '192.0.2.9', MailboxOwnerUPN: 'dan@contoso.com', OfficeId: 'off-1', Type: 'OfficeActivity', ResultStatus: 'Succeeded' })
    expect([a.id, a.app, a.action.type, a.ip, a.target.type, a.result]).toEqual(['o365:off-1', 'Microsoft Exchange Online', 'mail.read', '192.0.2.9', 'mailbox', 'success'])
  })

  it.each<[string, Record<string, unknown>, string]>([
    ['PowerBI', { Workload: 'PowerBI' }, 'Microsoft Power BI'],
    ['an unknown workload', { Workload: 'Copilot' }, 'Copilot'],
    ['no workload, a record type', { Workload: undefined, RecordType: 15 }, 'Microsoft Entra ID'],
    ['no workload, a record type as text', { Workload: undefined, RecordType: '25' }, 'Microsoft Teams'],
    ['neither', { Workload: undefined, RecordType: undefined }, 'Microsoft 365'],
  ])('should name the app of %s', (_, change, app) => {
    expect(activity({ ...SHAREPOINT, ...change }).app).toBe(app)
  })

  it.each<[string, Record<string, unknown>, string, string]>([
    ['no CreationTime', { CreationTime: undefined }, '/CreationTime', 'required'],
    ['a CreationTime in words', { CreationTime: 'last Tuesday' }, '/CreationTime', 'not an ISO 8601 timestamp'],
    ['no Operation', { Operation: undefined }, '/Operation', 'required'],
    ['no UserId for a person', { UserId: undefined }, '/UserId', 'required'],
  ])('should refuse a record with %s', (_, change, field, reason) => {
    expect(normalizeO365Record({ ...SHAREPOINT, ...change }, CONTEXT)).toEqual({ ok: false, error: { index: 2, field, reason } })
  })

  it('should keep what it cannot read out of the optional fields and still accept the record', () => {
    const a = activity({ ...SHAREPOINT, ClientIP: 'localhost', UserAgent: 42, ItemType: null, SourceFileName: ['x'] })
    expect([a.ip, a.device.userAgent, a.target.type]).toEqual([null, '42', null])
  })
})

describe('isO365Record', () => {
  it.each<[string, unknown, boolean]>([
    ['an audit record', SHAREPOINT, true],
    ['a record without Operation but with RecordType', { CreationTime: '2020-02-17T17:12:03', Id: 'x', RecordType: -1 }, true],
    ['an OfficeActivity row', { TimeGenerated: 'x', OfficeWorkload: 'Exchange' }, true],
    ['an Entra audit row of Log Analytics', { TimeGenerated: 'x', Type: 'AuditLogs', OperationName: 'Add user' }, false],
    ['a Veil record', { time: 1, actor: { upn: 'a' }, app: 'x', action: 'y' }, false],
    ['an array', [SHAREPOINT], false],
  ])('should tell %s', (_, record, expected) => {
    expect(isO365Record(record)).toBe(expected)
  })
})
