/**
 * The normalized activity: one thing an actor did in an app at a time.
 *
 * Every ingest format (Veil's generic JSON, and the native formats added later) is turned into this shape
 * by its normalize stage. Field names follow the product brief so that Veil's own generic JSON format is
 * exactly this object.
 *
 * @module
 */

/** Who acted: a person, an application / service principal, or the system itself. */
export const ACTOR_TYPES = ['user', 'application', 'system'] as const
export type ActorType = (typeof ACTOR_TYPES)[number]

export const ACTIVITY_RESULTS = ['success', 'failure', 'unknown'] as const
export type ActivityResult = (typeof ACTIVITY_RESULTS)[number]

export interface Actor {
  /** UPN or email; lower-cased by normalization because UPNs compare case-insensitively. */
  readonly upn: string | null
  readonly displayName: string | null
  /** The source's own id for the actor (object id, external id). */
  readonly sourceId: string | null
  readonly type: ActorType
}

export interface ActivityAction {
  /** Veil's normalized verb, e.g. `login`, `file.download`, `mailbox.rule.create`. */
  readonly type: string
  /** The source's own name for the action, e.g. `UserLoggedIn`, `New-InboxRule`. */
  readonly name: string
}

export interface ActivityLocation {
  /** ISO 3166-1 alpha-2 where the source gives it. */
  readonly country: string | null
  readonly city: string | null
}

export interface ActivityDevice {
  /** `desktop`, `mobile`, `tablet`, `server`, `unknown` (free text from sources is kept as given). */
  readonly type: string | null
  readonly userAgent: string | null
}

export interface ActivityTarget {
  readonly type: string | null
  readonly id: string | null
  readonly name: string | null
}

/** A normalized activity as Veil stores and returns it. */
export interface Activity {
  /** Stable id: the source's where it has one, otherwise derived from the raw event (idempotent ingest). */
  readonly id: string
  /** When the actor acted, ms since the epoch (UTC). */
  readonly time: number
  /** When Veil recorded it, ms since the epoch (UTC). */
  readonly receivedAt: number
  /** The ingest format the activity came in (`veil`, later `o365`, `okta`, ...). */
  readonly source: string
  readonly actor: Actor
  readonly app: string
  readonly action: ActivityAction
  readonly ip: string | null
  readonly location: ActivityLocation
  readonly device: ActivityDevice
  readonly target: ActivityTarget
  readonly result: ActivityResult
  /** A one-line human description (Defender's `description`). */
  readonly description: string | null
  /** Group ids the actor belonged to at the activity's time (Defender's `user.tags`), built-in groups included. */
  readonly actorGroups: readonly string[]
  /**
   * The directory user the actor was matched to (by UPN, email alias or source id), set by the classify
   * stage; null when no directory user matches (the activity is still recorded).
   */
  readonly directoryUserId?: string | null
  /** The source event, kept whole. */
  readonly raw: unknown
}

/** An activity together with what the classify stage decided about it. */
export interface ClassifiedActivity {
  readonly activity: Activity
  /**
   * Whether the activity is private (privacy rule 1: decided once, when it is recorded): a privacy
   * group had the actor as a member at the activity's time or at recording.
   */
  readonly isPrivate: boolean
  /** Which privacy group made it private; only ever shown to someone who may reveal. */
  readonly privateBecause: string | null
}
