/**
 * + Add destination: CEF over syslog (TCP, TLS, UDP) or signed JSON to a webhook, with an optional
 * back-fill window. The form sends what was typed; the server checks it and names each field at
 * fault, and its reasons are shown under those fields.
 */
import { useState } from 'react'
import { createDestination, type SiemDestination } from '../../api/siem.js'
import { ErrorBanner } from '../../ui/banner.js'
import { Dialog } from '../../ui/dialog.js'
import { fieldErrorsOf } from '../../ui/field-errors.js'
import { CheckboxField, SelectField, TextAreaField, TextField } from '../../ui/fields.js'
import { localInputToIso } from '../../ui/format.js'

const FIELDS = [
  'name',
  'settings.kind',
  'settings.transport',
  'settings.host',
  'settings.port',
  'settings.syslogFormat',
  'settings.tls',
  'settings.url',
  'settings.secret',
  'settings.headers',
  'settings.allowInsecureHttp',
  'backfill',
] as const

/** A port as a number when it is one; otherwise as typed, so the server says what is wrong with it. */
function portOf(text: string): number | string | undefined {
  const trimmed = text.trim()
  return trimmed === '' ? undefined : /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed
}

export function AddDestinationDialog({ onCancel, onAdded }: { readonly onCancel: () => void; readonly onAdded: (destination: SiemDestination) => void }) {
  const [name, setName] = useState('')
  const [kind, setKind] = useState<'syslog' | 'webhook'>('syslog')
  const [transport, setTransport] = useState('tcp')
  const [host, setHost] = useState('')
  const [port, setPort] = useState('')
  const [syslogFormat, setSyslogFormat] = useState('rfc5424')
  const [ca, setCa] = useState('')
  const [verify, setVerify] = useState(true)
  const [url, setUrl] = useState('')
  const [secret, setSecret] = useState('')
  const [authorization, setAuthorization] = useState('')
  const [allowHttp, setAllowHttp] = useState(false)
  const [backfillFrom, setBackfillFrom] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const errors = fieldErrorsOf(error, FIELDS)

  const settings = (): Record<string, unknown> =>
    kind === 'syslog'
      ? {
          kind,
          transport,
          host: host.trim(),
          port: portOf(port),
          syslogFormat,
          ...(transport === 'tls' && (ca.trim() !== '' || !verify) ? { tls: { ...(ca.trim() ? { ca: ca.trim() } : {}), ...(verify ? {} : { rejectUnauthorized: false }) } } : {}),
        }
      : {
          kind,
          url: url.trim(),
          secret,
          ...(authorization.trim() ? { headers: { Authorization: authorization.trim() } } : {}),
          ...(allowHttp ? { allowInsecureHttp: true } : {}),
        }

  const add = async () => {
    setBusy(true)
    setError(null)
    try {
      const from = localInputToIso(backfillFrom)
      onAdded(await createDestination({ name: name.trim(), settings: settings(), ...(from ? { backfill: { from } } : {}) }))
    } catch (failure) {
      setError(failure)
      setBusy(false)
    }
  }

  return (
    <Dialog
      title="Add SIEM destination"
      wide
      onClose={onCancel}
      footer={
        <>
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="button button-primary" disabled={busy} onClick={() => void add()}>
            {busy ? 'Adding…' : 'Add destination'}
          </button>
        </>
      }
    >
      <ErrorBanner error={errors.banner} />
      <TextField label="Name" value={name} onChange={setName} autoFocus autoComplete="off" error={errors.of('name')} hint="How the destination is listed, e.g. splunk." />
      <SelectField
        label="Type"
        value={kind}
        onChange={(value) => setKind(value === 'webhook' ? 'webhook' : 'syslog')}
        options={[
          { value: 'syslog', label: 'Syslog (CEF)' },
          { value: 'webhook', label: 'Webhook (signed JSON over HTTPS)' },
        ]}
      />
      {kind === 'syslog' ? (
        <>
          <div className="form-row">
            <SelectField
              label="Transport"
              value={transport}
              onChange={setTransport}
              options={[
                { value: 'tcp', label: 'TCP' },
                { value: 'tls', label: 'TLS' },
                { value: 'udp', label: 'UDP' },
              ]}
            />
            <TextField label="Host" value={host} onChange={setHost} autoComplete="off" error={errors.of('settings.host')} hint="A host name or IP address." />
            <TextField label="Port" value={port} onChange={setPort} autoComplete="off" error={errors.of('settings.port')} hint="e.g. 514, or 6514 for TLS." />
          </div>
          {errors.of('settings.transport') ? <p className="field-error">{errors.of('settings.transport')}</p> : null}
          <SelectField
            label="Syslog format"
            value={syslogFormat}
            onChange={setSyslogFormat}
            options={[
              { value: 'rfc5424', label: 'RFC 5424' },
              { value: 'rfc3164', label: 'RFC 3164 (BSD)' },
            ]}
          />
          {transport === 'tls' ? (
            <>
              <TextAreaField label="CA certificate (PEM, optional)" value={ca} onChange={setCa} rows={4} error={errors.of('settings.tls')} hint="To trust a private CA or a self-signed server instead of the system CAs." />
              <CheckboxField label="Verify the server certificate" checked={verify} onChange={setVerify} />
            </>
          ) : null}
        </>
      ) : (
        <>
          <TextField label="URL" value={url} onChange={setUrl} autoComplete="off" placeholder="https://soar.example.com/veil" error={errors.of('settings.url')} />
          <TextField label="Signing secret" type="password" value={secret} onChange={setSecret} autoComplete="new-password" error={errors.of('settings.secret')} hint="The key of the X-Veil-Signature HMAC (e.g. openssl rand -hex 32). Write-only." />
          <TextField label="Authorization header (optional)" type="password" value={authorization} onChange={setAuthorization} autoComplete="off" error={errors.of('settings.headers')} hint="Sent with every request. Write-only." />
          <CheckboxField label="Allow http:// (activities travel in clear text)" checked={allowHttp} onChange={setAllowHttp} />
        </>
      )}
      <TextField
        label="Back-fill from (optional)"
        type="datetime-local"
        value={backfillFrom}
        onChange={setBackfillFrom}
        error={errors.of('backfill')}
        hint="Deliver the public activities since this time first, then the live feed. Empty: from now on."
      />
    </Dialog>
  )
}
