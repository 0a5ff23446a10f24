/**
 * Veil's normalized action types → the `EVENT_CATEGORY_*` Device Event Class IDs of Defender for Cloud
 * Apps' SIEM agent, so SIEM content built for the agent (parsers, rules, dashboards) keeps working.
 *
 * Action types are free text chosen by each ingest format (`login`, `login.failed`, `file.download`,
 * `user.session.start`, `mailbox.rule.create` ...), so the mapping works on their dot-separated words:
 * the first rule that matches wins, and anything else is `EVENT_CATEGORY_UNSPECIFIED`. The table with
 * examples is in `docs/siem-cef.md`.
 *
 * @module
 */

import type { Activity } from '../../core/activity/activity.js'

/**
 * Every category Veil emits. Those marked (Defender) appear in the agent's published sample logs; the
 * others follow the same naming for classes the samples do not show.
 */
export const CEF_EVENT_CATEGORIES = [
  'EVENT_CATEGORY_LOGIN', // (Defender)
  'EVENT_CATEGORY_FAILED_LOGIN', // (Defender)
  'EVENT_CATEGORY_SSO_LOGIN', // (Defender)
  'EVENT_CATEGORY_LOGOUT', // (Defender)
  'EVENT_CATEGORY_DOWNLOAD_FILE', // (Defender)
  'EVENT_CATEGORY_UPLOAD_FILE', // (Defender)
  'EVENT_CATEGORY_VIEW_FILE',
  'EVENT_CATEGORY_CREATE_FILE',
  'EVENT_CATEGORY_EDIT_FILE',
  'EVENT_CATEGORY_RENAME_FILE',
  'EVENT_CATEGORY_DELETE_FILE',
  'EVENT_CATEGORY_SHARE_FILE',
  'EVENT_CATEGORY_CREATE_USER', // (Defender)
  'EVENT_CATEGORY_DELETE_USER', // (Defender)
  'EVENT_CATEGORY_EDIT_USER',
  'EVENT_CATEGORY_CHANGE_PASSWORD',
  'EVENT_CATEGORY_CHANGE_PERMISSIONS',
  'EVENT_CATEGORY_SEND_MESSAGE',
  'EVENT_CATEGORY_VIEW_REPORT', // (Defender)
  'EVENT_CATEGORY_CREATE_OBJECT',
  'EVENT_CATEGORY_EDIT_OBJECT',
  'EVENT_CATEGORY_DELETE_OBJECT', // (Defender)
  'EVENT_CATEGORY_VIEW_OBJECT',
  'EVENT_CATEGORY_UNSPECIFIED',
] as const

export type CefEventCategory = (typeof CEF_EVENT_CATEGORIES)[number]

const LOGIN_STARTS = new Set(['login', 'logon', 'signin', 'sign_in', 'authentication', 'auth'])
const LOGOUT_WORDS = new Set(['logout', 'logoff', 'signout', 'sign_out'])
const FAILURE_WORDS = new Set(['failed', 'failure', 'fail', 'denied', 'rejected', 'blocked'])
const FILE_NOUNS = new Set(['file', 'files', 'folder', 'document', 'doc', 'attachment', 'object', 'blob'])
const CREATE_VERBS = new Set(['create', 'add', 'new', 'insert', 'copy'])
const EDIT_VERBS = new Set(['modify', 'edit', 'update', 'change', 'set', 'write', 'patch', 'replace', 'restore', 'enable', 'disable'])
const DELETE_VERBS = new Set(['delete', 'remove', 'trash', 'purge', 'destroy', 'unassign'])
const VIEW_VERBS = new Set(['view', 'read', 'access', 'open', 'preview', 'get', 'list'])
const PERMISSION_WORDS = new Set(['role', 'roles', 'permission', 'permissions', 'member', 'membership', 'user_membership', 'privilege', 'grant', 'consent', 'assign', 'unassign', 'acl', 'policy', 'authorize'])

/**
 * The Device Event Class ID for one activity.
 *
 * @example
 * cefEventCategory({ action: { type: 'login', name: 'UserLoggedIn' }, result: 'failure', ... }) // 'EVENT_CATEGORY_FAILED_LOGIN'
 * cefEventCategory({ action: { type: 'file.download', name: 'FileDownloaded' }, ... })        // 'EVENT_CATEGORY_DOWNLOAD_FILE'
 */
export function cefEventCategory(activity: Pick<Activity, 'action' | 'result'>): CefEventCategory {
  const words = activity.action.type.toLowerCase().split(/[.:/\s]+/).filter((w) => w !== '')
  const first = words[0] ?? ''
  const last = words[words.length - 1] ?? ''
  const has = (set: ReadonlySet<string>) => words.some((w) => set.has(w))

  if (has(LOGOUT_WORDS) || (words.includes('session') && (last === 'end' || last === 'terminate' || last === 'revoke'))) {
    return 'EVENT_CATEGORY_LOGOUT'
  }
  const isLogin = LOGIN_STARTS.has(first) || (first === 'user' && (words[1] === 'authentication' || words[1] === 'login')) || (words.includes('session') && last === 'start')
  if (isLogin) {
    if (activity.result === 'failure' || has(FAILURE_WORDS)) {
      return 'EVENT_CATEGORY_FAILED_LOGIN'
    }
    return words.includes('sso') || words.includes('saml') ? 'EVENT_CATEGORY_SSO_LOGIN' : 'EVENT_CATEGORY_LOGIN'
  }
  if (words.includes('sso')) {
    return 'EVENT_CATEGORY_SSO_LOGIN'
  }
  if (words.some((w) => w.startsWith('download'))) {
    return 'EVENT_CATEGORY_DOWNLOAD_FILE'
  }
  if (words.some((w) => w.startsWith('upload'))) {
    return 'EVENT_CATEGORY_UPLOAD_FILE'
  }
  if (words.includes('password') || words.some((w) => w.endsWith('_password'))) {
    return 'EVENT_CATEGORY_CHANGE_PASSWORD'
  }
  if (FILE_NOUNS.has(first)) {
    // Object stores (S3 GetObject/PutObject) read and write whole files.
    if (first === 'object' || first === 'blob') {
      if (VIEW_VERBS.has(last)) {
        return 'EVENT_CATEGORY_DOWNLOAD_FILE'
      }
      if (EDIT_VERBS.has(last)) {
        return 'EVENT_CATEGORY_UPLOAD_FILE'
      }
    }
    if (words.some((w) => w.startsWith('share') || w === 'invite' || w === 'link')) {
      return 'EVENT_CATEGORY_SHARE_FILE'
    }
    if (last === 'rename' || last === 'move') {
      return 'EVENT_CATEGORY_RENAME_FILE'
    }
    if (DELETE_VERBS.has(last)) {
      return 'EVENT_CATEGORY_DELETE_FILE'
    }
    if (CREATE_VERBS.has(last)) {
      return 'EVENT_CATEGORY_CREATE_FILE'
    }
    if (EDIT_VERBS.has(last)) {
      return 'EVENT_CATEGORY_EDIT_FILE'
    }
    if (VIEW_VERBS.has(last)) {
      return 'EVENT_CATEGORY_VIEW_FILE'
    }
  }
  if (has(PERMISSION_WORDS)) {
    return 'EVENT_CATEGORY_CHANGE_PERMISSIONS'
  }
  if (first === 'user' || first === 'account') {
    if (CREATE_VERBS.has(last)) {
      return 'EVENT_CATEGORY_CREATE_USER'
    }
    if (DELETE_VERBS.has(last)) {
      return 'EVENT_CATEGORY_DELETE_USER'
    }
    return 'EVENT_CATEGORY_EDIT_USER'
  }
  if ((first === 'mail' || first === 'message' || first === 'email' || first === 'chat') && (last === 'send' || last === 'sent' || last === 'forward' || last === 'reply')) {
    return 'EVENT_CATEGORY_SEND_MESSAGE'
  }
  if (first === 'report' && VIEW_VERBS.has(last)) {
    return 'EVENT_CATEGORY_VIEW_REPORT'
  }
  if (CREATE_VERBS.has(last)) {
    return 'EVENT_CATEGORY_CREATE_OBJECT'
  }
  if (DELETE_VERBS.has(last)) {
    return 'EVENT_CATEGORY_DELETE_OBJECT'
  }
  if (EDIT_VERBS.has(last)) {
    return 'EVENT_CATEGORY_EDIT_OBJECT'
  }
  if (VIEW_VERBS.has(last)) {
    return 'EVENT_CATEGORY_VIEW_OBJECT'
  }
  return 'EVENT_CATEGORY_UNSPECIFIED'
}
