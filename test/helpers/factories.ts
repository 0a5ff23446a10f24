/**
 * Test data builders: `buildX(overrides)` returns a complete, valid object with unique ids, so a test
 * spells out only what it is about.
 *
 * @example
 * const a = buildActivity({ app: 'github', actor: { upn: 'ann@example.com' } })
 * const p = buildClassified({ actor: { upn: 'bob@example.com' }, isPrivate: true })
 */

import type { Activity, ActivityAction, ActivityDevice, ActivityLocation, ActivityTarget, Actor, ClassifiedActivity } from '../../src/core/activity/activity.js'
import type { PublicActivity, StoredActivity } from '../../src/storage/store.js'

/** Top-level fields replace; the nested objects merge with the defaults one level deep. */
export type ActivityOverrides = Partial<Omit<Activity, 'actor' | 'action' | 'location' | 'device' | 'target'>> & {
  readonly actor?: Partial<Actor>
  readonly action?: Partial<ActivityAction>
  readonly location?: Partial<ActivityLocation>
  readonly device?: Partial<ActivityDevice>
  readonly target?: Partial<ActivityTarget>
}

export type ClassifiedOverrides = ActivityOverrides & {
  readonly isPrivate?: boolean
  readonly privateBecause?: string | null
}

/** 2024-05-01T12:00:00Z: a fixed clock, so tests do not depend on today. */
export const BASE_TIME = Date.UTC(2024, 4, 1, 12, 0, 0)

let sequence = 0

/** A unique, lower-case id for test data (`prefix-000001`, ...), ordered by creation. */
export function nextId(prefix = 'act'): string {
  sequence += 1
  return `${prefix}-${String(sequence).padStart(6, '0')}`
}

/** A normalized activity: a successful login of ann@example.com to Microsoft Teams, unless overridden. */
export function buildActivity(overrides: ActivityOverrides = {}): Activity {
  const { actor, action, location, device, target, ...top } = overrides
  const id = top.id ?? nextId()
  const time = top.time ?? BASE_TIME
  return {
    id,
    time,
    receivedAt: time + 1_000,
    source: 'veil',
    app: 'Microsoft Teams',
    ip: '203.0.113.7',
    result: 'success',
    description: 'Ann signed in to Microsoft Teams',
    actorGroups: [],
    raw: { id, kind: 'test' },
    ...top,
    actor: { upn: 'ann@example.com', displayName: 'Ann Example', sourceId: null, type: 'user', ...actor },
    action: { type: 'login', name: 'UserLoggedIn', ...action },
    location: { country: 'DE', city: 'Berlin', ...location },
    device: { type: 'desktop', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', ...device },
    target: { type: null, id: null, name: null, ...target },
  }
}

/** An activity as the classify stage hands it to the store: not private unless `isPrivate` is set. */
export function buildClassified(overrides: ClassifiedOverrides = {}): ClassifiedActivity {
  const { isPrivate = false, privateBecause, ...activity } = overrides
  return {
    activity: buildActivity(activity),
    isPrivate,
    privateBecause: privateBecause ?? (isPrivate ? 'privacy-group' : null),
  }
}

/** A public activity as the store receives it. */
export function asPublic(activity: Activity): PublicActivity {
  return { isPrivate: false, activity }
}

/** A public activity to insert, built as {@link buildActivity} builds it. */
export function buildPublic(overrides: ActivityOverrides = {}): PublicActivity {
  return asPublic(buildActivity(overrides))
}

/** The id of a stored activity, public or sealed. */
export function storedId(item: StoredActivity): string {
  return item.isPrivate ? item.id : item.activity.id
}

/** The activity of a stored public activity (null for null); a sealed one is a test failure. */
export function publicActivity(item: StoredActivity | null | undefined): Activity | null {
  if (item === null || item === undefined) {
    return null
  }
  if (item.isPrivate) {
    throw new Error(`expected a public activity, got the sealed activity ${item.id}`)
  }
  return item.activity
}
