/**
 * The settings the destination form sends, from what was typed and — when editing — what is stored.
 *
 * Editing keeps what the form does not show: the settings it has no field for (CEF vendor and
 * product, facility, app name, batch size, TLS server name, other headers) are sent back as they
 * were, and a secret left empty is sent as the API's `********`, which the server reads as "keep the
 * stored one". Values are sent as typed (a port that is not a number too), so the server names what
 * is wrong with them.
 */
import type { DestinationSettings } from '../../api/siem.js'

/** The API's stand-in for a stored secret; sent back, it keeps the secret. */
export const REDACTED = '********'

/** What the form holds; every text as typed. */
export interface DestinationForm {
  readonly kind: 'syslog' | 'webhook'
  readonly transport: string
  readonly host: string
  readonly port: string
  readonly syslogFormat: string
  /** TLS: a CA certificate (PEM) to trust, and whether the server certificate is verified. */
  readonly ca: string
  readonly verify: boolean
  readonly url: string
  /** Webhook secrets: empty when editing means "keep the stored one". */
  readonly secret: string
  readonly authorization: string
  readonly allowHttp: boolean
}

/** A port as a number when it is one; otherwise as typed, so the server says what is wrong with it. */
function portOf(text: string): number | string | undefined {
  const trimmed = text.trim()
  return trimmed === '' ? undefined : /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed
}

export function destinationSettings(form: DestinationForm, stored?: DestinationSettings): Record<string, unknown> {
  if (form.kind === 'syslog') {
    const syslog = stored?.kind === 'syslog' ? stored : undefined
    const { ca: _ca, rejectUnauthorized: _verify, ...otherTls } = syslog?.tls ?? {}
    const tls = { ...otherTls, ...(form.ca.trim() ? { ca: form.ca.trim() } : {}), ...(form.verify ? {} : { rejectUnauthorized: false }) }
    const { tls: _tls, ...kept } = syslog ?? {}
    return {
      ...kept,
      kind: form.kind,
      transport: form.transport,
      host: form.host.trim(),
      port: portOf(form.port),
      syslogFormat: form.syslogFormat,
      ...(form.transport === 'tls' && Object.keys(tls).length > 0 ? { tls } : {}),
    }
  }
  const webhook = stored?.kind === 'webhook' ? stored : undefined
  const { headers: storedHeaders, allowInsecureHttp: _allow, ...kept } = webhook ?? {}
  const { Authorization: storedAuthorization, ...otherHeaders } = storedHeaders ?? {}
  const authorization = form.authorization.trim() || storedAuthorization
  const headers = { ...otherHeaders, ...(authorization ? { Authorization: authorization } : {}) }
  return {
    ...kept,
    kind: form.kind,
    url: form.url.trim(),
    secret: form.secret === '' && webhook ? REDACTED : form.secret,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(form.allowHttp ? { allowInsecureHttp: true } : {}),
  }
}
