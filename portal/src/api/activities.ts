/** The activity log: list (keyset pages), one activity with its raw event, exports. */
import { api, type DownloadedFile } from './client.js'
import type { Activity, ActivityPage, ApiFilters, RevealParameters } from './types.js'

export interface ActivityListRequest {
  readonly filters: ApiFilters
  readonly limit: number
  readonly cursor?: string | null
  /** Present while private activities are shown: every such request is a reveal, recorded by the server. */
  readonly reveal?: RevealParameters | null
  readonly signal?: AbortSignal
}

export function listActivities(request: ActivityListRequest): Promise<ActivityPage> {
  return api.json<ActivityPage>('/api/v1/activities/', {
    method: 'POST',
    body: { filters: request.filters, limit: request.limit, sortField: 'date', sortDirection: 'desc', ...(request.cursor ? { cursor: request.cursor } : {}), ...(request.reveal ?? {}) },
    signal: request.signal,
  })
}

export function getActivity(id: string, reveal: RevealParameters | null, signal?: AbortSignal): Promise<Activity> {
  return api.json<Activity>(`/api/v1/activities/${encodeURIComponent(id)}/`, {
    query: reveal ? { includePrivate: 'true', acknowledgeAudit: 'true', justification: reveal.justification } : undefined,
    signal,
  })
}

export type ExportFormat = 'csv' | 'ndjson'

/** `POST /api/v1/activities/export` of the current filter (docs/exports.md). */
export function exportActivities(format: ExportFormat, filters: ApiFilters, reveal: RevealParameters | null): Promise<DownloadedFile> {
  return api.download('/api/v1/activities/export', { method: 'POST', body: { format, filters, sortField: 'date', sortDirection: 'desc', ...(reveal ?? {}) } })
}
