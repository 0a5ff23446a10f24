/**
 * Settings of one SIEM destination: CEF over syslog (TCP, TLS, UDP) or JSON over an HTTPS webhook.
 *
 * The TypeBox schemas validate API requests and show in the OpenAPI document. Fields with a default are
 * optional in the schema (Ajv does not fill defaults inside a union), and
 * {@link validateSiemDestinationSettings} fills them and checks what a schema cannot (a host name that is
 * a host name, https, PEM that looks like PEM, header names). Secrets are write-only: the API shows
 * {@link redactSiemDestinationSettings}'s copy.
 *
 * @module
 */

import { isIP } from 'node:net'
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

/** What a secret reads as in the API and the governance log. */
export const REDACTED = '********'

/** Syslog facility 13, "log audit" (RFC 5424 table 1): the facility meant for audit trails. */
export const DEFAULT_SYSLOG_FACILITY = 13
export const DEFAULT_SYSLOG_APP_NAME = 'veil'
/** RFC 5426: every receiver takes 480 bytes, and SHOULD take 2048; a larger datagram may be dropped or cut. */
export const DEFAULT_UDP_MESSAGE_BYTES = 2048
/** rsyslog's default maximum message size; syslog-ng takes 64 KiB. */
export const DEFAULT_STREAM_MESSAGE_BYTES = 8192
/** The agent's fixed keys and labels alone take about 450 bytes; below this little room is left for values. */
export const MIN_SYSLOG_MESSAGE_BYTES = 1024
/** The largest UDP payload over IPv4; TCP and TLS allow up to 1 MiB. */
export const MAX_UDP_MESSAGE_BYTES = 65_507
export const MAX_SYSLOG_MESSAGE_BYTES = 1_048_576
export const DEFAULT_CEF_VENDOR = 'Veil'
export const DEFAULT_CEF_PRODUCT = 'Veil'
export const DEFAULT_WEBHOOK_BATCH_SIZE = 500
/** An HMAC key shorter than this is guessable; 32 random bytes as hex is what the docs suggest. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16

const Pem = (description: string) => Type.String({ minLength: 1, maxLength: 65_536, description })

export const SiemTlsSettingsSchema = Type.Object(
  {
    ca: Type.Optional(Pem('PEM certificate(s) to trust instead of the system CAs (a private CA or a self-signed server)')),
    serverName: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'Name to check the server certificate against (SNI); default: host' })),
    rejectUnauthorized: Type.Optional(Type.Boolean({ default: true, description: 'false accepts any server certificate (testing only)' })),
    cert: Type.Optional(Pem('PEM client certificate for mutual TLS (RFC 5425 allows client authentication)')),
    key: Type.Optional(Pem('PEM private key of the client certificate; write-only')),
  },
  { additionalProperties: false },
)

export const CefSettingsSchema = Type.Object(
  {
    vendor: Type.Optional(Type.String({ minLength: 1, maxLength: 63, default: DEFAULT_CEF_VENDOR, description: 'CEF Device Vendor' })),
    product: Type.Optional(Type.String({ minLength: 1, maxLength: 63, default: DEFAULT_CEF_PRODUCT, description: 'CEF Device Product' })),
  },
  { additionalProperties: false },
)

export const SyslogDestinationSettingsSchema = Type.Object(
  {
    kind: Type.Literal('syslog'),
    transport: Type.Union([Type.Literal('tcp'), Type.Literal('tls'), Type.Literal('udp')], { description: 'tcp and tls use octet counting (RFC 6587, RFC 5425); udp sends one message per datagram' }),
    host: Type.String({ minLength: 1, maxLength: 253 }),
    port: Type.Integer({ minimum: 1, maximum: 65_535 }),
    syslogFormat: Type.Optional(Type.Union([Type.Literal('rfc5424'), Type.Literal('rfc3164')], { default: 'rfc5424' })),
    includePri: Type.Optional(Type.Boolean({ default: true, description: 'Start each message with <PRI>' })),
    includeHostname: Type.Optional(Type.Boolean({ default: true, description: "Put this node's host name in the header (RFC 5424 writes '-' otherwise)" })),
    facility: Type.Optional(Type.Integer({ minimum: 0, maximum: 23, default: DEFAULT_SYSLOG_FACILITY, description: 'Syslog facility; default 13 (log audit)' })),
    appName: Type.Optional(Type.String({ minLength: 1, maxLength: 48, default: DEFAULT_SYSLOG_APP_NAME, description: 'APP-NAME (RFC 5424) / TAG (RFC 3164); printable ASCII, no spaces' })),
    maxMessageBytes: Type.Optional(Type.Integer({ minimum: MIN_SYSLOG_MESSAGE_BYTES, maximum: MAX_SYSLOG_MESSAGE_BYTES, description: `Longest syslog message in bytes; longer ones are shortened (docs/siem-cef.md). Default ${DEFAULT_UDP_MESSAGE_BYTES} for udp, ${DEFAULT_STREAM_MESSAGE_BYTES} for tcp and tls` })),
    tls: Type.Optional(SiemTlsSettingsSchema),
    cef: Type.Optional(CefSettingsSchema),
  },
  { additionalProperties: false },
)

export const WebhookTlsSettingsSchema = Type.Object(
  {
    ca: Type.Optional(Pem('PEM certificate(s) to trust instead of the system CAs')),
    rejectUnauthorized: Type.Optional(Type.Boolean({ default: true, description: 'false accepts any server certificate (testing only)' })),
  },
  { additionalProperties: false },
)

export const WebhookDestinationSettingsSchema = Type.Object(
  {
    kind: Type.Literal('webhook'),
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'https:// (http:// only with allowInsecureHttp)' }),
    secret: Type.String({ minLength: 1, maxLength: 1024, description: `HMAC-SHA-256 key of X-Veil-Signature, at least ${MIN_WEBHOOK_SECRET_LENGTH} characters; write-only` }),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: DEFAULT_WEBHOOK_BATCH_SIZE, description: 'Activities per POST' })),
    headers: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 256 }), Type.String({ maxLength: 8192 }), { description: 'Extra request headers (e.g. Authorization); values are write-only' })),
    allowInsecureHttp: Type.Optional(Type.Boolean({ default: false, description: 'Allow an http:// URL (activities then travel in clear text)' })),
    tls: Type.Optional(WebhookTlsSettingsSchema),
  },
  { additionalProperties: false },
)

export const SiemDestinationSettingsSchema = Type.Union([SyslogDestinationSettingsSchema, WebhookDestinationSettingsSchema], { description: 'Where and how a SIEM destination receives activities' })

export type SyslogDestinationSettings = Static<typeof SyslogDestinationSettingsSchema>
export type WebhookDestinationSettings = Static<typeof WebhookDestinationSettingsSchema>
export type SiemDestinationSettings = Static<typeof SiemDestinationSettingsSchema>

export interface SiemSettingsProblem {
  /** Dotted path of the field (`port`, `tls.ca`, `headers.X-Api-Key`); empty for the whole object. */
  readonly field: string
  readonly reason: string
}

export type SiemSettingsValidation = { ok: true; settings: SiemDestinationSettings } | { ok: false; errors: Array<{ field: string; reason: string }> }

/**
 * The settings' secret fields: the webhook HMAC key, every webhook header value (they usually carry
 * credentials, e.g. `Authorization`), and the TLS client key. `*` stands for every key of an object.
 */
export const SECRET_SETTING_PATHS: readonly string[] = Object.freeze(['secret', 'headers.*', 'tls.key'])

/** Headers Veil sets itself; a configured header may not replace them. */
export const RESERVED_WEBHOOK_HEADERS: readonly string[] = Object.freeze(['content-type', 'content-length', 'host', 'x-veil-timestamp', 'x-veil-signature', 'x-veil-delivery', 'transfer-encoding', 'connection'])

/**
 * Fill defaults and check the settings. Never throws: bad input of any shape gives a list of
 * `{ field, reason }`.
 *
 * @example
 * validateSiemDestinationSettings({ kind: 'syslog', transport: 'tls', host: 'siem.example.com', port: 6514 })
 * // { ok: true, settings: { kind: 'syslog', transport: 'tls', host: 'siem.example.com', port: 6514, syslogFormat: 'rfc5424',
 * //   includePri: true, includeHostname: true, facility: 13, appName: 'veil', cef: { vendor: 'Veil', product: 'Veil' } } }
 */
export function validateSiemDestinationSettings(input: unknown): SiemSettingsValidation {
  try {
    return validate(input)
  } catch (error) {
    // Value.* walks arbitrary input; a getter that throws or a cycle must still give an answer.
    return { ok: false, errors: [{ field: '', reason: `settings could not be read: ${error instanceof Error ? error.message : String(error)}` }] }
  }
}

function validate(input: unknown): SiemSettingsValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ field: '', reason: 'must be an object' }] }
  }
  const kind = (input as { kind?: unknown }).kind
  if (kind === 'syslog') {
    const checked = checkSchema(SyslogDestinationSettingsSchema, input)
    if (!checked.ok) {
      return checked
    }
    const settings = withSyslogDefaults(checked.value)
    const errors = [...checkHost(settings.host), ...checkSyslogTls(settings), ...checkSyslogText(settings)]
    return errors.length > 0 ? { ok: false, errors } : { ok: true, settings }
  }
  if (kind === 'webhook') {
    const checked = checkSchema(WebhookDestinationSettingsSchema, input)
    if (!checked.ok) {
      return checked
    }
    const settings = withWebhookDefaults(checked.value)
    const errors = [...checkWebhookUrl(settings), ...checkWebhookSecret(settings.secret), ...checkHeaders(settings.headers ?? {}), ...checkPem('tls.ca', settings.tls?.ca, 'CERTIFICATE')]
    return errors.length > 0 ? { ok: false, errors } : { ok: true, settings }
  }
  return { ok: false, errors: [{ field: 'kind', reason: "must be 'syslog' or 'webhook'" }] }
}

function checkSchema<T extends TSchema>(schema: T, input: object): { ok: true; value: Static<T> } | { ok: false; errors: Array<{ field: string; reason: string }> } {
  const value: unknown = Value.Default(schema, Value.Clone(input))
  const errors: Array<{ field: string; reason: string }> = []
  const seen = new Set<string>()
  for (const error of Value.Errors(schema, value)) {
    const field = error.path.replace(/^\//, '').replace(/\//g, '.')
    // A union member reports once per alternative; one line per field is enough.
    if (seen.has(field)) {
      continue
    }
    seen.add(field)
    errors.push({ field, reason: reasonOf(error.message, error.schema) })
    if (errors.length >= 20) {
      break
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: value as Static<T> }
}

/** Syslog settings with every default filled (what the sink works with). */
export type ResolvedSyslogSettings = SyslogDestinationSettings &
  Required<Pick<SyslogDestinationSettings, 'syslogFormat' | 'includePri' | 'includeHostname' | 'facility' | 'appName' | 'maxMessageBytes'>> & { cef: Required<NonNullable<SyslogDestinationSettings['cef']>> }

/** TypeBox's message, reworded for the API: a union of literals lists its values. */
function reasonOf(message: string, schema: TSchema): string {
  const choices = (schema as { anyOf?: unknown }).anyOf
  if (Array.isArray(choices) && choices.every((choice) => typeof choice === 'object' && choice !== null && 'const' in choice)) {
    return `must be one of ${choices.map((choice: { const: unknown }) => String(choice.const)).join(', ')}`
  }
  if (message === 'Expected required property') {
    return 'is required'
  }
  if (message === 'Unexpected property') {
    return 'is not a known setting'
  }
  return message.replace(/^Expected /, 'expected ')
}

/** The syslog settings with every default filled (what the sink works with). */
export function withSyslogDefaults(settings: SyslogDestinationSettings): ResolvedSyslogSettings {
  return {
    ...settings,
    maxMessageBytes: settings.maxMessageBytes ?? (settings.transport === 'udp' ? DEFAULT_UDP_MESSAGE_BYTES : DEFAULT_STREAM_MESSAGE_BYTES),
    syslogFormat: settings.syslogFormat ?? 'rfc5424',
    includePri: settings.includePri ?? true,
    includeHostname: settings.includeHostname ?? true,
    facility: settings.facility ?? DEFAULT_SYSLOG_FACILITY,
    appName: settings.appName ?? DEFAULT_SYSLOG_APP_NAME,
    cef: { vendor: settings.cef?.vendor ?? DEFAULT_CEF_VENDOR, product: settings.cef?.product ?? DEFAULT_CEF_PRODUCT },
  }
}

/** The webhook settings with every default filled. */
export function withWebhookDefaults(settings: WebhookDestinationSettings): WebhookDestinationSettings & Required<Pick<WebhookDestinationSettings, 'batchSize' | 'allowInsecureHttp'>> {
  return { ...settings, batchSize: settings.batchSize ?? DEFAULT_WEBHOOK_BATCH_SIZE, allowInsecureHttp: settings.allowInsecureHttp ?? false }
}

// RFC 1123 host names: labels of letters, digits and hyphens, not starting or ending with a hyphen.
const HOST_NAME = /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/

function checkHost(host: string): SiemSettingsProblem[] {
  if (host.trim() === '') {
    return [{ field: 'host', reason: 'must not be empty' }]
  }
  if (isIP(host) !== 0 || HOST_NAME.test(host)) {
    return []
  }
  return [{ field: 'host', reason: 'must be a host name or an IPv4/IPv6 address (no scheme, port or path)' }]
}

function checkSyslogText(settings: ResolvedSyslogSettings): SiemSettingsProblem[] {
  const problems: SiemSettingsProblem[] = []
  // RFC 5424 APP-NAME is PRINTUSASCII (33..126): a space would shift every later header field.
  if (!/^[\x21-\x7e]+$/.test(settings.appName)) {
    problems.push({ field: 'appName', reason: 'must be printable ASCII without spaces' })
  }
  if (settings.transport === 'udp' && settings.maxMessageBytes > MAX_UDP_MESSAGE_BYTES) {
    problems.push({ field: 'maxMessageBytes', reason: `must be at most ${MAX_UDP_MESSAGE_BYTES} for udp (the largest datagram)` })
  }
  return problems
}

function checkSyslogTls(settings: SyslogDestinationSettings): SiemSettingsProblem[] {
  const tls = settings.tls
  if (tls === undefined) {
    return []
  }
  const problems: SiemSettingsProblem[] = []
  if (settings.transport !== 'tls') {
    problems.push({ field: 'tls', reason: "only applies to transport 'tls'" })
  }
  problems.push(...checkPem('tls.ca', tls.ca, 'CERTIFICATE'), ...checkPem('tls.cert', tls.cert, 'CERTIFICATE'), ...checkPem('tls.key', tls.key, 'PRIVATE KEY'))
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    problems.push({ field: tls.cert === undefined ? 'tls.cert' : 'tls.key', reason: 'a client certificate needs both cert and key' })
  }
  if (tls.serverName !== undefined && !HOST_NAME.test(tls.serverName)) {
    problems.push({ field: 'tls.serverName', reason: 'must be a host name' })
  }
  return problems
}

function checkPem(field: string, pem: string | undefined, label: 'CERTIFICATE' | 'PRIVATE KEY'): SiemSettingsProblem[] {
  if (pem === undefined) {
    return []
  }
  // `PRIVATE KEY` also covers `RSA PRIVATE KEY`, `EC PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`.
  const block = label === 'CERTIFICATE' ? /-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----/ : /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----\s+[A-Za-z0-9+/=\s:,-]+-----END ([A-Z]+ )?PRIVATE KEY-----/
  return block.test(pem) ? [] : [{ field, reason: `must be PEM text (-----BEGIN ${label}-----)` }]
}

function checkWebhookUrl(settings: WebhookDestinationSettings): SiemSettingsProblem[] {
  let url: URL
  try {
    url = new URL(settings.url)
  } catch {
    return [{ field: 'url', reason: 'must be an absolute URL' }]
  }
  if (url.protocol === 'https:') {
    // fall through to the common checks
  } else if (url.protocol === 'http:') {
    if (settings.allowInsecureHttp !== true) {
      return [{ field: 'url', reason: 'must use https:// (set allowInsecureHttp to send in clear text)' }]
    }
  } else {
    return [{ field: 'url', reason: 'must be an https:// URL' }]
  }
  if (url.username !== '' || url.password !== '') {
    // Credentials in the URL would be shown by the API; headers are write-only.
    return [{ field: 'url', reason: 'must not contain credentials; put them in headers (e.g. Authorization)' }]
  }
  if (url.hash !== '') {
    return [{ field: 'url', reason: 'must not contain a #fragment' }]
  }
  return []
}

function checkWebhookSecret(secret: string): SiemSettingsProblem[] {
  return secret.length >= MIN_WEBHOOK_SECRET_LENGTH ? [] : [{ field: 'secret', reason: `must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)` }]
}

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

function checkHeaders(headers: Record<string, string>): SiemSettingsProblem[] {
  const problems: SiemSettingsProblem[] = []
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) {
      problems.push({ field: `headers.${name}`, reason: 'is not a valid header name' })
    } else if (RESERVED_WEBHOOK_HEADERS.includes(name.toLowerCase())) {
      problems.push({ field: `headers.${name}`, reason: 'is set by Veil and cannot be configured' })
    }
    // A CR, LF or NUL would let a value inject another header.
    if (/[\r\n\0]/.test(value)) {
      problems.push({ field: `headers.${name}`, reason: 'must not contain line breaks' })
    }
  }
  return problems
}

/**
 * The settings with every secret replaced by {@link REDACTED}: what the API and the governance log show.
 * Header names stay (they say which credential is configured), their values do not.
 */
export function redactSiemDestinationSettings(settings: SiemDestinationSettings): SiemDestinationSettings {
  if (settings.kind === 'webhook') {
    const redacted: WebhookDestinationSettings = { ...settings, secret: REDACTED }
    if (settings.headers !== undefined) {
      redacted.headers = Object.fromEntries(Object.keys(settings.headers).map((name) => [name, REDACTED]))
    }
    return redacted
  }
  if (settings.tls?.key !== undefined) {
    return { ...settings, tls: { ...settings.tls, key: REDACTED } }
  }
  return { ...settings }
}
