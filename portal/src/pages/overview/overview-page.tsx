/**
 * Overview: public activities per day and per app (charts), reveals per admin, this node's ingest
 * rate, the SIEM destinations' lag and the connectors' condition, from one `GET /api/v1/overview`.
 * The server decides what the viewer's role may see (a part it may not is null, and not shown) and
 * counts public activities only: the overview never reveals.
 */
import { useState, type ReactNode } from 'react'
import { getOverview, type Overview } from '../../api/overview.js'
import { Link } from '../../router.js'
import { ErrorBanner } from '../../ui/banner.js'
import { SelectField } from '../../ui/fields.js'
import { formatCount, formatTime, orDash } from '../../ui/format.js'
import { PageHeader } from '../../ui/layout.js'
import { Panel } from '../../ui/panel.js'
import { ConditionBadge, formatLag } from '../../ui/status.js'
import { DataTable } from '../../ui/table.js'
import { useAsync } from '../../ui/use-async.js'
import { BarList, ChartTable, ColumnChart, Sparkline, type Bar } from './charts.js'
import './overview.css'

const DAY_MS = 86_400_000
const WINDOWS = [
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
  { value: '365', label: 'Last 365 days' },
]

const DAY_LABEL = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' })
const DAY_TITLE = new Intl.DateTimeFormat(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' })

export function OverviewPage() {
  const [days, setDays] = useState('30')
  const [generation, setGeneration] = useState(0)
  const overview = useAsync(
    (signal) => {
      const to = Date.now()
      return getOverview(to - Number(days) * DAY_MS, to, signal)
    },
    [days, generation],
  )
  const data = overview.data

  return (
    <div className="page overview">
      <PageHeader title="Overview">
        <SelectField label="Time range" value={days} onChange={setDays} options={WINDOWS} className="overview-range" />
        <button type="button" className="button" onClick={() => setGeneration((g) => g + 1)} disabled={overview.loading}>
          Refresh
        </button>
      </PageHeader>
      <p className="lead">Counts are of public activities only: private activities are not counted here, whoever looks.</p>
      <ErrorBanner error={overview.error} />
      {data ? <OverviewBody data={data} /> : overview.loading ? <p role="status">Loading the overview…</p> : null}
    </div>
  )
}

function OverviewBody({ data }: { readonly data: Overview }) {
  const perDay: Bar[] = data.activities.perDay.map((d) => ({ label: DAY_LABEL.format(d.start), title: DAY_TITLE.format(d.start), value: d.count }))
  const perApp: Bar[] = [
    ...data.activities.perApp.map((a) => ({ label: a.app ?? '(no app)', title: a.app ?? '(no app)', value: a.count })),
    ...(data.activities.otherApps > 0 ? [{ label: 'Other apps', title: 'Other apps', value: data.activities.otherApps }] : []),
  ]
  const siemBehind = data.siem?.filter((d) => d.condition === 'behind' || d.condition === 'failing').length ?? 0
  const connectorsFailing = data.connectors ? (data.connectors.byCondition.failing ?? 0) + (data.connectors.byCondition.paused ?? 0) : 0
  const range = `${formatTime(data.from)} – ${formatTime(data.to)}`

  return (
    <>
      <section className="figures" aria-label="Key figures">
        <Figure label="Public activities" value={formatCount(data.activities.total)} note={`${data.activities.perDay.length} days`} />
        {data.ingest ? (
          <Figure label="Ingested in the last minute" value={data.ingest.lastMinute === null ? 'Measuring…' : formatCount(data.ingest.lastMinute)} note="records accepted by this node">
            <Sparkline values={data.ingest.perMinute.map((m) => m.accepted)} label={`Records accepted per minute, last ${data.ingest.perMinute.length} minutes`} />
          </Figure>
        ) : null}
        {data.siem ? (
          <Figure
            label="SIEM destinations"
            value={formatCount(data.siem.length)}
            note={data.siem.length === 0 ? 'none configured' : siemBehind > 0 ? `${siemBehind} behind or failing` : `largest lag ${formatLag(Math.max(0, ...data.siem.map((d) => d.lagSeconds)))}`}
            tone={siemBehind > 0 ? 'warn' : undefined}
          />
        ) : null}
        {data.connectors ? (
          <Figure
            label="Connectors"
            value={formatCount(data.connectors.total)}
            note={data.connectors.total === 0 ? 'none configured' : connectorsFailing > 0 ? `${connectorsFailing} failing or paused` : 'none failing'}
            tone={connectorsFailing > 0 ? 'warn' : undefined}
          />
        ) : null}
      </section>

      <Panel title="Activities per day" note={`${range} (days in UTC)`}>
        <ColumnChart bars={perDay} label="Public activities per day" unit="activities" />
        <ChartTable bars={perDay} caption="Public activities per day" labelHeader="Day (UTC)" valueHeader="Activities" />
      </Panel>

      <Panel title="Activities per app">
        {perApp.length === 0 ? (
          <p className="muted">No activities in this time range.</p>
        ) : (
          <>
            <BarList bars={perApp} label="Public activities per app" unit="activities" />
            <ChartTable bars={perApp} caption="Public activities per app" labelHeader="App" valueHeader="Activities" />
          </>
        )}
      </Panel>

      {data.reveals ? (
        <Panel title="Reveals per admin" note="Requests that showed private activities, and attempts refused, as the governance log records them.">
          <DataTable
            caption="Reveals of private activities per admin"
            rows={data.reveals.perAdmin}
            rowKey={(r) => r.upn}
            empty="Nobody revealed private activities in this time range."
            columns={[
              { key: 'upn', header: 'Admin', render: (r) => r.upn },
              { key: 'reveals', header: 'Reveals', render: (r) => formatCount(r.reveals), className: 'numeric' },
              { key: 'refused', header: 'Refused', render: (r) => formatCount(r.refused), className: 'numeric' },
              { key: 'last', header: 'Last', render: (r) => formatTime(r.lastAt), className: 'col-time' },
            ]}
          />
          <p>
            <Link to="/governance?action=activities.reveal">Open the reveals in the governance log</Link>
          </p>
        </Panel>
      ) : null}

      {data.siem ? (
        <Panel title="SIEM forwarding lag">
          <DataTable
            caption="SIEM destinations and their lag"
            rows={data.siem}
            rowKey={(d) => d.id}
            empty="No SIEM destination."
            columns={[
              { key: 'name', header: 'Destination', render: (d) => d.name },
              { key: 'condition', header: 'Status', render: (d) => <ConditionBadge condition={d.condition} /> },
              { key: 'lag', header: 'Lag', render: (d) => formatLag(d.lagSeconds) },
              { key: 'pending', header: 'Pending', render: (d) => `${formatCount(d.pendingEvents)}${d.morePending ? '+' : ''}`, className: 'numeric' },
              { key: 'success', header: 'Last delivery', render: (d) => formatTime(d.lastSuccessAt), className: 'col-time' },
              { key: 'error', header: 'Last error', render: (d) => (d.lastError ? <span className="truncate" title={d.lastError}>{d.lastError}</span> : '—') },
            ]}
          />
          <p>
            <Link to="/settings/siem-destinations">Manage SIEM destinations</Link>
          </p>
        </Panel>
      ) : null}

      {data.connectors ? (
        <Panel title="Connectors">
          <DataTable
            caption="Pull connectors and their condition"
            rows={data.connectors.items}
            rowKey={(c) => c.id}
            empty="No connector."
            columns={[
              { key: 'name', header: 'Connector', render: (c) => c.name },
              { key: 'kind', header: 'Provider', render: (c) => c.kind },
              { key: 'condition', header: 'Status', render: (c) => <ConditionBadge condition={c.condition} /> },
              { key: 'lag', header: 'Lag', render: (c) => formatLag(c.lagSeconds) },
              { key: 'accepted', header: 'Accepted', render: (c) => formatCount(c.accepted), className: 'numeric' },
              { key: 'error', header: 'Last error', render: (c) => (c.lastError ? <span className="truncate" title={c.lastError}>{orDash(c.lastError)}</span> : '—') },
            ]}
          />
          <p>
            <Link to="/settings/connectors">Manage connectors</Link>
          </p>
        </Panel>
      ) : null}
    </>
  )
}

function Figure({ label, value, note, tone, children }: { readonly label: string; readonly value: string; readonly note?: string; readonly tone?: 'warn'; readonly children?: ReactNode }) {
  return (
    <div className={`figure${tone ? ` figure-${tone}` : ''}`}>
      <div className="figure-label">{label}</div>
      <div className="figure-value">{value}</div>
      {note ? <div className="figure-note">{note}</div> : null}
      {children}
    </div>
  )
}
