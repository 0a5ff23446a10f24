/**
 * Settings → SIEM destinations: every destination with its delivery status (condition, lag, pending,
 * last error), refreshed while the page is open; + Add destination; open one to test the connection,
 * enable or disable it, back-fill a window, or delete it. Private activities are never forwarded: the
 * server's rule, stated here.
 */
import { useEffect, useState } from 'react'
import { destinationStatus, listDestinations, type SiemDestination, type SiemStatus } from '../../api/siem.js'
import { hasPermission, useMe } from '../../session/session.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { formatCount, formatTime } from '../../ui/format.js'
import { PageHeader } from '../../ui/layout.js'
import { ConditionBadge, formatLag } from '../../ui/status.js'
import { DataTable } from '../../ui/table.js'
import { useAsync } from '../../ui/use-async.js'
import { DestinationDialog } from './destination-dialog.js'
import { DestinationDrawer } from './destination-drawer.js'
import { targetOf } from './target.js'
import '../../ui/panel.css' // right-aligned figures, rows of fields

/** How often the statuses are read again while the page is open. */
const REFRESH_MS = 5_000

interface Row {
  readonly destination: SiemDestination
  readonly status: SiemStatus | null
}

async function loadRows(signal: AbortSignal): Promise<readonly Row[]> {
  const destinations = await listDestinations(signal)
  // One status per destination; a status that cannot be read leaves its row without one, not the page empty.
  const statuses = await Promise.all(destinations.map((d) => destinationStatus(d.id, signal).catch(() => null)))
  return destinations.map((destination, i) => ({ destination, status: statuses[i] ?? null }))
}

export function SiemDestinationsPage() {
  const me = useMe()
  const canManage = hasPermission(me, 'siem.manage')
  const list = useAsync((signal) => loadRows(signal), [])
  const [openId, setOpenId] = useState<string | null>(null)
  const [adding, setAdding] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const { reload } = list

  useEffect(() => {
    const timer = window.setInterval(reload, REFRESH_MS)
    return () => window.clearInterval(timer)
  }, [reload])

  const rows = list.data ?? []
  const open = rows.find((r) => r.destination.id === openId) ?? null

  return (
    <div className="page">
      <PageHeader title="SIEM destinations">
        <button type="button" className="button" onClick={reload}>
          Refresh
        </button>
        {canManage ? (
          <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
            + Add destination
          </button>
        ) : null}
      </PageHeader>
      <p className="lead">
        Veil forwards the public activities it records to these destinations as CEF over syslog or as signed JSON batches, at least once and in order.
        Private activities are never forwarded.
      </p>
      <ErrorBanner error={list.error} />
      {notice ? <Banner tone="success">{notice}</Banner> : null}
      <DataTable
        caption="SIEM destinations"
        rows={rows}
        rowKey={(r) => r.destination.id}
        loading={list.loading && list.data === null}
        selectedKey={openId}
        onRowActivate={(r) => setOpenId(r.destination.id)}
        rowLabel={(r) => `${r.destination.name}: ${r.status?.condition ?? 'status unknown'}. Open for status and actions.`}
        empty="No SIEM destination: + Add destination to forward activities."
        columns={[
          { key: 'name', header: 'Name', render: (r) => <strong>{r.destination.name}</strong> },
          { key: 'target', header: 'Sends to', render: (r) => <span className="truncate">{targetOf(r.destination.settings)}</span> },
          { key: 'status', header: 'Status', render: (r) => <ConditionBadge condition={r.status?.condition ?? (r.destination.enabled ? null : 'disabled')} /> },
          { key: 'lag', header: 'Lag', render: (r) => formatLag(r.status?.lagSeconds) },
          { key: 'pending', header: 'Pending', render: (r) => (r.status ? `${formatCount(r.status.pendingEvents)}${r.status.morePending ? '+' : ''}` : '—'), className: 'numeric' },
          { key: 'success', header: 'Last delivery', render: (r) => formatTime(r.status?.lastSuccessAt), className: 'col-time' },
          {
            key: 'error',
            header: 'Last error',
            render: (r) =>
              r.status?.lastError ? (
                <span className="truncate status-failed" title={r.status.lastError}>
                  {r.status.lastError}
                </span>
              ) : (
                '—'
              ),
          },
        ]}
      />
      {open ? (
        <DestinationDrawer
          key={open.destination.id}
          destination={open.destination}
          status={open.status}
          canManage={canManage}
          onClose={() => setOpenId(null)}
          onChanged={(message) => {
            if (message) {
              setNotice(message)
            }
            reload()
          }}
          onDeleted={(message) => {
            setNotice(message)
            setOpenId(null)
            reload()
          }}
        />
      ) : null}
      {adding ? (
        <DestinationDialog
          onCancel={() => setAdding(false)}
          onSaved={(destination) => {
            setAdding(false)
            setNotice(`${destination.name} was added. It receives the activities recorded from now on, after its back-fill window if one was given.`)
            reload()
          }}
        />
      ) : null}
    </div>
  )
}
