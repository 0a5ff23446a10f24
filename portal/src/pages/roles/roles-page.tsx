/**
 * Permissions → Roles: who holds which admin role, what each role may do (the server's role matrix,
 * `GET /api/v1/roles`), and — for global admins — changing an account's roles. Whether a change is
 * allowed is the server's decision; its refusal is shown as it words it.
 */
import { useState } from 'react'
import { changeAccountRoles, listAccounts, listRoles, type Account } from '../../api/accounts.js'
import type { AdminRole } from '../../api/types.js'
import { hasPermission, useMe, useSession } from '../../session/session.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { Dialog, DialogButtons } from '../../ui/dialog.js'
import { CheckboxField } from '../../ui/fields.js'
import { orDash } from '../../ui/format.js'
import { DataTable } from '../../ui/table.js'
import { TabHeader, TabbedPage } from '../../ui/tabs.js'
import { useAsync } from '../../ui/use-async.js'
import { PERMISSIONS_TABS, PERMISSIONS_TITLE } from './permissions-tabs.js'

/** The roles' names as people say them. */
export const ROLE_LABELS: Readonly<Record<AdminRole, string>> = {
  global_admin: 'Global admin',
  security_admin: 'Security admin',
  compliance_admin: 'Compliance admin',
  security_reader: 'Security reader',
}

const roleLabel = (role: AdminRole) => ROLE_LABELS[role] ?? role

export function RolesPage() {
  return (
    <TabbedPage title={PERMISSIONS_TITLE} tabs={PERMISSIONS_TABS} selected="roles">
      <RolesTab />
    </TabbedPage>
  )
}

function RolesTab() {
  const me = useMe()
  const { refresh } = useSession()
  const canManage = hasPermission(me, 'accounts.manage')
  const accounts = useAsync((signal) => listAccounts(signal), [])
  const roles = useAsync((signal) => listRoles(signal), [])
  const [changing, setChanging] = useState<Account | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const holders = (role: AdminRole) => (accounts.data ?? []).filter((a) => a.roles.includes(role))

  return (
    <>
      <TabHeader title="Roles" />
      <p className="lead">Each admin role gives a fixed set of permissions. Accounts without a role may sign in but are not admins: they see no activities and may not be given the activity privacy permission.</p>
      <ErrorBanner error={accounts.error ?? roles.error} />
      {notice ? <Banner tone="success">{notice}</Banner> : null}
      <DataTable
        caption="Admin roles and who holds them"
        rows={roles.data ?? []}
        rowKey={(r) => r.role}
        loading={roles.loading || accounts.loading}
        columns={[
          { key: 'role', header: 'Role', render: (r) => roleLabel(r.role) },
          {
            key: 'holders',
            header: 'Held by',
            render: (r) => {
              const list = holders(r.role)
              return list.length === 0 ? <span className="muted">Nobody</span> : list.map((a) => (a.disabled ? `${a.upn} (disabled)` : a.upn)).join(', ')
            },
          },
          { key: 'permissions', header: 'May', render: (r) => <span className="muted">{r.permissions.join(', ')}</span> },
        ]}
      />
      <h3>Accounts</h3>
      <DataTable
        caption="Accounts and their roles"
        rows={accounts.data ?? []}
        rowKey={(a) => a.upn}
        loading={accounts.loading}
        empty="No accounts."
        columns={[
          { key: 'upn', header: 'User', render: (a) => a.upn },
          { key: 'name', header: 'Name', render: (a) => orDash(a.displayName) },
          { key: 'roles', header: 'Roles', render: (a) => (a.roles.length === 0 ? <span className="muted">No admin role</span> : a.roles.map(roleLabel).join(', ')) },
          { key: 'state', header: 'State', render: (a) => (a.disabled ? 'Disabled' : 'Active') },
          {
            key: 'actions',
            header: 'Actions',
            render: (a) =>
              canManage ? (
                <button type="button" className="button button-small" onClick={() => setChanging(a)} aria-label={`Change roles of ${a.upn}`}>
                  Change roles
                </button>
              ) : null,
          },
        ]}
      />
      {changing ? (
        <ChangeRolesDialog
          account={changing}
          onCancel={() => setChanging(null)}
          onChanged={(account) => {
            setChanging(null)
            setNotice(`${account.upn} now holds ${account.roles.length === 0 ? 'no admin role' : account.roles.map(roleLabel).join(', ')}.`)
            accounts.reload()
            void refresh() // the viewer's own roles may have changed
          }}
        />
      ) : null}
    </>
  )
}

function ChangeRolesDialog({ account, onCancel, onChanged }: { readonly account: Account; readonly onCancel: () => void; readonly onChanged: (account: Account) => void }) {
  const [chosen, setChosen] = useState<ReadonlySet<AdminRole>>(new Set(account.roles))
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const save = () => {
    setBusy(true)
    setError(null)
    changeAccountRoles(
      account.upn,
      (Object.keys(ROLE_LABELS) as AdminRole[]).filter((r) => chosen.has(r)),
    ).then(onChanged, (failure: unknown) => {
      setError(failure)
      setBusy(false)
    })
  }
  return (
    <Dialog
      title={`Roles of ${account.upn}`}
      onClose={onCancel}
      footer={<DialogButtons onCancel={onCancel} action="Save" disabled={busy} onAction={save} />}
    >
      <ErrorBanner error={error} />
      <div role="group" aria-label="Admin roles">
        {(Object.keys(ROLE_LABELS) as AdminRole[]).map((role) => (
          <CheckboxField
            key={role}
            label={roleLabel(role)}
            checked={chosen.has(role)}
            onChange={(on) =>
              setChosen((s) => {
                const next = new Set(s)
                if (on) {
                  next.add(role)
                } else {
                  next.delete(role)
                }
                return next
              })
            }
          />
        ))}
      </div>
      <p className="muted">The change is recorded in the governance log. An activity privacy permission is suspended while its holder has no admin role.</p>
    </Dialog>
  )
}
