import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { REDACTED, SECRET_SETTING_PATHS, redactSiemDestinationSettings, validateSiemDestinationSettings, type SiemDestinationSettings } from './siem-destination-settings.js'

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ1\n-----END CERTIFICATE-----\n'
const KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n'
const SECRET = '0123456789abcdef0123456789abcdef'

function errorsOf(input: unknown): Array<{ field: string; reason: string }> {
  const result = validateSiemDestinationSettings(input)
  return result.ok ? [] : result.errors
}

describe('validateSiemDestinationSettings', () => {
  it('should fill the syslog defaults', () => {
    expect(validateSiemDestinationSettings({ kind: 'syslog', transport: 'tls', host: 'siem.example.com', port: 6514 })).toEqual({
      ok: true,
      settings: {
        kind: 'syslog',
        transport: 'tls',
        host: 'siem.example.com',
        port: 6514,
        syslogFormat: 'rfc5424',
        includePri: true,
        includeHostname: true,
        facility: 13,
        appName: 'veil',
        maxMessageBytes: 8192,
        cef: { vendor: 'Veil', product: 'Veil' },
      },
    })
  })

  it('should fill the webhook defaults and keep what was given', () => {
    const result = validateSiemDestinationSettings({ kind: 'webhook', url: 'https://hooks.example.com/veil', secret: SECRET, headers: { Authorization: 'Bearer x' } })
    expect(result).toEqual({ ok: true, settings: { kind: 'webhook', url: 'https://hooks.example.com/veil', secret: SECRET, batchSize: 500, allowInsecureHttp: false, headers: { Authorization: 'Bearer x' } } })
  })

  it.each([
    [null, '', 'must be an object'],
    [[], '', 'must be an object'],
    [{ kind: 'kafka' }, 'kind', "must be 'syslog' or 'webhook'"],
    [{ kind: 'syslog', transport: 'tcp', host: '', port: 514 }, 'host', ''],
    [{ kind: 'syslog', transport: 'tcp', host: '   ', port: 514 }, 'host', 'must not be empty'],
    [{ kind: 'syslog', transport: 'tcp', host: 'tcp://siem:514', port: 514 }, 'host', 'must be a host name or an IPv4/IPv6 address (no scheme, port or path)'],
    [{ kind: 'syslog', transport: 'tcp', host: 'siem', port: 0 }, 'port', ''],
    [{ kind: 'syslog', transport: 'tcp', host: 'siem', port: 70000 }, 'port', ''],
    [{ kind: 'syslog', transport: 'tcp', host: 'siem', port: 514.5 }, 'port', ''],
    [{ kind: 'syslog', transport: 'quic', host: 'siem', port: 514 }, 'transport', ''],
    [{ kind: 'syslog', transport: 'tcp', host: 'siem', port: 514, facility: 24 }, 'facility', ''],
    [{ kind: 'syslog', transport: 'tcp', host: 'siem', port: 514, appName: 'my app' }, 'appName', 'must be printable ASCII without spaces'],
    [{ kind: 'syslog', transport: 'udp', host: 'siem', port: 514, maxMessageBytes: 100_000 }, 'maxMessageBytes', 'must be at most 65507 for udp (the largest datagram)'],
    [{ kind: 'syslog', transport: 'tcp', host: 'siem', port: 514, tls: { ca: PEM } }, 'tls', "only applies to transport 'tls'"],
    [{ kind: 'syslog', transport: 'tls', host: 'siem', port: 6514, tls: { ca: 'not a pem' } }, 'tls.ca', 'must be PEM text (-----BEGIN CERTIFICATE-----)'],
    [{ kind: 'syslog', transport: 'tls', host: 'siem', port: 6514, tls: { cert: PEM } }, 'tls.key', 'a client certificate needs both cert and key'],
    [{ kind: 'syslog', transport: 'tls', host: 'siem', port: 6514, tls: { cert: PEM, key: PEM } }, 'tls.key', 'must be PEM text (-----BEGIN PRIVATE KEY-----)'],
    [{ kind: 'syslog', transport: 'tcp', host: 'siem', port: 514, colour: 'red' }, 'colour', 'is not a known setting'],
    [{ kind: 'webhook', url: 'http://hooks.example.com', secret: SECRET }, 'url', 'must use https:// (set allowInsecureHttp to send in clear text)'],
    [{ kind: 'webhook', url: 'ftp://hooks.example.com', secret: SECRET }, 'url', 'must be an https:// URL'],
    [{ kind: 'webhook', url: 'hooks.example.com', secret: SECRET }, 'url', 'must be an absolute URL'],
    [{ kind: 'webhook', url: 'https://user:pw@hooks.example.com', secret: SECRET }, 'url', 'must not contain credentials; put them in headers (e.g. Authorization)'],
    [{ kind: 'webhook', url: 'https://hooks.example.com', secret: 'short' }, 'secret', 'must be at least 16 characters (e.g. openssl rand -hex 32)'],
    [{ kind: 'webhook', url: 'https://hooks.example.com' }, 'secret', ''],
    [{ kind: 'webhook', url: 'https://hooks.example.com', secret: SECRET, batchSize: 5001 }, 'batchSize', ''],
    [{ kind: 'webhook', url: 'https://hooks.example.com', secret: SECRET, headers: { 'X-Veil-Signature': 'x' } }, 'headers.X-Veil-Signature', 'is set by Veil and cannot be configured'],
    [{ kind: 'webhook', url: 'https://hooks.example.com', secret: SECRET, headers: { 'Bad Header': 'x' } }, 'headers.Bad Header', 'is not a valid header name'],
    [{ kind: 'webhook', url: 'https://hooks.example.com', secret: SECRET, headers: { 'X-Token': 'a\r\nX-Evil: 1' } }, 'headers.X-Token', 'must not contain line breaks'],
  ])('should reject %j naming %s', (input, field, reason) => {
    const errors = errorsOf(input)
    expect(errors.length).toBeGreaterThan(0)
    const error = errors.find((e) => e.field === field)
    expect(error, JSON.stringify(errors)).toBeDefined()
    if (reason !== '') {
      expect(error?.reason).toBe(reason)
    } else {
      expect(error?.reason.length).toBeGreaterThan(0)
    }
  })

  it('should accept IPv4 and IPv6 hosts, and http:// only with allowInsecureHttp', () => {
    expect(validateSiemDestinationSettings({ kind: 'syslog', transport: 'udp', host: '2001:db8::1', port: 514 }).ok).toBe(true)
    expect(validateSiemDestinationSettings({ kind: 'syslog', transport: 'tcp', host: '192.0.2.1', port: 514 }).ok).toBe(true)
    expect(validateSiemDestinationSettings({ kind: 'webhook', url: 'http://127.0.0.1:8080/in', secret: SECRET, allowInsecureHttp: true }).ok).toBe(true)
    expect(validateSiemDestinationSettings({ kind: 'syslog', transport: 'tls', host: 'siem', port: 6514, tls: { ca: PEM, cert: PEM, key: KEY } }).ok).toBe(true)
  })

  it('should never throw, whatever it is given', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ kind: fc.constantFrom('syslog', 'webhook'), transport: fc.anything(), host: fc.anything(), port: fc.anything(), url: fc.anything(), secret: fc.anything(), tls: fc.anything(), headers: fc.anything() }, { requiredKeys: ['kind'] })), (input) => {
        const result = validateSiemDestinationSettings(input)
        if (!result.ok) {
          expect(result.errors.length).toBeGreaterThan(0)
        }
      }),
      { numRuns: 500 },
    )
    const hostile = { kind: 'syslog', get host(): string { throw new Error('boom') } }
    expect(validateSiemDestinationSettings(hostile).ok).toBe(false)
  })

  it('should not change its input', () => {
    const input = { kind: 'syslog', transport: 'tcp', host: 'siem', port: 514 }
    validateSiemDestinationSettings(input)
    expect(input).toEqual({ kind: 'syslog', transport: 'tcp', host: 'siem', port: 514 })
  })
})

describe('redactSiemDestinationSettings', () => {
  it('should hide the secret and every header value, keeping header names', () => {
    const settings: SiemDestinationSettings = { kind: 'webhook', url: 'https://h.example.com', secret: SECRET, headers: { Authorization: 'Bearer t', 'X-Api-Key': 'k' } }
    expect(redactSiemDestinationSettings(settings)).toEqual({ kind: 'webhook', url: 'https://h.example.com', secret: REDACTED, headers: { Authorization: REDACTED, 'X-Api-Key': REDACTED } })
    expect(settings.secret).toBe(SECRET)
  })

  it('should hide the TLS client key and nothing else of a syslog destination', () => {
    const settings: SiemDestinationSettings = { kind: 'syslog', transport: 'tls', host: 'siem', port: 6514, tls: { ca: PEM, cert: PEM, key: KEY } }
    expect(redactSiemDestinationSettings(settings)).toEqual({ ...settings, tls: { ca: PEM, cert: PEM, key: REDACTED } })
    expect(SECRET_SETTING_PATHS).toEqual(['secret', 'headers.*', 'tls.key'])
  })
})
