/**
 * One pull connector: its status (condition, lag, runs, last success and error, events), its settings
 * as the API shows them (credentials only by name), and — for admins who may change it — test, run
 * now, edit (settings, credentials, interval, start again), enable or disable, remove.
 */
import { useState } from 'react'
import { deleteConnector, runConnector, setConnectorEnabled, testConnector, type Connector, type ConnectorTestResult } from '../../api/connectors.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { Dialog, DialogButtons } from '../../ui/dialog.js'
import { Drawer } from '../../ui/drawer.js'
import { FieldRow } from '../../ui/field-row.js'
import { formatCount, formatTime } from '../../ui/format.js'
import { ConditionBadge, formatLag } from '../../ui/status.js'
import { ConnectorDialog } from './connector-dialog.js'
import { providerLabel } from './provider-forms.js'

export interface ConnectorDrawerProps {
  readonly connector: Connector
  readonly canManage: boolean
  readonly onClose: () => void
  /** The connector changed: list it again, with a notice of what changed (null: nothing to say). */
  readonly onChanged: (notice: string | null) => void
  readonly onRemoved: (notice: string) => void
}

export function ConnectorDrawer({ connector, canManage, onClose, onChanged, onRemoved }: ConnectorDrawerProps) {
  const [test, setTest] = useState<ConnectorTestResult | null>(null)
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [removing, setRemoving] = useState(false)
  const [editing, setEditing] = useState(false)
  const status = connector.status

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
    <Drawer title={`Connector ${connector.name}`} onClose={onClose}>
      {canManage ? (
        <div className="pivots" role="group" aria-label="Connector actions">
          <button
            type="button"
            className="button"
            disabled={busy !== null}
            onClick={() =>
              void act(
                'test',
                async () => {
                  setTest(null)
                  setTest(await testConnector(connector.id))
                },
                () => onChanged(null),
              )
            }
          >
            {busy === 'test' ? 'Testing…' : 'Test'}
          </button>
          <button
            type="button"
            className="button"
            disabled={busy !== null}
            onClick={() => void act('run', () => runConnector(connector.id), () => onChanged(`${connector.name} will run now.`))}
          >
            Run now
          </button>
          <button
            type="button"
            className="button"
            disabled={busy !== null}
            onClick={() => void act('enable', () => setConnectorEnabled(connector.id, !connector.enabled), () => onChanged(`${connector.name} is ${connector.enabled ? 'disabled' : 'enabled'}.`))}
          >
            {connector.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="button" disabled={busy !== null} onClick={() => setEditing(true)}>
            Edit…
          </button>
          <button type="button" className="button button-danger" disabled={busy !== null} onClick={() => setRemoving(true)}>
            Remove…
          </button>
        </div>
      ) : null}
      {test ? (
        test.ok ? (
          <Banner tone="success" label="Connector test">
            Signed in and read the first page in {test.ms} ms: {formatCount(test.events)} events (not stored).
          </Banner>
        ) : (
          <Banner tone="error" label="Connector test">
            <strong>Test failed</strong> ({test.errorKind}, after {test.ms} ms): {test.message}
          </Banner>
        )
      ) : null}
      <ErrorBanner error={error} />
      <h3>Status</h3>
      <dl className="fields" aria-label="Connector status">
        <FieldRow term="Status" value={<ConditionBadge condition={status?.condition ?? (connector.enabled ? 'waiting' : 'disabled')} />} />
        {status?.pausedReason ? <FieldRow term="Paused because" value={`${status.pausedReason} (${formatTime(status.pausedAt)})`} /> : null}
        <FieldRow term="Lag" value={formatLag(status?.lagSeconds)} />
        <FieldRow term="Fetched through" value={formatTime(status?.through)} />
        <FieldRow term="Last success" value={formatTime(status?.lastSuccessAt)} />
        <FieldRow term="Last error" value={status?.lastError ? `${formatTime(status.lastErrorAt)}: ${status.lastError}${status.lastErrorKind ? ` (${status.lastErrorKind})` : ''}` : 'None'} />
        <FieldRow term="Runs" value={status ? `${formatCount(status.runs)} (${formatCount(status.failures)} failed in a row)` : '—'} />
        <FieldRow term="Next run" value={status?.runRequestedAt ? 'Requested now' : formatTime(status?.nextRunAt)} />
        <FieldRow
          term="Events"
          value={
            status
              ? `${formatCount(status.events.fetched)} fetched, ${formatCount(status.events.accepted)} accepted, ${formatCount(status.events.duplicates)} duplicates, ${formatCount(status.events.rejected)} rejected`
              : '—'
          }
        />
        {status?.lastRejection ? <FieldRow term="Last rejection" value={status.lastRejection} /> : null}
      </dl>
      <h3>Settings</h3>
      <dl className="fields" aria-label="Connector settings">
        <FieldRow term="Provider" value={providerLabel(connector.kind)} />
        <FieldRow term="Runs every" value={`${formatCount(connector.intervalSeconds)} s`} />
        <FieldRow term="Credentials" value={Object.keys(connector.credentials).join(', ') || '—'} />
        <FieldRow term="Created" value={`${formatTime(connector.createdAt)} by ${connector.createdBy}`} />
      </dl>
      <pre className="raw-json" aria-label="Settings as JSON">
        {JSON.stringify(connector.settings, null, 2)}
      </pre>
      {editing ? (
        <ConnectorDialog
          connector={connector}
          onCancel={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false)
            setTest(null)
            onChanged(`Saved ${saved.name}.`)
          }}
        />
      ) : null}
      {removing ? (
        <Dialog
          title="Remove connector"
          onClose={() => setRemoving(false)}
          footer={
            <DialogButtons
              onCancel={() => setRemoving(false)}
              action="Remove"
              tone="danger"
              onAction={() => {
                setRemoving(false)
                void act('remove', () => deleteConnector(connector.id), () => onRemoved(`${connector.name} was removed. The activities it fetched stay.`))
              }}
            />
          }
        >
          <p>
            <strong>{connector.name}</strong> stops fetching and its checkpoint is forgotten; the activities it fetched stay. The change is recorded in the governance log.
          </p>
        </Dialog>
      ) : null}
    </Drawer>
  )
}

