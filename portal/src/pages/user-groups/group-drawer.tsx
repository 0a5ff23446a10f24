/**
 * One group: its details, its members now or at a past time, and its membership history (every span,
 * oldest first). Built-in groups have no member list: their members are computed per activity.
 */
import { useState } from 'react'
import { getGroup, groupHistory, listGroupMembers, type Group } from '../../api/directory.js'
import { ErrorBanner } from '../../ui/banner.js'
import { Drawer } from '../../ui/drawer.js'
import { FieldRow } from '../../ui/field-row.js'
import { TextField } from '../../ui/fields.js'
import { formatCount, formatTime, localInputToIso, orDash } from '../../ui/format.js'
import { DataTable } from '../../ui/table.js'
import { useAsync } from '../../ui/use-async.js'

const MEMBERS_PAGE = 200

export function GroupDrawer({ group, onClose }: { readonly group: Group; readonly onClose: () => void }) {
  const details = useAsync((signal) => getGroup(group.id, signal), [group.id])
  const shown = details.data ?? group
  return (
    <Drawer title={`Group ${group.displayName}`} onClose={onClose}>
      <ErrorBanner error={details.error} />
      <dl className="fields">
        <FieldRow term="Name" value={shown.displayName} />
        <FieldRow term="Id" value={<code>{shown.id}</code>} />
        <FieldRow term="Kind" value={shown.builtin ? 'Built-in' : 'Imported'} />
        {shown.builtin ? <FieldRow term="Members" value={shown.description ?? 'Computed from each activity'} /> : <FieldRow term="Members now" value={formatCount(shown.memberCount ?? 0)} />}
        <FieldRow term="External id" value={orDash(shown.externalId)} />
        {shown.createdAt !== null ? <FieldRow term="Created" value={formatTime(shown.createdAt)} /> : null}
        {shown.updatedAt !== null ? <FieldRow term="Updated" value={formatTime(shown.updatedAt)} /> : null}
      </dl>
      {shown.builtin ? null : (
        <>
          <Members groupId={group.id} />
          <History groupId={group.id} />
        </>
      )}
    </Drawer>
  )
}


function Members({ groupId }: { readonly groupId: string }) {
  const [atInput, setAtInput] = useState('')
  const [at, setAt] = useState<number | null>(null)
  const members = useAsync((signal) => listGroupMembers(groupId, at, 0, MEMBERS_PAGE, signal), [groupId, at])
  const when = at === null ? 'now' : `at ${formatTime(at)}`
  return (
    <section aria-labelledby="group-members-heading" className="group-section">
      <h3 id="group-members-heading">Members {when}</h3>
      <form
        className="group-at"
        onSubmit={(event) => {
          event.preventDefault()
          const iso = localInputToIso(atInput)
          setAt(iso === null ? null : Date.parse(iso))
        }}
      >
        <TextField label="Members at" type="datetime-local" value={atInput} onChange={setAtInput} hint="Empty: now." />
        <button type="submit" className="button">
          Show
        </button>
      </form>
      <ErrorBanner error={members.error} />
      <DataTable
        caption={`Members of the group ${when}`}
        rows={members.data?.data ?? []}
        rowKey={(m) => m.id}
        loading={members.loading}
        empty="No members."
        columns={[
          { key: 'upn', header: 'User', render: (m) => m.upn },
          { key: 'name', header: 'Name', render: (m) => orDash(m.displayName) },
          { key: 'active', header: 'Account', render: (m) => (m.active ? 'Active' : 'Disabled') },
        ]}
      />
      {members.data && members.data.total > members.data.data.length ? (
        <p className="muted">
          Showing {formatCount(members.data.data.length)} of {formatCount(members.data.total)} members.
        </p>
      ) : null}
    </section>
  )
}

function History({ groupId }: { readonly groupId: string }) {
  const history = useAsync((signal) => groupHistory(groupId, signal), [groupId])
  const spans = history.data ?? []
  return (
    <section aria-labelledby="group-history-heading" className="group-section">
      <h3 id="group-history-heading">Membership history</h3>
      <ErrorBanner error={history.error} />
      <DataTable
        caption="Membership history of the group, oldest first"
        rows={spans}
        rowKey={(s) => `${s.userId}-${s.from}`}
        loading={history.loading}
        empty="No membership yet."
        columns={[
          { key: 'user', header: 'User', render: (s) => s.upn ?? s.userId },
          { key: 'from', header: 'Member from', render: (s) => formatTime(s.from), className: 'col-time' },
          { key: 'to', header: 'Until', render: (s) => (s.to === null ? 'Now' : formatTime(s.to)), className: 'col-time' },
        ]}
      />
    </section>
  )
}
