/**
 * The JSON an API client gets for one activity: Veil's normalized fields, plus the names of Microsoft
 * Defender for Cloud Apps' activity objects so scripts written against Defender's activities API keep
 * working (`_id`, `timestamp`, `appName`, `user.userName`, `location.countryCode`, `rawDataJson`, ...).
 *
 * Where Veil and Defender use the same key for an object (`location`, `device`, `userAgent`), the two
 * are merged into one object that carries both sets of names, so neither side loses a field. The mapping
 * is documented in `docs/query-language.md`.
 *
 * Only ever called with activities the caller may see: the store has already applied the disclosure.
 *
 * @module
 */

import type { Activity } from '../../core/activity/activity.js'

export interface PresentActivityOptions {
  /** Include the source event (`rawDataJson`); get-by-id does, lists do not. */
  readonly includeRaw: boolean
}

/**
 * Present one activity.
 *
 * @example
 * presentActivity(activity, { includeRaw: false })
 * // { id, time: '2024-05-01T12:00:00.000Z', receivedAt, source, actor, app, action, ip, location: { country, city, countryCode },
 * //   device: { type, userAgent, clientIP, countryCode }, target, result, description, actorGroups,
 * //   _id, timestamp: 1714564800000, created, appName, eventType, eventTypeName, eventTypeValue, ipAddress,
 * //   user: { userName, userTags }, userAgent: { userAgent, deviceType } }
 */
export function presentActivity(activity: Activity, options: PresentActivityOptions): Record<string, unknown> {
  const { actor, action, location, device, target } = activity
  const presented: Record<string, unknown> = {
    // Veil's normalized fields. Times are ISO 8601 here; Defender's `timestamp` / `created` carry the ms.
    id: activity.id,
    time: isoTime(activity.time),
    receivedAt: isoTime(activity.receivedAt),
    source: activity.source,
    // directoryUserId: the directory user the actor matched (null: unmatched, still recorded).
    actor: { upn: actor.upn, displayName: actor.displayName, sourceId: actor.sourceId, type: actor.type, directoryUserId: activity.directoryUserId ?? null },
    app: activity.app,
    action: { type: action.type, name: action.name },
    ip: activity.ip,
    // Veil's {country, city} and Defender's {countryCode, city} in one object.
    location: { country: location.country, city: location.city, countryCode: location.country },
    // Veil's {type, userAgent} and Defender's {clientIP, countryCode, userAgent} in one object.
    device: { type: device.type, userAgent: device.userAgent, clientIP: activity.ip, countryCode: location.country },
    target: { type: target.type, id: target.id, name: target.name },
    result: activity.result,
    description: activity.description,
    actorGroups: [...activity.actorGroups],

    // Defender for Cloud Apps' names.
    _id: activity.id,
    timestamp: activity.time,
    created: activity.receivedAt,
    appName: activity.app,
    eventType: action.name,
    eventTypeName: action.name,
    eventTypeValue: action.name,
    ipAddress: activity.ip,
    user: { userName: actor.upn, userTags: [...activity.actorGroups] },
    // An object as in Defender (whose filter is `userAgent.userAgent`), not a string.
    userAgent: { userAgent: device.userAgent, deviceType: device.type },
  }
  if (options.includeRaw) {
    // Veil's name and Defender's, so clients of either find the source event.
    presented.raw = activity.raw
    presented.rawDataJson = activity.raw
  }
  return presented
}

function isoTime(ms: number): string | null {
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? null : date.toISOString()
}
