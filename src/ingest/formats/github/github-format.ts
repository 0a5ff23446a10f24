/**
 * GitHub audit log events of organizations and enterprises (`--format github`), as the REST API
 * (`/orgs/{org}/audit-log`, `/enterprises/{enterprise}/audit-log`) and audit log streaming deliver them,
 * and as GitHub Enterprise Server writes them (the JSON after `github_audit:` in its syslog lines).
 *
 * GitHub logins are not email addresses: the actor's UPN is the SAML identity (`external_identity_nameid`)
 * when the organization uses SAML single sign-on, else the login, which matches a directory user only
 * through an alias. Mapping and deliberate differences: `docs/ingest-formats.md#github`.
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
  get,
  getFirst,
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

export const GITHUB_FORMAT_NAME = 'github'
const APP = 'GitHub'

const VERBS: ReadonlyMap<string, string> = new Map([
  ['git.clone', 'repo.clone'],
  ['git.fetch', 'repo.fetch'],
  ['git.push', 'repo.push'],
  ['protected_branch.rejected_ref_update', 'repo.push'],
  ['repo.download_zip', 'repo.download'],
  ['repo.destroy', 'repo.delete'],
  ['repo.add_member', 'repo.member.add'],
  ['repo.remove_member', 'repo.member.remove'],
  ['org.add_member', 'org.member.add'],
  ['org.remove_member', 'org.member.remove'],
  ['org.invite_member', 'org.member.invite'],
  ['org.update_member', 'org.member.update'],
  ['team.add_member', 'team.member.add'],
  ['team.remove_member', 'team.member.remove'],
  ['team.destroy', 'team.delete'],
  ['business.add_admin', 'role.assign'],
  ['business.remove_admin', 'role.unassign'],
  ['oauth_authorization.create', 'oauth.authorize'],
  ['oauth_authorization.destroy', 'oauth.revoke'],
  ['oauth_application.create', 'app.create'],
  ['integration_installation.create', 'app.install'],
  ['public_key.create', 'ssh_key.create'],
  ['public_key.delete', 'ssh_key.delete'],
  ['personal_access_token.access_granted', 'token.create'],
])

/** Actions whose target is a person (a member added, an admin promoted), not the repository or org. */
const PERSON_ACTION = /member|user|admin|invite|collaborator|owner|promote|demote/

const ACTION_NAME = /^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)+$/

/** Whether a record is a GitHub audit event: a dotted `category.operation` action and a login (not an object) as actor. */
export function isGitHubEvent(record: unknown): boolean {
  if (!isObject(record)) {
    return false
  }
  const action = record.action
  if (typeof action !== 'string' || record.eventType !== undefined) {
    return false
  }
  const actor = record.actor
  if (actor !== undefined && actor !== null && typeof actor !== 'string') {
    return false
  }
  // An undotted action is GitHub's only with GitHub's keys around it (Zoom and others also have `action`).
  if (!ACTION_NAME.test(action) && (typeof actor !== 'string' || (record.created_at === undefined && record['@timestamp'] === undefined && record.org === undefined))) {
    return false
  }
  return (
    actor !== undefined ||
    record.actor_id !== undefined ||
    record.created_at !== undefined ||
    record['@timestamp'] !== undefined ||
    record._document_id !== undefined ||
    record.org !== undefined ||
    record.business !== undefined ||
    record.repo !== undefined
  )
}

export function normalizeGitHubEvent(record: unknown, context: { index: number; receivedAt: number }): ReturnType<IngestFormat['normalize']> {
  return normalizeSafely(record, context, normalize)
}

function normalize(record: JsonObject, receivedAt: number): Activity {
  // `at_sign_timestamp` is how some pipelines rename `@timestamp`.
  const timeKey = record['@timestamp'] !== undefined ? '@timestamp' : record.created_at !== undefined ? 'created_at' : record.at_sign_timestamp !== undefined ? 'at_sign_timestamp' : 'created_at'
  const time = requireTime(record[timeKey], `/${timeKey}`, receivedAt, { epochMs: true })
  const action = getText(record, 'action') ?? fail('/action', 'required')
  const result: ActivityResult = /rejected|fail/.test(action) ? 'failure' : 'success'
  const location = getObject(record, 'actor_location')
  const draft: ActivityDraft = {
    id: activityId(GITHUB_FORMAT_NAME, getText(record, '_document_id'), record),
    time,
    actor: actorOf(record),
    app: APP,
    action: { type: verbOf(VERBS.get(action), action, result), name: action },
    ip: parseClientIp(get(record, 'actor_ip')),
    country: location === null ? null : countryCode(get(location, 'country_code')),
    userAgent: getText(record, 'user_agent'),
    target: targetOf(record, action),
    result,
  }
  return buildActivity(GITHUB_FORMAT_NAME, draft, receivedAt, record)
}

function actorOf(record: JsonObject): ActivityDraft['actor'] {
  const login = getText(record, 'actor')
  const actorId = getText(record, 'actor_id')
  if (login === null && actorId === null) {
    fail('/actor', 'required')
  }
  const programmatic = getText(record, 'programmatic_access_type') ?? ''
  const isBot = record.actor_is_bot === true || (login !== null && login.endsWith('[bot]')) || /GitHub App/i.test(programmatic)
  if (isBot) {
    return { upn: null, displayName: login, sourceId: actorId ?? login, type: 'application' }
  }
  const samlIdentity = getFirst(record, ['external_identity_nameid', 'external_identity_username'])
  const email = typeof samlIdentity === 'string' && looksLikeEmail(samlIdentity) ? samlIdentity : null
  return { upn: normalizeUpn(email ?? login), displayName: login, sourceId: actorId, type: 'user' }
}

function targetOf(record: JsonObject, action: string): ActivityDraft['target'] {
  const user = getText(record, 'user')
  const repo = getText(record, 'repo') ?? getText(record, 'repository')
  if (user !== null && (PERSON_ACTION.test(action) || repo === null)) {
    return { type: 'user', id: getText(record, 'user_id'), name: user }
  }
  if (repo !== null) {
    return { type: 'repository', id: getText(record, 'repo_id'), name: repo }
  }
  const team = getText(record, 'team')
  if (team !== null) {
    return { type: 'team', id: null, name: team }
  }
  const org = getText(record, 'org')
  if (org !== null) {
    return { type: 'organization', id: getText(record, 'org_id'), name: org }
  }
  const business = getText(record, 'business')
  return business === null ? null : { type: 'enterprise', id: getText(record, 'business_id'), name: business }
}

export const gitHubFormat: IngestFormat = Object.freeze({
  name: GITHUB_FORMAT_NAME,
  detect: isGitHubEvent,
  normalize: normalizeGitHubEvent,
})
