/**
 * One SIEM destination: its delivery status (lag, pending, last success and error, back-fill), its
 * settings as the API shows them (secrets as ********), and — for admins who may change it — test
 * connection, edit (name, target, secrets), enable or disable, back-fill, delete.
 */
import { useState } from 'react'
import { backfillDestination, deleteDestination, setDestinationEnabled, testDestination, type SiemDestination, type SiemStatus, type SiemTestResult } from '../../api/siem.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { Dialog, DialogButtons } from '../../ui/dialog.js'
import { Drawer } from '../../ui/drawer.js'
import { FieldRow } from '../../ui/field-row.js'
import { fieldErrorsOf } from '../../ui/field-errors.js'
import { TextField } from '../../ui/fields.js'
import { formatCount, formatTime, localInputToIso } from '../../ui/format.js'
import { ConditionBadge, formatLag } from '../../ui/status.js'
import { DestinationDialog } from './destination-dialog.js'
import { targetOf } from './target.js'

export interface DestinationDrawerProps {
  readonly destination: SiemDestination
  readonly status: SiemStatus | null
  readonly canManage: boolean
  readonly onClose: () => void
  /** The destination changed: list it again, with a notice of what changed (null: nothing to say). */
  readonly onChanged: (notice: string | null) => void
  readonly onDeleted: (notice: string) => void
}

export function DestinationDrawer({ destination, status, canManage, onClose, onChanged, onDeleted }: DestinationDrawerProps) {
  const [test, setTest] = useState<SiemTestResult | null>(null)
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [backfilling, setBackfilling] = useState(false)
  const [deleting, setDeleting] = useState(false)
  const [editing, setEditing] = useState(false)

  const act = async (what: string, action: () => Promise<unknown>, done: () => void) => {
    setBusy(what)
    setError(null)
    try {
      await action()
      done()
    } catch (failure) {
      setError(failure)
    } finally {
      setBusy(null)
    }
  }

  return (
    <Drawer title={`SIEM destination ${destination.name}`} onClose={onClose}>
      {canManage ? (
        <div className="pivots" role="group" aria-label="Destination actions">
          <button
            type="button"
            className="button"
            disabled={busy !== null}
            onClick={() =>
              void act(
                'test',
                async () => {
                  setTest(null)
                  setTest(await testDestination(destination.id))
                },
                () => onChanged(null), // a test may have changed the status
              )
            }
          >
            {busy === 'test' ? 'Testing…' : 'Test connection'}
          </button>
          <button
            type="button"
            className="button"
            disabled={busy !== null}
            onClick={() => void act('enable', () => setDestinationEnabled(destination.id, !destination.enabled), () => onChanged(`${destination.name} is ${destination.enabled ? 'disabled' : 'enabled'}.`))}
          >
            {destination.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="button" disabled={busy !== null} onClick={() => setEditing(true)}>
            Edit…
          </button>
          <button type="button" className="button" disabled={busy !== null} onClick={() => setBackfilling(true)}>
            Back-fill…
          </button>
          <button type="button" className="button button-danger" disabled={busy !== null} onClick={() => setDeleting(true)}>
            Delete…
          </button>
        </div>
      ) : null}
      {test ? (
        test.ok ? (
          <Banner tone="success" label="Connection test">
            Connection succeeded in {test.ms} ms. No activity was sent.
          </Banner>
        ) : (
          <Banner tone="error" label="Connection test">
            <strong>Connection failed</strong> ({test.failure}, after {test.ms} ms): {test.message}
          </Banner>
        )
      ) : null}
      <ErrorBanner error={error} />
      <h3>Delivery</h3>
      <dl className="fields" aria-label="Delivery status">
        <FieldRow term="Status" value={status ? <ConditionBadge condition={status.condition} /> : 'Unknown'} />
        <FieldRow term="Lag" value={formatLag(status?.lagSeconds)} />
        <FieldRow term="Pending" value={status ? `${formatCount(status.pendingEvents)}${status.morePending ? '+' : ''} activities` : '—'} />
        <FieldRow term="Sent" value={status ? `${formatCount(status.eventsSent)} activities` : '—'} />
        <FieldRow term="Last delivery" value={formatTime(status?.lastSuccessAt)} />
        <FieldRow term="Last error" value={status?.lastError ? `${formatTime(status.lastErrorAt)}: ${status.lastError}` : 'None'} />
        <FieldRow term="Forwarding node" value={status?.forwardingNode ?? '—'} />
        {status?.backfill ? (
          <FieldRow
            term="Back-fill"
            value={`${formatTime(status.backfill.from)} – ${formatTime(status.backfill.to)}${status.backfill.deliveredThrough === null ? ', not started' : `, delivered through ${formatTime(status.backfill.deliveredThrough)}`}`}
          />
        ) : null}
      </dl>
      <h3>Settings</h3>
      <dl className="fields" aria-label="Settings">
        <FieldRow term="Target" value={targetOf(destination.settings)} />
        <FieldRow term="Enabled" value={destination.enabled ? 'Yes' : 'No'} />
        <FieldRow term="Created" value={`${formatTime(destination.createdAt)} by ${destination.createdBy}`} />
        <FieldRow term="Updated" value={formatTime(destination.updatedAt)} />
      </dl>
      <pre className="raw-json" aria-label="Settings as JSON (secrets redacted)">
        {JSON.stringify(destination.settings, null, 2)}
      </pre>
      {editing ? (
        <DestinationDialog
          destination={destination}
          onCancel={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false)
            setTest(null)
            onChanged(`Saved ${saved.name}.`)
          }}
        />
      ) : null}
      {backfilling ? (
        <BackfillDialog
          destination={destination}
          onCancel={() => setBackfilling(false)}
          onDone={(notice) => {
            setBackfilling(false)
            onChanged(notice)
          }}
        />
      ) : null}
      {deleting ? (
        <Dialog
          title="Delete SIEM destination"
          onClose={() => setDeleting(false)}
          footer={
            <DialogButtons
              onCancel={() => setDeleting(false)}
              action="Delete"
              tone="danger"
              onAction={() => {
                setDeleting(false)
                void act('delete', () => deleteDestination(destination.id), () => onDeleted(`${destination.name} was deleted.`))
              }}
            />
          }
        >
          <p>
            <strong>{destination.name}</strong> will receive no more activities, and its delivery position is forgotten. The change is recorded in the governance log.
          </p>
        </Dialog>
      ) : null}
    </Drawer>
  )
}


function BackfillDialog({ destination, onCancel, onDone }: { readonly destination: SiemDestination; readonly onCancel: () => void; readonly onDone: (notice: string) => void }) {
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const errors = fieldErrorsOf(error, ['from', 'to'])

  const start = async () => {
    setBusy(true)
    setError(null)
    try {
      // An unreadable input is sent as typed (empty), so the server names the field.
      const answer = await backfillDestination(destination.id, localInputToIso(from) ?? from, localInputToIso(to))
      onDone(`${destination.name} is back-filling ${formatTime(answer.backfill.from)} – ${formatTime(answer.backfill.to)}.`)
    } catch (failure) {
      setError(failure)
      setBusy(false)
    }
  }

  return (
    <Dialog
      title="Back-fill"
      onClose={onCancel}
      footer={<DialogButtons onCancel={onCancel} action="Start back-fill" disabled={busy} onAction={() => void start()} />}
    >
      <p>
        <strong>{destination.name}</strong> receives the public activities of this window again, oldest first, then goes on with the live feed. A back-fill in progress is
        replaced.
      </p>
      <ErrorBanner error={errors.banner} />
      <TextField label="From" type="datetime-local" value={from} onChange={setFrom} autoFocus error={errors.of('from')} />
      <TextField label="To (optional)" type="datetime-local" value={to} onChange={setTo} error={errors.of('to')} hint="Empty: now." />
    </Dialog>
  )
}
