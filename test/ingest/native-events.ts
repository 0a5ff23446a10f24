/**
 * One event of each native format, shaped as each source writes it (values made up for the tests), all
 * in 2025 so that a test clock in 2026 accepts them.
 */

export const OKTA_LOGIN = {
  uuid: '0f0e0d0c-1111-11ef-8000-0242ac120002',
  published: '2025-02-03T04:05:06.789Z',
  eventType: 'user.session.start',
  version: '0',
  severity: 'INFO',
  displayMessage: 'User login to Okta',
  actor: { id: '00u1max', type: 'User', alternateId: 'max@contoso.com', displayName: 'Max Example' },
  client: { ipAddress: '203.0.113.99', device: 'Computer', userAgent: { rawUserAgent: 'Mozilla/5.0 (X11; Linux x86_64)' }, geographicalContext: { city: 'Munich', country: 'Germany' } },
  outcome: { result: 'SUCCESS' },
  target: [{ id: '0oa1', type: 'AppInstance', alternateId: 'Salesforce', displayName: 'Salesforce.com' }],
}

export function cloudTrailEvent(eventID: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAJANE', arn: 'arn:aws:iam::111122223333:user/Jane', accountId: '111122223333', userName: 'Jane' },
    eventTime: '2025-06-01T08:15:00Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    awsRegion: 'eu-central-1',
    sourceIPAddress: '198.51.100.200',
    userAgent: '[aws-cli/2.15.0]',
    requestParameters: { bucketName: 'finance-exports', key: 'payroll.csv' },
    responseElements: null,
    eventID,
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
    ...changes,
  }
}

export const GOOGLE_DRIVE_SHARE = {
  kind: 'admin#reports#activity',
  id: { time: '2025-04-01T09:30:00.123Z', uniqueQualifier: '-412', applicationName: 'drive', customerId: 'C03az79cb' },
  actor: { callerType: 'USER', email: 'liz@contoso.com', profileId: '1100001' },
  ipAddress: '198.51.100.41',
  events: [
    { type: 'acl_change', name: 'change_user_access', parameters: [{ name: 'doc_id', value: 'doc-1' }, { name: 'doc_title', value: 'Q2 plan' }, { name: 'target_user', value: 'a@example.net' }] },
    { type: 'acl_change', name: 'change_user_access', parameters: [{ name: 'doc_id', value: 'doc-1' }, { name: 'doc_title', value: 'Q2 plan' }, { name: 'target_user', value: 'b@example.net' }] },
  ],
}

export const ENTRA_SP_SIGN_IN = {
  time: '2025-05-06T07:08:09.1234567Z',
  resourceId: '/tenants/t-1/providers/Microsoft.aadiam',
  operationName: 'Sign-in activity',
  category: 'ServicePrincipalSignInLogs',
  resultType: '0',
  callerIpAddress: '198.51.100.30',
  properties: { id: 'sp-sign-in-1', createdDateTime: '2025-05-06T07:08:09.1234567+00:00', appId: 'app-1', servicePrincipalId: 'sp-1', servicePrincipalName: 'nightly-backup', resourceDisplayName: 'Azure Storage', status: { errorCode: 0 } },
}

export const ENTRA_AUDIT = {
  id: 'Directory_0a1b2c',
  activityDateTime: '2025-05-06T07:08:08.5Z',
  activityDisplayName: 'Add member to role',
  category: 'RoleManagement',
  result: 'success',
  loggedByService: 'Core Directory',
  initiatedBy: { user: { id: 'u-admin', userPrincipalName: 'admin@contoso.com', ipAddress: '192.0.2.44' } },
  targetResources: [{ id: 'u-bob', type: 'User', userPrincipalName: 'bob@contoso.com' }],
}

export const O365_FILE_DOWNLOAD = {
  CreationTime: '2025-03-04T10:11:12',
  Id: '5b0c3f5e-1111-4c2e-9a3e-0f0e0d0c0b0a',
  Operation: 'FileDownloaded',
  RecordType: 6,
  UserType: 0,
  Workload: 'SharePoint',
  UserId: 'anna@contoso.com',
  UserKey: 'i:0h.f|membership|10032000@live.com',
  ClientIP: '203.0.113.7:50123',
  ObjectId: 'https://contoso.sharepoint.com/sites/hr/Shared Documents/salaries.xlsx',
  SourceFileName: 'salaries.xlsx',
  ItemType: 'File',
}

export const GITHUB_CLONE = {
  '@timestamp': 1_735_725_600_000,
  _document_id: 'MmZDmqsUM7ZzbbUyS3_pJw',
  action: 'git.clone',
  actor: 'octo-dev',
  actor_id: 5_551_234,
  actor_location: { country_code: 'NL' },
  org: 'contoso-eng',
  repo: 'contoso-eng/payments',
  user_agent: 'git/2.45.1',
}

export const VEIL_RECORD = { id: 'veil-evt-1', time: '2025-07-01T00:00:00Z', actor: { upn: 'ann@contoso.com' }, app: 'Slack', action: 'file.download' }
