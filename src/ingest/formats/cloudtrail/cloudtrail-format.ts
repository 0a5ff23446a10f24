/**
 * AWS CloudTrail events (`--format cloudtrail`): management, data and Insights events, one per record
 * (EventBridge, CloudTrail Lake, `lookup-events`) or as a log file `{"Records": [...]}` as CloudTrail
 * writes it to S3, which expands into one activity per event.
 *
 * IAM names are not email addresses: the actor's UPN is the IAM user name, the role session name when it
 * is an email (IAM Identity Center and SAML sessions), else the role's name. Mapping and deliberate
 * differences: `docs/ingest-formats.md#aws-cloudtrail`.
 *
 * @module
 */

import type { Activity, ActivityResult, ActorType } from '../../../core/activity/activity.js'
import type { IngestFormat, RecordPart } from '../../ingest-format.js'
import {
  activityId,
  buildActivity,
  fail,
  firstText,
  get,
  getArray,
  getObject,
  getText,
  isObject,
  looksLikeEmail,
  normalizeSafely,
  normalizeUpn,
  parseClientIp,
  requireTime,
  systemActor,
  text,
  verbOf,
  type ActivityDraft,
  type JsonObject,
} from '../normalize-support.js'

export const CLOUDTRAIL_FORMAT_NAME = 'cloudtrail'
const APP = 'Amazon Web Services'

const VERBS: ReadonlyMap<string, string> = new Map([
  ['ConsoleLogin', 'login'],
  ['CheckMfa', 'mfa.verify'],
  ['SwitchRole', 'role.assume'],
  ['AssumeRole', 'role.assume'],
  ['AssumeRoleWithSAML', 'role.assume'],
  ['AssumeRoleWithWebIdentity', 'role.assume'],
  ['GetFederationToken', 'token.create'],
  ['GetSessionToken', 'token.create'],
  ['GetObject', 'object.read'],
  ['PutObject', 'object.write'],
  ['CopyObject', 'object.write'],
  ['DeleteObject', 'object.delete'],
  ['DeleteObjects', 'object.delete'],
  ['PutBucketPolicy', 'bucket.policy.update'],
  ['PutBucketAcl', 'bucket.acl.update'],
  ['DeleteBucketPolicy', 'bucket.policy.delete'],
  ['PutBucketPublicAccessBlock', 'bucket.update'],
  ['CreateBucket', 'bucket.create'],
  ['DeleteBucket', 'bucket.delete'],
  ['RunInstances', 'instance.create'],
  ['TerminateInstances', 'instance.delete'],
  ['StartInstances', 'instance.start'],
  ['StopInstances', 'instance.stop'],
  ['DescribeInstances', 'instance.list'],
  ['CreateUser', 'user.create'],
  ['DeleteUser', 'user.delete'],
  ['CreateLoginProfile', 'password.create'],
  ['UpdateLoginProfile', 'password.reset'],
  ['ChangePassword', 'password.change'],
  ['CreateAccessKey', 'access_key.create'],
  ['DeleteAccessKey', 'access_key.delete'],
  ['UpdateAccessKey', 'access_key.update'],
  ['AddUserToGroup', 'group.member.add'],
  ['RemoveUserFromGroup', 'group.member.remove'],
  ['AttachUserPolicy', 'policy.attach'],
  ['AttachRolePolicy', 'policy.attach'],
  ['AttachGroupPolicy', 'policy.attach'],
  ['PutUserPolicy', 'policy.attach'],
  ['PutRolePolicy', 'policy.attach'],
  ['DetachUserPolicy', 'policy.detach'],
  ['DetachRolePolicy', 'policy.detach'],
  ['CreateRole', 'role.create'],
  ['DeleteRole', 'role.delete'],
  ['UpdateAssumeRolePolicy', 'role.trust.update'],
  ['CreateVirtualMFADevice', 'mfa.register'],
  ['EnableMFADevice', 'mfa.register'],
  ['DeactivateMFADevice', 'mfa.disable'],
  ['DeleteVirtualMFADevice', 'mfa.delete'],
  ['StopLogging', 'logging.stop'],
  ['DeleteTrail', 'logging.delete'],
  ['UpdateTrail', 'logging.update'],
  ['AuthorizeSecurityGroupIngress', 'firewall.rule.create'],
  ['RevokeSecurityGroupIngress', 'firewall.rule.delete'],
  ['GetSecretValue', 'secret.read'],
])

/** Whether a record is a CloudTrail event, or a log file of them (`{"Records": [...]}`). */
export function isCloudTrailRecord(record: unknown): boolean {
  if (!isObject(record)) {
    return false
  }
  if (Array.isArray(record.Records)) {
    return true
  }
  // Any two of CloudTrail's own keys: an event missing one still gets CloudTrail's error, not "unknown format".
  let keys = 0
  for (const key of ['eventName', 'eventSource', 'eventTime', 'eventVersion', 'awsRegion', 'userIdentity', 'eventID']) {
    if (get(record, key) !== undefined) {
      keys += 1
    }
  }
  return keys >= 2
}

/** A log file's events, one part each. */
export function expandCloudTrailRecord(record: unknown): readonly RecordPart[] | null {
  if (!isObject(record) || !Array.isArray(record.Records)) {
    return null
  }
  return record.Records.map((value: unknown, i) => ({ pointer: `/Records/${i}`, value }))
}

export function normalizeCloudTrailRecord(record: unknown, context: { index: number; receivedAt: number }): ReturnType<IngestFormat['normalize']> {
  return normalizeSafely(record, context, normalize)
}

function normalize(record: JsonObject, receivedAt: number): Activity {
  // Shipped through Logstash, the event's time has moved to `@timestamp`.
  const time = requireTime(get(record, 'eventTime') ?? record['@timestamp'], '/eventTime', receivedAt)
  const insight = getObject(record, 'insightDetails')
  if (insight !== null && getText(record, 'eventName') === null) {
    return insightActivity(record, insight, time, receivedAt)
  }
  const eventName = getText(record, 'eventName') ?? fail('/eventName', 'required')
  const eventSource = getText(record, 'eventSource')
  const result = resultOf(record)
  const draft: ActivityDraft = {
    id: activityId(CLOUDTRAIL_FORMAT_NAME, getText(record, 'eventID'), record),
    time,
    actor: actorOf(record, eventSource),
    app: APP,
    action: { type: verbOf(VERBS.get(eventName), eventName, result), name: eventName },
    ip: parseClientIp(get(record, 'sourceIPAddress')),
    userAgent: getText(record, 'userAgent'),
    target: targetOf(record),
    result,
    description: result === 'failure' ? firstText(record, ['errorMessage', 'errorCode']) : null,
  }
  return buildActivity(CLOUDTRAIL_FORMAT_NAME, draft, receivedAt, record)
}

/** CloudTrail Insights: unusual API activity that CloudTrail itself noticed. */
function insightActivity(record: JsonObject, insight: JsonObject, time: number, receivedAt: number): Activity {
  const insightType = getText(insight, 'insightType') ?? 'Insight'
  const state = getText(insight, 'state')
  const draft: ActivityDraft = {
    id: activityId(CLOUDTRAIL_FORMAT_NAME, getText(record, 'eventID'), record),
    time,
    actor: systemActor('AWS CloudTrail Insights', 'cloudtrail.amazonaws.com'),
    app: APP,
    action: { type: state === null ? 'insight' : `insight.${state.toLowerCase()}`, name: insightType },
    target: { type: getText(insight, 'eventSource'), id: null, name: getText(insight, 'eventName') },
    result: 'success',
  }
  return buildActivity(CLOUDTRAIL_FORMAT_NAME, draft, receivedAt, record)
}

/** Whether a `sourceIPAddress` or `invokedBy` names an AWS service rather than a client address. */
function isAwsService(value: string | null): boolean {
  return value !== null && (value === 'AWS Internal' || value.endsWith('.amazonaws.com'))
}

function actorOf(record: JsonObject, eventSource: string | null): ActivityDraft['actor'] {
  const identity = getObject(record, 'userIdentity')
  if (identity === null) {
    if (getText(record, 'eventType') === 'AwsServiceEvent') {
      return systemActor(eventSource ?? 'AWS', eventSource)
    }
    fail('/userIdentity', 'required')
  }
  const kind = getText(identity, 'type') ?? ''
  const arn = getText(identity, 'arn')
  const principalId = getText(identity, 'principalId')
  const invokedBy = getText(identity, 'invokedBy')
  const userName = getText(identity, 'userName')
  // Only a service acting on its own loses the identity: a person's call made through a service
  // (`invokedBy` on an IAM user) stays the person's, so the directory still finds them.
  if (kind === 'AWSService') {
    const service = invokedBy ?? eventSource ?? 'AWS'
    return systemActor(service, service)
  }
  if (kind === 'AssumedRole') {
    const issuer = getObject(identity, 'sessionContext')
    const sessionIssuer = issuer === null ? null : getObject(issuer, 'sessionIssuer')
    const role = (sessionIssuer === null ? null : getText(sessionIssuer, 'userName')) ?? arnPart(arn, 1) ?? userName
    const session = arnPart(arn, 2)
    return identified({ upn: normalizeUpn(looksLikeEmail(session) ? session : (role ?? session)), displayName: role, sourceId: principalId ?? arn, type: assumedRoleType(record, session, invokedBy) })
  }
  if (kind === 'Root') {
    return identified({ upn: normalizeUpn(userName), displayName: userName ?? 'root', sourceId: principalId ?? getText(identity, 'accountId'), type: 'user' })
  }
  if (kind === 'FederatedUser' || kind === 'IAMUser' || kind === 'SAMLUser' || kind === 'WebIdentityUser') {
    const name = userName ?? arnPart(arn, 1)
    return identified({ upn: normalizeUpn(name), displayName: name, sourceId: principalId ?? arn, type: 'user' })
  }
  if (kind === 'IdentityCenterUser') {
    const onBehalfOf = getObject(identity, 'onBehalfOf')
    return identified({ upn: normalizeUpn(userName), displayName: userName, sourceId: (onBehalfOf === null ? null : getText(onBehalfOf, 'userId')) ?? principalId, type: 'user' })
  }
  // AWSAccount (a principal of another account) and Unknown (e.g. a failed sign-in of a name AWS does not know).
  return identified({ upn: normalizeUpn(userName), displayName: userName, sourceId: principalId ?? arn ?? getText(identity, 'accountId'), type: 'user' })
}

/** The actor, when the identity names it at all. */
function identified(actor: ActivityDraft['actor']): ActivityDraft['actor'] {
  if (actor.upn === null && actor.sourceId === null) {
    fail('/userIdentity/principalId', 'required (or userName, arn, accountId)')
  }
  return actor
}

/**
 * A role session is a person's unless it shows it is a workload: started by an AWS service, named after
 * an EC2 instance, or calling from inside AWS. Lambda functions and pipelines look like people here.
 */
function assumedRoleType(record: JsonObject, session: string | null, invokedBy: string | null): ActorType {
  if (invokedBy !== null) {
    return isAwsService(invokedBy) ? 'system' : 'application'
  }
  if (session !== null && /^i-[0-9a-f]{8,}$/.test(session)) {
    return 'application'
  }
  return isAwsService(getText(record, 'sourceIPAddress')) ? 'system' : 'user'
}

/**
 * A part of an ARN's resource: `arn:aws:iam::1:user/JohnDoe` → 1: `JohnDoe`;
 * `arn:aws:sts::1:assumed-role/Role/Session` → 1: `Role`, 2: `Session`; -1 is the last part, also of
 * resources written `type:name` (`arn:aws:secretsmanager:r:1:secret:db-password`).
 */
function arnPart(arn: string | null, index: number): string | null {
  if (arn === null) {
    return null
  }
  const resource = arn.split(':').slice(5).join(':')
  const parts = resource.includes('/') || index !== -1 ? resource.split('/') : resource.split(':')
  return text(parts.at(index))
}

function resultOf(record: JsonObject): ActivityResult {
  if (getText(record, 'errorCode') !== null || getText(record, 'errorMessage') !== null) {
    return 'failure'
  }
  const response = getObject(record, 'responseElements')
  const consoleLogin = response === null ? null : getText(response, 'ConsoleLogin')
  return consoleLogin === 'Failure' ? 'failure' : 'success'
}

function targetOf(record: JsonObject): ActivityDraft['target'] {
  const resource = getArray(record, 'resources')[0]
  if (isObject(resource)) {
    const arn = getText(resource, 'ARN') ?? getText(resource, 'arn')
    return { type: getText(resource, 'type'), id: arn, name: arnPart(arn, -1) ?? arn }
  }
  const request = getObject(record, 'requestParameters')
  if (request === null) {
    return null
  }
  const bucket = getText(request, 'bucketName')
  if (bucket !== null) {
    const key = getText(request, 'key')
    return key === null ? { type: 'bucket', id: bucket, name: bucket } : { type: 'object', id: `${bucket}/${key}`, name: key }
  }
  for (const [key, type] of [
    ['roleArn', 'role'],
    ['roleName', 'role'],
    ['userName', 'user'],
    ['groupName', 'group'],
    ['policyArn', 'policy'],
    ['instanceId', 'instance'],
    ['functionName', 'function'],
    ['secretId', 'secret'],
    ['name', null],
  ] as const) {
    const value = getText(request, key)
    if (value !== null) {
      return { type, id: value, name: value.startsWith('arn:') ? (arnPart(value, -1) ?? value) : value }
    }
  }
  return null
}

export const cloudTrailFormat: IngestFormat = Object.freeze({
  name: CLOUDTRAIL_FORMAT_NAME,
  detect: isCloudTrailRecord,
  normalize: normalizeCloudTrailRecord,
  expand: expandCloudTrailRecord,
})
