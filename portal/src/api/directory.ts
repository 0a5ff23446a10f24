/** User groups: imported and built-in groups, their members and history, membership imports, SCIM status. */
import { api } from './client.js'

/** `GET /api/v1/groups/:id` (and each row of the list). */
export interface Group {
  readonly id: string
  readonly displayName: string
  readonly externalId: string | null
  readonly builtin: boolean
  readonly description: string | null
  /** Current members; null for built-in groups (computed per activity). */
  readonly memberCount: number | null
  readonly createdAt: number | null
  readonly updatedAt: number | null
}

export interface GroupPage {
  readonly data: readonly Group[]
  readonly total: number
}

export interface GroupMember {
  readonly id: string
  readonly upn: string
  readonly displayName: string | null
  readonly externalId: string | null
  readonly emails: readonly string[]
  readonly active: boolean
}

export interface MembersPage {
  readonly data: readonly GroupMember[]
  readonly total: number
  /** The time the members are of (ms). */
  readonly at: number
}

/** One membership span: member from `from` (inclusive) until `to` (exclusive; null while it lasts). */
export interface MembershipSpan {
  readonly groupId: string
  readonly userId: string
  readonly upn: string | null
  readonly from: number
  readonly to: number | null
}

/** A page of groups; `search`: only those whose name or external id contains it (the server matches). */
export function listGroups(offset: number, limit: number, search: string, signal?: AbortSignal): Promise<GroupPage> {
  return api.json<GroupPage>('/api/v1/groups', { query: { offset, limit, search: search || undefined }, signal })
}

export function getGroup(id: string, signal?: AbortSignal): Promise<Group> {
  return api.json<Group>(`/api/v1/groups/${encodeURIComponent(id)}`, { signal })
}

/** Members now, or at `at` (ms) when given. */
export function listGroupMembers(id: string, at: number | null, offset: number, limit: number, signal?: AbortSignal): Promise<MembersPage> {
  return api.json<MembersPage>(`/api/v1/groups/${encodeURIComponent(id)}/members`, { query: { at: at ?? undefined, offset, limit }, signal })
}

export async function groupHistory(id: string, signal?: AbortSignal): Promise<readonly MembershipSpan[]> {
  return (await api.json<{ data: MembershipSpan[] }>(`/api/v1/groups/${encodeURIComponent(id)}/history`, { signal })).data
}

export type ImportMode = 'delta' | 'full'

/** What an import did (`POST /api/v1/directory/import`, 200). Rejected rows answer 400: an ApiError whose details name each row. */
export interface ImportReport {
  readonly format: string
  readonly groupsCreated: number
  readonly usersCreated: number
  readonly membershipsAdded: number
  readonly membershipsEnded: number
  readonly rejected: ReadonlyArray<{ readonly row: number; readonly field: string; readonly reason: string }>
  readonly applied: boolean
  readonly groupsNotReconciled?: readonly string[]
}

/** The content type the server reads a file by: CSV, JSON or NDJSON by its name; anything else is detected by the server. */
export function importContentType(fileName: string): string {
  const name = fileName.toLowerCase()
  if (name.endsWith('.csv')) {
    return 'text/csv'
  }
  if (name.endsWith('.ndjson') || name.endsWith('.jsonl')) {
    return 'application/x-ndjson'
  }
  if (name.endsWith('.json')) {
    return 'application/json'
  }
  return 'text/plain'
}

/** Send a membership file as it is; the server parses it row by row and names every rejected row. */
export function importMemberships(file: { readonly name: string; readonly text: string }, mode: ImportMode, atomic: boolean): Promise<ImportReport> {
  return api.json<ImportReport>('/api/v1/directory/import', { method: 'POST', query: { mode, atomic }, rawBody: { text: file.text, contentType: importContentType(file.name) } })
}

export interface ScimCall {
  readonly at: number
  readonly method: string
  readonly route: string
  readonly operation: string
  readonly resourceId: string | null
  readonly status: number
  readonly outcome: 'succeeded' | 'failed'
  readonly initiator: string
  readonly tokenId: string | null
}

export interface ScimStatus {
  readonly lastCall: ScimCall | null
  readonly lastChange: ScimCall | null
  readonly lastFailure: ScimCall | null
}

export function getScimStatus(signal?: AbortSignal): Promise<ScimStatus> {
  return api.json<ScimStatus>('/api/v1/directory/scim/status', { signal })
}
