/** The governance log (reading it is itself recorded by the server). */
import { api, type DownloadedFile } from './client.js'
import type { GovernancePage } from './types.js'

export interface GovernanceFilters {
  readonly action?: string
  readonly initiator?: string
  /** ISO 8601 */
  readonly from?: string
  readonly to?: string
}

/** The filters as query parameters; empty ones left out. */
function filterQuery(filters: GovernanceFilters) {
  return { action: filters.action || undefined, initiator: filters.initiator || undefined, from: filters.from || undefined, to: filters.to || undefined }
}

export function listGovernance(filters: GovernanceFilters, limit: number, beforeSeq: number | null, signal?: AbortSignal): Promise<GovernancePage> {
  return api.json<GovernancePage>('/api/v1/governance', {
    query: { limit, beforeSeq: beforeSeq ?? undefined, ...filterQuery(filters) },
    signal,
  })
}

export type GovernanceExportFormat = 'csv' | 'ndjson'

/** `GET /api/v1/governance/export`: the log as the filters select it, streamed by the server (recorded as governance.export). */
export function exportGovernance(format: GovernanceExportFormat, filters: GovernanceFilters): Promise<DownloadedFile> {
  return api.download('/api/v1/governance/export', { query: { format, ...filterQuery(filters) } })
}

/** `GET /api/v1/governance/verify`: the hash chain re-computed by the server (not itself recorded). */
export type ChainVerdict =
  | { readonly ok: true; readonly count: number; readonly headHash: string }
  | { readonly ok: false; readonly count: number; readonly verifiedUpTo: number; readonly broken: { readonly position: number; readonly seq: number; readonly reason: string } }

export function verifyGovernanceChain(signal?: AbortSignal): Promise<ChainVerdict> {
  return api.json<ChainVerdict>('/api/v1/governance/verify', { signal })
}
