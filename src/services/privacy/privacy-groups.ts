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
import { ConflictError, NotFoundError, ValidationError, type ErrorDetail } from '../../core/errors.js'
import type { Initiator, ServiceContext } from '../service-context.js'

export const PRIVACY_GROUPS_KEY = 'privacy-groups'

interface PrivacyGroupsValue {
  readonly groups: readonly string[]
}

/** Whether an imported group exists (built-in groups always do). */
export type GroupExists = (groupId: string) => Promise<boolean>

/** A change made by a concurrent writer between our read and our write; the transaction is retried. */
class ConcurrentChange extends Error {}

/** Attempts of a change that keeps meeting concurrent writers before it gives up with a conflict. */
const MAX_ATTEMPTS = 3

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

/**
 * Read, change and write the list with its governance record in one transaction. Two nodes changing
 * the list at once must not lose either change (a lost "add" would leave activities unprotected), so
 * the write checks that the setting's version moved by exactly one since the read, and retries
 * otherwise. (SQLite serializes writers anyway; on PostgreSQL the upsert waits for the other writer.)
 */
async function changePrivacyGroups(ctx: ServiceContext, initiator: Initiator, change: PrivacyGroupsChange): Promise<readonly string[]> {
  for (let attempt = 1; ; attempt += 1) {
    const now = ctx.clock()
    try {
      return await ctx.store.transaction(async (tx) => {
        const current = await tx.settings.get<PrivacyGroupsValue>(PRIVACY_GROUPS_KEY)
        const before = current?.value.groups ?? []
        const next = change(before)
        if (!next) {
          return before
        }
        const written = await tx.settings.put<PrivacyGroupsValue>(PRIVACY_GROUPS_KEY, { groups: next.after }, now)
        if (written.version !== (current?.version ?? 0) + 1) {
          throw new ConcurrentChange()
        }
        await tx.governance.append(
          {
            action: 'privacy_groups.change',
            target: 'privacy groups',
            initiator: initiator.upn,
            app: 'Veil',
            ip: initiator.ip,
            status: 'succeeded',
            justification: null,
            details: { ...next.details, before, after: next.after, channel: initiator.channel },
          },
          now,
        )
        return next.after
      })
    } catch (error) {
      if (!(error instanceof ConcurrentChange)) {
        throw error
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new ConflictError('The privacy groups were changed by someone else at the same time; try again')
      }
    }
  }
}
