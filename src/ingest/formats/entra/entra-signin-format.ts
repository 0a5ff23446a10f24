/**
 * Entra ID sign-in logs (`--format entra-signin`): interactive and non-interactive user sign-ins,
 * service principal and managed identity sign-ins, as diagnostic records, Graph `signIn` objects or
 * Log Analytics rows (see `entra-shapes.ts`). Each sign-in is one `login` (or `login.failed`) activity
 * in the app "Microsoft Entra ID"; the app signed in to is the target.
 *
 * Mapping and deliberate differences: `docs/ingest-formats.md#entra-id-sign-in-logs`.
 *
 * @module
 */

import type { Activity, ActivityResult } from '../../../core/activity/activity.js'
import type { IngestFormat } from '../../ingest-format.js'
import {
  activityId,
  buildActivity,
  countryCode,
  fail,
  firstText,
  get,
  getFirst,
  getObject,
  getText,
  isObject,
  normalizeSafely,
  normalizeUpn,
  parseClientIp,
  requireTime,
  text,
  verbOf,
  type ActivityDraft,
  type JsonObject,
} from '../normalize-support.js'
import { ENTRA_APP, entraCategory, entraShape, envelopeHolds, expandEntraEnvelope, isSignInCategory } from './entra-shapes.js'

export const ENTRA_SIGNIN_FORMAT_NAME = 'entra-signin'

/** Whether a record is an Entra ID sign-in (any shape), or an envelope of them. */
export function isEntraSignIn(record: unknown): boolean {
  if (!isObject(record)) {
    return false
  }
  const category = entraCategory(record)
  if (category !== '') {
    return isSignInCategory(category)
  }
  const { envelope, body } = entraShape(record)
  if (envelope !== null) {
    return getText(envelope, 'operationName') === 'Sign-in activity' || (body.createdDateTime !== undefined && body.activityDisplayName === undefined)
  }
  if (body.createdDateTime !== undefined) {
    return body.activityDisplayName === undefined && (body.userPrincipalName !== undefined || body.appDisplayName !== undefined || body.servicePrincipalId !== undefined || body.appId !== undefined)
  }
  return envelopeHolds(record, isEntraSignIn)
}

export function normalizeEntraSignIn(record: unknown, context: { index: number; receivedAt: number }): ReturnType<IngestFormat['normalize']> {
  return normalizeSafely(record, context, normalize)
}

function normalize(record: JsonObject, receivedAt: number): Activity {
  const { envelope, body, pointer } = entraShape(record)
  const time = requireTime(get(body, 'createdDateTime') ?? (envelope === null ? get(body, 'TimeGenerated') : get(envelope, 'time')), `${pointer}/createdDateTime`, receivedAt)
  const category = envelope !== null ? getText(envelope, 'category') : (getText(body, 'Category') ?? (typeof body.Type === 'string' ? body.Type : null))
  const result = resultOf(body, envelope)
  const application = /ServicePrincipal|ManagedIdentity/i.test(category ?? '')
  const draft: ActivityDraft = {
    id: activityId(ENTRA_SIGNIN_FORMAT_NAME, getText(body, 'id'), record),
    time,
    actor: application ? applicationActor(body, pointer) : userActor(body, envelope, pointer),
    app: ENTRA_APP,
    action: { type: verbOf('login', 'login', result), name: category ?? 'signIn' },
    ip: parseClientIp(getFirst(body, ['ipAddress', 'IPAddress']) ?? (envelope === null ? undefined : get(envelope, 'callerIpAddress'))),
    ...locationOf(body, envelope),
    userAgent: getText(body, 'userAgent'),
    deviceType: deviceTypeOf(getObject(body, 'deviceDetail')),
    target: application
      ? { type: 'resource', id: getText(body, 'resourceId'), name: getText(body, 'resourceDisplayName') }
      : { type: 'application', id: getText(body, 'appId'), name: getText(body, 'appDisplayName') ?? getText(body, 'resourceDisplayName') },
    result,
    description: result === 'failure' ? failureReason(body, envelope) : null,
  }
  return buildActivity(ENTRA_SIGNIN_FORMAT_NAME, draft, receivedAt, record)
}

function userActor(body: JsonObject, envelope: JsonObject | null, pointer: string): ActivityDraft['actor'] {
  const upn = normalizeUpn(get(body, 'userPrincipalName'))
  const userId = getText(body, 'userId')
  if (upn === null && userId === null) {
    // A sign-in without a user is a workload's, even outside the service-principal categories.
    const principal = firstText(body, ['servicePrincipalId', 'appId'])
    if (principal === null) {
      fail(`${pointer}/userPrincipalName`, 'required (or userId, or servicePrincipalId for an application)')
    }
    return applicationActor(body, pointer)
  }
  return { upn, displayName: getText(body, 'userDisplayName') ?? (envelope === null ? null : getText(envelope, 'identity')), sourceId: userId, type: 'user' }
}

function applicationActor(body: JsonObject, pointer: string): ActivityDraft['actor'] {
  const sourceId = firstText(body, ['servicePrincipalId', 'appId'])
  if (sourceId === null) {
    fail(`${pointer}/servicePrincipalId`, 'required (or appId)')
  }
  return { upn: null, displayName: firstText(body, ['servicePrincipalName', 'appDisplayName']), sourceId, type: 'application' }
}

function resultOf(body: JsonObject, envelope: JsonObject | null): ActivityResult {
  const status = getObject(body, 'status')
  const code = status === null ? undefined : get(status, 'errorCode')
  const resultType = code ?? get(body, 'ResultType') ?? (envelope === null ? undefined : get(envelope, 'resultType'))
  const value = text(resultType)
  if (value === null) {
    return 'unknown'
  }
  return value === '0' ? 'success' : 'failure'
}

function failureReason(body: JsonObject, envelope: JsonObject | null): string | null {
  const status = getObject(body, 'status')
  return (status === null ? null : getText(status, 'failureReason')) ?? getText(body, 'ResultDescription') ?? (envelope === null ? null : getText(envelope, 'resultDescription'))
}

function locationOf(body: JsonObject, envelope: JsonObject | null): { country: string | null; city: string | null } {
  const location = getObject(body, 'location') ?? getObject(body, 'LocationDetails')
  if (location !== null) {
    return { country: countryCode(get(location, 'countryOrRegion')), city: getText(location, 'city') }
  }
  return { country: countryCode(get(body, 'Location') ?? (envelope === null ? undefined : get(envelope, 'location'))), city: null }
}

function deviceTypeOf(device: JsonObject | null): string | null {
  const os = device === null ? null : getText(device, 'operatingSystem')
  if (os === null) {
    return null
  }
  return /ios|android/i.test(os) ? 'mobile' : /windows|mac|linux/i.test(os) ? 'desktop' : null
}

export const entraSignInFormat: IngestFormat = Object.freeze({
  name: ENTRA_SIGNIN_FORMAT_NAME,
  detect: isEntraSignIn,
  normalize: normalizeEntraSignIn,
  expand: expandEntraEnvelope,
})
