/**
 * The activity privacy permission: the list of admins who may reveal private activities (privacy
 * rules 5 and 9). Grants and revocations are by global admins only (the HTTP layer checks
 * `privacy.manage`; the CLI is the local operator). Only an enabled account with an admin role can be
 * granted. A grantee who loses every admin role (or is disabled) is *suspended*, not removed, and is
 * reinstated when a role is given back; a time-boxed grant expires. Every grant, revocation,
 * suspension, reinstatement and expiry is a governance record, written in the transaction of the
 * change.
 *
 * Locks are always taken in one order — the grantee's account row, then the permission row, then the
 * governance chain — so concurrent changes on several PostgreSQL nodes wait for each other instead of
 * deadlocking.
 *
 * @module
 */

import type { AdminRole, Viewer } from '../../core/access/roles.js'
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.js'
import type { GovernanceDraft } from '../../core/governance/governance-record.js'
import { decidePrivacyGrant, privacyPermissionState, qualifiesForPrivacyPermission, type PrivacyPermissionState } from '../../core/privacy/decide-disclosure.js'
import type { Account, PrivacyGrant, StoreTransaction } from '../../storage/store.js'
import { normalizeUpn } from '../accounts/accounts.js'
import type { Initiator, ServiceContext } from '../service-context.js'

/** A grant as the list shows it: with its state and the grantee's account as it stands. */
export interface PrivacyPermissionEntry extends PrivacyGrant {
  readonly state: PrivacyPermissionState
  readonly displayName: string | null
  readonly roles: readonly AdminRole[]
  readonly disabled: boolean
}

/** Which check noticed an expiry, for its governance record. */
export type ExpiryNoticedBy = 'reveal' | 'sweep'

function entryOf(grant: PrivacyGrant, account: Account | null, now: number): PrivacyPermissionEntry {
  return {
    ...grant,
    state: privacyPermissionState(grant, account, now),
    displayName: account?.displayName ?? null,
    roles: account?.roles ?? [],
    disabled: account?.disabled ?? true,
  }
}

/** The permission list, by UPN, with each grant's state. Reading writes nothing (expiries are recorded by checks and the sweep). */
export async function privacyPermissionLister(ctx: ServiceContext): Promise<PrivacyPermissionEntry[]> {
  const [grants, accounts] = await Promise.all([ctx.store.privacyPermissions.list(), ctx.store.accounts.list()])
  const byUpn = new Map(accounts.map((a) => [a.upn, a]))
  const now = ctx.clock()
  return grants.map((grant) => entryOf(grant, byUpn.get(grant.upn) ?? null, now))
}

/**
 * Grant the permission to the account with this UPN or email (privacy rule 9: only an enabled account
 * with an admin role). Granting again to a current holder replaces the expiry and is recorded as a
 * grant with the previous terms.
 */
export async function privacyPermissionGranter(ctx: ServiceContext, initiator: Initiator, input: { readonly upn: string; readonly expiresAt: number | null }): Promise<PrivacyPermissionEntry> {
  const upn = normalizeUpn(input.upn)
  const now = ctx.clock()
  return ctx.store.transaction(async (tx) => {
    const account = await lockAccount(tx, upn)
    const refusal = decidePrivacyGrant(account, input.expiresAt, now)
    switch (refusal) {
      case 'no_account':
        throw new ValidationError(`No Veil account "${upn}": only an account with an admin role can be granted the activity privacy permission`, [
          { field: 'upn', reason: 'must be the UPN or email of an existing account with an admin role (veil admin create --upn U --role R)' },
        ])
      case 'not_admin':
        throw new ConflictError(`${upn} has no admin role; only admins can be granted the activity privacy permission (give the account a role first)`)
      case 'disabled':
        throw new ConflictError(`${upn} is disabled; enable the account before granting it the activity privacy permission`)
      case 'expiry_in_past':
        throw new ValidationError('The expiry is not in the future', [{ field: 'expiresAt', reason: 'must be in the future' }])
      case null:
        break
    }
    const previous = await tx.privacyPermissions.get(upn)
    const grant: PrivacyGrant = { upn, grantedBy: initiator.upn, grantedAt: now, expiresAt: input.expiresAt, suspendedAt: null }
    await tx.privacyPermissions.put(grant)
    await tx.governance.append(
      draft('privacy_permission.grant', upn, initiator, {
        expiresAt: input.expiresAt,
        roles: account?.roles ?? [],
        previous: previous ? { grantedBy: previous.grantedBy, grantedAt: previous.grantedAt, expiresAt: previous.expiresAt } : null,
        channel: initiator.channel,
      }),
      now,
    )
    return entryOf(grant, account, now)
  })
}

/** Remove a grant (suspended and expired ones too). */
export async function privacyPermissionRevoker(ctx: ServiceContext, initiator: Initiator, upnInput: string): Promise<PrivacyGrant> {
  const upn = normalizeUpn(upnInput)
  const now = ctx.clock()
  return ctx.store.transaction(async (tx) => {
    await lockAccount(tx, upn)
    const removed = await tx.privacyPermissions.delete(upn)
    if (!removed) {
      throw new NotFoundError(`${upn} does not hold the activity privacy permission`)
    }
    await tx.governance.append(
      draft('privacy_permission.revoke', upn, initiator, {
        grantedBy: removed.grantedBy,
        grantedAt: removed.grantedAt,
        expiresAt: removed.expiresAt,
        wasSuspended: removed.suspendedAt !== null,
        channel: initiator.channel,
      }),
      now,
    )
    return removed
  })
}

/**
 * Whether the viewer holds an *effective* permission now: listed, not expired, account enabled and
 * with an admin role. A grant found expired is removed with its governance record first (once, however
 * many nodes notice it at the same time).
 */
export async function privacyPermissionChecker(ctx: ServiceContext, viewer: Viewer): Promise<boolean> {
  const upn = viewer.upn.toLowerCase()
  const [grant, account] = await Promise.all([ctx.store.privacyPermissions.get(upn), ctx.store.accounts.get(upn)])
  if (!grant) {
    return false
  }
  const now = ctx.clock()
  const state = privacyPermissionState(grant, account, now)
  if (state === 'expired') {
    await privacyPermissionExpirer(ctx, upn, 'reveal')
  }
  return state === 'active'
}

/** Remove the grant of `upn` if it has expired, with its `privacy_permission.expire` record; true when this call did. */
export async function privacyPermissionExpirer(ctx: ServiceContext, upn: string, noticedBy: ExpiryNoticedBy): Promise<boolean> {
  const now = ctx.clock()
  return ctx.store.transaction(async (tx) => {
    const removed = await tx.privacyPermissions.deleteExpired(upn, now)
    if (!removed) {
      return false
    }
    await tx.governance.append(
      {
        action: 'privacy_permission.expire',
        target: upn,
        initiator: 'system',
        app: 'Veil',
        ip: null,
        status: 'succeeded',
        justification: null,
        details: { expiresAt: removed.expiresAt, grantedBy: removed.grantedBy, grantedAt: removed.grantedAt, noticedBy },
      },
      now,
    )
    return true
  })
}

/** Record and remove every expired grant (the runtime runs this periodically); returns how many. */
export async function expiredPrivacyPermissionSweeper(ctx: ServiceContext): Promise<number> {
  let expired = 0
  for (const upn of await ctx.store.privacyPermissions.expired(ctx.clock())) {
    if (await privacyPermissionExpirer(ctx, upn, 'sweep')) {
      expired += 1
    }
  }
  return expired
}

/**
 * Follow an account change inside its transaction (privacy rule 9): a grantee who no longer qualifies
 * (no admin role, or disabled) is suspended; one who qualifies again is reinstated. Call it right after
 * the account is updated and before the change's own governance record (lock order); append the
 * returned record, if any, after it.
 *
 * @example
 * const after = await tx.accounts.update(upn, { roles, updatedAt: now })
 * const privacyRecord = await privacyPermissionFollower(tx, initiator, after, now)
 * await tx.governance.append(rolesChangeRecord, now)
 * if (privacyRecord) await tx.governance.append(privacyRecord, now)
 */
export async function privacyPermissionFollower(tx: StoreTransaction, initiator: Initiator, account: Account, now: number): Promise<GovernanceDraft | null> {
  const qualifies = qualifiesForPrivacyPermission(account)
  if (!(await tx.privacyPermissions.setSuspended(account.upn, qualifies ? null : now))) {
    return null
  }
  if (qualifies) {
    return draft('privacy_permission.reinstate', account.upn, initiator, { roles: account.roles, channel: initiator.channel })
  }
  return draft('privacy_permission.suspend', account.upn, initiator, {
    reason: account.disabled ? 'account_disabled' : 'no_admin_role',
    roles: account.roles,
    channel: initiator.channel,
  })
}

/**
 * The account, with its row locked until the transaction ends (a write that changes nothing), so a
 * concurrent role change waits for this grant or revocation and then sees it, instead of slipping in
 * between the check and the write. SQLite serializes writers anyway.
 */
async function lockAccount(tx: StoreTransaction, upn: string): Promise<Account | null> {
  const account = await tx.accounts.get(upn)
  return account ? tx.accounts.update(upn, { updatedAt: account.updatedAt }) : null
}

function draft(action: GovernanceDraft['action'], target: string, initiator: Initiator, details: Record<string, unknown>): GovernanceDraft {
  return { action, target, initiator: initiator.upn, app: 'Veil', ip: initiator.ip, status: 'succeeded', justification: null, details }
}
