/**
 * Privacy rule 1, decided once when an activity is recorded: it is private if and only if a group on
 * the privacy list has its actor as a member at the activity's own time or at the moment of recording
 * (a late event errs on the side of privacy). Pure; the classify stage of the ingest pipeline calls it
 * with the directory's answers.
 *
 * @module
 */

export interface PrivacyDecision {
  readonly isPrivate: boolean
  /** The privacy group that made the activity private (the first by id, for a stable answer). */
  readonly because: string | null
}

export function decidePrivacy(
  groupsAtActivityTime: readonly string[],
  groupsAtRecording: readonly string[],
  privacyGroups: ReadonlySet<string>,
): PrivacyDecision {
  const matching = [...new Set([...groupsAtActivityTime, ...groupsAtRecording])].filter((g) => privacyGroups.has(g)).sort()
  return matching.length > 0 ? { isPrivate: true, because: matching[0] as string } : { isPrivate: false, because: null }
}
