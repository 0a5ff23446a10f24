/**
 * Settings → User groups: the imported and built-in groups with their member counts, searched by the
 * server by a part of their name or external id (open one for its members, at any time, and its history), importing memberships from a CSV or JSON file with every
 * rejected row shown, and the SCIM provisioning status (the identity provider's last call).
 */
import { useState } from 'react'
import { getScimStatus, listGroups, type Group } from '../../api/directory.js'
import { hasPermission, useMe } from '../../session/session.js'
import { ErrorBanner } from '../../ui/banner.js'
import { TextField } from '../../ui/fields.js'
import { formatCount, formatTime, orDash } from '../../ui/format.js'
import { PageHeader } from '../../ui/layout.js'
import { DataTable } from '../../ui/table.js'
import { useAsync } from '../../ui/use-async.js'
import { GroupDrawer } from './group-drawer.js'
import { ImportDialog } from './import-dialog.js'
import { ScimStatusPanel } from './scim-status-panel.js'
import './user-groups.css'

const PAGE_SIZE = 100

export function UserGroupsPage() {
  const me = useMe()
  const canManage = hasPermission(me, 'directory.manage')
  const [offset, setOffset] = useState(0)
  const [typed, setTyped] = useState('')
  const [search, setSearch] = useState('')
  const groups = useAsync((signal) => listGroups(offset, PAGE_SIZE, search, signal), [offset, search])
  const scim = useAsync((signal) => getScimStatus(signal), [])
  const [open, setOpen] = useState<Group | null>(null)
  const [importing, setImporting] = useState(false)
  const total = groups.data?.total ?? 0
  const rows = groups.data?.data ?? []

  return (
    <div className="page">
      <PageHeader title="User groups">
        {canManage ? (
          <button type="button" className="button button-primary" onClick={() => setImporting(true)}>
            Import memberships…
          </button>
        ) : null}
      </PageHeader>
      <p className="lead">
        Groups come from your identity provider (SCIM) or from imported files. Membership is kept with its history, so an activity is judged by the
        groups its user was in when it happened. Built-in groups are computed from each activity.
      </p>
      <ErrorBanner error={groups.error} />
      {scim.data ? <ScimStatusPanel status={scim.data} /> : <ErrorBanner error={scim.error} />}
      <form
        className="table-toolbar group-search"
        role="search"
        aria-label="Search groups"
        onSubmit={(event) => {
          event.preventDefault()
          setOffset(0)
          setSearch(typed.trim())
        }}
      >
        <TextField label="Search groups" value={typed} onChange={setTyped} placeholder="Part of a name or external id" autoComplete="off" />
        <button type="submit" className="button">
          Search
        </button>
        {search ? (
          <button
            type="button"
            className="button"
            onClick={() => {
              setTyped('')
              setOffset(0)
              setSearch('')
            }}
          >
            Clear
          </button>
        ) : null}
      </form>
      <div className="table-toolbar">
        <span className="count" role="status">
          {groups.data ? `${formatCount(total)} groups${search ? ` matching “${search}”` : ''}${total > rows.length ? ` · showing ${formatCount(offset + 1)}–${formatCount(offset + rows.length)}` : ''}` : ''}
        </span>
        <span className="spacer" />
        {total > PAGE_SIZE ? (
          <div className="page-actions">
            <button type="button" className="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
              ← Previous
            </button>
            <button type="button" className="button" disabled={offset + PAGE_SIZE >= total} onClick={() => setOffset(offset + PAGE_SIZE)}>
              Next →
            </button>
          </div>
        ) : null}
      </div>
      <DataTable
        caption="User groups"
        rows={rows}
        rowKey={(g) => g.id}
        loading={groups.loading}
        selectedKey={open?.id ?? null}
        onRowActivate={setOpen}
        rowLabel={(g) => `${g.displayName}: ${g.memberCount === null ? 'built-in group' : `${g.memberCount} members`}. Open for members and history.`}
        empty={search ? `No group's name or external id contains “${search}”.` : 'No groups yet: import a membership file or connect SCIM.'}
        columns={[
          { key: 'name', header: 'Group', render: (g) => <strong>{g.displayName}</strong> },
          { key: 'kind', header: 'Kind', render: (g) => (g.builtin ? 'Built-in' : 'Imported') },
          { key: 'members', header: 'Members', render: (g) => (g.memberCount === null ? 'Computed' : formatCount(g.memberCount)), className: 'numeric' },
          { key: 'external', header: 'External id', render: (g) => orDash(g.externalId) },
          { key: 'updated', header: 'Updated', render: (g) => (g.updatedAt === null ? '—' : formatTime(g.updatedAt)), className: 'col-time' },
        ]}
      />
      {open ? <GroupDrawer key={open.id} group={open} onClose={() => setOpen(null)} /> : null}
      {importing ? (
        <ImportDialog
          onClose={() => setImporting(false)}
          onImported={() => {
            groups.reload()
            scim.reload()
          }}
        />
      ) : null}
    </div>
  )
}
