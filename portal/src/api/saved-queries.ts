/** Saved queries of the activity log: the viewer's own named filters (`/api/v1/saved-queries`). */
import { api } from './client.js'
import type { ApiFilters } from './types.js'

/** The body of `POST /api/v1/activities` a saved query holds (never reveal parameters). */
export interface SavedQueryBody {
  readonly filters?: ApiFilters
  readonly sortField?: string
  readonly sortDirection?: string
}

export interface SavedQuery {
  readonly id: string
  readonly name: string
  readonly query: SavedQueryBody
  readonly createdAt: number
  readonly updatedAt: number
}

export async function listSavedQueries(signal?: AbortSignal): Promise<readonly SavedQuery[]> {
  return (await api.json<{ data: SavedQuery[] }>('/api/v1/saved-queries', { signal })).data
}

export function createSavedQuery(name: string, query: SavedQueryBody): Promise<SavedQuery> {
  return api.json<SavedQuery>('/api/v1/saved-queries', { method: 'POST', body: { name, query } })
}

export function deleteSavedQuery(id: string): Promise<void> {
  return api.json<void>(`/api/v1/saved-queries/${encodeURIComponent(id)}`, { method: 'DELETE' })
}
