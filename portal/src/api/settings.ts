/**
 * Settings → Scoped deployment (include and exclude rules) and managed domains. The server validates
 * every change and records it in the governance log; the portal only sends what the admin chose.
 */
import { api, ApiError } from './client.js'

/** One scoped-deployment rule (`GET /api/v1/settings/scope`). */
export interface ScopeRule {
  readonly name: string
  readonly kind: 'include' | 'exclude'
  /** Group ids, imported or built-in. */
  readonly groups: readonly string[]
  /** `all`, or the apps the rule covers. */
  readonly apps: 'all' | readonly string[]
}

export interface Scope {
  readonly rules: readonly ScopeRule[]
  /** The version of the rules as read; a change names it, so it cannot overwrite a newer one. */
  readonly version: number
}

export function getScope(signal?: AbortSignal): Promise<Scope> {
  return api.json<Scope>('/api/v1/settings/scope', { signal })
}

/**
 * Change the rules: the API replaces the whole rule list (`PUT /api/v1/settings/scope`), so the
 * current rules are read again right before the change is applied to them, and the write names the
 * version read. A rule another admin changed while the form was open is kept as they left it, unless
 * this change is about that rule; if they change the rules between this read and this write, the API
 * refuses it (412) and the change is applied again to what they left.
 */
export async function changeScope(change: (rules: readonly ScopeRule[]) => readonly ScopeRule[]): Promise<Scope> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await getScope()
    try {
      return await api.json<Scope>('/api/v1/settings/scope', { method: 'PUT', body: { rules: change(current.rules), version: current.version } })
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'precondition_failed') || attempt >= 3) {
        throw error
      }
    }
  }
}

export async function listManagedDomains(signal?: AbortSignal): Promise<readonly string[]> {
  return (await api.json<{ domains: string[] }>('/api/v1/settings/managed-domains', { signal })).domains
}

export async function addManagedDomain(domain: string): Promise<readonly string[]> {
  return (await api.json<{ domains: string[] }>('/api/v1/settings/managed-domains', { method: 'POST', body: { domain } })).domains
}

export async function removeManagedDomain(domain: string): Promise<readonly string[]> {
  return (await api.json<{ domains: string[] }>(`/api/v1/settings/managed-domains/${encodeURIComponent(domain)}`, { method: 'DELETE' })).domains
}
