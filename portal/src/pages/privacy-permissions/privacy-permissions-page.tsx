/**
 * Permissions → Activity privacy permissions (a tab beside Roles, pages/roles): the admins who may reveal private activities, + Add
 * user by UPN or email with an optional expiry, and remove. Who qualifies (an admin role) is the
 * server's rule; its refusal is shown as it words it.
 */
import { useState } from 'react'
import { grantPrivacyPermission, listPrivacyPermissions, revokePrivacyPermission } from '../../api/privacy.js'
import type { PrivacyPermissionEntry } from '../../api/types.js'
import { hasPermission, useMe, useSession } from '../../session/session.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { Dialog, DialogButtons } from '../../ui/dialog.js'
import { TextField } from '../../ui/fields.js'
import { formatTime, localInputToIso, orDash } from '../../ui/format.js'
import { DataTable } from '../../ui/table.js'
import { TabHeader, TabbedPage } from '../../ui/tabs.js'
import { useAsync } from '../../ui/use-async.js'
import { PERMISSIONS_TABS, PERMISSIONS_TITLE } from '../roles/permissions-tabs.js'

const STATE_LABELS: Record<PrivacyPermissionEntry['state'], string> = { active: 'Active', suspended: 'Suspended (no admin role)', expired: 'Expired' }

export function PrivacyPermissionsPage() {
  return (
    <TabbedPage title={PERMISSIONS_TITLE} tabs={PERMISSIONS_TABS} selected="activity-privacy">
      <PrivacyPermissionsTab />
    </TabbedPage>
  )
}

function PrivacyPermissionsTab() {
  const me = useMe()
  const { refresh } = useSession()
  const canManage = hasPermission(me, 'privacy.manage')
  const list = useAsync(() => listPrivacyPermissions(), [])
  const [adding, setAdding] = useState(false)
  const [removing, setRemoving] = useState<PrivacyPermissionEntry | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [notice, setNotice] = useState<string | null>(null)

  const afterChange = (message: string) => {
    setNotice(message)
    list.reload()
    void refresh() // the viewer's own permission may have changed
  }

  return (
    <>
      <TabHeader title="Activity privacy permissions">
        {canManage ? (
          <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
            + Add user
          </button>
        ) : null}
      </TabHeader>
      <p className="lead">These admins may show private activities in the activity log, each time with a justification that is recorded in the governance log. Only accounts with an admin role qualify; a grant is suspended while its holder has none.</p>
      <ErrorBanner error={list.error ?? error} />
      {notice ? <Banner tone="success">{notice}</Banner> : null}
      <DataTable
        caption="Admins with the activity privacy permission"
        rows={list.data ?? []}
        rowKey={(e) => e.upn}
        loading={list.loading}
        empty="Nobody may reveal private activities."
        columns={[
          { key: 'upn', header: 'User', render: (e) => e.upn },
          { key: 'name', header: 'Name', render: (e) => orDash(e.displayName) },
          { key: 'roles', header: 'Roles', render: (e) => e.roles.join(', ') || '—' },
          { key: 'state', header: 'State', render: (e) => STATE_LABELS[e.state] ?? e.state },
          { key: 'granted', header: 'Granted', render: (e) => `${formatTime(e.grantedAt)}${e.grantedBy ? ` by ${e.grantedBy}` : ''}` },
          { key: 'expires', header: 'Expires', render: (e) => (e.expiresAt ? formatTime(e.expiresAt) : 'Never') },
          {
            key: 'actions',
            header: 'Actions',
            render: (e) =>
              canManage ? (
                <button type="button" className="button button-small" onClick={() => setRemoving(e)} aria-label={`Remove ${e.upn}`}>
                  Remove
                </button>
              ) : null,
          },
        ]}
      />
      {adding ? (
        <AddUserDialog
          onCancel={() => setAdding(false)}
          onAdded={(entry) => {
            setAdding(false)
            afterChange(`${entry.upn} may now reveal private activities${entry.expiresAt ? ` until ${formatTime(entry.expiresAt)}` : ''}.`)
          }}
        />
      ) : null}
      {removing ? (
        <Dialog
          title="Remove activity privacy permission"
          onClose={() => setRemoving(null)}
          footer={
            <DialogButtons
              onCancel={() => setRemoving(null)}
              action="Remove"
              tone="danger"
              onAction={() => {
                const entry = removing
                setRemoving(null)
                setError(null)
                revokePrivacyPermission(entry.upn).then(() => afterChange(`${entry.upn} may no longer reveal private activities.`), setError)
              }}
            />
          }
        >
          <p>
            <strong>{removing.upn}</strong> will no longer be able to show private activities. The change is recorded in the governance log.
          </p>
        </Dialog>
      ) : null}
    </>
  )
}

function AddUserDialog({ onCancel, onAdded }: { readonly onCancel: () => void; readonly onAdded: (entry: PrivacyPermissionEntry) => void }) {
  const [upn, setUpn] = useState('')
  const [expires, setExpires] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const expiresAt = localInputToIso(expires)

  const add = () => {
    setBusy(true)
    setError(null)
    grantPrivacyPermission(upn.trim(), expiresAt).then(onAdded, (failure: unknown) => {
      setError(failure)
      setBusy(false)
    })
  }

  return (
    <Dialog
      title="Add user"
      onClose={onCancel}
      footer={<DialogButtons onCancel={onCancel} action="Add" disabled={!upn.trim() || busy} onAction={add} />}
    >
      <ErrorBanner error={error} />
      <TextField label="User (UPN or email)" type="email" value={upn} onChange={setUpn} autoFocus autoComplete="off" hint="An account with an admin role." />
      <TextField label="Expires (optional)" type="datetime-local" value={expires} onChange={setExpires} hint="Leave empty for a grant without an end." />
    </Dialog>
  )
}
