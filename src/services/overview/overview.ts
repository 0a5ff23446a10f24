/**
 * The overview page: activities per day and per app, reveals per admin, this node's ingest rate, the
 * SIEM destinations' lag and the connectors' condition, in one answer.
 *
 * What each part shows follows the role matrix: the activity counts need `activities.read` (the
 * route's own access), reveals per admin `governance.read`, SIEM lag `siem.read`, connectors
 * `connectors.read`, the ingest rate `settings.read` (the same audience as `/metrics`, whose counter
 * the rate comes from). A part the viewer may not see is null.
 *
 * Activity counts are over public activities only, whoever asks and whatever they may reveal: the
 * overview is never a revealing request, so it answers as if private activities did not exist (privacy
 * rule 4). Reveals per admin is a count per initiator of `activities.reveal` records, not their
 * content, so it is not itself recorded (as `governance/verify` is not): the portal polls it.
 *
 * @module
 */

import { can, type Viewer } from '../../core/access/roles.js'
import type { SiemDestinationStatus } from '../../siem/destinations/siem-destinations.js'
import { siemDestinationStatusReader } from '../../siem/destinations/siem-destinations.js'
import { connectorStatusOf, type ConnectorCondition } from '../../connectors/connectors.js'
import type { TimeRange } from '../../storage/store.js'
import type { ServiceContext } from '../service-context.js'
import type { IngestRate } from './ingest-rate-meter.js'

const DAY_MS = 86_400_000

/** Apps listed by name; the rest are summed in `otherApps`. */
export const OVERVIEW_TOP_APPS = 20

/** Pending SIEM activities are counted up to this for the overview (the destination's status counts further). */
const OVERVIEW_PENDING_COUNT_LIMIT = 1_000

export interface OverviewOptions {
  /** The ingest rate of this node, or null when this node has no meter. */
  readonly ingestRate: (() => Promise<IngestRate>) | null
  /** `VEIL_SIEM_MAX_LAG_SECONDS`: past it a destination is `behind`. */
  readonly siemMaxLagSeconds: number
}

export interface ConnectorSummary {
  readonly id: string
  readonly name: string
  readonly kind: string
  readonly enabled: boolean
  /** The connector's condition as its own status says it (`connectorStatusOf`); null before it has a state. */
  readonly condition: ConnectorCondition | null
  readonly lagSeconds: number | null
  readonly lastSuccessAt: number | null
  readonly lastErrorAt: number | null
  readonly lastError: string | null
  /** Every event up to this time has been fetched. */
  readonly through: number | null
  readonly accepted: number
}

export interface Overview {
  readonly from: number
  readonly to: number
  readonly activities: {
    /** Public activities in the range. */
    readonly total: number
    /** Every UTC day of the range, oldest first, zero included. */
    readonly perDay: Array<{ readonly day: string; readonly start: number; readonly count: number }>
    /** The apps with the most public activities in the range, most first. */
    readonly perApp: Array<{ readonly app: string | null; readonly count: number }>
    /** Public activities of the apps not listed. */
    readonly otherApps: number
  }
  readonly reveals: { readonly perAdmin: Array<{ readonly upn: string; readonly reveals: number; readonly refused: number; readonly lastAt: number }> } | null
  readonly ingest: (IngestRate & { readonly scope: 'node' }) | null
  readonly siem: Array<Pick<SiemDestinationStatus, 'id' | 'name' | 'enabled' | 'condition' | 'lagSeconds' | 'behind' | 'pendingEvents' | 'morePending' | 'lastSuccessAt' | 'lastErrorAt' | 'lastError'>> | null
  readonly connectors: { readonly total: number; readonly byCondition: Readonly<Partial<Record<ConnectorCondition, number>>>; readonly items: ConnectorSummary[] } | null
}

/** Every UTC day from the range's first to its last, with the counts found (zero elsewhere). */
function everyDay(range: TimeRange, counts: ReadonlyArray<{ key: number; count: number }>): Overview['activities']['perDay'] {
  const byDay = new Map(counts.map((c) => [c.key, c.count]))
  const days: Array<{ day: string; start: number; count: number }> = []
  for (let start = Math.floor(range.from / DAY_MS) * DAY_MS; start <= range.to; start += DAY_MS) {
    days.push({ day: new Date(start).toISOString().slice(0, 10), start, count: byDay.get(start) ?? 0 })
  }
  return days
}

/** The overview of `range` as the viewer may see it. */
export async function overviewReader(ctx: ServiceContext, viewer: Viewer, range: TimeRange, options: OverviewOptions): Promise<Overview> {
  const store = ctx.store
  const now = ctx.clock()
  const [perDay, perApp, reveals, ingest, siem, connectors] = await Promise.all([
    store.overview.activitiesPerDay(range),
    store.overview.activitiesPerApp(range, OVERVIEW_TOP_APPS),
    can(viewer, 'governance.read') ? store.overview.governancePerInitiator('activities.reveal', range) : Promise.resolve(null),
    can(viewer, 'settings.read') && options.ingestRate ? options.ingestRate() : Promise.resolve(null),
    can(viewer, 'siem.read') ? siemSummary(ctx, options.siemMaxLagSeconds) : Promise.resolve(null),
    can(viewer, 'connectors.read') ? connectorSummary(ctx, now) : Promise.resolve(null),
  ])
  const total = perDay.reduce((sum, d) => sum + d.count, 0)
  const listed = perApp.reduce((sum, a) => sum + a.count, 0)
  return {
    from: range.from,
    to: range.to,
    activities: { total, perDay: everyDay(range, perDay), perApp: perApp.map((a) => ({ app: a.key, count: a.count })), otherApps: total - listed },
    reveals: reveals === null ? null : { perAdmin: revealsPerAdmin(reveals) },
    ingest: ingest === null ? null : { scope: 'node', ...ingest },
    siem,
    connectors,
  }
}

function revealsPerAdmin(rows: ReadonlyArray<{ initiator: string; status: string; count: number; lastAt: number }>): NonNullable<Overview['reveals']>['perAdmin'] {
  const byUpn = new Map<string, { upn: string; reveals: number; refused: number; lastAt: number }>()
  for (const row of rows) {
    const entry = byUpn.get(row.initiator) ?? { upn: row.initiator, reveals: 0, refused: 0, lastAt: 0 }
    if (row.status === 'succeeded') {
      entry.reveals += row.count
    } else {
      entry.refused += row.count
    }
    entry.lastAt = Math.max(entry.lastAt, row.lastAt)
    byUpn.set(row.initiator, entry)
  }
  return [...byUpn.values()].sort((a, b) => b.reveals - a.reveals || b.refused - a.refused || a.upn.localeCompare(b.upn))
}

async function siemSummary(ctx: ServiceContext, maxLagSeconds: number): Promise<NonNullable<Overview['siem']>> {
  const destinations = await ctx.store.siem.list()
  const statuses = await Promise.all(
    destinations.map((d) =>
      // A destination deleted between the list and its status is left out.
      siemDestinationStatusReader(ctx, { maxLagSeconds, pendingCountLimit: OVERVIEW_PENDING_COUNT_LIMIT, now: ctx.clock }, d.id).catch(() => null),
    ),
  )
  return statuses.flatMap((s) =>
    s === null
      ? []
      : [{ id: s.id, name: s.name, enabled: s.enabled, condition: s.condition, lagSeconds: s.lagSeconds, behind: s.behind, pendingEvents: s.pendingEvents, morePending: s.morePending, lastSuccessAt: s.lastSuccessAt, lastErrorAt: s.lastErrorAt, lastError: s.lastError }],
  )
}

async function connectorSummary(ctx: ServiceContext, now: number): Promise<NonNullable<Overview['connectors']>> {
  const [connectors, states] = await Promise.all([ctx.store.connectors.list(), ctx.store.connectors.states()])
  const stateOf = new Map(states.map((s) => [s.connectorId, s]))
  const byCondition: Partial<Record<ConnectorCondition, number>> = {}
  const items = connectors.map((connector): ConnectorSummary => {
    const state = stateOf.get(connector.id)
    const status = state ? connectorStatusOf(connector, state, now) : null
    if (status) {
      byCondition[status.condition] = (byCondition[status.condition] ?? 0) + 1
    }
    return {
      id: connector.id,
      name: connector.name,
      kind: connector.kind,
      enabled: connector.enabled,
      condition: status?.condition ?? null,
      lagSeconds: status?.lagSeconds ?? null,
      lastSuccessAt: status?.lastSuccessAt ?? null,
      lastErrorAt: status?.lastErrorAt ?? null,
      lastError: status?.lastError ?? null,
      through: status?.through ?? null,
      accepted: status?.events.accepted ?? 0,
    }
  })
  return { total: connectors.length, byCondition, items }
}
