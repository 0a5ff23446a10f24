/**
 * The one decision of what a viewer may see of private activities. Every read path (list, get-by-id,
 * export, SIEM, hunting, portal) asks this function and passes its answer to the store; none decides on
 * its own. Pure: no I/O, no clock.
 *
 * @module
 */

import { isAdmin, type Viewer } from '../access/roles.js'

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

/** What the store may return. */
export type Disclosure =
  /** Private activities do not exist for this request (privacy rules 3 and 4). */
  | { readonly includePrivate: false }
  /** Private activities are shown; the caller must first write the governance record (rule 5). */
  | { readonly includePrivate: true; readonly justification: string }

export const HIDE_PRIVATE: Disclosure = Object.freeze({ includePrivate: false })

/** Why a reveal was refused; each is a separate, stable reason so the caller can be told what is missing. */
export type RevealRefusal = 'not_admin' | 'no_permission' | 'not_acknowledged' | 'no_justification'

export type DisclosureDecision =
  | { readonly allowed: true; readonly disclosure: Disclosure }
  | { readonly allowed: false; readonly refusal: RevealRefusal }

/** Shortest justification accepted; long enough that "x" or "." is not one. */
export const MIN_JUSTIFICATION_LENGTH = 10

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
