/** SIEM destinations (docs/siem.md): list, add, change, enable/disable, test, status, back-fill, delete. Secrets come back as ********. */
import { api } from './client.js'

export interface SyslogSettings {
  readonly kind: 'syslog'
  readonly transport: 'tcp' | 'tls' | 'udp'
  readonly host: string
  readonly port: number
  readonly syslogFormat?: 'rfc5424' | 'rfc3164'
  readonly facility?: number
  readonly appName?: string
  readonly tls?: { readonly ca?: string; readonly rejectUnauthorized?: boolean; readonly serverName?: string }
}

export interface WebhookSettings {
  readonly kind: 'webhook'
  readonly url: string
  readonly secret: string
  readonly batchSize?: number
  readonly headers?: Readonly<Record<string, string>>
  readonly allowInsecureHttp?: boolean
}

export type DestinationSettings = SyslogSettings | WebhookSettings

export interface SiemDestination {
  readonly id: string
  readonly name: string
  readonly kind: string
  readonly enabled: boolean
  readonly settings: DestinationSettings
  readonly version: number
  readonly createdAt: number
  readonly createdBy: string
  readonly updatedAt: number
}

export type SiemCondition = 'disabled' | 'failing' | 'backfilling' | 'behind' | 'delivering' | 'up_to_date'

/** `GET /api/v1/siem/destinations/:id/status` */
export interface SiemStatus {
  readonly id: string
  readonly name: string
  readonly enabled: boolean
  readonly condition: SiemCondition
  readonly lagSeconds: number
  readonly behind: boolean
  readonly pendingEvents: number
  readonly morePending: boolean
  readonly eventsSent: number
  readonly lastDeliveredId: string | null
  readonly lastSuccessAt: number | null
  readonly lastErrorAt: number | null
  readonly lastError: string | null
  readonly forwardingNode: string | null
  readonly backfill: { readonly from: number; readonly to: number; readonly deliveredThrough: number | null } | null
  readonly gap: unknown
}

export type SiemTestResult = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly ms: number; readonly failure: string; readonly retryable: boolean; readonly message: string }

/** What the add form sends; the settings are checked by the server, which names each field at fault. */
export interface NewDestination {
  readonly name: string
  readonly settings: Record<string, unknown>
  readonly backfill?: { readonly from: string; readonly to?: string }
}

const BASE = '/api/v1/siem/destinations'
const one = (id: string) => `${BASE}/${encodeURIComponent(id)}`

export async function listDestinations(signal?: AbortSignal): Promise<readonly SiemDestination[]> {
  return (await api.json<{ data: SiemDestination[] }>(BASE, { signal })).data
}

export function destinationStatus(id: string, signal?: AbortSignal): Promise<SiemStatus> {
  return api.json<SiemStatus>(`${one(id)}/status`, { signal })
}

export function createDestination(input: NewDestination): Promise<SiemDestination> {
  return api.json<SiemDestination>(BASE, { method: 'POST', body: input })
}

/** Edit…: the settings are replaced whole, a `********` in them keeping the stored secret at that place. */
export function updateDestination(id: string, change: { readonly name?: string; readonly settings?: Record<string, unknown> }): Promise<SiemDestination> {
  return api.json<SiemDestination>(one(id), { method: 'PATCH', body: change })
}

export function setDestinationEnabled(id: string, enabled: boolean): Promise<SiemDestination> {
  return api.json<SiemDestination>(one(id), { method: 'PATCH', body: { enabled } })
}

export function deleteDestination(id: string): Promise<unknown> {
  return api.json(one(id), { method: 'DELETE' })
}

export function testDestination(id: string): Promise<SiemTestResult> {
  return api.json<SiemTestResult>(`${one(id)}/test`, { method: 'POST' })
}

/** Deliver the public activities of [from, to] again (ISO 8601; `to` default now). */
export function backfillDestination(id: string, from: string, to: string | null): Promise<{ backfill: { from: number; to: number } }> {
  return api.json(`${one(id)}/backfill`, { method: 'POST', body: { from, ...(to ? { to } : {}) } })
}
