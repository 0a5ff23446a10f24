/**
 * The wire shapes Entra ID sign-in and audit logs arrive in, shared by both formats:
 *
 * - an Azure Monitor diagnostic record (Event Hub, storage account): `time`, `category`, `operationName`,
 *   `callerIpAddress`, and the Graph object in `properties`; an Event Hub message is `{"records": [...]}`;
 * - the Microsoft Graph object itself (`/auditLogs/signIns`, `/auditLogs/directoryAudits`); a page is
 *   `{"value": [...], "@odata.context": ...}`;
 * - a Log Analytics row (`SigninLogs`, `AuditLogs`): capitalized names, nested objects as JSON text.
 *
 * @module
 */

import type { RecordPart } from '../../ingest-format.js'
import { get, getText, isObject, type JsonObject } from '../normalize-support.js'

export const ENTRA_APP = 'Microsoft Entra ID'

/** Diagnostic categories (and Log Analytics tables) of sign-in logs. */
const SIGN_IN_CATEGORIES = new Set(
  [
    'SignInLogs',
    'NonInteractiveUserSignInLogs',
    'ServicePrincipalSignInLogs',
    'ManagedIdentitySignInLogs',
    'MicrosoftServicePrincipalSignInLogs',
    'ADFSSignInLogs',
    'SigninLogs',
    'AADNonInteractiveUserSignInLogs',
    'AADServicePrincipalSignInLogs',
    'AADManagedIdentitySignInLogs',
  ].map((c) => c.toLowerCase()),
)

export interface EntraShape {
  /** The diagnostic record around the Graph object, or null when the record is the object itself. */
  readonly envelope: JsonObject | null
  /** The Graph object (a diagnostic record's `properties`), or the Log Analytics row. */
  readonly body: JsonObject
  /** JSON pointer of `body` in the record, for error fields. */
  readonly pointer: string
}

export function entraShape(record: JsonObject): EntraShape {
  const properties = get(record, 'properties')
  return isObject(properties) ? { envelope: record, body: properties, pointer: '/properties' } : { envelope: null, body: record, pointer: '' }
}

/** The log category: the diagnostic `category`, or the Log Analytics table (`Type`); lower-cased. */
export function entraCategory(record: JsonObject): string {
  return (getText(record, 'category') ?? (typeof record.Type === 'string' ? record.Type : '')).toLowerCase()
}

export function isSignInCategory(category: string): boolean {
  return SIGN_IN_CATEGORIES.has(category)
}

/** The events of an Event Hub message (`records`) or a Graph page (`value`), or null for one event. */
export function entraEnvelopeItems(record: unknown): { readonly key: 'records' | 'value'; readonly items: readonly unknown[] } | null {
  if (!isObject(record)) {
    return null
  }
  if (Array.isArray(record.records)) {
    return { key: 'records', items: record.records as unknown[] }
  }
  if (Array.isArray(record.value) && (record['@odata.context'] !== undefined || record['@odata.nextLink'] !== undefined)) {
    return { key: 'value', items: record.value as unknown[] }
  }
  return null
}

/** Split an Event Hub message or a Graph page into its events. */
export function expandEntraEnvelope(record: unknown): readonly RecordPart[] | null {
  const envelope = entraEnvelopeItems(record)
  return envelope === null ? null : envelope.items.map((value, i) => ({ pointer: `/${envelope.key}/${i}`, value }))
}

/** Whether an envelope's first event passes `detect` (an envelope holds one kind of log, or mostly so). */
export function envelopeHolds(record: unknown, detect: (event: unknown) => boolean): boolean {
  const envelope = entraEnvelopeItems(record)
  return envelope !== null && envelope.items.length > 0 && detect(envelope.items[0])
}
