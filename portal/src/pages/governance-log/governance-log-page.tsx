/**
 * The governance log: action type, target, initiator, app, time, status, justification; filters by
 * action, initiator and time; newest first, paged by sequence number; a record's details in a drawer.
 * Reading the log is itself recorded by the server.
 */
import { useMemo, useState, type FormEvent } from 'react'
import { listGovernance, type GovernanceFilters } from '../../api/governance.js'
import type { GovernanceRecord } from '../../api/types.js'
import { navigate, useLocation } from '../../router.js'
import { ErrorBanner } from '../../ui/banner.js'
import { Drawer } from '../../ui/drawer.js'
import { SelectField, TextField } from '../../ui/fields.js'
import { formatTime, isoToLocalInput, localInputToIso, orDash } from '../../ui/format.js'
import { PageHeader } from '../../ui/layout.js'
import { DataTable } from '../../ui/table.js'
import { useAsync } from '../../ui/use-async.js'
import { GOVERNANCE_ACTION_LABELS, actionLabel } from './governance-actions.js'
import { GovernanceTools } from './governance-tools.js'

const PAGE_SIZE = 50

function filtersFrom(search: URLSearchParams): GovernanceFilters {
  return { action: search.get('action') ?? '', initiator: search.get('initiator') ?? '', from: search.get('from') ?? '', to: search.get('to') ?? '' }
}

function go(filters: GovernanceFilters): void {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(filters)) {
    if (value) {
      params.set(key, String(value))
    }
  }
  const text = params.toString()
  navigate(text ? `/governance?${text}` : '/governance')
}

export function GovernanceLogPage() {
  const location = useLocation()
  const search = location.search.toString()
  const filters = useMemo(() => filtersFrom(new URLSearchParams(search)), [search])
  const [paging, setPaging] = useState<{ key: string; before: readonly (number | null)[] }>({ key: '', before: [null] })
  const before = paging.key === search ? paging.before : [null]
  const beforeSeq = before[before.length - 1] ?? null
  const page = useAsync((signal) => listGovernance(filters, PAGE_SIZE, beforeSeq, signal), [search, beforeSeq])
  const [selected, setSelected] = useState<GovernanceRecord | null>(null)

  return (
    <div className="page">
      <PageHeader title="Governance log" />
      <GovernanceTools filters={filters} />
      <GovernanceFilterBar key={search} filters={filters} />
      <ErrorBanner error={page.error} />
      <DataTable
        caption="Governance records, newest first"
        rows={page.data?.data ?? []}
        rowKey={(r) => String(r.seq)}
        loading={page.loading}
        onRowActivate={setSelected}
        selectedKey={selected ? String(selected.seq) : null}
        rowLabel={(r) => `${actionLabel(r.action)} by ${r.initiator}, ${r.status}`}
        empty="No governance records match these filters."
        columns={[
          { key: 'action', header: 'Action type', render: (r) => <span title={r.action}>{actionLabel(r.action)}</span> },
          { key: 'target', header: 'Target', render: (r) => <span className="truncate">{r.target}</span> },
          { key: 'initiator', header: 'Initiator', render: (r) => r.initiator },
          { key: 'app', header: 'App', render: (r) => r.app },
          { key: 'time', header: 'Time', render: (r) => formatTime(r.time), className: 'col-time' },
          { key: 'status', header: 'Status', render: (r) => <span className={`status status-${r.status}`}>{r.status === 'succeeded' ? 'Succeeded' : 'Failed'}</span> },
          { key: 'justification', header: 'Justification', render: (r) => orDash(r.justification) },
        ]}
      />
      <div className="pager" role="navigation" aria-label="Pages">
        <span className="spacer" />
        <button type="button" className="button" disabled={before.length <= 1 || page.loading} onClick={() => setPaging({ key: search, before: before.slice(0, -1) })}>
          ← Newer
        </button>
        <span className="pager-page">Page {before.length}</span>
        <button
          type="button"
          className="button"
          disabled={!page.data?.hasNext || page.loading}
          onClick={() => page.data?.nextBeforeSeq && setPaging({ key: search, before: [...before, page.data.nextBeforeSeq] })}
        >
          Older →
        </button>
      </div>
      {selected ? (
        <Drawer title={`Governance record ${selected.seq}`} onClose={() => setSelected(null)}>
          <dl className="fields">
            {(
              [
                ['Action type', `${actionLabel(selected.action)} (${selected.action})`],
                ['Target', selected.target],
                ['Initiator', selected.initiator],
                ['Address', orDash(selected.ip)],
                ['App', selected.app],
                ['Time', formatTime(selected.time)],
                ['Status', selected.status],
                ['Justification', orDash(selected.justification)],
              ] as const
            ).map(([label, value]) => (
              <div className="field-row" key={label}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
          <h3>Details</h3>
          <pre className="raw-json" tabIndex={0} aria-label="Record details as JSON">
            {JSON.stringify(selected.details, null, 2)}
          </pre>
        </Drawer>
      ) : null}
    </div>
  )
}

function GovernanceFilterBar({ filters }: { readonly filters: GovernanceFilters }) {
  const [draft, setDraft] = useState(filters)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    go(draft)
  }
  const actions = [{ value: '', label: 'Any action' }, ...Object.entries(GOVERNANCE_ACTION_LABELS).map(([value, label]) => ({ value, label }))]
  return (
    <form className="filter-bar" onSubmit={submit} aria-label="Filters">
      <div className="filter-row">
        <SelectField label="Action type" value={draft.action ?? ''} options={actions} onChange={(action) => setDraft((d) => ({ ...d, action }))} className="filter-field" />
        <TextField label="Initiator" value={draft.initiator ?? ''} onChange={(initiator) => setDraft((d) => ({ ...d, initiator }))} className="filter-field" />
        <TextField label="From" type="datetime-local" value={draft.from ? isoToLocalInput(draft.from) : ''} onChange={(v) => setDraft((d) => ({ ...d, from: localInputToIso(v) ?? '' }))} className="filter-field" />
        <TextField label="To" type="datetime-local" value={draft.to ? isoToLocalInput(draft.to) : ''} onChange={(v) => setDraft((d) => ({ ...d, to: localInputToIso(v) ?? '' }))} className="filter-field" />
      </div>
      <div className="filter-actions">
        <span className="spacer" />
        <button
          type="button"
          className="button"
          onClick={() => {
            setDraft({})
            go({})
          }}
        >
          Clear
        </button>
        <button type="submit" className="button button-primary">
          Apply
        </button>
      </div>
    </form>
  )
}
