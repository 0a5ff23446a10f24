/**
 * Settings → Activity privacy: the privacy groups, whose members' activities are private (privacy
 * rule 1). Stored as one setting; every change is a governance record with before/after, in the same
 * transaction. The ingest path reads the list through `IngestSettingsCache`, so a change reaches every
 * node within a fraction of a second and applies to activities recorded from then on; activities
 * already recorded keep the privacy they were given (adding a group does not hide them, removing one
 * never reveals them).
 *
 * @module
 */

import { isBuiltinGroupId } from '../../core/directory/builtin-groups.js'
import { NotFoundError, ValidationError, type ErrorDetail } from '../../core/errors.js'
import type { Initiator, ServiceContext } from '../service-context.js'
import { settingChanger, type SettingDescription } from '../settings/setting-changer.js'

export const PRIVACY_GROUPS_KEY = 'privacy-groups'

interface PrivacyGroupsValue {
  readonly groups: readonly string[]
}

/** Whether an imported group exists (built-in groups always do). */
export type GroupExists = (groupId: string) => Promise<boolean>

/** The privacy groups (ids), sorted. */
export async function privacyGroupsReader(ctx: ServiceContext): Promise<readonly string[]> {
  return (await ctx.store.settings.get<PrivacyGroupsValue>(PRIVACY_GROUPS_KEY))?.value.groups ?? []
}

/**
 * Add one or several groups (imported or built-in) to the privacy list. Unknown groups are all named
 * at once and nothing is added; groups already on the list are kept. A call that changes nothing
 * writes no governance record.
 */
export async function privacyGroupsAdder(ctx: ServiceContext, initiator: Initiator, input: readonly string[], groupExists: GroupExists): Promise<readonly string[]> {
  const problems: ErrorDetail[] = []
  const adding = new Set<string>()
  for (const [index, raw] of input.entries()) {
    const id = raw.trim()
    if (id === '') {
      problems.push({ index, field: `groups[${index}]`, reason: 'must not be empty' })
    } else if (!isBuiltinGroupId(id) && !(await groupExists(id))) {
      problems.push({ index, field: `groups[${index}]`, reason: `unknown group "${id}" (import it first, or use builtin:application or builtin:external-users)` })
    } else {
      adding.add(id)
    }
  }
  if (problems.length > 0) {
    throw new ValidationError(`Unknown group${problems.length > 1 ? 's' : ''}: nothing was added`, problems)
  }
  return changePrivacyGroups(ctx, initiator, (before) => {
    const after = [...new Set([...before, ...adding])].sort()
    return after.length === before.length ? null : { after, details: { change: 'add', added: after.filter((g) => !before.includes(g)) } }
  })
}

/**
 * Remove one group from the privacy list. Activities already recorded stay private (privacy rule 1);
 * only activities recorded from then on are no longer made private by this group.
 */
export async function privacyGroupRemover(ctx: ServiceContext, initiator: Initiator, groupId: string): Promise<readonly string[]> {
  return changePrivacyGroups(ctx, initiator, (before) => {
    if (!before.includes(groupId)) {
      throw new NotFoundError(`"${groupId}" is not a privacy group`)
    }
    return { after: before.filter((g) => g !== groupId), details: { change: 'remove', removed: [groupId] } }
  })
}

type PrivacyGroupsChange = (before: readonly string[]) => { after: readonly string[]; details: Record<string, unknown> } | null

const PRIVACY_GROUPS_SETTING: SettingDescription<PrivacyGroupsValue> = { key: PRIVACY_GROUPS_KEY, empty: { groups: [] }, action: 'privacy_groups.change', target: 'privacy groups', view: (v) => v.groups }

/** Change the list and record it, without losing a concurrent change (see `settingChanger`). */
async function changePrivacyGroups(ctx: ServiceContext, initiator: Initiator, change: PrivacyGroupsChange): Promise<readonly string[]> {
  const written = await settingChanger(ctx, initiator, PRIVACY_GROUPS_SETTING, (before) => {
    const next = change(before.groups)
    return next ? { after: { groups: next.after }, details: next.details } : null
  })
  return written.groups
}
