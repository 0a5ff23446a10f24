/**
 * Microsoft 365 unified audit log, as the Office 365 Management Activity API returns it (`--format
 * o365`): one record per operation, from every workload (AzureActiveDirectory, Exchange, SharePoint,
 * OneDrive, Teams, Power BI, ...). A content blob is a JSON array of such records, which the parse stage
 * already splits. Also read: the same records with every key lower-cased, and Microsoft Sentinel's
 * `OfficeActivity` rows (`TimeGenerated`, `OfficeWorkload`, `Client_IPAddress`).
 *
 * Mapping and deliberate differences: `docs/ingest-formats.md#microsoft-365`.
 *
 * @module
 */

import type { Activity, ActivityResult, ActorType } from '../../../core/activity/activity.js'
import type { IngestFormat } from '../../ingest-format.js'
import { DIRECTORY_VERBS, directoryOperation } from '../entra/directory-verbs.js'
import {
  activityId,
  buildActivity,
  fail,
  firstText,
  get,
  getArray,
  getFirst,
  getObject,
  getText,
  isObject,
  looksLikeEmail,
  normalizeSafely,
  normalizeUpn,
  parseClientIp,
  requireTime,
  text,
  verbOf,
  type ActivityDraft,
  type JsonObject,
} from '../normalize-support.js'

export const O365_FORMAT_NAME = 'o365'

/** Veil's app name per `Workload`; other workloads keep their own name. */
const APPS: ReadonlyMap<string, string> = new Map([
  ['AzureActiveDirectory', 'Microsoft Entra ID'],
  ['Exchange', 'Microsoft Exchange Online'],
  ['SharePoint', 'Microsoft SharePoint Online'],
  ['OneDrive', 'Microsoft OneDrive for Business'],
  ['MicrosoftTeams', 'Microsoft Teams'],
  ['PowerBI', 'Microsoft Power BI'],
  ['SecurityComplianceCenter', 'Microsoft Purview'],
  ['Yammer', 'Microsoft Viva Engage'],
  ['MicrosoftForms', 'Microsoft Forms'],
  ['MicrosoftStream', 'Microsoft Stream'],
  ['PowerApps', 'Microsoft Power Apps'],
  ['MicrosoftFlow', 'Microsoft Power Automate'],
])

/** The workload of a record that does not name it, from its `RecordType` (AuditLogRecordType). */
const WORKLOAD_OF_RECORD_TYPE: ReadonlyMap<number, string> = new Map([
  [1, 'Exchange'],
  [2, 'Exchange'],
  [3, 'Exchange'],
  [50, 'Exchange'],
  [4, 'SharePoint'],
  [6, 'SharePoint'],
  [14, 'SharePoint'],
  [36, 'SharePoint'],
  [8, 'AzureActiveDirectory'],
  [9, 'AzureActiveDirectory'],
  [15, 'AzureActiveDirectory'],
  [18, 'SecurityComplianceCenter'],
  [20, 'PowerBI'],
  [25, 'MicrosoftTeams'],
  [26, 'MicrosoftTeams'],
  [27, 'MicrosoftTeams'],
  [28, 'MicrosoftTeams'],
])

/** Normalized verbs of workload operations (directory operations are in {@link DIRECTORY_VERBS}). */
const VERBS: ReadonlyMap<string, string> = new Map([
  ['UserLoggedIn', 'login'],
  ['UserLoginFailed', 'login.failed'],
  ['PasswordLogonInitialAuthUsingPassword', 'login'],
  ['UserLoggedOut', 'logout'],
  ['FileAccessed', 'file.view'],
  ['FilePreviewed', 'file.view'],
  ['FileDownloaded', 'file.download'],
  ['FileSyncDownloadedFull', 'file.download'],
  ['FileSyncDownloadedPartial', 'file.download'],
  ['FileUploaded', 'file.upload'],
  ['FileSyncUploadedFull', 'file.upload'],
  ['FileSyncUploadedPartial', 'file.upload'],
  ['FileModified', 'file.modify'],
  ['FileModifiedExtended', 'file.modify'],
  ['FileRenamed', 'file.rename'],
  ['FileMoved', 'file.move'],
  ['FileCopied', 'file.copy'],
  ['FileDeleted', 'file.delete'],
  ['FileDeletedFirstStageRecycleBin', 'file.delete'],
  ['FileRecycled', 'file.delete'],
  ['FileRestored', 'file.restore'],
  ['SharingSet', 'file.share'],
  ['SharingInvitationCreated', 'file.share'],
  ['SharingInheritanceBroken', 'file.share'],
  ['AnonymousLinkCreated', 'file.share'],
  ['AnonymousLinkUsed', 'file.view'],
  ['CompanyLinkCreated', 'file.share'],
  ['SecureLinkCreated', 'file.share'],
  ['AddedToSecureLink', 'file.share'],
  ['SharingRevoked', 'file.unshare'],
  ['MailItemsAccessed', 'mail.read'],
  ['Send', 'mail.send'],
  ['SendAs', 'mail.send'],
  ['SendOnBehalf', 'mail.send'],
  ['MoveToDeletedItems', 'mail.delete'],
  ['SoftDelete', 'mail.delete'],
  ['HardDelete', 'mail.delete'],
  ['New-InboxRule', 'mailbox.rule.create'],
  ['Set-InboxRule', 'mailbox.rule.update'],
  ['Remove-InboxRule', 'mailbox.rule.delete'],
  ['UpdateInboxRules', 'mailbox.rule.update'],
  ['Set-Mailbox', 'mailbox.update'],
  ['Add-MailboxPermission', 'mailbox.permission.add'],
  ['Remove-MailboxPermission', 'mailbox.permission.remove'],
  ['Add-RecipientPermission', 'mailbox.permission.add'],
  ['New-TransportRule', 'mail.transport_rule.create'],
  ['Set-TransportRule', 'mail.transport_rule.update'],
  ['TeamsSessionStarted', 'session.start'],
  ['MessageSent', 'message.send'],
  ['MemberAdded', 'team.member.add'],
  ['MemberRemoved', 'team.member.remove'],
  ['ChannelAdded', 'channel.create'],
  ['TeamCreated', 'team.create'],
  ['TeamDeleted', 'team.delete'],
])

/** `UserType` (Microsoft 365 user types), numbered or named. */
const APPLICATION_USER_TYPES = new Set(['5', '6', 'application', 'serviceprincipal'])
const SYSTEM_USER_TYPES = new Set(['4', '7', '8', 'system', 'custompolicy', 'systempolicy'])

/** `UserId` values that name Microsoft's own services rather than a person. */
const SYSTEM_USER_ID = /^(?:NT AUTHORITY\\|S-1-5-18$|SHAREPOINT\\system$|app@sharepoint$|Microsoft\.|Office365 |ExchangeServicehost|Exchange Online$)/i

/** Whether a record is a Microsoft 365 audit record (API shape, lower-cased keys, or Sentinel `OfficeActivity`). */
export function isO365Record(record: unknown): boolean {
  if (!isObject(record)) {
    return false
  }
  if (get(record, 'CreationTime') !== undefined) {
    return get(record, 'Operation') !== undefined || get(record, 'RecordType') !== undefined || get(record, 'Workload') !== undefined
  }
  return record.Type === 'OfficeActivity' || (record.OfficeWorkload !== undefined && record.TimeGenerated !== undefined)
}

/** Turn one Microsoft 365 audit record into an activity, or name the missing field. Never throws. */
export function normalizeO365Record(record: unknown, context: { index: number; receivedAt: number }): ReturnType<IngestFormat['normalize']> {
  return normalizeSafely(record, context, normalize)
}

function normalize(record: JsonObject, receivedAt: number): Activity {
  const timeKey = get(record, 'CreationTime') === undefined && record.TimeGenerated !== undefined ? 'TimeGenerated' : 'CreationTime'
  const time = requireTime(get(record, timeKey), `/${timeKey}`, receivedAt)
  const operation = getText(record, 'Operation') ?? fail('/Operation', 'required')
  const workload = getText(record, 'Workload') ?? getText(record, 'OfficeWorkload') ?? workloadOfRecordType(get(record, 'RecordType'))
  const result = resultOf(record, operation)
  const draft: ActivityDraft = {
    id: activityId(O365_FORMAT_NAME, getText(record, 'Id') ?? getText(record, 'OfficeId'), record),
    time,
    actor: actorOf(record),
    app: workload === null ? 'Microsoft 365' : (APPS.get(workload) ?? workload),
    action: { type: verbOf(VERBS.get(operation) ?? DIRECTORY_VERBS.get(directoryOperation(operation)), operation, result), name: operation },
    ip: parseClientIp(getFirst(record, ['ClientIP', 'ClientIPAddress', 'ActorIpAddress', 'Client_IPAddress'])),
    userAgent: getText(record, 'UserAgent') ?? extendedProperty(record, 'UserAgent') ?? getText(record, 'ClientInfoString'),
    target: targetOf(record, workload, operation),
    result,
  }
  return buildActivity(O365_FORMAT_NAME, draft, receivedAt, record)
}

function workloadOfRecordType(value: unknown): string | null {
  const type = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : null
  return type === null ? null : (WORKLOAD_OF_RECORD_TYPE.get(type) ?? null)
}

function actorOf(record: JsonObject): ActivityDraft['actor'] {
  const userId = getText(record, 'UserId')
  const userType = (text(get(record, 'UserType')) ?? '').toLowerCase()
  const userKey = getText(record, 'UserKey')
  const key = userKey !== null && userKey !== 'Not Available' ? userKey : null
  let type: ActorType = 'user'
  if (APPLICATION_USER_TYPES.has(userType) || (userId !== null && /^ServicePrincipal_/i.test(userId))) {
    type = 'application'
  } else if (SYSTEM_USER_TYPES.has(userType) || (userId !== null && SYSTEM_USER_ID.test(userId))) {
    type = 'system'
  }
  if (userId === null) {
    if (type === 'user') {
      fail('/UserId', 'required')
    }
    return { upn: null, displayName: null, sourceId: key ?? firstText(record, ['AppId', 'ApplicationId']), type }
  }
  if (type === 'user' || looksLikeEmail(userId)) {
    return { upn: normalizeUpn(userId), displayName: null, sourceId: key, type }
  }
  // A service's name (`NT AUTHORITY\SYSTEM (Microsoft.Exchange.ServiceHost)`, `ServicePrincipal_<id>`) is no UPN.
  return { upn: null, displayName: userId, sourceId: key ?? userId, type }
}

function resultOf(record: JsonObject, operation: string): ActivityResult {
  const status = (getText(record, 'ResultStatus') ?? '').toLowerCase()
  if (operation === 'UserLoginFailed') {
    return 'failure'
  }
  if (status === 'succeeded' || status === 'success' || status === 'true' || status === 'partiallysucceeded') {
    return 'success'
  }
  if (status === 'failed' || status === 'failure' || status === 'false') {
    return 'failure'
  }
  const loginStatus = get(record, 'LoginStatus')
  if (typeof loginStatus === 'number' && loginStatus !== 0) {
    return 'failure'
  }
  // Workloads that log only what happened (SharePoint file operations) carry no status at all.
  return status === '' ? 'success' : 'unknown'
}

function extendedProperty(record: JsonObject, name: string): string | null {
  for (const entry of getArray(record, 'ExtendedProperties')) {
    if (isObject(entry) && get(entry, 'Name') === name) {
      return text(get(entry, 'Value'))
    }
  }
  return null
}

function parameter(record: JsonObject, name: string): string | null {
  for (const entry of getArray(record, 'Parameters')) {
    if (isObject(entry) && get(entry, 'Name') === name) {
      return text(get(entry, 'Value'))
    }
  }
  return null
}

function targetOf(record: JsonObject, workload: string | null, operation: string): ActivityDraft['target'] {
  const objectId = getText(record, 'ObjectId')
  if (workload === 'SharePoint' || workload === 'OneDrive') {
    const itemType = getText(record, 'ItemType')
    const fileName = getText(record, 'SourceFileName')
    return { type: itemType === null ? (fileName === null ? null : 'file') : itemType.toLowerCase(), id: objectId, name: fileName ?? objectId }
  }
  if (workload === 'Exchange') {
    const item = getObject(record, 'Item')
    if (item !== null) {
      return { type: 'mail', id: firstText(item, ['InternetMessageId', 'Id']), name: getText(item, 'Subject') }
    }
    // Cmdlets (`New-InboxRule`) name their object's type; their `Identity` parameter names the object.
    const noun = /^[A-Za-z]+-([A-Za-z]+)$/.exec(operation)?.[1]
    const mailboxOwner = getText(record, 'MailboxOwnerUPN')
    return {
      type: noun !== undefined ? noun.charAt(0).toLowerCase() + noun.slice(1) : mailboxOwner !== null ? 'mailbox' : null,
      id: objectId,
      name: parameter(record, 'Identity') ?? parameter(record, 'Name') ?? mailboxOwner ?? objectId,
    }
  }
  if (workload === 'AzureActiveDirectory') {
    let name: string | null = null
    for (const entry of getArray(record, 'Target')) {
      // Identity type 5 is a UPN: the most readable name of the target.
      if (isObject(entry) && String(get(entry, 'Type')) === '5') {
        name = text(get(entry, 'ID'))
        break
      }
    }
    return { type: null, id: objectId, name: name ?? objectId }
  }
  return { type: getText(record, 'ObjectType') ?? getText(record, 'ItemType'), id: objectId, name: getText(record, 'ObjectDisplayName') ?? objectId }
}

export const o365Format: IngestFormat = Object.freeze({
  name: O365_FORMAT_NAME,
  detect: isO365Record,
  normalize: normalizeO365Record,
})
