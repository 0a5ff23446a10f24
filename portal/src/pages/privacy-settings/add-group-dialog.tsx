/** + Add group: search imported and built-in groups, select several, add them as privacy groups. */
import { useMemo, useState } from 'react'
import { listAllGroups } from '../../api/privacy.js'
import type { PrivacyGroup } from '../../api/types.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { CheckboxField, TextField } from '../../ui/fields.js'
import { Dialog, DialogButtons } from '../../ui/dialog.js'
import { useAsync } from '../../ui/use-async.js'

export interface AddGroupDialogProps {
  readonly current: readonly PrivacyGroup[]
  readonly onCancel: () => void
  readonly onAdd: (ids: readonly string[]) => Promise<void>
}

export function AddGroupDialog({ current, onCancel, onAdd }: AddGroupDialogProps) {
  const groups = useAsync(() => listAllGroups(), [])
  const [query, setQuery] = useState('')
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set())
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const already = useMemo(() => new Set(current.map((g) => g.id)), [current])
  const needle = query.trim().toLowerCase()
  const shown = (groups.data ?? []).filter((g) => !needle || g.displayName.toLowerCase().includes(needle) || g.id.toLowerCase().includes(needle))

  const toggle = (id: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s)
      if (on) {
        next.add(id)
      } else {
        next.delete(id)
      }
      return next
    })

  return (
    <Dialog
      title="Add privacy groups"
      wide
      onClose={onCancel}
      footer={
        <DialogButtons
          onCancel={onCancel}
          action={`Add ${selected.size > 0 ? selected.size : ''} group${selected.size === 1 ? '' : 's'}`}
          disabled={selected.size === 0 || busy}
          onAction={() => {
            setBusy(true)
            setError(null)
            onAdd([...selected]).catch((failure: unknown) => {
              setError(failure)
              setBusy(false)
            })
          }}
        />
      }
    >
      <Banner tone="info">Only activities recorded from now on become private. Activities already recorded are not changed.</Banner>
      <ErrorBanner error={groups.error ?? error} />
      <TextField label="Search groups" type="search" value={query} onChange={setQuery} autoFocus placeholder="Name or id, e.g. HR" />
      <div className="choice-list" role="group" aria-label="Groups">
        {groups.loading && !groups.data ? <p role="status">Loading groups…</p> : null}
        {groups.data && shown.length === 0 ? <p className="muted">No group matches “{query}”.</p> : null}
        {shown.map((g) => (
          <CheckboxField
            key={g.id}
            checked={already.has(g.id) || selected.has(g.id)}
            disabled={already.has(g.id)}
            onChange={(on) => toggle(g.id, on)}
            label={
              <>
                {g.displayName} <span className="muted">{g.builtin ? 'built-in' : `${g.memberCount ?? 0} members`}</span>
                {already.has(g.id) ? <span className="muted"> · already private</span> : null}
              </>
            }
          />
        ))}
      </div>
    </Dialog>
  )
}
