/**
 * Import memberships from a CSV or JSON file (the file picker sends the file as it is; the server
 * parses it row by row). A report says what changed; rejected rows are listed by row, field and reason
 * as the server names them, and whether the other rows were applied.
 */
import { useId, useState } from 'react'
import { ApiError } from '../../api/client.js'
import { importMemberships, type ImportMode, type ImportReport } from '../../api/directory.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { Dialog, DialogButtons } from '../../ui/dialog.js'
import { CheckboxField, SelectField } from '../../ui/fields.js'
import { formatCount } from '../../ui/format.js'

export interface ImportDialogProps {
  readonly onClose: () => void
  /** Something may have changed in the directory (an import applied, in whole or in part). */
  readonly onImported: () => void
}

interface RejectedRow {
  readonly row: number | null
  readonly field: string | null
  readonly reason: string
}

const MODES = [
  { value: 'delta', label: 'Add and remove the listed memberships (delta)' },
  { value: 'full', label: 'Each listed group gets exactly the listed members (full)' },
]

export function ImportDialog({ onClose, onImported }: ImportDialogProps) {
  const fileId = useId()
  const [file, setFile] = useState<File | null>(null)
  const [mode, setMode] = useState<ImportMode>('delta')
  const [atomic, setAtomic] = useState(false)
  const [busy, setBusy] = useState(false)
  const [report, setReport] = useState<ImportReport | null>(null)
  const [rejected, setRejected] = useState<{ readonly message: string; readonly rows: readonly RejectedRow[] } | null>(null)
  const [error, setError] = useState<unknown>(null)

  const run = async () => {
    if (!file) {
      return
    }
    setBusy(true)
    setReport(null)
    setRejected(null)
    setError(null)
    try {
      setReport(await importMemberships({ name: file.name, text: await file.text() }, mode, atomic))
      onImported()
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === 'validation_failed' && failure.details.some((d) => d.index !== undefined)) {
        // The server's own words per row; "row N: " is shown in its own column.
        setRejected({ message: failure.message, rows: failure.details.map((d) => ({ row: d.index ?? null, field: d.field ?? null, reason: d.reason.replace(/^row \d+: /, '') })) })
        onImported()
      } else {
        setError(failure)
      }
    } finally {
      setBusy(false)
    }
  }

  return (
    <Dialog
      title="Import memberships"
      wide
      onClose={onClose}
      footer={<DialogButtons onCancel={onClose} cancelLabel="Close" action={busy ? 'Importing…' : 'Import'} disabled={!file || busy} onAction={() => void run()} />}
    >
      <p className="muted">
        CSV with the header <code>group,upn</code> (optional <code>displayName</code>, <code>externalId</code>, <code>action</code>), or JSON / NDJSON with the same fields.
        Unknown users and groups are created; every change is kept in the membership history.
      </p>
      <div className="field">
        <label htmlFor={fileId}>Membership file</label>
        <input
          id={fileId}
          type="file"
          accept=".csv,.json,.ndjson,.jsonl,text/csv,application/json"
          onChange={(event) => {
            setFile(event.target.files?.[0] ?? null)
            setReport(null)
            setRejected(null)
            setError(null)
          }}
        />
      </div>
      <SelectField label="Mode" value={mode} onChange={(value) => setMode(value === 'full' ? 'full' : 'delta')} options={MODES} />
      <CheckboxField label="All or nothing: apply no row when any row is rejected" checked={atomic} onChange={setAtomic} />
      <ErrorBanner error={error} />
      {report ? (
        <Banner tone="success" label="Import report">
          Imported {file?.name}: {formatCount(report.membershipsAdded)} memberships added, {formatCount(report.membershipsEnded)} ended, {formatCount(report.groupsCreated)} groups and{' '}
          {formatCount(report.usersCreated)} users created.
        </Banner>
      ) : null}
      {rejected ? (
        <div className="import-rejected">
          <Banner tone="error">
            <strong>{rejected.message}</strong>
          </Banner>
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Rejected rows</caption>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Field</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {rejected.rows.map((r, i) => (
                  <tr key={i}>
                    <td>{r.row ?? '—'}</td>
                    <td>{r.field ? <code>{r.field}</code> : '—'}</td>
                    <td>{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
    </Dialog>
  )
}
