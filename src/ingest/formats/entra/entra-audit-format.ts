/**
 * Entra ID audit logs (`--format entra-audit`): directory changes (users, groups, roles, applications,
 * policies, domains) as diagnostic records, Graph `directoryAudit` objects or Log Analytics `AuditLogs`
 * rows (see `entra-shapes.ts`). The actor is `initiatedBy.user` (a person) or `initiatedBy.app` (an
 * application or service principal); with neither, the directory itself acted (system).
 *
 * Mapping and deliberate differences: `docs/ingest-formats.md#entra-id-audit-logs`.
 *
 * @module
 */

import type { Activity, ActivityResult } from '../../../core/activity/activity.js'
import type { IngestFormat } from '../../ingest-format.js'
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
import { DIRECTORY_VERBS, directoryOperation } from './directory-verbs.js'
import { ENTRA_APP, entraCategory, entraShape, envelopeHolds, expandEntraEnvelope, isSignInCategory } from './entra-shapes.js'

export const ENTRA_AUDIT_FORMAT_NAME = 'entra-audit'

/** Whether a record is an Entra ID audit event (any shape), or an envelope of them. */
export function isEntraAudit(record: unknown): boolean {
  if (!isObject(record)) {
    return false
  }
  const category = entraCategory(record)
  if (isSignInCategory(category)) {
    return false
  }
  if (record.Type === 'AuditLogs' || (category === 'auditlogs' && isObject(get(record, 'properties')))) {
    return true
  }
  const { envelope, body } = entraShape(record)
  if (envelope !== null) {
    return get(body, 'activityDisplayName') !== undefined || get(body, 'initiatedBy') !== undefined || get(body, 'activityDateTime') !== undefined
  }
  if (get(body, 'activityDateTime') !== undefined) {
    return get(body, 'activityDisplayName') !== undefined || get(body, 'initiatedBy') !== undefined
  }
  return envelopeHolds(record, isEntraAudit)
}

export function normalizeEntraAudit(record: unknown, context: { index: number; receivedAt: number }): ReturnType<IngestFormat['normalize']> {
  return normalizeSafely(record, context, normalize)
}

function normalize(record: JsonObject, receivedAt: number): Activity {
  const { envelope, body, pointer } = entraShape(record)
  const time = requireTime(get(body, 'activityDateTime') ?? (envelope === null ? get(body, 'TimeGenerated') : get(envelope, 'time')), `${pointer}/activityDateTime`, receivedAt)
  const name = getText(body, 'activityDisplayName') ?? (envelope === null ? getText(body, 'OperationName') : getText(envelope, 'operationName')) ?? fail(`${pointer}/activityDisplayName`, 'required')
  const initiatedBy = getObject(body, 'initiatedBy')
  const user = initiatedBy === null ? null : getObject(initiatedBy, 'user')
  const app = initiatedBy === null ? null : getObject(initiatedBy, 'app')
  const result = resultOf(get(body, 'result') ?? (envelope === null ? undefined : get(envelope, 'result')))
  const draft: ActivityDraft = {
    id: activityId(ENTRA_AUDIT_FORMAT_NAME, getText(body, 'id'), record),
    time,
    actor: actorOf(user, app, body),
    app: ENTRA_APP,
    action: { type: verbOf(DIRECTORY_VERBS.get(directoryOperation(name)), name, result), name },
    ip: parseClientIp((user === null ? undefined : get(user, 'ipAddress')) ?? (envelope === null ? undefined : get(envelope, 'callerIpAddress'))),
    userAgent: additionalDetail(body, 'User-Agent') ?? getText(body, 'UserAgent'),
    target: targetOf(body),
    result,
  }
  return buildActivity(ENTRA_AUDIT_FORMAT_NAME, draft, receivedAt, record)
}

function actorOf(user: JsonObject | null, app: JsonObject | null, body: JsonObject): ActivityDraft['actor'] {
  if (user !== null) {
    const upn = normalizeUpn(get(user, 'userPrincipalName'))
    const id = getText(user, 'id')
    if (upn !== null || id !== null) {
      return { upn, displayName: getText(user, 'displayName'), sourceId: id, type: 'user' }
    }
  }
  if (app !== null) {
    const id = firstText(app, ['servicePrincipalId', 'appId'])
    if (id !== null) {
      return { upn: null, displayName: firstText(app, ['displayName', 'servicePrincipalName']), sourceId: id, type: 'application' }
    }
  }
  // Entra's own services (`loggedByService`) change the directory too: expirations, sync, PIM.
  return systemActor(getText(body, 'loggedByService') ?? ENTRA_APP)
}

function resultOf(value: unknown): ActivityResult {
  const result = (text(value) ?? '').toLowerCase()
  return result === 'success' ? 'success' : result === 'failure' || result === 'timeout' ? 'failure' : 'unknown'
}

function additionalDetail(body: JsonObject, key: string): string | null {
  for (const entry of getArray(body, 'additionalDetails')) {
    if (isObject(entry) && get(entry, 'key') === key) {
      return text(get(entry, 'value'))
    }
  }
  return null
}

function targetOf(body: JsonObject): ActivityDraft['target'] {
  const first = getArray(body, 'targetResources')[0]
  if (!isObject(first)) {
    return null
  }
  return { type: getText(first, 'type'), id: getText(first, 'id'), name: firstText(first, ['userPrincipalName', 'displayName']) }
}

export const entraAuditFormat: IngestFormat = Object.freeze({
  name: ENTRA_AUDIT_FORMAT_NAME,
  detect: isEntraAudit,
  normalize: normalizeEntraAudit,
  expand: expandEntraEnvelope,
})
