/**
 * The activity log: filter bar, the table (time, activity, user, app, IP, location, device), the
 * count, keyset paging with the API's cursor, items per page, the activity drawer, Table settings →
 * Show private activities…, and exports of the current filter.
 */
import { useMemo, useState } from 'react'
import { exportActivities, listActivities, type ExportFormat } from '../../api/activities.js'
import type { Activity, PrivacyGroup } from '../../api/types.js'
import { listPrivacyGroups } from '../../api/privacy.js'
import { navigate, useLocation } from '../../router.js'
import { DEFAULT_REVEAL_SECONDS, useReveal } from '../../session/reveal.js'
import { hasPermission, useMe } from '../../session/session.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { formatCount, formatTime, orDash } from '../../ui/format.js'
import { PageHeader } from '../../ui/layout.js'
import { MenuButton } from '../../ui/menu.js'
import { DataTable, type Column } from '../../ui/table.js'
import { SelectField } from '../../ui/fields.js'
import { useAsync } from '../../ui/use-async.js'
import { ActivityDrawer } from './activity-drawer.js'
import { PAGE_SIZES, pivotState, searchFromState, stateFromSearch, toApiFilters, withEquals, type ActivityFilterState } from './activity-filters.js'
import { FilterBar } from './filter-bar.js'
import { RevealDialog } from './reveal-dialog.js'
import { SavedQueriesButton } from './saved-queries.js'
import { saveFile } from '../../ui/save-file.js'

function go(state: ActivityFilterState): void {
  const search = searchFromState(state)
  navigate(search ? `/activity?${search}` : '/activity')
}

export function ActivityLogPage() {
  const me = useMe()
  const reveal = useReveal()
  const location = useLocation()
  const search = location.search.toString()
  const state = useMemo(() => stateFromSearch(new URLSearchParams(search)), [search])
  const { filters, problems } = useMemo(() => toApiFilters(state), [state])
  const queryKey = JSON.stringify([filters, state.pageSize])
  const revealKey = reveal.active ? `${reveal.active.startedAt}` : 'none'

  // Keyset paging: the cursors of the pages up to the current one (the first page has none). A new
  // query or a change of reveal starts again from the first page.
  const [paging, setPaging] = useState<{ key: string; cursors: readonly (string | null)[] }>({ key: '', cursors: [null] })
  const pagingKey = `${queryKey}|${revealKey}`
  const cursors = paging.key === pagingKey ? paging.cursors : [null]
  const cursor = cursors[cursors.length - 1] ?? null

  const page = useAsync(
    (signal) => (problems.length > 0 ? Promise.resolve(null) : listActivities({ filters, limit: state.pageSize, cursor, reveal: reveal.parameters, signal })),
    [pagingKey, cursor],
  )
  const privacyGroups = useAsync<readonly PrivacyGroup[]>(async () => (reveal.active && hasPermission(me, 'settings.read') ? listPrivacyGroups() : []), [revealKey])
  const groupName = (id: string) => privacyGroups.data?.find((g) => g.id === id)?.displayName ?? id

  const [selected, setSelected] = useState<string | null>(null)
  const [revealOpen, setRevealOpen] = useState(false)
  const [compact, setCompact] = useState(false)
  const [exporting, setExporting] = useState<{ status: 'running' | 'done'; message: string } | null>(null)
  const [exportError, setExportError] = useState<unknown>(null)

  const rows = useMemo(() => page.data?.data ?? [], [page.data])
  const suggestions = useMemo(() => ({ apps: [...new Set(rows.map((r) => r.app))].sort(), actionTypes: [...new Set(rows.map((r) => r.action.type))].sort() }), [rows])

  const runExport = async (format: ExportFormat) => {
    setExportError(null)
    setExporting({ status: 'running', message: `Exporting ${format.toUpperCase()}…` })
    try {
      const file = await exportActivities(format, filters, reveal.parameters)
      saveFile(file.blob, file.fileName)
      const placeholders = file.headers.get('veil-export-private') === 'placeholders'
      setExporting({ status: 'done', message: `Exported ${file.fileName}${placeholders ? ' (private activities as placeholder rows only)' : ''}.` })
    } catch (error) {
      setExporting(null)
      setExportError(error)
    }
  }

  const columns: Column<Activity>[] = [
    { key: 'time', header: 'Time', render: (a) => <time dateTime={a.time}>{formatTime(a.time)}</time>, className: 'col-time' },
    {
      key: 'activity',
      header: 'Activity',
      render: (a) => (
        <>
          {a.private ? (
            <span className="badge badge-private" title="Private activity: shown because you are revealing private activities">
              Private{a.privateBecause ? ` · ${groupName(a.privateBecause)}` : ''}
            </span>
          ) : null}
          <span className="activity-type">{a.action.type}</span>
          {a.description ? <span className="activity-description">{a.description}</span> : null}
        </>
      ),
    },
    { key: 'user', header: 'User', render: (a) => orDash(a.actor.upn ?? a.actor.displayName) },
    { key: 'app', header: 'App', render: (a) => a.app },
    { key: 'ip', header: 'IP address', render: (a) => orDash(a.ip) },
    { key: 'location', header: 'Location', render: (a) => [a.location.country, a.location.city].filter(Boolean).join(', ') || '—' },
    { key: 'device', header: 'Device', render: (a) => orDash(a.device.type), className: 'col-device' },
  ]

  const tableSettings = [
    ...(me.canRevealPrivate
      ? [reveal.active ? { label: 'Stop showing private activities', onSelect: reveal.end } : { label: 'Show private activities…', onSelect: () => setRevealOpen(true) }]
      : []),
    { label: compact ? 'Comfortable rows' : 'Compact rows', onSelect: () => setCompact((c) => !c) },
  ]

  const total = page.data ? `${formatCount(page.data.total)}${page.data.moreThanTotal ? '+' : ''}` : null
  const firstIndex = (cursors.length - 1) * state.pageSize

  return (
    <div className={compact ? 'page page-compact' : 'page'}>
      <PageHeader title="Activity log">
        <SavedQueriesButton filters={filters} sendable={problems.length === 0} pageSize={state.pageSize} onApply={go} />
        <MenuButton label="Export" items={[{ label: 'Export as CSV', onSelect: () => void runExport('csv') }, { label: 'Export as NDJSON', onSelect: () => void runExport('ndjson') }]} />
        <MenuButton label="Table settings" items={tableSettings} />
      </PageHeader>

      <FilterBar key={search} state={state} onApply={go} suggestions={suggestions} />

      {problems.length > 0 ? (
        <Banner tone="error" label="Filter problems">
          <strong>These filters cannot be sent as written:</strong>
          <ul className="error-details">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </Banner>
      ) : null}
      <ErrorBanner error={page.error} />
      <ErrorBanner error={exportError} />
      {exporting ? <Banner tone={exporting.status === 'done' ? 'success' : 'info'}>{exporting.message}</Banner> : null}

      <div className="table-toolbar">
        <div className="count" role="status" aria-live="polite">
          {total === null ? (page.loading ? 'Loading…' : '') : `${total} ${page.data?.total === 1 ? 'activity' : 'activities'}${rows.length > 0 ? ` · showing ${formatCount(firstIndex + 1)}–${formatCount(firstIndex + rows.length)}` : ''}`}
        </div>
      </div>

      <DataTable
        caption="Activities, newest first"
        columns={columns}
        rows={rows}
        rowKey={(a) => a.id}
        onRowActivate={(a) => setSelected(a.id)}
        selectedKey={selected}
        rowClassName={(a) => (a.private ? 'row-private' : undefined)}
        rowLabel={(a) => `${a.private ? 'Private activity, ' : ''}${a.action.type} by ${a.actor.upn ?? 'unknown'} at ${formatTime(a.time)}`}
        loading={page.loading}
        empty="No activities match these filters."
      />

      <div className="pager" role="navigation" aria-label="Pages">
        <SelectField label="Items per page" value={String(state.pageSize)} options={PAGE_SIZES.map((n) => ({ value: String(n), label: String(n) }))} onChange={(value) => go({ ...state, pageSize: Number(value) })} className="pager-size" />
        <span className="spacer" />
        <button type="button" className="button" disabled={cursors.length <= 1 || page.loading} onClick={() => setPaging({ key: pagingKey, cursors: cursors.slice(0, -1) })}>
          ← Newer
        </button>
        <span className="pager-page">Page {cursors.length}</span>
        <button
          type="button"
          className="button"
          disabled={!page.data?.hasNext || !page.data.cursor || page.loading}
          onClick={() => page.data?.cursor && setPaging({ key: pagingKey, cursors: [...cursors, page.data.cursor] })}
        >
          Older →
        </button>
      </div>

      {selected ? (
        <ActivityDrawer
          id={selected}
          reveal={reveal.parameters}
          groupName={groupName}
          onClose={() => setSelected(null)}
          onAddFilter={(field, value) => go(withEquals(state, field, value))}
          onPivot={(pivot, activity) => {
            setSelected(null)
            go(pivotState(state, pivot, activity))
          }}
        />
      ) : null}
      {revealOpen ? (
        <RevealDialog
          seconds={me.revealTtlSeconds ?? DEFAULT_REVEAL_SECONDS}
          onCancel={() => setRevealOpen(false)}
          onConfirm={(justification) => {
            setRevealOpen(false)
            reveal.start(justification, me.revealTtlSeconds ?? DEFAULT_REVEAL_SECONDS)
          }}
        />
      ) : null}
    </div>
  )
}
