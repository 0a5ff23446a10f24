/** What every activity of a native format must satisfy, whatever the source sent. */
import { isIP } from 'node:net'
import { expect } from 'vitest'
import { ACTIVITY_RESULTS, ACTOR_TYPES, type Activity } from '../../src/core/activity/activity.js'

/** The shape rules of a normalized activity (types, lengths, enumerations, formats). */
export function expectWellFormed(activity: Activity, format: string): void {
  expect(activity.source).toBe(format)
  expect(activity.id.length).toBeGreaterThan(format.length + 1)
  expect(activity.id.length).toBeLessThanOrEqual(256)
  expect(activity.id.startsWith(`${format}:`)).toBe(true)
  expect(Number.isSafeInteger(activity.time) && activity.time >= 0).toBe(true)
  expect(typeof activity.app === 'string' && activity.app.length > 0).toBe(true)
  expect(typeof activity.action.type === 'string' && activity.action.type.length > 0).toBe(true)
  expect(typeof activity.action.name === 'string' && activity.action.name.length > 0).toBe(true)
  expect(ACTOR_TYPES).toContain(activity.actor.type)
  expect(ACTIVITY_RESULTS).toContain(activity.result)
  // An actor is known by a UPN or a source id, or it is the system (the source itself acted).
  expect(activity.actor.upn !== null || activity.actor.sourceId !== null || activity.actor.type === 'system').toBe(true)
  if (activity.actor.upn !== null) {
    expect(activity.actor.upn).toBe(activity.actor.upn.toLowerCase())
  }
  if (activity.ip !== null) {
    expect(isIP(activity.ip)).not.toBe(0)
  }
  if (activity.location.country !== null) {
    expect(activity.location.country).toMatch(/^[A-Z]{2}$/)
  }
  for (const value of [activity.actor.upn, activity.actor.displayName, activity.actor.sourceId, activity.app, activity.action.type, activity.action.name, activity.location.city, activity.device.type, activity.device.userAgent, activity.target.type, activity.target.id, activity.target.name]) {
    expect(value === null || (typeof value === 'string' && value.length > 0 && value.length <= 4096)).toBe(true)
  }
}
