/**
 * Settings → Connectors: the pull connectors with their status (condition, lag, last success, last
 * error), refreshed while the page is open; + Add connector (a form per provider); open one to test
 * it, run it now, enable or disable it, or remove it.
 */
import { useEffect, useState } from 'react'
import { listConnectors } from '../../api/connectors.js'
import { hasPermission, useMe } from '../../session/session.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { formatCount, formatTime } from '../../ui/format.js'
import { PageHeader } from '../../ui/layout.js'
import { ConditionBadge, formatLag } from '../../ui/status.js'
import { DataTable } from '../../ui/table.js'
import { useAsync } from '../../ui/use-async.js'
import { ConnectorDialog } from './connector-dialog.js'
import { ConnectorDrawer } from './connector-drawer.js'
import { providerLabel } from './provider-forms.js'
import '../../ui/panel.css' // right-aligned figures, rows of fields

/** How often the statuses are read again while the page is open. */
const REFRESH_MS = 5_000

export function ConnectorsPage() {
  const me = useMe()
  const canManage = hasPermission(me, 'connectors.manage')
  const list = useAsync((signal) => listConnectors(signal), [])
  const [openId, setOpenId] = useState<string | null>(null)
  const [adding, setAdding] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const { reload } = list

  useEffect(() => {
    const timer = window.setInterval(reload, REFRESH_MS)
    return () => window.clearInterval(timer)
  }, [reload])

  const rows = list.data ?? []
  const open = rows.find((c) => c.id === openId) ?? null

  return (
    <div className="page">
      <PageHeader title="Connectors">
        <button type="button" className="button" onClick={reload}>
          Refresh
        </button>
        {canManage ? (
          <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
            + Add connector
          </button>
        ) : null}
      </PageHeader>
      <p className="lead">Connectors pull audit events from your cloud providers on a schedule and record them as activities, with the same privacy rules as every other source.</p>
      <ErrorBanner error={list.error} />
      {notice ? <Banner tone="success">{notice}</Banner> : null}
      <DataTable
        caption="Pull connectors"
        rows={rows}
        rowKey={(c) => c.id}
        loading={list.loading && list.data === null}
        selectedKey={openId}
        onRowActivate={(c) => setOpenId(c.id)}
        rowLabel={(c) => `${c.name}: ${c.status?.condition ?? 'no status yet'}. Open for status and actions.`}
        empty="No connector: + Add connector to pull audit events from a provider."
        columns={[
          { key: 'name', header: 'Name', render: (c) => <strong>{c.name}</strong> },
          { key: 'provider', header: 'Provider', render: (c) => providerLabel(c.kind) },
          { key: 'status', header: 'Status', render: (c) => <ConditionBadge condition={c.status?.condition ?? (c.enabled ? 'waiting' : 'disabled')} /> },
          { key: 'lag', header: 'Lag', render: (c) => formatLag(c.status?.lagSeconds) },
          { key: 'success', header: 'Last success', render: (c) => formatTime(c.status?.lastSuccessAt), className: 'col-time' },
          { key: 'accepted', header: 'Accepted', render: (c) => (c.status ? formatCount(c.status.events.accepted) : '—'), className: 'numeric' },
          {
            key: 'error',
            header: 'Last error',
            render: (c) =>
              c.status?.lastError ? (
                <span className="truncate status-failed" title={c.status.lastError}>
                  {c.status.lastError}
                </span>
              ) : (
                '—'
              ),
          },
        ]}
      />
      {open ? (
        <ConnectorDrawer
          key={open.id}
          connector={open}
          canManage={canManage}
          onClose={() => setOpenId(null)}
          onChanged={(message) => {
            if (message) {
              setNotice(message)
            }
            reload()
          }}
          onRemoved={(message) => {
            setNotice(message)
            setOpenId(null)
            reload()
          }}
        />
      ) : null}
      {adding ? (
        <ConnectorDialog
          onCancel={() => setAdding(false)}
          onSaved={(connector) => {
            setAdding(false)
            setNotice(`${connector.name} was added; its first run is due now.`)
            reload()
          }}
        />
      ) : null}
    </div>
  )
}
