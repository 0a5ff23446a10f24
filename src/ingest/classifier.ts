/**
 * The classify stage: decides, once and for good, whether each activity is private (privacy rule 1),
 * and records the actor's groups for `user.tags`. It asks a directory for memberships and the privacy
 * settings for the privacy list; the decision itself is the pure `decidePrivacy`.
 *
 * @module
 */

import type { Activity, ClassifiedActivity } from '../core/activity/activity.js'
import { decidePrivacy } from '../core/privacy/decide-privacy.js'

export interface Classifier {
  classify(activities: readonly Activity[], recordedAt: number): Promise<ClassifiedActivity[]>
}

/** Group memberships as the directory knows them; answers must be fast (the ingest hot path). */
export interface MembershipSource {
  /** Group ids the actor was in at `time`. */
  groupsOf(actor: Activity['actor'], time: number): readonly string[]
}

/** Where the privacy list comes from; read once per batch. */
export interface PrivacyListSource {
  privacyGroups(): Promise<ReadonlySet<string>>
}

/** A directory with no groups: until users and groups are imported, nobody is in any group. */
export const EMPTY_DIRECTORY: MembershipSource = Object.freeze({ groupsOf: () => [] })
export const NO_PRIVACY_GROUPS: PrivacyListSource = Object.freeze({ privacyGroups: async () => new Set<string>() })

export function createClassifier(directory: MembershipSource, privacy: PrivacyListSource): Classifier {
  return {
    async classify(activities, recordedAt) {
      const privacyGroups = await privacy.privacyGroups()
      return activities.map((activity) => {
        const atTime = directory.groupsOf(activity.actor, activity.time)
        const atRecording = directory.groupsOf(activity.actor, recordedAt)
        const decision = decidePrivacy(atTime, atRecording, privacyGroups)
        const actorGroups = atTime.length > 0 || activity.actorGroups.length > 0 ? [...new Set([...activity.actorGroups, ...atTime])] : activity.actorGroups
        return { activity: actorGroups === activity.actorGroups ? activity : { ...activity, actorGroups }, isPrivate: decision.isPrivate, privateBecause: decision.because }
      })
    },
  }
}
