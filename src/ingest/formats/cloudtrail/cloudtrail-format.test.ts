import { describe, expect, it } from 'vitest'
import type { Activity } from '../../../core/activity/activity.js'
import { expandCloudTrailRecord, isCloudTrailRecord, normalizeCloudTrailRecord } from './cloudtrail-format.js'

const CONTEXT = { index: 3, receivedAt: Date.UTC(2026, 0, 1) }

const GET_OBJECT = {
  eventVersion: '1.09',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROA3EXAMPLE4ROLE:priya@contoso.com',
    arn: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_DataReader_0123456789abcdef/priya@contoso.com',
    accountId: '111122223333',
    accessKeyId: 'ASIAEXAMPLEKEY',
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: 'AROA3EXAMPLE4ROLE', arn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataReader_0123456789abcdef', accountId: '111122223333', userName: 'AWSReservedSSO_DataReader_0123456789abcdef' },
      attributes: { creationDate: '2025-06-01T08:00:00Z', mfaAuthenticated: 'false' },
    },
  },
  eventTime: '2025-06-01T08:15:00Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  awsRegion: 'eu-central-1',
  sourceIPAddress: '198.51.100.200',
  userAgent: '[aws-cli/2.15.0 Python/3.11.6 Linux/6.5]',
  requestParameters: { bucketName: 'finance-exports', key: 'payroll/2025-05.csv', Host: 'finance-exports.s3.eu-central-1.amazonaws.com' },
  responseElements: null,
  eventID: '5e1c7d2a-90ab-4cde-8f01-23456789abcd',
  readOnly: true,
  resources: [{ type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::finance-exports/payroll/2025-05.csv' }, { accountId: '111122223333', type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::finance-exports' }],
  eventType: 'AwsApiCall',
  managementEvent: false,
  recipientAccountId: '111122223333',
  eventCategory: 'Data',
}

function activity(record: unknown): Activity {
  const result = normalizeCloudTrailRecord(record, CONTEXT)
  if (!result.ok) {
    throw new Error(JSON.stringify(result.error))
  }
  return result.activity
}

describe('cloudtrail', () => {
  it('should map an S3 read through an IAM Identity Center role session to the person', () => {
    expect({ ...activity(GET_OBJECT), raw: null }).toEqual({
      id: 'cloudtrail:5e1c7d2a-90ab-4cde-8f01-23456789abcd',
      time: Date.UTC(2025, 5, 1, 8, 15),
      receivedAt: CONTEXT.receivedAt,
      source: 'cloudtrail',
      actor: { upn: 'priya@contoso.com', displayName: 'AWSReservedSSO_DataReader_0123456789abcdef', sourceId: 'AROA3EXAMPLE4ROLE:priya@contoso.com', type: 'user' },
      app: 'Amazon Web Services',
      action: { type: 'object.read', name: 'GetObject' },
      ip: '198.51.100.200',
      location: { country: null, city: null },
      device: { type: null, userAgent: '[aws-cli/2.15.0 Python/3.11.6 Linux/6.5]' },
      target: { type: 'AWS::S3::Object', id: 'arn:aws:s3:::finance-exports/payroll/2025-05.csv', name: '2025-05.csv' },
      result: 'success',
      description: null,
      actorGroups: [],
      raw: null,
    })
  })

  it.each<[string, Record<string, unknown>, Record<string, unknown>, Activity['actor']]>([
    ['an IAM user', { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::1:user/JohnDoe', accountId: '1', userName: 'JohnDoe' }, {}, { upn: 'johndoe', displayName: 'JohnDoe', sourceId: 'AIDAEXAMPLE', type: 'user' }],
    ['a role session without an email', { type: 'AssumedRole', principalId: 'AROAX:MySession', arn: 'arn:aws:sts::1:assumed-role/Deployer/MySession' }, {}, { upn: 'deployer', displayName: 'Deployer', sourceId: 'AROAX:MySession', type: 'user' }],
    ['an EC2 instance role', { type: 'AssumedRole', principalId: 'AROAX:i-0abc12345def67890', arn: 'arn:aws:sts::1:assumed-role/WebServer/i-0abc12345def67890' }, {}, { upn: 'webserver', displayName: 'WebServer', sourceId: 'AROAX:i-0abc12345def67890', type: 'application' }],
    ['a role used by an AWS service for the caller', { type: 'AssumedRole', principalId: 'AROAX:s', arn: 'arn:aws:sts::1:assumed-role/Deployer/s', invokedBy: 'cloudformation.amazonaws.com' }, {}, { upn: 'deployer', displayName: 'Deployer', sourceId: 'AROAX:s', type: 'system' }],
    ['a role calling from inside AWS', { type: 'AssumedRole', principalId: 'AROAX:s', arn: 'arn:aws:sts::1:assumed-role/Ops/s' }, { sourceIPAddress: 'AWS Internal' }, { upn: 'ops', displayName: 'Ops', sourceId: 'AROAX:s', type: 'system' }],
    ['an AWS service', { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' }, {}, { upn: null, displayName: 'lambda.amazonaws.com', sourceId: 'lambda.amazonaws.com', type: 'system' }],
    ['the root user', { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' }, {}, { upn: null, displayName: 'root', sourceId: '111122223333', type: 'user' }],
    ['a federated user', { type: 'FederatedUser', principalId: '1:bob', arn: 'arn:aws:sts::1:federated-user/bob' }, {}, { upn: 'bob', displayName: 'bob', sourceId: '1:bob', type: 'user' }],
    ['an unknown user of a failed console sign-in', { type: 'Unknown', userName: 'mallory', accountId: '1' }, {}, { upn: 'mallory', displayName: 'mallory', sourceId: '1', type: 'user' }],
  ])('should tell %s', (_, userIdentity, change, actor) => {
    expect(activity({ ...GET_OBJECT, ...change, userIdentity }).actor).toEqual(actor)
  })

  it('should read a failed console sign-in and an access denied as failures', () => {
    const login = activity({ ...GET_OBJECT, eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', resources: undefined, requestParameters: null, responseElements: { ConsoleLogin: 'Failure' }, errorMessage: 'Failed authentication' })
    expect([login.action, login.result, login.description]).toEqual([{ type: 'login.failed', name: 'ConsoleLogin' }, 'failure', 'Failed authentication'])
    const denied = activity({ ...GET_OBJECT, errorCode: 'AccessDenied', errorMessage: 'Access Denied' })
    expect([denied.action.type, denied.result]).toEqual(['object.read', 'failure'])
  })

  it('should map an Insights event to CloudTrail as a system actor', () => {
    const a = activity({ eventVersion: '1.07', eventTime: '2025-06-01T08:00:00Z', awsRegion: 'us-east-1', eventID: 'ins-1', eventType: 'AwsCloudTrailInsight', recipientAccountId: '1', sharedEventID: 's', insightDetails: { state: 'Start', eventSource: 'ssm.amazonaws.com', eventName: 'UpdateInstanceInformation', insightType: 'ApiCallRateInsight' }, eventCategory: 'Insight' })
    expect([a.actor.type, a.action, a.target]).toEqual(['system', { type: 'insight.start', name: 'ApiCallRateInsight' }, { type: 'ssm.amazonaws.com', id: null, name: 'UpdateInstanceInformation' }])
  })

  it('should take the time from @timestamp when a pipeline moved it there', () => {
    expect(activity({ ...GET_OBJECT, eventTime: undefined, '@timestamp': '2025-06-01T08:15:00.000Z' }).time).toBe(Date.UTC(2025, 5, 1, 8, 15))
  })

  it('should split a log file into its events, each keeping its pointer', () => {
    const file = { Records: [GET_OBJECT, { ...GET_OBJECT, eventID: 'second' }] }
    expect(expandCloudTrailRecord(file)).toEqual([
      { pointer: '/Records/0', value: GET_OBJECT },
      { pointer: '/Records/1', value: { ...GET_OBJECT, eventID: 'second' } },
    ])
    expect(expandCloudTrailRecord(GET_OBJECT)).toBeNull()
  })

  it.each<[string, Record<string, unknown>, string, string]>([
    ['no eventTime', { eventTime: undefined }, '/eventTime', 'required'],
    ['no eventName', { eventName: undefined }, '/eventName', 'required'],
    ['no userIdentity', { userIdentity: undefined }, '/userIdentity', 'required'],
    ['an empty userIdentity', { userIdentity: { type: 'AWSAccount' } }, '/userIdentity/principalId', 'required (or userName, arn, accountId)'],
  ])('should refuse an event with %s', (_, change, field, reason) => {
    expect(normalizeCloudTrailRecord({ ...GET_OBJECT, ...change }, CONTEXT)).toEqual({ ok: false, error: { index: 3, field, reason } })
  })

  it.each<[string, unknown, boolean]>([
    ['an event', GET_OBJECT, true],
    ['a log file', { Records: [] }, true],
    ['an event missing its time', { eventName: 'DeleteBucket', awsRegion: 'us-east-2' }, true],
    ['eventName alone', { eventName: 'CreateUser', responseElements: {} }, false],
    ['an Event Hub message', { records: [] }, false],
  ])('should tell %s', (_, record, expected) => {
    expect(isCloudTrailRecord(record)).toBe(expected)
  })
})
