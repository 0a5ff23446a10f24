/** The overview page: `GET /api/v1/overview` (parts the viewer's role may not see are null). */
import { api } from './client.js'

export interface OverviewDay {
  /** YYYY-MM-DD (UTC) */
  readonly day: string
  /** ms since the epoch */
  readonly start: number
  readonly count: number
}

export interface OverviewApp {
  readonly app: string | null
  readonly count: number
}

export interface OverviewRevealer {
  readonly upn: string
  /** Revealing requests recorded. */
  readonly reveals: number
  /** Attempts refused for want of the permission. */
  readonly refused: number
  readonly lastAt: number
}

export interface OverviewIngest {
  readonly scope: 'node'
  /** The last whole minutes, oldest first; `accepted` is null before the node's first sample. */
  readonly perMinute: ReadonlyArray<{ readonly minute: number; readonly accepted: number | null }>
  readonly lastMinute: number | null
  readonly since: number | null
}

export interface OverviewSiemDestination {
  readonly id: string
  readonly name: string
  readonly enabled: boolean
  readonly condition: string
  readonly lagSeconds: number
  readonly behind: boolean
  readonly pendingEvents: number
  readonly morePending: boolean
  readonly lastSuccessAt: number | null
  readonly lastErrorAt: number | null
  readonly lastError: string | null
}

export interface OverviewConnector {
  readonly id: string
  readonly name: string
  readonly kind: string
  readonly enabled: boolean
  readonly condition: string | null
  readonly lagSeconds: number | null
  readonly lastSuccessAt: number | null
  readonly lastErrorAt: number | null
  readonly lastError: string | null
  readonly through: number | null
  readonly accepted: number
}

/** `GET /api/v1/overview` */
export interface Overview {
  readonly from: number
  readonly to: number
  readonly activities: {
    readonly total: number
    readonly perDay: readonly OverviewDay[]
    readonly perApp: readonly OverviewApp[]
    readonly otherApps: number
  }
  readonly reveals: { readonly perAdmin: readonly OverviewRevealer[] } | null
  readonly ingest: OverviewIngest | null
  readonly siem: readonly OverviewSiemDestination[] | null
  readonly connectors: { readonly total: number; readonly byCondition: Readonly<Record<string, number>>; readonly items: readonly OverviewConnector[] } | null
}

/** The overview of [from, to] (ms since the epoch). */
export function getOverview(from: number, to: number, signal?: AbortSignal): Promise<Overview> {
  return api.json<Overview>('/api/v1/overview', { query: { from, to }, signal })
}
