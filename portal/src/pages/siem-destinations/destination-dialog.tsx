/**
 * + Add destination: CEF over syslog (TCP, TLS, UDP) or signed JSON to a webhook, with an optional
 * back-fill window; and Edit… of an existing one (its type stays). The form sends what was typed; the
 * server checks it and names each field at fault, and its reasons are shown under those fields.
 *
 * Editing keeps what the form does not show (destination-settings.ts); the cursor stays, so the
 * destination goes on where it was.
 */
import { useState } from 'react'
import { createDestination, updateDestination, type DestinationSettings, type SiemDestination } from '../../api/siem.js'
import { ErrorBanner } from '../../ui/banner.js'
import { Dialog, DialogButtons } from '../../ui/dialog.js'
import { fieldErrorsOf } from '../../ui/field-errors.js'
import { CheckboxField, SelectField, TextAreaField, TextField } from '../../ui/fields.js'
import { localInputToIso } from '../../ui/format.js'
import { destinationSettings } from './destination-settings.js'

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

export interface DestinationDialogProps {
  /** The destination to edit; absent to add one. */
  readonly destination?: SiemDestination
  readonly onCancel: () => void
  readonly onSaved: (destination: SiemDestination) => void
}

export function DestinationDialog({ destination, onCancel, onSaved }: DestinationDialogProps) {
  const stored: DestinationSettings | undefined = destination?.settings
  const syslog = stored?.kind === 'syslog' ? stored : undefined
  const webhook = stored?.kind === 'webhook' ? stored : undefined
  const [name, setName] = useState(destination?.name ?? '')
  const [kind, setKind] = useState<'syslog' | 'webhook'>(stored?.kind ?? 'syslog')
  const [transport, setTransport] = useState<string>(syslog?.transport ?? 'tcp')
  const [host, setHost] = useState(syslog?.host ?? '')
  const [port, setPort] = useState(syslog ? String(syslog.port) : '')
  const [syslogFormat, setSyslogFormat] = useState<string>(syslog?.syslogFormat ?? 'rfc5424')
  const [ca, setCa] = useState(syslog?.tls?.ca ?? '')
  const [verify, setVerify] = useState(syslog?.tls?.rejectUnauthorized !== false)
  const [url, setUrl] = useState(webhook?.url ?? '')
  // Secrets come back as ********: the fields start empty, and empty means "keep it".
  const [secret, setSecret] = useState('')
  const [authorization, setAuthorization] = useState('')
  const [allowHttp, setAllowHttp] = useState(webhook?.allowInsecureHttp === true)
  const [backfillFrom, setBackfillFrom] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const errors = fieldErrorsOf(error, FIELDS)

  const settings = () => destinationSettings({ kind, transport, host, port, syslogFormat, ca, verify, url, secret, authorization, allowHttp }, stored)

  const save = async () => {
    setBusy(true)
    setError(null)
    try {
      if (destination) {
        onSaved(await updateDestination(destination.id, { name: name.trim(), settings: settings() }))
      } else {
        const from = localInputToIso(backfillFrom)
        onSaved(await createDestination({ name: name.trim(), settings: settings(), ...(from ? { backfill: { from } } : {}) }))
      }
    } catch (failure) {
      setError(failure)
      setBusy(false)
    }
  }
  const keepHint = destination ? 'Stored; leave empty to keep it, or type a new one to replace it. ' : ''

  return (
    <Dialog
      title={destination ? `Edit SIEM destination ${destination.name}` : 'Add SIEM destination'}
      wide
      onClose={onCancel}
      footer={<DialogButtons onCancel={onCancel} action={destination ? (busy ? 'Saving…' : 'Save') : busy ? 'Adding…' : 'Add destination'} disabled={busy} onAction={() => void save()} />}
    >
      <ErrorBanner error={errors.banner} />
      <TextField label="Name" value={name} onChange={setName} autoFocus autoComplete="off" error={errors.of('name')} hint="How the destination is listed, e.g. splunk." />
      {destination ? (
        <p className="field-hint">Type: {kind === 'syslog' ? 'Syslog (CEF)' : 'Webhook (signed JSON over HTTPS)'} (a destination keeps its type; add another for a different one). The destination goes on from where it was.</p>
      ) : (
        <SelectField
          label="Type"
          value={kind}
          onChange={(value) => setKind(value === 'webhook' ? 'webhook' : 'syslog')}
          options={[
            { value: 'syslog', label: 'Syslog (CEF)' },
            { value: 'webhook', label: 'Webhook (signed JSON over HTTPS)' },
          ]}
        />
      )}
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
          <TextField label="Signing secret" type="password" value={secret} onChange={setSecret} autoComplete="new-password" placeholder={webhook ? '(stored)' : undefined} error={errors.of('settings.secret')} hint={`${keepHint}The key of the X-Veil-Signature HMAC (e.g. openssl rand -hex 32). Write-only.`} />
          <TextField label="Authorization header (optional)" type="password" value={authorization} onChange={setAuthorization} autoComplete="off" placeholder={webhook?.headers?.Authorization ? '(stored)' : undefined} error={errors.of('settings.headers')} hint={`${webhook?.headers?.Authorization ? keepHint : ''}Sent with every request. Write-only.`} />
          <CheckboxField label="Allow http:// (activities travel in clear text)" checked={allowHttp} onChange={setAllowHttp} />
        </>
      )}
      {destination ? null : (
        <TextField
          label="Back-fill from (optional)"
          type="datetime-local"
          value={backfillFrom}
          onChange={setBackfillFrom}
          error={errors.of('backfill')}
          hint="Deliver the public activities since this time first, then the live feed. Empty: from now on."
        />
      )}
    </Dialog>
  )
}
