/**
 * Account, role and token use cases. Every change is written together with its governance record in one
 * transaction (privacy rule 9: role and permission changes are governance records), so there is never a
 * change without its record or a record without its change.
 *
 * @module
 */

import { ADMIN_ROLES, isAdminRole, type AdminRole, type Viewer } from '../../core/access/roles.js'
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../../core/errors.js'
import type { Account, ApiToken, Session } from '../../storage/store.js'
import { MIN_PASSWORD_LENGTH, hashPassword, verifyPassword } from '../auth/password.js'
import { privacyPermissionFollower } from '../privacy/privacy-permissions.js'
import { hashesEqual, issueApiToken, issueSessionSecret, parseApiToken, sha256Hex } from '../auth/secret-token.js'
import type { Initiator, ServiceContext } from '../service-context.js'

const UPN_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** Lower-cased, trimmed UPN, or a validation error naming the field. */
export function normalizeUpn(upn: string, field = 'upn'): string {
  const value = upn.trim().toLowerCase()
  if (!UPN_PATTERN.test(value) || value.length > 320) {
    throw new ValidationError(`"${upn}" is not a UPN or email address`, [{ field, reason: 'must be a UPN or email address like alex@contoso.com' }])
  }
  return value
}

export function normalizeRoles(roles: readonly string[]): AdminRole[] {
  const unknown = roles.filter((r) => !isAdminRole(r))
  if (unknown.length > 0) {
    throw new ValidationError(`Unknown role ${unknown.map((r) => `"${r}"`).join(', ')}`, [
      { field: 'roles', reason: `must be among ${ADMIN_ROLES.join(', ')}` },
    ])
  }
  return [...new Set(roles as AdminRole[])].sort()
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > 1024) {
    throw new ValidationError('Password too short', [{ field: 'password', reason: `must be ${MIN_PASSWORD_LENGTH} to 1024 characters` }])
  }
}

export interface CreateAccountInput {
  readonly upn: string
  readonly displayName?: string | null
  readonly roles: readonly string[]
  /** Omit for an account that only uses API tokens. */
  readonly password?: string | null
}

export async function accountCreator(ctx: ServiceContext, initiator: Initiator, input: CreateAccountInput): Promise<Account> {
  const upn = normalizeUpn(input.upn)
  const roles = normalizeRoles(input.roles)
  if (input.password != null) {
    checkPassword(input.password)
  }
  const passwordHash = input.password != null ? await hashPassword(input.password) : null
  const now = ctx.clock()
  return ctx.store.transaction(async (tx) => {
    const account = await tx.accounts.create({ upn, displayName: input.displayName ?? null, roles, passwordHash, createdAt: now })
    await tx.governance.append(
      { action: 'account.create', target: upn, initiator: initiator.upn, app: 'Veil', ip: initiator.ip, status: 'succeeded', justification: null, details: { roles, channel: initiator.channel, hasPassword: passwordHash !== null } },
      now,
    )
    return account
  })
}

export async function accountRolesChanger(ctx: ServiceContext, initiator: Initiator, upnInput: string, rolesInput: readonly string[]): Promise<Account> {
  const upn = normalizeUpn(upnInput)
  const roles = normalizeRoles(rolesInput)
  const now = ctx.clock()
  return ctx.store.transaction(async (tx) => {
    const before = await tx.accounts.get(upn)
    if (!before) {
      throw new NotFoundError(`No account ${upn}`)
    }
    if (before.roles.includes('global_admin') && !roles.includes('global_admin')) {
      await assertAnotherGlobalAdmin(tx.accounts.list(), upn)
    }
    const after = (await tx.accounts.update(upn, { roles, updatedAt: now })) as Account
    // Privacy rule 9: losing every admin role suspends the activity privacy permission, a role given back reinstates it.
    const privacyRecord = await privacyPermissionFollower(tx, initiator, after, now)
    await tx.governance.append(
      { action: 'account.roles.change', target: upn, initiator: initiator.upn, app: 'Veil', ip: initiator.ip, status: 'succeeded', justification: null, details: { before: before.roles, after: roles, channel: initiator.channel } },
      now,
    )
    if (privacyRecord) {
      await tx.governance.append(privacyRecord, now)
    }
    return after
  })
}

/** Refuse to remove the last enabled global admin: nobody could manage accounts afterwards. */
async function assertAnotherGlobalAdmin(accounts: Promise<Account[]>, except: string): Promise<void> {
  const others = (await accounts).filter((a) => a.upn !== except && !a.disabled && a.roles.includes('global_admin'))
  if (others.length === 0) {
    throw new ConflictError('This is the last enabled global admin; make another account global admin first')
  }
}

export async function accountPasswordSetter(ctx: ServiceContext, initiator: Initiator, upnInput: string, password: string): Promise<void> {
  const upn = normalizeUpn(upnInput)
  checkPassword(password)
  const passwordHash = await hashPassword(password)
  const now = ctx.clock()
  await ctx.store.transaction(async (tx) => {
    const updated = await tx.accounts.update(upn, { passwordHash, updatedAt: now })
    if (!updated) {
      throw new NotFoundError(`No account ${upn}`)
    }
    // A new password ends every existing session: whoever knew the old one is logged out.
    await tx.sessions.deleteFor(upn)
    await tx.governance.append(
      { action: 'account.password.change', target: upn, initiator: initiator.upn, app: 'Veil', ip: initiator.ip, status: 'succeeded', justification: null, details: { channel: initiator.channel } },
      now,
    )
  })
}

export async function accountDisabler(ctx: ServiceContext, initiator: Initiator, upnInput: string, disabled: boolean): Promise<Account> {
  const upn = normalizeUpn(upnInput)
  const now = ctx.clock()
  return ctx.store.transaction(async (tx) => {
    const before = await tx.accounts.get(upn)
    if (!before) {
      throw new NotFoundError(`No account ${upn}`)
    }
    if (disabled && before.roles.includes('global_admin')) {
      await assertAnotherGlobalAdmin(tx.accounts.list(), upn)
    }
    const after = (await tx.accounts.update(upn, { disabled, updatedAt: now })) as Account
    if (disabled) {
      await tx.sessions.deleteFor(upn)
    }
    // Privacy rule 9: a disabled account's activity privacy permission is suspended, and reinstated when it is enabled with a role.
    const privacyRecord = await privacyPermissionFollower(tx, initiator, after, now)
    await tx.governance.append(
      { action: disabled ? 'account.disable' : 'account.enable', target: upn, initiator: initiator.upn, app: 'Veil', ip: initiator.ip, status: 'succeeded', justification: null, details: { channel: initiator.channel } },
      now,
    )
    if (privacyRecord) {
      await tx.governance.append(privacyRecord, now)
    }
    return after
  })
}

export interface CreatedToken {
  readonly token: ApiToken
  /** The secret, shown once and never stored. */
  readonly secret: string
}

export async function tokenCreator(ctx: ServiceContext, initiator: Initiator, input: { upn: string; name: string; expiresAt: number | null }): Promise<CreatedToken> {
  const upn = normalizeUpn(input.upn)
  const name = input.name.trim()
  if (name.length === 0 || name.length > 200) {
    throw new ValidationError('Invalid token name', [{ field: 'name', reason: 'must be 1 to 200 characters' }])
  }
  const now = ctx.clock()
  if (input.expiresAt !== null && input.expiresAt <= now) {
    throw new ValidationError('Token expiry is in the past', [{ field: 'expiresAt', reason: 'must be in the future' }])
  }
  const issued = issueApiToken()
  const token = await ctx.store.transaction(async (tx) => {
    const account = await tx.accounts.get(upn)
    if (!account) {
      throw new NotFoundError(`No account ${upn}`)
    }
    const created = await tx.tokens.create({ id: issued.id, upn, name, secretHash: issued.secretHash, createdAt: now, expiresAt: input.expiresAt })
    await tx.governance.append(
      { action: 'token.create', target: issued.id, initiator: initiator.upn, app: 'Veil', ip: initiator.ip, status: 'succeeded', justification: null, details: { owner: upn, name, expiresAt: input.expiresAt, channel: initiator.channel } },
      now,
    )
    return created
  })
  return { token, secret: issued.token }
}

export async function tokenRevoker(ctx: ServiceContext, initiator: Initiator, id: string, options: { onlyOwnedBy?: string }): Promise<ApiToken> {
  const now = ctx.clock()
  return ctx.store.transaction(async (tx) => {
    const existing = await tx.tokens.get(id)
    // A caller who may only revoke their own tokens gets the same 404 for someone else's token as for a missing one.
    if (!existing || (options.onlyOwnedBy !== undefined && existing.upn !== options.onlyOwnedBy)) {
      throw new NotFoundError(`No token ${id}`)
    }
    if (existing.revokedAt !== null) {
      return existing
    }
    const revoked = (await tx.tokens.revoke(id, now)) as ApiToken
    await tx.governance.append(
      { action: 'token.revoke', target: id, initiator: initiator.upn, app: 'Veil', ip: initiator.ip, status: 'succeeded', justification: null, details: { owner: existing.upn, name: existing.name, channel: initiator.channel } },
      now,
    )
    return revoked
  })
}

function viewerOf(account: Account, tokenId: string | null): Viewer {
  return { upn: account.upn, roles: account.roles, tokenId }
}

/** The viewer a presented API token stands for, or null for any unknown, revoked, expired or disabled one. */
export async function tokenAuthenticator(ctx: ServiceContext, presented: string): Promise<Viewer | null> {
  const parsed = parseApiToken(presented)
  if (!parsed) {
    return null
  }
  const token = await ctx.store.tokens.get(parsed.id)
  const now = ctx.clock()
  if (!token || !hashesEqual(token.secretHash, sha256Hex(presented)) || token.revokedAt !== null || (token.expiresAt !== null && token.expiresAt <= now)) {
    return null
  }
  const account = await ctx.store.accounts.get(token.upn)
  if (!account || account.disabled) {
    return null
  }
  // Recording use at most once a minute keeps a busy ingest token from writing on every request.
  if (token.lastUsedAt === null || now - token.lastUsedAt > 60_000) {
    await ctx.store.tokens.touch(token.id, now)
  }
  return viewerOf(account, token.id)
}

// Verifying against a throw-away hash when the account does not exist keeps the response time of a
// login from telling which accounts exist.
let decoyHash: Promise<string> | null = null

export async function loginer(ctx: ServiceContext, upnInput: string, password: string, ttlMs: number): Promise<{ session: Session; secret: string; account: Account }> {
  const upn = upnInput.trim().toLowerCase()
  const account = UPN_PATTERN.test(upn) ? await ctx.store.accounts.get(upn) : null
  decoyHash ??= hashPassword('decoy-password-never-used')
  const ok = await verifyPassword(password, account?.passwordHash ?? (await decoyHash))
  if (!account || !account.passwordHash || !ok || account.disabled) {
    throw new DomainError('invalid_credentials', 'The user name or password is wrong')
  }
  const issued = issueSessionSecret()
  const now = ctx.clock()
  const session: Session = { idHash: issued.idHash, upn: account.upn, csrfToken: issued.csrfToken, createdAt: now, expiresAt: now + ttlMs }
  await ctx.store.sessions.create(session)
  return { session, secret: issued.secret, account }
}

/** The viewer and session a session cookie stands for, or null when unknown, expired or disabled. */
export async function sessionAuthenticator(ctx: ServiceContext, secret: string): Promise<{ viewer: Viewer; session: Session } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) {
    return null
  }
  const session = await ctx.store.sessions.get(sha256Hex(secret))
  if (!session || session.expiresAt <= ctx.clock()) {
    return null
  }
  const account = await ctx.store.accounts.get(session.upn)
  if (!account || account.disabled) {
    return null
  }
  return { viewer: viewerOf(account, null), session }
}

export async function logouter(ctx: ServiceContext, secret: string): Promise<void> {
  await ctx.store.sessions.delete(sha256Hex(secret))
}
