/**
 * The classify stage. For each activity, once and for good, when it is recorded:
 * 1. match the actor to a directory user (UPN, email alias or source id) and collect its groups at the
 *    activity's time and now, built-in groups (Application, External users) included;
 * 2. apply scoped deployment: an actor out of scope for the app is not recorded at all;
 * 3. decide privacy (rule 1): private if a privacy group has the actor as a member at the activity's time
 *    or at recording.
 * The decisions are the pure functions of `core/`; this stage only gathers their inputs.
 *
 * @module
 */

import type { Activity, Actor, ClassifiedActivity } from '../core/activity/activity.js'
import { builtinGroupsOf } from '../core/directory/builtin-groups.js'
import { EVERYBODY_MONITORED, isMonitored, type Scope } from '../core/directory/scope.js'
import { decidePrivacy } from '../core/privacy/decide-privacy.js'

/** One activity's classification; `null` when the actor is out of scope and the activity is not recorded. */
export type Classification = ClassifiedActivity | null

export interface Classifier {
  classify(activities: readonly Activity[], recordedAt: number): Promise<Classification[]>
}

/** Group memberships as the directory knows them; answers must be fast (the ingest hot path). */
export interface MembershipSource {
  /** The directory user id of the actor, or null when none matches. */
  matchUser(actor: Actor): string | null
  /** Imported group ids the actor was in at `time`. */
  groupsOf(actor: Actor, time: number): readonly string[]
  /** Catch up with changes made elsewhere (other nodes); cheap when nothing changed. */
  refresh(): Promise<void>
}

/** The organization settings the classify stage needs, as they stand when a batch is classified. */
export interface ClassificationSettings {
  current(): Promise<{ readonly managedDomains: ReadonlySet<string>; readonly scope: Scope }>
}

/** Where the privacy list comes from; read once per batch. */
export interface PrivacyListSource {
  privacyGroups(): Promise<ReadonlySet<string>>
}

/** A directory with no users or groups: nobody matches, nobody is in an imported group. */
export const EMPTY_DIRECTORY: MembershipSource = Object.freeze({ matchUser: () => null, groupsOf: () => [], refresh: async () => undefined })
export const NO_PRIVACY_GROUPS: PrivacyListSource = Object.freeze({ privacyGroups: async () => new Set<string>() })
export const DEFAULT_SETTINGS: ClassificationSettings = Object.freeze({ current: async () => ({ managedDomains: new Set<string>(), scope: EVERYBODY_MONITORED }) })

export function createClassifier(directory: MembershipSource, settings: ClassificationSettings, privacy: PrivacyListSource): Classifier {
  return {
    async classify(activities, recordedAt) {
      const [{ managedDomains, scope }, privacyGroups] = await Promise.all([settings.current(), privacy.privacyGroups(), directory.refresh()])
      return activities.map((activity) => {
        const builtin = builtinGroupsOf(activity.actor, managedDomains)
        const atTime = [...directory.groupsOf(activity.actor, activity.time), ...builtin]
        const atRecording = [...directory.groupsOf(activity.actor, recordedAt), ...builtin]
        const atTimeSet = new Set(atTime)
        if (!isMonitored(scope, activity.app, atTimeSet, new Set([...atTime, ...atRecording]))) {
          return null
        }
        const decision = decidePrivacy(atTime, atRecording, privacyGroups)
        const actorGroups = [...new Set([...activity.actorGroups, ...atTime])].sort()
        return {
          activity: { ...activity, actorGroups, directoryUserId: directory.matchUser(activity.actor) },
          isPrivate: decision.isPrivate,
          privateBecause: decision.because,
        }
      })
    },
  }
}
