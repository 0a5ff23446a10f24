/**
 * Read, change and write one organization setting with its governance record, in one transaction.
 * Two nodes changing the same setting at once must not lose either change (a lost privacy group or
 * scope rule silently changes what is recorded or hidden), so the write checks that the setting's
 * version moved by exactly one since the read, and retries the whole change otherwise. SQLite
 * serializes writers anyway; on PostgreSQL the upsert waits for the other writer and then sees its
 * version.
 *
 * @module
 */

import { ConflictError, DomainError } from '../../core/errors.js'
import type { GovernanceAction } from '../../core/governance/governance-record.js'
import type { Initiator, ServiceContext } from '../service-context.js'

/** A change made by a concurrent writer between our read and our write; the transaction is retried. */
class ConcurrentChange extends Error {}

/** Attempts of a change that keeps meeting concurrent writers before it gives up with a conflict. */
const MAX_ATTEMPTS = 3

export interface SettingDescription<T> {
  readonly key: string
  /** The value while the setting was never written. */
  readonly empty: T
  readonly action: GovernanceAction
  /** The governance record's target, e.g. `privacy groups`. */
  readonly target: string
  /** How the value appears as `before`/`after` in the governance record (default: as stored). */
  readonly view?: (value: T) => unknown
}

/** `null`: nothing changes (and no governance record is written). */
export type SettingChange<T> = (before: T) => { readonly after: T; readonly details?: Readonly<Record<string, unknown>> } | null

/**
 * `expectedVersion`: the version the caller read (a client editing a whole list, like the scope rules,
 * replaces it whole; without this a change made by someone else after its read would be lost).
 */
export interface SettingChangeOptions {
  readonly expectedVersion?: number
}

export async function settingChanger<T>(ctx: ServiceContext, initiator: Initiator, setting: SettingDescription<T>, change: SettingChange<T>, options: SettingChangeOptions = {}): Promise<T> {
  const view = setting.view ?? ((value: T): unknown => value)
  for (let attempt = 1; ; attempt += 1) {
    const now = ctx.clock()
    try {
      return await ctx.store.transaction(async (tx) => {
        const current = await tx.settings.get<T>(setting.key)
        if (options.expectedVersion !== undefined && options.expectedVersion !== (current?.version ?? 0)) {
          throw new DomainError('precondition_failed', `The ${setting.target} changed since version ${options.expectedVersion} (now ${current?.version ?? 0}); read them again and retry`)
        }
        const before = current?.value ?? setting.empty
        const next = change(before)
        if (!next) {
          return before
        }
        const written = await tx.settings.put<T>(setting.key, next.after, now)
        if (written.version !== (current?.version ?? 0) + 1) {
          throw new ConcurrentChange()
        }
        await tx.governance.append(
          {
            action: setting.action,
            target: setting.target,
            initiator: initiator.upn,
            app: 'Veil',
            ip: initiator.ip,
            status: 'succeeded',
            justification: null,
            details: { ...next.details, before: view(before), after: view(next.after), channel: initiator.channel },
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
        throw new ConflictError(`The ${setting.target} were changed by someone else at the same time; try again`)
      }
    }
  }
}
