/**
 * Okta System Log events (`--format okta`), as `/api/v1/logs` returns them (a page is a JSON array,
 * which the parse stage splits) or as the Okta log streaming and event hooks deliver them. Also read:
 * the same events with every key lower-cased.
 *
 * Mapping and deliberate differences: `docs/ingest-formats.md#okta`.
 *
 * @module
 */

import type { Activity, ActivityResult, ActorType } from '../../../core/activity/activity.js'
import type { IngestFormat } from '../../ingest-format.js'
import {
  activityId,
  buildActivity,
  countryCode,
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
  verbOf,
  type ActivityDraft,
  type JsonObject,
} from '../normalize-support.js'

export const OKTA_FORMAT_NAME = 'okta'
const APP = 'Okta'

const VERBS: ReadonlyMap<string, string> = new Map([
  ['user.session.start', 'login'],
  ['user.session.end', 'logout'],
  ['user.authentication.sso', 'login.sso'],
  ['user.authentication.auth_via_mfa', 'mfa.verify'],
  ['user.authentication.verify', 'mfa.verify'],
  ['user.authentication.authenticate', 'login'],
  ['user.mfa.factor.activate', 'mfa.register'],
  ['user.mfa.factor.deactivate', 'mfa.delete'],
  ['user.mfa.factor.reset_all', 'mfa.reset'],
  ['user.account.update_password', 'password.change'],
  ['user.account.reset_password', 'password.reset'],
  ['user.account.lock', 'user.lock'],
  ['user.account.unlock', 'user.unlock'],
  ['user.lifecycle.create', 'user.create'],
  ['user.lifecycle.activate', 'user.enable'],
  ['user.lifecycle.deactivate', 'user.disable'],
  ['user.lifecycle.suspend', 'user.disable'],
  ['user.lifecycle.unsuspend', 'user.enable'],
  ['user.lifecycle.delete.initiated', 'user.delete'],
  ['group.user_membership.add', 'group.member.add'],
  ['group.user_membership.remove', 'group.member.remove'],
  ['application.user_membership.add', 'app.assign'],
  ['application.user_membership.remove', 'app.unassign'],
  ['user.account.privilege.grant', 'role.assign'],
  ['user.account.privilege.revoke', 'role.unassign'],
  ['app.oauth2.as.consent.grant', 'app.consent'],
  ['app.oauth2.as.token.grant', 'oauth.authorize'],
  ['policy.lifecycle.create', 'policy.create'],
  ['policy.lifecycle.update', 'policy.update'],
  ['policy.lifecycle.delete', 'policy.delete'],
])

/** `actor.type` values of applications and of Okta itself. */
const APPLICATION_TYPES = new Set(['publicclientapp', 'client', 'appinstance', 'app', 'oauth2client', 'apitoken'])
const SYSTEM_TYPES = new Set(['systemprincipal', 'system'])

/** Whether a record is an Okta System Log event: an `eventType` with Okta's envelope around it. */
export function isOktaEvent(record: unknown): boolean {
  if (!isObject(record)) {
    return false
  }
  const eventType = get(record, 'eventType')
  if (typeof eventType !== 'string' || get(record, 'action') !== undefined) {
    return false
  }
  return get(record, 'published') !== undefined || get(record, 'uuid') !== undefined || isObject(get(record, 'actor')) || get(record, 'legacyEventType') !== undefined || isObject(get(record, 'outcome'))
}

export function normalizeOktaEvent(record: unknown, context: { index: number; receivedAt: number }): ReturnType<IngestFormat['normalize']> {
  return normalizeSafely(record, context, normalize)
}

function normalize(record: JsonObject, receivedAt: number): Activity {
  const time = requireTime(get(record, 'published'), '/published', receivedAt)
  const eventType = getText(record, 'eventType') ?? fail('/eventType', 'required')
  const client = getObject(record, 'client')
  const geo = client === null ? null : getObject(client, 'geographicalContext')
  const userAgent = client === null ? null : getObject(client, 'userAgent')
  const result = resultOf(getObject(record, 'outcome'))
  const draft: ActivityDraft = {
    id: activityId(OKTA_FORMAT_NAME, getText(record, 'uuid'), record),
    time,
    actor: actorOf(record),
    app: APP,
    action: { type: verbOf(VERBS.get(eventType), eventType, result), name: eventType },
    ip: parseClientIp(client === null ? undefined : get(client, 'ipAddress')) ?? firstChainIp(record),
    country: geo === null ? null : countryCode(get(geo, 'country')),
    city: geo === null ? null : getText(geo, 'city'),
    deviceType: deviceTypeOf(client === null ? null : getText(client, 'device')),
    userAgent: userAgent === null ? null : getText(userAgent, 'rawUserAgent'),
    target: targetOf(getArray(record, 'target')[0]),
    result,
    description: getText(record, 'displayMessage'),
  }
  return buildActivity(OKTA_FORMAT_NAME, draft, receivedAt, record)
}

function actorOf(record: JsonObject): ActivityDraft['actor'] {
  const actor = get(record, 'actor')
  if (actor === undefined || actor === null) {
    fail('/actor', 'required')
  }
  if (!isObject(actor)) {
    fail('/actor', 'must be an object')
  }
  const alternate = getText(actor, 'alternateId')
  const alternateId = alternate === 'unknown' ? null : alternate
  const id = getText(actor, 'id')
  if (alternateId === null && id === null) {
    fail('/actor/alternateId', 'required (or /actor/id)')
  }
  const kind = (getText(actor, 'type') ?? '').toLowerCase()
  const type: ActorType = APPLICATION_TYPES.has(kind) ? 'application' : SYSTEM_TYPES.has(kind) ? 'system' : 'user'
  // Only a User's alternateId is a login; an application's is its name, an `IP address` actor's "unknown".
  const upn = kind === 'user' || looksLikeEmail(alternateId) ? normalizeUpn(alternateId) : null
  return { upn, displayName: getText(actor, 'displayName') ?? (upn === null ? alternateId : null), sourceId: id, type }
}

function resultOf(outcome: JsonObject | null): ActivityResult {
  const result = outcome === null ? '' : (getText(outcome, 'result') ?? '').toUpperCase()
  if (result === 'SUCCESS' || result === 'ALLOW') {
    return 'success'
  }
  if (result === 'FAILURE' || result === 'DENY') {
    return 'failure'
  }
  return 'unknown'
}

function firstChainIp(record: JsonObject): string | null {
  const request = getObject(record, 'request')
  const first = request === null ? undefined : getArray(request, 'ipChain')[0]
  return isObject(first) ? parseClientIp(get(first, 'ip')) : null
}

function deviceTypeOf(device: string | null): string | null {
  if (device === null) {
    return null
  }
  const lower = device.toLowerCase()
  return lower === 'computer' ? 'desktop' : lower === 'mobile' || lower === 'tablet' || lower === 'unknown' ? lower : device
}

function targetOf(first: unknown): ActivityDraft['target'] {
  if (!isObject(first)) {
    return null
  }
  return { type: getText(first, 'type'), id: getText(first, 'id'), name: firstText(first, ['alternateId', 'displayName']) }
}

export const oktaFormat: IngestFormat = Object.freeze({
  name: OKTA_FORMAT_NAME,
  detect: isOktaEvent,
  normalize: normalizeOktaEvent,
})
