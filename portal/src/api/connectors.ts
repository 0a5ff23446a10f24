/** Pull connectors (docs/connectors.md): list with status, add, change, enable/disable, test, run now, remove. Credentials come back as ********. */
import { api } from './client.js'

export type ConnectorCondition = 'disabled' | 'paused' | 'running' | 'failing' | 'waiting' | 'ok'

export interface ConnectorEventCounts {
  readonly fetched: number
  readonly accepted: number
  readonly duplicates: number
  readonly rejected: number
  readonly outOfScope: number
}

export interface ConnectorStatus {
  readonly condition: ConnectorCondition
  readonly through: number | null
  readonly lagSeconds: number | null
  readonly lastRunStartedAt: number | null
  readonly lastRunEndedAt: number | null
  readonly lastSuccessAt: number | null
  readonly lastErrorAt: number | null
  readonly lastError: string | null
  readonly lastErrorKind: string | null
  readonly lastRejection: string | null
  readonly pausedAt: number | null
  readonly pausedReason: string | null
  readonly failures: number
  readonly runs: number
  readonly nextRunAt: number | null
  readonly runRequestedAt: number | null
  readonly runningNode: string | null
  readonly events: ConnectorEventCounts
}

export interface Connector {
  readonly id: string
  readonly name: string
  readonly kind: string
  readonly provider: string
  readonly format: string
  readonly enabled: boolean
  readonly intervalSeconds: number
  readonly settings: unknown
  /** The names of the credentials held, each shown as ********. */
  readonly credentials: Readonly<Record<string, string>>
  readonly version: number
  readonly createdAt: number
  readonly createdBy: string
  readonly updatedAt: number
  /** Null before its first run was scheduled. */
  readonly status: ConnectorStatus | null
}

export type ConnectorTestResult = { readonly ok: true; readonly ms: number; readonly events: number } | { readonly ok: false; readonly ms: number; readonly errorKind: string; readonly message: string }

/** What the add form sends; settings and credentials are checked by the server, which names each field at fault. */
export interface NewConnector {
  readonly name: string
  readonly kind: string
  readonly intervalSeconds?: number | string
  readonly settings: Record<string, unknown>
  readonly credentials: Record<string, unknown>
  readonly startFrom?: string
}

const BASE = '/api/v1/connectors'
const one = (id: string) => `${BASE}/${encodeURIComponent(id)}`

export async function listConnectors(signal?: AbortSignal): Promise<readonly Connector[]> {
  return (await api.json<{ data: Connector[] }>(BASE, { signal })).data
}

export function createConnector(input: NewConnector): Promise<Connector> {
  return api.json<Connector>(BASE, { method: 'POST', body: input })
}

/** What Edit… sends: settings are replaced whole; a credential named replaces the stored one, the others are kept. */
export interface ConnectorChange {
  readonly name?: string
  readonly intervalSeconds?: number | string
  readonly settings?: Record<string, unknown>
  readonly credentials?: Record<string, unknown>
  readonly startFrom?: string
}

export function updateConnector(id: string, change: ConnectorChange): Promise<Connector> {
  return api.json<Connector>(one(id), { method: 'PATCH', body: change })
}

export function setConnectorEnabled(id: string, enabled: boolean): Promise<Connector> {
  return api.json<Connector>(one(id), { method: 'PATCH', body: { enabled } })
}

export function deleteConnector(id: string): Promise<unknown> {
  return api.json(one(id), { method: 'DELETE' })
}

export function testConnector(id: string): Promise<ConnectorTestResult> {
  return api.json<ConnectorTestResult>(`${one(id)}/test`, { method: 'POST' })
}

export function runConnector(id: string): Promise<{ requestedAt: number }> {
  return api.json<{ requestedAt: number }>(`${one(id)}/run`, { method: 'POST' })
}
