/** Settings → Activity privacy (privacy groups) and Permissions → Activity privacy permissions. */
import { api } from './client.js'
import type { DirectoryGroup, PrivacyGroup, PrivacyPermissionEntry } from './types.js'

export async function listPrivacyGroups(): Promise<readonly PrivacyGroup[]> {
  return (await api.json<{ groups: PrivacyGroup[] }>('/api/v1/settings/privacy-groups')).groups
}

export async function addPrivacyGroups(ids: readonly string[]): Promise<readonly PrivacyGroup[]> {
  return (await api.json<{ groups: PrivacyGroup[] }>('/api/v1/settings/privacy-groups', { method: 'POST', body: { groups: ids } })).groups
}

export async function removePrivacyGroup(id: string): Promise<readonly PrivacyGroup[]> {
  return (await api.json<{ groups: PrivacyGroup[] }>(`/api/v1/settings/privacy-groups/${encodeURIComponent(id)}`, { method: 'DELETE' })).groups
}

/** Every group of the directory, built-in ones first (the API pages by 1000). */
export async function listAllGroups(): Promise<readonly DirectoryGroup[]> {
  const all: DirectoryGroup[] = []
  for (let offset = 0; ; ) {
    const page = await api.json<{ data: DirectoryGroup[]; total: number }>('/api/v1/groups', { query: { offset, limit: 1000 } })
    all.push(...page.data)
    offset += page.data.length
    if (page.data.length === 0 || offset >= page.total) {
      return all
    }
  }
}

export async function listPrivacyPermissions(): Promise<readonly PrivacyPermissionEntry[]> {
  return (await api.json<{ data: PrivacyPermissionEntry[] }>('/api/v1/permissions/activity-privacy')).data
}

export function grantPrivacyPermission(upn: string, expiresAt: string | null): Promise<PrivacyPermissionEntry> {
  return api.json<PrivacyPermissionEntry>('/api/v1/permissions/activity-privacy', { method: 'POST', body: { upn, ...(expiresAt ? { expiresAt } : {}) } })
}

export function revokePrivacyPermission(upn: string): Promise<unknown> {
  return api.json(`/api/v1/permissions/activity-privacy/${encodeURIComponent(upn)}`, { method: 'DELETE' })
}
