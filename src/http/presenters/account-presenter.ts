/**
 * What the API shows of accounts and tokens: never a password hash or a token hash.
 *
 * @module
 */

import type { Account, ApiToken } from '../../storage/store.js'

export function presentAccount(account: Account): Record<string, unknown> {
  return { upn: account.upn, displayName: account.displayName, roles: account.roles, disabled: account.disabled, hasPassword: account.passwordHash !== null, createdAt: account.createdAt, updatedAt: account.updatedAt }
}

export function presentToken(token: ApiToken): Record<string, unknown> {
  return { id: token.id, upn: token.upn, name: token.name, createdAt: token.createdAt, expiresAt: token.expiresAt, revokedAt: token.revokedAt, lastUsedAt: token.lastUsedAt }
}
