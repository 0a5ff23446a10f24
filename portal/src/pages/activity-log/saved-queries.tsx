/**
 * Saved queries of the activity log: save the current filter under a name, list the viewer's saved
 * queries, apply one (its filters become the page's filters and URL), delete one. The server checks a
 * saved query with the activities list's own parser and keeps each admin's queries to themselves;
 * a saved query never holds reveal parameters.
 */
import { useState } from 'react'
import { createSavedQuery, deleteSavedQuery, listSavedQueries, type SavedQuery } from '../../api/saved-queries.js'
import type { ApiFilters } from '../../api/types.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { Dialog } from '../../ui/dialog.js'
import { TextField } from '../../ui/fields.js'
import { formatTime } from '../../ui/format.js'
import { DataTable } from '../../ui/table.js'
import { useAsync } from '../../ui/use-async.js'
import type { ActivityFilterState } from './activity-filters.js'
import { describeFilters, stateFromApiFilters } from './saved-query-state.js'
import './saved-queries.css'

export interface SavedQueriesProps {
  /** The current filter, as the page sends it. */
  readonly filters: ApiFilters
  /** Whether the current filter can be sent at all (the page lists its problems). */
  readonly sendable: boolean
  readonly pageSize: number
  readonly onApply: (state: ActivityFilterState) => void
}

/** The "Saved queries" button of the activity log and its dialog. */
export function SavedQueriesButton(props: SavedQueriesProps) {
  const [open, setOpen] = useState(false)
  return (
    <>
      <button type="button" className="button" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        Saved queries
      </button>
      {open ? <SavedQueriesDialog {...props} onClose={() => setOpen(false)} /> : null}
    </>
  )
}

function SavedQueriesDialog({ filters, sendable, pageSize, onApply, onClose }: SavedQueriesProps & { readonly onClose: () => void }) {
  const saved = useAsync((signal) => listSavedQueries(signal), [])
  const [name, setName] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [notice, setNotice] = useState<string | null>(null)

  const save = () => {
    setBusy(true)
    setError(null)
    setNotice(null)
    createSavedQuery(name.trim(), { filters, sortField: 'date', sortDirection: 'desc' }).then(
      (query) => {
        setBusy(false)
        setName('')
        setNotice(`Saved “${query.name}”.`)
        saved.reload()
      },
      (failure: unknown) => {
        setBusy(false)
        setError(failure)
      },
    )
  }

  const apply = (query: SavedQuery) => {
    const { state, unshown } = stateFromApiFilters(query.query.filters ?? {}, pageSize)
    if (unshown.length > 0) {
      setError(new Error(`“${query.name}” uses filters this page cannot show (${unshown.join(', ')}); run it through the API instead.`))
      return
    }
    onClose()
    onApply(state)
  }

  const remove = (query: SavedQuery) => {
    setError(null)
    setNotice(null)
    deleteSavedQuery(query.id).then(() => {
      setNotice(`Deleted “${query.name}”.`)
      saved.reload()
    }, setError)
  }

  return (
    <Dialog
      title="Saved queries"
      wide
      onClose={onClose}
      footer={
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      }
    >
      <ErrorBanner error={saved.error ?? error} />
      {notice ? <Banner tone="success">{notice}</Banner> : null}
      <form
        className="saved-query-form"
        aria-label="Save the current filter"
        onSubmit={(event) => {
          event.preventDefault()
          if (sendable && name.trim() && !busy) {
            save()
          }
        }}
      >
        <TextField label="Name" value={name} onChange={setName} autoFocus autoComplete="off" placeholder="e.g. Okta sign-ins, last 7 days" hint={sendable ? `Saves: ${describeFilters(filters)}` : 'Fix the filter problems first.'} />
        <button type="submit" className="button button-primary" disabled={!sendable || !name.trim() || busy}>
          Save current filter
        </button>
      </form>
      <DataTable
        caption="Your saved queries"
        rows={saved.data ?? []}
        rowKey={(q) => q.id}
        loading={saved.loading}
        empty="No saved queries yet."
        columns={[
          { key: 'name', header: 'Name', render: (q) => q.name },
          { key: 'filter', header: 'Filter', render: (q) => <span className="muted">{describeFilters(q.query.filters)}</span> },
          { key: 'saved', header: 'Saved', render: (q) => formatTime(q.createdAt), className: 'col-time' },
          {
            key: 'actions',
            header: 'Actions',
            render: (q) => (
              <span className="saved-query-actions">
                <button type="button" className="button button-small" onClick={() => apply(q)} aria-label={`Apply ${q.name}`}>
                  Apply
                </button>
                <button type="button" className="button button-small" onClick={() => remove(q)} aria-label={`Delete ${q.name}`}>
                  Delete
                </button>
              </span>
            ),
          },
        ]}
      />
    </Dialog>
  )
}
