/**
 * The one table hunting reads, `CloudAppEvents`, with Defender's column names mapped onto Veil's
 * activity fields; and the Defender tables Veil does not have, so a query naming one gets a clear
 * answer. Private activities are not in the table at all (privacy rule 8).
 *
 * @module
 */

/** KQL's scalar types, as far as the subset has them. */
export type HuntingType = 'string' | 'long' | 'real' | 'bool' | 'datetime' | 'timespan' | 'dynamic'

/** The activity fields a column reads: a fixed list the storage maps to SQL. */
export const HUNTING_FIELDS = [
  'time',
  'actionName',
  'actionType',
  'app',
  'actorSourceId',
  'actorUpn',
  'actorDisplayName',
  'actorType',
  'isExternalUser',
  'ip',
  'country',
  'city',
  'userAgent',
  'deviceType',
  'targetName',
  'targetType',
  'targetId',
  'id',
  'raw',
] as const
export type HuntingField = (typeof HUNTING_FIELDS)[number]

export interface HuntingColumn {
  readonly name: string
  readonly type: HuntingType
  readonly field: HuntingField
  readonly description: string
}

export const CLOUD_APP_EVENTS = 'CloudAppEvents'

/** The columns of `CloudAppEvents`, in the order `CloudAppEvents | take 10` shows them. */
export const CLOUD_APP_EVENTS_COLUMNS: readonly HuntingColumn[] = Object.freeze([
  { name: 'Timestamp', type: 'datetime', field: 'time', description: 'When the actor acted (UTC)' },
  { name: 'ActionType', type: 'string', field: 'actionName', description: "The source's own name for the action, e.g. FileDownloaded, UserLoggedIn, New-InboxRule" },
  { name: 'ActivityType', type: 'string', field: 'actionType', description: "Veil's normalized action type, e.g. file.download, login, mailbox.rule.create" },
  { name: 'Application', type: 'string', field: 'app', description: 'The cloud app, e.g. Microsoft Exchange Online, Okta, GitHub' },
  { name: 'AccountObjectId', type: 'string', field: 'actorSourceId', description: "The source's id of the actor (e.g. the Entra ID object id)" },
  { name: 'AccountId', type: 'string', field: 'actorUpn', description: "The actor's UPN or email (lower-case)" },
  { name: 'AccountDisplayName', type: 'string', field: 'actorDisplayName', description: "The actor's display name" },
  { name: 'AccountType', type: 'string', field: 'actorType', description: 'Regular (a person), Application or System' },
  { name: 'IsExternalUser', type: 'bool', field: 'isExternalUser', description: 'The actor was in the built-in External users group when the activity was recorded' },
  { name: 'IPAddress', type: 'string', field: 'ip', description: 'Client IP address' },
  { name: 'CountryCode', type: 'string', field: 'country', description: 'Two-letter country code of the client, where the source gives it' },
  { name: 'City', type: 'string', field: 'city', description: 'City of the client, where the source gives it' },
  { name: 'UserAgent', type: 'string', field: 'userAgent', description: "The client's user agent" },
  { name: 'DeviceType', type: 'string', field: 'deviceType', description: 'desktop, mobile, tablet, server, ... as the source gives it' },
  { name: 'ObjectName', type: 'string', field: 'targetName', description: 'Name of the object acted on (file, mailbox, repository, ...)' },
  { name: 'ObjectType', type: 'string', field: 'targetType', description: 'Type of the object acted on' },
  { name: 'ObjectId', type: 'string', field: 'targetId', description: 'Id of the object acted on' },
  { name: 'ReportId', type: 'string', field: 'id', description: "The activity's id (GET /api/v1/activities/{ReportId})" },
  { name: 'RawEventData', type: 'dynamic', field: 'raw', description: 'The source event as received; read fields with RawEventData.Field or RawEventData["Field"]' },
] satisfies HuntingColumn[])

/** Tables of Defender's advanced hunting schema: named in the error when a query asks for one. */
export const DEFENDER_TABLES: readonly string[] = Object.freeze([
  'AADSignInEventsBeta', 'AADSpnSignInEventsBeta', 'AlertEvidence', 'AlertInfo', 'BehaviorEntities', 'BehaviorInfo', 'CloudAuditEvents',
  'CloudProcessEvents', 'CloudStorageAggregatedEvents', 'DataSecurityBehaviors', 'DataSecurityEvents', 'DeviceEvents',
  'DeviceFileCertificateInfo', 'DeviceFileEvents', 'DeviceImageLoadEvents', 'DeviceInfo', 'DeviceLogonEvents', 'DeviceNetworkEvents',
  'DeviceNetworkInfo', 'DeviceProcessEvents', 'DeviceRegistryEvents', 'DeviceTvmInfoGathering', 'DeviceTvmSoftwareInventory',
  'DeviceTvmSoftwareVulnerabilities', 'EmailAttachmentInfo', 'EmailEvents', 'EmailPostDeliveryEvents', 'EmailUrlInfo',
  'EntraIdSignInEvents', 'EntraIdSpnSignInEvents', 'ExposureGraphEdges', 'ExposureGraphNodes', 'GraphApiAuditEvents', 'IdentityAccountInfo',
  'IdentityDirectoryEvents', 'IdentityEvents', 'IdentityInfo', 'IdentityLogonEvents', 'IdentityQueryEvents', 'MessageEvents',
  'MessagePostDeliveryEvents', 'MessageUrlInfo', 'OAuthAppInfo', 'UrlClickEvents', 'AppFileEvents',
])

/** The types as the answer's `schema` names them (Microsoft Graph's hunting API names). */
export const SCHEMA_TYPE_NAMES: Readonly<Record<HuntingType, string>> = Object.freeze({
  string: 'String',
  long: 'Int64',
  real: 'Double',
  bool: 'Boolean',
  datetime: 'DateTime',
  timespan: 'TimeSpan',
  dynamic: 'Object',
})
