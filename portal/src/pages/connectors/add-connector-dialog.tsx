/**
 * + Add connector: the provider, then that provider's settings and credentials, how often it runs and
 * where its first run starts. The form sends what was typed (empty optional fields left out); the
 * server checks it and its reasons are shown under the fields they name.
 */
import { useState } from 'react'
import { createConnector, type Connector } from '../../api/connectors.js'
import { ErrorBanner } from '../../ui/banner.js'
import { Dialog } from '../../ui/dialog.js'
import { fieldErrorsOf } from '../../ui/field-errors.js'
import { SelectField, TextAreaField, TextField } from '../../ui/fields.js'
import { localInputToIso } from '../../ui/format.js'
import { PROVIDER_FORMS, type ProviderField } from './provider-forms.js'

/** A whole number when it is one; otherwise as typed, so the server says what is wrong with it. */
function integerOf(text: string): number | string {
  const trimmed = text.trim()
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed
}

/** `{ 'settings.baseUrl': 'x', 'credentials.apiToken': 'y' }` → the two objects, empty optional values left out. */
function bodyParts(fields: readonly ProviderField[], values: Readonly<Record<string, string>>): { settings: Record<string, unknown>; credentials: Record<string, unknown> } {
  const settings: Record<string, unknown> = {}
  const credentials: Record<string, unknown> = {}
  for (const field of fields) {
    const value = field.kind === 'secret' || field.kind === 'json' ? (values[field.path] ?? '') : (values[field.path] ?? '').trim()
    if (value === '' && !field.required) {
      continue
    }
    const [part, key] = field.path.split('.') as [string, string]
    ;(part === 'settings' ? settings : credentials)[key] = value
  }
  return { settings, credentials }
}

export function AddConnectorDialog({ onCancel, onAdded }: { readonly onCancel: () => void; readonly onAdded: (connector: Connector) => void }) {
  const [name, setName] = useState('')
  const [kind, setKind] = useState(PROVIDER_FORMS[0]?.kind ?? '')
  const [values, setValues] = useState<Record<string, string>>({})
  const [interval, setIntervalText] = useState('')
  const [startFrom, setStartFrom] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const form = PROVIDER_FORMS.find((p) => p.kind === kind)
  const fields = form?.fields ?? []
  const errors = fieldErrorsOf(error, ['name', 'kind', 'intervalSeconds', 'startFrom', ...fields.map((f) => f.path)])

  const add = async () => {
    setBusy(true)
    setError(null)
    try {
      const from = localInputToIso(startFrom)
      const created = await createConnector({
        name: name.trim(),
        kind,
        ...bodyParts(fields, values),
        ...(interval.trim() ? { intervalSeconds: integerOf(interval) } : {}),
        ...(from ? { startFrom: from } : {}),
      })
      onAdded(created)
    } catch (failure) {
      setError(failure)
      setBusy(false)
    }
  }

  const set = (path: string) => (value: string) => setValues((v) => ({ ...v, [path]: value }))

  return (
    <Dialog
      title="Add connector"
      wide
      onClose={onCancel}
      footer={
        <>
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="button button-primary" disabled={busy} onClick={() => void add()}>
            {busy ? 'Adding…' : 'Add connector'}
          </button>
        </>
      }
    >
      <ErrorBanner error={errors.banner} />
      <TextField label="Name" value={name} onChange={setName} autoFocus autoComplete="off" error={errors.of('name')} hint="How the connector is listed, e.g. okta-prod." />
      <SelectField
        label="Provider"
        value={kind}
        onChange={(value) => {
          setKind(value)
          setError(null)
        }}
        options={PROVIDER_FORMS.map((p) => ({ value: p.kind, label: p.label }))}
      />
      {errors.of('kind') ? <p className="field-error">{errors.of('kind')}</p> : null}
      {fields.map((field) =>
        field.kind === 'json' ? (
          <TextAreaField key={`${kind}-${field.path}`} label={field.label} value={values[field.path] ?? ''} onChange={set(field.path)} rows={5} hint={field.hint} error={errors.of(field.path)} />
        ) : (
          <TextField
            key={`${kind}-${field.path}`}
            label={field.label}
            type={field.kind === 'secret' ? 'password' : 'text'}
            value={values[field.path] ?? ''}
            onChange={set(field.path)}
            placeholder={field.placeholder}
            hint={field.hint}
            autoComplete={field.kind === 'secret' ? 'new-password' : 'off'}
            error={errors.of(field.path)}
          />
        ),
      )}
      <div className="form-row">
        <TextField label="Run every (seconds, optional)" value={interval} onChange={setIntervalText} autoComplete="off" error={errors.of('intervalSeconds')} hint="Empty: the provider's default." />
        <TextField label="First run starts at (optional)" type="datetime-local" value={startFrom} onChange={setStartFrom} error={errors.of('startFrom')} hint="Empty: a day ago." />
      </div>
    </Dialog>
  )
}
