/**
 * What the SIEM forwarder may send (privacy rule 8): public activities, whole, and nothing else. A
 * private activity is not forwarded in any form, not even as a placeholder row, because a placeholder
 * would itself tell the SIEM that someone in a privacy group acted at that moment.
 *
 * The forwarder reads the store with `is_private = 0`, so a private activity can only reach this
 * function through a bug. It then fails closed: it throws, and the batch is not delivered.
 *
 * @module
 */

import type { Activity } from '../activity/activity.js'
import { HIDE_PRIVATE, type Disclosure } from './decide-disclosure.js'

/** What the forwarder reads: whatever the store holds, so the check below is on the real type. */
export type ForwardingCandidate = { readonly isPrivate: false; readonly activity: Activity } | { readonly isPrivate: true; readonly id: string }

/** The one disclosure the forwarder reads with: private activities do not exist for it, whoever configured it. */
export const FORWARDING_DISCLOSURE: Disclosure = HIDE_PRIVATE

/** A private activity reached the forwarder: a bug, and the batch is refused. Its message names no detail. */
export class PrivateActivityForwardingError extends Error {
  constructor() {
    super('A private activity reached the SIEM forwarder; the batch was not delivered (privacy rule 8)')
    this.name = 'PrivateActivityForwardingError'
  }
}

/**
 * The activities of a batch to forward, in order, or a {@link PrivateActivityForwardingError} if any
 * item is private: the whole batch is refused, so nothing of it leaves.
 *
 * @example
 * forwardableActivities([{ isPrivate: false, activity }]) // [activity]
 * forwardableActivities([{ isPrivate: true, id: 'x' }])   // throws PrivateActivityForwardingError
 */
export function forwardableActivities(batch: readonly ForwardingCandidate[]): Activity[] {
  const activities: Activity[] = []
  for (const candidate of batch) {
    // `=== false` rather than a truthiness test: an item whose marker is missing or malformed is not
    // known to be public, and fails closed like a private one.
    if (candidate.isPrivate !== false) {
      throw new PrivateActivityForwardingError()
    }
    activities.push(candidate.activity)
  }
  return activities
}
