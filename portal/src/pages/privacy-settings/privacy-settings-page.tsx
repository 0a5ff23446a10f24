/**
 * Settings → Scoped deployment and privacy → Activity privacy (a tab of pages/scope-settings): the privacy groups (their members' activities are private), + Add
 * group (search over imported and built-in groups, several at once), and remove. Only activities
 * recorded from the change on are affected; the server keeps that rule, the page says it.
 */
import { useState } from 'react'
import { addPrivacyGroups, listPrivacyGroups, removePrivacyGroup } from '../../api/privacy.js'
import type { PrivacyGroup } from '../../api/types.js'
import { hasPermission, useMe } from '../../session/session.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { Dialog, DialogButtons } from '../../ui/dialog.js'
import { DataTable } from '../../ui/table.js'
import { TabHeader } from '../../ui/tabs.js'
import { useAsync } from '../../ui/use-async.js'
import { AddGroupDialog } from './add-group-dialog.js'

export function ActivityPrivacyTab() {
  const me = useMe()
  const canManage = hasPermission(me, 'settings.manage')
  const groups = useAsync(() => listPrivacyGroups(), [])
  const [adding, setAdding] = useState(false)
  const [removing, setRemoving] = useState<PrivacyGroup | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [notice, setNotice] = useState<string | null>(null)

  const remove = async (group: PrivacyGroup) => {
    setError(null)
    try {
      await removePrivacyGroup(group.id)
      setNotice(`${group.displayName ?? group.id} is no longer a privacy group. Activities already private stay private.`)
      groups.reload()
    } catch (failure) {
      setError(failure)
    } finally {
      setRemoving(null)
    }
  }

  return (
    <>
      <TabHeader title="Activity privacy">
        {canManage ? (
          <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
            + Add group
          </button>
        ) : null}
      </TabHeader>
      <p className="lead">
        Activities of members of these groups are <strong>private</strong>: hidden from every admin by default, shown only to admins who hold
        the activity privacy permission, when they ask with a justification, and recorded in the governance log.
      </p>
      <Banner tone="info">Only activities recorded from now on become private; activities already recorded are not changed. Removing a group never makes its private activities visible.</Banner>
      <ErrorBanner error={groups.error ?? error} />
      {notice ? <Banner tone="success">{notice}</Banner> : null}
      <DataTable
        caption="Privacy groups"
        rows={groups.data ?? []}
        rowKey={(g) => g.id}
        loading={groups.loading}
        empty="No privacy groups: every activity is visible to every admin."
        columns={[
          { key: 'name', header: 'Group', render: (g) => g.displayName ?? `${g.id} (deleted from the directory)` },
          { key: 'id', header: 'Id', render: (g) => <code>{g.id}</code> },
          { key: 'kind', header: 'Kind', render: (g) => (g.builtin ? 'Built-in' : 'Imported') },
          {
            key: 'actions',
            header: 'Actions',
            render: (g) =>
              canManage ? (
                <button type="button" className="button button-small" onClick={() => setRemoving(g)} aria-label={`Remove ${g.displayName ?? g.id}`}>
                  Remove
                </button>
              ) : null,
          },
        ]}
      />
      {adding ? (
        <AddGroupDialog
          current={groups.data ?? []}
          onCancel={() => setAdding(false)}
          onAdd={async (ids) => {
            await addPrivacyGroups(ids)
            setAdding(false)
            setNotice(`Added ${ids.length} privacy group${ids.length === 1 ? '' : 's'}. Activities recorded from now on by their members are private.`)
            groups.reload()
          }}
        />
      ) : null}
      {removing ? (
        <Dialog
          title="Remove privacy group"
          onClose={() => setRemoving(null)}
          footer={<DialogButtons onCancel={() => setRemoving(null)} action="Remove" tone="danger" onAction={() => void remove(removing)} />}
        >
          <p>
            Remove <strong>{removing.displayName ?? removing.id}</strong> from the privacy groups? Activities its members record from now on
            will be visible to admins. Activities already private stay private. The change is recorded in the governance log.
          </p>
        </Dialog>
      ) : null}
    </>
  )
}
