/**
 * The one decision of what a viewer may see of private activities. Every read path (list, get-by-id,
 * export, SIEM, hunting, portal) asks this function and passes its answer to the store; none decides on
 * its own. Pure: no I/O, no clock.
 *
 * @module
 */

import { isAdmin, type AdminRole, type Viewer } from '../access/roles.js'
import { ValidationError, type ErrorDetail } from '../errors.js'
import type { BlindIndexField } from './envelope.js'

/** What a request asked for about private activities. */
export interface RevealRequest {
  /** The caller asked to show private activities ("Show private activities"). */
  readonly reveal: boolean
  /** The caller explicitly acknowledged that the reveal is audited. */
  readonly acknowledged: boolean
  /** Why the caller needs to see private activities (Veil requires it). */
  readonly justification: string | null
}

export const NO_REVEAL: RevealRequest = Object.freeze({ reveal: false, acknowledged: false, justification: null })

/**
 * The blind-index values (keyed hashes, see `envelope.ts`) of a revealing query's `eq` values, by field
 * and by lower-cased value. Private rows keep only these hashes of their user, IP, app and action type,
 * so this is how a revealing query's `eq` conditions on those fields reach them; an `eq` value with no
 * entry here matches no private activity.
 */
export type PrivateMatch = Readonly<Partial<Record<BlindIndexField, ReadonlyMap<string, string>>>>

/** What the store may return. */
export type Disclosure =
  /** Private activities do not exist for this request (privacy rules 3 and 4). */
  | { readonly includePrivate: false }
  /**
   * Private activities are shown; the caller must first write the governance record (rule 5). A private
   * activity matches only through its time and the blind indexes in `privateMatch` (none given: its
   * time only); a query with any other condition matches no private activity.
   */
  | { readonly includePrivate: true; readonly justification: string; readonly privateMatch?: PrivateMatch }

export const HIDE_PRIVATE: Disclosure = Object.freeze({ includePrivate: false })

/** Why a reveal was refused; each is a separate, stable reason so the caller can be told what is missing. */
export type RevealRefusal = 'not_admin' | 'no_permission' | 'not_acknowledged' | 'no_justification'

export type DisclosureDecision =
  | { readonly allowed: true; readonly disclosure: Disclosure }
  | { readonly allowed: false; readonly refusal: RevealRefusal }

/** Shortest justification accepted; long enough that "x" or "." is not one. */
export const MIN_JUSTIFICATION_LENGTH = 10

/** Longest justification accepted (it is stored in every governance record of the reveal). */
export const MAX_JUSTIFICATION_LENGTH = 2000

/** The request parameters of a reveal, as the list body, the list query string and get-by-id accept them. */
export const REVEAL_PARAMETERS = ['includePrivate', 'acknowledgeAudit', 'justification'] as const

/**
 * Read the reveal parameters of a request: `includePrivate`, `acknowledgeAudit` (booleans) and
 * `justification` (text). In a JSON body the booleans must be JSON booleans; in a query string they are
 * the words `true` or `false`. Anything else is refused with a `ValidationError` naming each parameter at
 * fault, so that `"includePrivate": "yes"` is never silently read as "do not reveal".
 *
 * @example
 * readRevealRequest({ includePrivate: true, acknowledgeAudit: true, justification: 'Case 4711' }, { fromQueryString: false })
 * // { reveal: true, acknowledged: true, justification: 'Case 4711' }
 */
export function readRevealRequest(input: Readonly<Record<string, unknown>>, options: { readonly fromQueryString: boolean }): RevealRequest {
  const problems: ErrorDetail[] = []
  const flag = (name: 'includePrivate' | 'acknowledgeAudit'): boolean => {
    const value = input[name]
    if (value === undefined || value === null) {
      return false
    }
    if (options.fromQueryString) {
      if (value === 'true' || value === 'false') {
        return value === 'true'
      }
      problems.push({ field: name, reason: 'must be true or false' })
      return false
    }
    if (typeof value === 'boolean') {
      return value
    }
    problems.push({ field: name, reason: 'must be a JSON boolean (true or false)' })
    return false
  }
  const reveal = flag('includePrivate')
  const acknowledged = flag('acknowledgeAudit')
  const raw = input.justification
  let justification: string | null = null
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'string') {
      problems.push({ field: 'justification', reason: 'must be a string' })
    } else if (raw.length > MAX_JUSTIFICATION_LENGTH) {
      problems.push({ field: 'justification', reason: `must be at most ${MAX_JUSTIFICATION_LENGTH} characters` })
    } else {
      justification = raw
    }
  }
  if (problems.length > 0) {
    throw new ValidationError('The reveal parameters are not valid', problems)
  }
  return { reveal, acknowledged, justification }
}

/**
 * Decide what `viewer` may see.
 *
 * A request that does not ask to reveal always gets {@link HIDE_PRIVATE}, whoever asks (rule 3: even an
 * admin who holds the permission sees nothing private until they ask). A reveal needs all of: an admin
 * role, a place on the activity privacy permission list, an acknowledgement, and a justification (rule 5).
 *
 * @example
 * decideDisclosure(viewer, NO_REVEAL, isPermitted) // { allowed: true, disclosure: { includePrivate: false } }
 */
export function decideDisclosure(viewer: Viewer, request: RevealRequest, holdsPrivacyPermission: boolean): DisclosureDecision {
  if (!request.reveal) {
    return { allowed: true, disclosure: HIDE_PRIVATE }
  }
  if (!isAdmin(viewer)) {
    return { allowed: false, refusal: 'not_admin' }
  }
  if (!holdsPrivacyPermission) {
    return { allowed: false, refusal: 'no_permission' }
  }
  if (!request.acknowledged) {
    return { allowed: false, refusal: 'not_acknowledged' }
  }
  const justification = request.justification?.trim() ?? ''
  if (justification.length < MIN_JUSTIFICATION_LENGTH) {
    return { allowed: false, refusal: 'no_justification' }
  }
  return { allowed: true, disclosure: { includePrivate: true, justification } }
}

/**
 * Whether a refusal was an attempt by someone without an effective permission (no admin role, or not
 * on the list, or suspended, or expired). Those attempts are governance records; a permitted admin who
 * only forgot the acknowledgement or the justification made a malformed request, not an attempt.
 */
export function isAttemptWithoutPermission(refusal: RevealRefusal): boolean {
  return refusal === 'not_admin' || refusal === 'no_permission'
}

/** What the caller is told for each refusal; never depends on whether private activities exist. */
export const REFUSAL_MESSAGES: Readonly<Record<RevealRefusal, string>> = Object.freeze({
  not_admin: 'Revealing private activities needs an admin role, and you have none. The attempt was recorded in the governance log.',
  no_permission:
    'You do not hold the activity privacy permission (not granted, suspended or expired); a global admin grants it. The attempt was recorded in the governance log.',
  not_acknowledged: 'A reveal is recorded in the governance log: send acknowledgeAudit: true to confirm that you know.',
  no_justification: `Say why you need to see private activities: send a justification of at least ${MIN_JUSTIFICATION_LENGTH} characters.`,
})

/** The request parameter a refusal is about, for the refusals that are a malformed request. */
export const REFUSAL_FIELDS: Readonly<Partial<Record<RevealRefusal, (typeof REVEAL_PARAMETERS)[number]>>> = Object.freeze({
  not_acknowledged: 'acknowledgeAudit',
  no_justification: 'justification',
})

/** What a grant on the activity privacy permission list says. */
export interface PrivacyGrantTerms {
  /** ms since the epoch; null for a grant without an end. */
  readonly expiresAt: number | null
}

/** What the permission depends on about the grantee's account. */
export interface GranteeAccount {
  readonly roles: readonly AdminRole[]
  readonly disabled: boolean
}

/**
 * Where a grant stands:
 * - `active`: it lets its holder reveal;
 * - `suspended`: the account lost every admin role or was disabled (privacy rule 9); giving back a role
 *   (or enabling the account) makes it active again;
 * - `expired`: its time box is over; it never comes back (grant again).
 * Expiry wins over suspension.
 */
export type PrivacyPermissionState = 'active' | 'suspended' | 'expired'

/**
 * The state of a grant for an account (null: the account does not exist any more) at `now`.
 *
 * @example
 * privacyPermissionState({ expiresAt: null }, { roles: [], disabled: false }, now) // 'suspended'
 */
export function privacyPermissionState(grant: PrivacyGrantTerms, account: GranteeAccount | null, now: number): PrivacyPermissionState {
  if (grant.expiresAt !== null && grant.expiresAt <= now) {
    return 'expired'
  }
  return account && qualifiesForPrivacyPermission(account) ? 'active' : 'suspended'
}

/** Whether an account may hold the permission at all: enabled, with an admin role. */
export function qualifiesForPrivacyPermission(account: GranteeAccount): boolean {
  return !account.disabled && account.roles.length > 0
}

/** Why an account cannot be granted the permission. */
export type GrantRefusal = 'no_account' | 'not_admin' | 'disabled' | 'expiry_in_past'

/**
 * Whether an account may be granted the permission (privacy rule 9: only admins), or why not.
 *
 * @example
 * decidePrivacyGrant({ roles: ['security_reader'], disabled: false }, null, now) // null (allowed)
 * decidePrivacyGrant({ roles: [], disabled: false }, null, now) // 'not_admin'
 */
export function decidePrivacyGrant(account: GranteeAccount | null, expiresAt: number | null, now: number): GrantRefusal | null {
  if (!account) {
    return 'no_account'
  }
  if (account.roles.length === 0) {
    return 'not_admin'
  }
  if (account.disabled) {
    return 'disabled'
  }
  if (expiresAt !== null && expiresAt <= now) {
    return 'expiry_in_past'
  }
  return null
}
