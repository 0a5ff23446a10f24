/**
 * + Add connector, and Edit… of an existing one: the provider, then that provider's settings and
 * credentials, how often it runs and where its (next) run starts. The form sends what was typed (empty
 * optional fields left out); the server checks it and its reasons are shown under the fields they name.
 *
 * Editing keeps what is not shown (connector-form-values.ts). Typing a new credential is how a
 * connector paused by a refused credential is set going again.
 */
import { useState } from 'react'
import { createConnector, updateConnector, type Connector } from '../../api/connectors.js'
import { ErrorBanner } from '../../ui/banner.js'
import { Dialog, DialogButtons } from '../../ui/dialog.js'
import { fieldErrorsOf } from '../../ui/field-errors.js'
import { SelectField, TextAreaField, TextField } from '../../ui/fields.js'
import { localInputToIso } from '../../ui/format.js'
import { connectorBody, initialValues, integerOf, isCredential, storedSettings } from './connector-form-values.js'
import { PROVIDER_FORMS, type ProviderField } from './provider-forms.js'

export interface ConnectorDialogProps {
  /** The connector to edit; absent to add one. */
  readonly connector?: Connector
  readonly onCancel: () => void
  readonly onSaved: (connector: Connector) => void
}

export function ConnectorDialog({ connector, onCancel, onSaved }: ConnectorDialogProps) {
  const editing = connector !== undefined
  const [name, setName] = useState(connector?.name ?? '')
  const [kind, setKind] = useState(connector?.kind ?? PROVIDER_FORMS[0]?.kind ?? '')
  const form = PROVIDER_FORMS.find((p) => p.kind === kind)
  const fields = form?.fields ?? []
  const [values, setValues] = useState<Record<string, string>>(() => initialValues(connector, fields))
  const [interval, setIntervalText] = useState(connector ? String(connector.intervalSeconds) : '')
  const [startFrom, setStartFrom] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const errors = fieldErrorsOf(error, ['name', 'kind', 'intervalSeconds', 'startFrom', ...fields.map((f) => f.path)])

  const save = async () => {
    setBusy(true)
    setError(null)
    try {
      const from = localInputToIso(startFrom)
      const { settings, credentials } = connectorBody(fields, values, storedSettings(connector), editing)
      const common = {
        name: name.trim(),
        settings,
        ...(interval.trim() ? { intervalSeconds: integerOf(interval) } : {}),
        ...(from ? { startFrom: from } : {}),
      }
      const saved = connector
        ? await updateConnector(connector.id, { ...common, ...(Object.keys(credentials).length > 0 ? { credentials } : {}) })
        : await createConnector({ ...common, kind, credentials })
      onSaved(saved)
    } catch (failure) {
      setError(failure)
      setBusy(false)
    }
  }

  const set = (path: string) => (value: string) => setValues((v) => ({ ...v, [path]: value }))
  const hintOf = (field: ProviderField) => (editing && isCredential(field) ? `Stored; leave empty to keep it, or type a new one to replace it. ${field.hint ?? ''}`.trim() : field.hint)
  const title = connector ? `Edit connector ${connector.name}` : 'Add connector'
  const action = connector ? 'Save' : 'Add connector'

  return (
    <Dialog
      title={title}
      wide
      onClose={onCancel}
      footer={<DialogButtons onCancel={onCancel} action={busy ? (connector ? 'Saving…' : 'Adding…') : action} disabled={busy} onAction={() => void save()} />}
    >
      <ErrorBanner error={errors.banner} />
      <TextField label="Name" value={name} onChange={setName} autoFocus autoComplete="off" error={errors.of('name')} hint="How the connector is listed, e.g. okta-prod." />
      {connector ? (
        <p className="field-hint">Provider: {form?.label ?? connector.kind} (a connector keeps its provider; add another for a different one).</p>
      ) : (
        <SelectField
          label="Provider"
          value={kind}
          onChange={(value) => {
            setKind(value)
            setError(null)
          }}
          options={PROVIDER_FORMS.map((p) => ({ value: p.kind, label: p.label }))}
        />
      )}
      {errors.of('kind') ? <p className="field-error">{errors.of('kind')}</p> : null}
      {fields.map((field) =>
        field.kind === 'json' ? (
          <TextAreaField key={`${kind}-${field.path}`} label={field.label} value={values[field.path] ?? ''} onChange={set(field.path)} rows={5} hint={hintOf(field)} error={errors.of(field.path)} />
        ) : (
          <TextField
            key={`${kind}-${field.path}`}
            label={field.label}
            type={field.kind === 'secret' ? 'password' : 'text'}
            value={values[field.path] ?? ''}
            onChange={set(field.path)}
            placeholder={editing && isCredential(field) ? '(stored)' : field.placeholder}
            hint={hintOf(field)}
            autoComplete={field.kind === 'secret' ? 'new-password' : 'off'}
            error={errors.of(field.path)}
          />
        ),
      )}
      <div className="form-row">
        <TextField label={editing ? 'Run every (seconds)' : 'Run every (seconds, optional)'} value={interval} onChange={setIntervalText} autoComplete="off" error={errors.of('intervalSeconds')} hint={editing ? undefined : "Empty: the provider's default."} />
        <TextField
          label={editing ? 'Start again from (optional)' : 'First run starts at (optional)'}
          type="datetime-local"
          value={startFrom}
          onChange={setStartFrom}
          error={errors.of('startFrom')}
          hint={editing ? 'Empty: go on from the checkpoint. A time: fetch again from it (events already stored are duplicates).' : 'Empty: a day ago.'}
        />
      </div>
    </Dialog>
  )
}
