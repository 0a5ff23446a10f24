/** Permissions → Roles: the accounts and the admin roles they hold (changed by global admins only). */
import { api } from './client.js'
import type { AdminRole, Permission } from './types.js'

/** `GET /api/v1/accounts` (never a password or token hash). */
export interface Account {
  readonly upn: string
  readonly displayName: string | null
  readonly roles: readonly AdminRole[]
  readonly disabled: boolean
  readonly hasPassword: boolean
  readonly createdAt: number
  readonly updatedAt: number
}

/** `GET /api/v1/roles`: each role and what it may do. */
export interface RoleDescription {
  readonly role: AdminRole
  readonly permissions: readonly Permission[]
}

export async function listAccounts(signal?: AbortSignal): Promise<readonly Account[]> {
  return (await api.json<{ data: Account[] }>('/api/v1/accounts', { signal })).data
}

export async function listRoles(signal?: AbortSignal): Promise<readonly RoleDescription[]> {
  return (await api.json<{ roles: RoleDescription[] }>('/api/v1/roles', { signal })).roles
}

export function changeAccountRoles(upn: string, roles: readonly AdminRole[]): Promise<Account> {
  return api.json<Account>(`/api/v1/accounts/${encodeURIComponent(upn)}`, { method: 'PATCH', body: { roles } })
}
