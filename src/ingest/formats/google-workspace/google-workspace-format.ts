/**
 * Google Workspace Admin SDK Reports API activities (`--format google-workspace`): `login`, `admin`,
 * `drive`, `token`, `saml`, `user_accounts` and the other applications. One Reports activity holds one
 * or more `events`; **each event becomes one activity** (a Drive share with three people is three
 * `change_user_access` events, and a filter on one of them must find it). Also read: a Reports page
 * (`{"kind": "admin#reports#activities", "items": [...]}`), activities already split per event (`events`
 * an object), and rows flattened to one event (`name`, `type`, `parameters` at the top level).
 *
 * Reports activities have no id of their own, so the activity id is derived from what identifies one:
 * `customerId`, `applicationName`, `time`, `uniqueQualifier`, the event itself and, for byte-identical
 * events of the same activity, their rank. The same activity sent again, whole or split, gets the same ids.
 *
 * Mapping and deliberate differences: `docs/ingest-formats.md#google-workspace`.
 *
 * @module
 */

import type { Activity, ActivityResult, ActorType } from '../../../core/activity/activity.js'
import type { IngestFormat, RecordPart } from '../../ingest-format.js'
import {
  buildActivity,
  canonicalText,
  derivedId,
  fail,
  get,
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

export const GOOGLE_WORKSPACE_FORMAT_NAME = 'google-workspace'
const APP = 'Google Workspace'

/** Normalized verbs, keyed `applicationName/event name`. */
const VERBS: ReadonlyMap<string, string> = new Map([
  ['login/login_success', 'login'],
  ['login/login_failure', 'login.failed'],
  ['login/logout', 'logout'],
  ['login/login_verification', 'mfa.verify'],
  ['login/login_challenge', 'mfa.verify'],
  ['saml/login_success', 'login.sso'],
  ['saml/login_failure', 'login.failed'],
  ['drive/view', 'file.view'],
  ['drive/preview', 'file.view'],
  ['drive/edit', 'file.modify'],
  ['drive/download', 'file.download'],
  ['drive/print', 'file.print'],
  ['drive/upload', 'file.upload'],
  ['drive/create', 'file.create'],
  ['drive/copy', 'file.copy'],
  ['drive/move', 'file.move'],
  ['drive/rename', 'file.rename'],
  ['drive/trash', 'file.delete'],
  ['drive/delete', 'file.delete'],
  ['drive/untrash', 'file.restore'],
  ['drive/change_user_access', 'file.share'],
  ['drive/change_document_access_scope', 'file.share'],
  ['drive/change_document_visibility', 'file.visibility.change'],
  ['drive/change_owner', 'file.owner.change'],
  ['token/authorize', 'oauth.authorize'],
  ['token/revoke', 'oauth.revoke'],
  ['admin/CREATE_USER', 'user.create'],
  ['admin/DELETE_USER', 'user.delete'],
  ['admin/SUSPEND_USER', 'user.disable'],
  ['admin/UNSUSPEND_USER', 'user.enable'],
  ['admin/CHANGE_PASSWORD', 'password.reset'],
  ['admin/ASSIGN_ROLE', 'role.assign'],
  ['admin/UNASSIGN_ROLE', 'role.unassign'],
  ['admin/GRANT_ADMIN_PRIVILEGE', 'role.assign'],
  ['admin/REVOKE_ADMIN_PRIVILEGE', 'role.unassign'],
  ['admin/CREATE_ROLE', 'role.create'],
  ['admin/DELETE_ROLE', 'role.delete'],
  ['admin/CREATE_GROUP', 'group.create'],
  ['admin/DELETE_GROUP', 'group.delete'],
  ['admin/ADD_GROUP_MEMBER', 'group.member.add'],
  ['admin/REMOVE_GROUP_MEMBER', 'group.member.remove'],
  ['user_accounts/password_change', 'password.change'],
  ['user_accounts/2sv_enroll', 'mfa.register'],
  ['user_accounts/2sv_disable', 'mfa.disable'],
])

/** How each expanded event finds its place in the activity it came from (for error fields and ids). */
const EVENT_ORIGIN = new WeakMap<object, { readonly index: number; readonly rank: number }>()

/** Whether a record is a Reports activity (whole, split or flattened) or a Reports page. */
export function isGoogleWorkspaceRecord(record: unknown): boolean {
  if (!isObject(record)) {
    return false
  }
  if (record.kind === 'admin#reports#activity') {
    return true
  }
  if (record.kind === 'admin#reports#activities') {
    return Array.isArray(record.items)
  }
  const id = record.id
  return isObject(id) && typeof id.applicationName === 'string' && (record.events !== undefined || record.name !== undefined)
}

/**
 * One part per event: a Reports activity with several `events` becomes one record per event (the
 * activity with `events` holding that one event), and a page one per event of each of its items.
 */
export function expandGoogleWorkspaceRecord(record: unknown): readonly RecordPart[] | null {
  if (!isObject(record)) {
    return null
  }
  if (record.kind === 'admin#reports#activities' && Array.isArray(record.items)) {
    const parts: RecordPart[] = []
    record.items.forEach((item: unknown, i) => {
      const events = perEvent(item)
      if (events === null) {
        parts.push({ pointer: `/items/${i}`, value: item })
      } else {
        // Each event is a whole activity of one event: fields name its place in the page.
        events.forEach((value) => parts.push({ pointer: `/items/${i}`, value }))
      }
    })
    return parts
  }
  const events = perEvent(record)
  return events === null ? null : events.map((value) => ({ pointer: '', value }))
}

/** The activity split per event, or null when it holds at most one. */
function perEvent(activity: unknown): JsonObject[] | null {
  if (!isObject(activity) || !Array.isArray(activity.events) || activity.events.length < 2) {
    return null
  }
  const seen = new Map<string, number>()
  return activity.events.map((event: unknown, index) => {
    const key = canonicalText(event)
    const rank = seen.get(key) ?? 0
    seen.set(key, rank + 1)
    const part = { ...activity, events: [event] }
    EVENT_ORIGIN.set(part, { index, rank })
    return part
  })
}

export function normalizeGoogleWorkspaceRecord(record: unknown, context: { index: number; receivedAt: number }): ReturnType<IngestFormat['normalize']> {
  return normalizeSafely(record, context, normalize)
}

function normalize(record: JsonObject, receivedAt: number): Activity {
  const id = getObject(record, 'id') ?? fail('/id', 'required')
  const time = requireTime(get(id, 'time'), '/id/time', receivedAt)
  const application = getText(id, 'applicationName') ?? fail('/id/applicationName', 'required')
  const origin = EVENT_ORIGIN.get(record) ?? { index: 0, rank: 0 }
  const { event, pointer } = eventOf(record, origin.index)
  const name = getText(event, 'name') ?? fail(`${pointer}/name`, 'required')
  const parameters = parametersOf(get(event, 'parameters'))
  const result = resultOf(application, name, parameters)
  const draft: ActivityDraft = {
    id: derivedId(GOOGLE_WORKSPACE_FORMAT_NAME, [getText(id, 'customerId'), application, text(get(id, 'time')), text(get(id, 'uniqueQualifier')), event, origin.rank]),
    time,
    actor: actorOf(record),
    app: APP,
    action: { type: verbOf(VERBS.get(`${application}/${name}`), name, result), name },
    ip: parseClientIp(get(record, 'ipAddress')),
    target: targetOf(application, parameters),
    result,
  }
  return buildActivity(GOOGLE_WORKSPACE_FORMAT_NAME, draft, receivedAt, record)
}

/** The event: `events[0]` (API), `events` (split per event), or the record itself (flattened rows). */
function eventOf(record: JsonObject, index: number): { event: JsonObject; pointer: string } {
  const events = record.events
  if (Array.isArray(events)) {
    const first: unknown = events[0]
    if (!isObject(first)) {
      fail(`/events/${index}`, events.length === 0 ? 'required (an activity has at least one event)' : 'must be an object')
    }
    return { event: first, pointer: `/events/${index}` }
  }
  if (isObject(events)) {
    return { event: events, pointer: '/events' }
  }
  if (events !== undefined && events !== null) {
    fail('/events', 'must be an array of events')
  }
  if (record.name === undefined) {
    fail('/events', 'required')
  }
  return { event: { type: record.type, name: record.name, parameters: record.parameters }, pointer: '' }
}

function actorOf(record: JsonObject): ActivityDraft['actor'] {
  const actor = get(record, 'actor')
  if (actor === undefined || actor === null) {
    fail('/actor', 'required')
  }
  if (!isObject(actor)) {
    fail('/actor', 'must be an object')
  }
  const email = normalizeUpn(get(actor, 'email'))
  const profileId = getText(actor, 'profileId')
  const key = getText(actor, 'key')
  const appInfo = getObject(actor, 'applicationInfo')
  let type: ActorType = 'user'
  if (appInfo !== null || getText(actor, 'callerType') === 'KEY' || (email === null && key !== null)) {
    type = 'application'
  }
  if (type === 'application') {
    // An OAuth client, maybe acting as (impersonating) the user whose email it carries.
    const clientId = appInfo === null ? null : getText(appInfo, 'oauthClientId')
    return { upn: email, displayName: (appInfo === null ? null : getText(appInfo, 'applicationName')) ?? key, sourceId: clientId ?? key ?? profileId, type }
  }
  if (email === null && profileId === null) {
    // Google acted itself (scheduled and automatic changes carry no caller).
    return systemActor(APP)
  }
  return { upn: email, displayName: null, sourceId: profileId, type }
}

/** Event parameters by name, with each typed value (`value`, `intValue`, `boolValue`, `multiValue`, ...) as text. */
function parametersOf(value: unknown): ReadonlyMap<string, string> {
  const parameters = new Map<string, string>()
  if (Array.isArray(value)) {
    for (const entry of value) {
      if (isObject(entry) && typeof entry.name === 'string') {
        const scalar = text(entry.value) ?? text(entry.intValue) ?? text(entry.boolValue) ?? listText(entry.multiValue) ?? listText(entry.multiIntValue)
        if (scalar !== null) {
          parameters.set(entry.name, scalar)
        }
      }
    }
  } else if (isObject(value)) {
    for (const [name, entry] of Object.entries(value)) {
      const scalar = text(entry) ?? listText(entry)
      if (scalar !== null) {
        parameters.set(name, scalar)
      }
    }
  }
  return parameters
}

function listText(value: unknown): string | null {
  return Array.isArray(value) ? text(value.map((v) => text(v) ?? '').join(', ')) : null
}

function resultOf(application: string, name: string, parameters: ReadonlyMap<string, string>): ActivityResult {
  if (/fail/i.test(name) || (application === 'login' && parameters.has('login_failure_type'))) {
    return 'failure'
  }
  // The Reports API records what happened; only failures say so.
  return 'success'
}

function targetOf(application: string, parameters: ReadonlyMap<string, string>): ActivityDraft['target'] {
  const docId = parameters.get('doc_id')
  if (docId !== undefined) {
    return { type: parameters.get('doc_type') ?? 'file', id: docId, name: parameters.get('doc_title') ?? null }
  }
  for (const [parameter, type] of [
    ['USER_EMAIL', 'user'],
    ['GROUP_EMAIL', 'group'],
    ['affected_email_address', 'user'],
    ['ROLE_NAME', 'role'],
    ['SETTING_NAME', 'setting'],
    ['APPLICATION_NAME', 'application'],
    ['DOMAIN_NAME', 'domain'],
  ] as const) {
    const name = parameters.get(parameter)
    if (name !== undefined) {
      return { type, id: null, name }
    }
  }
  if (application === 'token') {
    return { type: 'application', id: parameters.get('client_id') ?? null, name: parameters.get('app_name') ?? null }
  }
  return null
}

export const googleWorkspaceFormat: IngestFormat = Object.freeze({
  name: GOOGLE_WORKSPACE_FORMAT_NAME,
  detect: isGoogleWorkspaceRecord,
  normalize: normalizeGoogleWorkspaceRecord,
  expand: expandGoogleWorkspaceRecord,
})
