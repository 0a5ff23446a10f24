/**
 * What the connector and SIEM destination forms send, added or edited: an edit keeps the settings the
 * form has no field for, and a credential or secret left empty keeps the stored one (left out of a
 * connector's change; `********` in a destination's settings, which the server reads as "keep it").
 */
import { describe, expect, it } from 'vitest'
import type { Connector } from '../../portal/src/api/connectors.js'
import type { DestinationSettings } from '../../portal/src/api/siem.js'
import { connectorBody, initialValues, storedSettings } from '../../portal/src/pages/connectors/connector-form-values.js'
import { PROVIDER_FORMS } from '../../portal/src/pages/connectors/provider-forms.js'
import { destinationSettings, REDACTED, type DestinationForm } from '../../portal/src/pages/siem-destinations/destination-settings.js'

const fieldsOf = (kind: string) => PROVIDER_FORMS.find((p) => p.kind === kind)?.fields ?? []

const github = { kind: 'github', settings: { org: 'contoso', baseUrl: 'https://github.contoso.com/api/v3', perPage: 100 }, credentials: { token: REDACTED } } as unknown as Connector

describe('connector form', () => {
  it('should start an edit with the stored settings and no credential', () => {
    expect(initialValues(github, fieldsOf('github'))).toEqual({ 'settings.org': 'contoso', 'settings.baseUrl': 'https://github.contoso.com/api/v3' })
    expect(initialValues(undefined, fieldsOf('github'))).toEqual({})
  })

  it('should keep settings without a field, drop a cleared optional one, and leave an empty credential out of an edit', () => {
    const values = { 'settings.org': ' contoso-eu ', 'settings.baseUrl': '', 'credentials.token': '' }
    expect(connectorBody(fieldsOf('github'), values, storedSettings(github), true)).toEqual({ settings: { org: 'contoso-eu', perPage: 100 }, credentials: {} })
    expect(connectorBody(fieldsOf('github'), { ...values, 'credentials.token': 'ghp_new' }, storedSettings(github), true).credentials).toEqual({ token: 'ghp_new' })
  })

  it('should send an empty required credential of a new connector, so the server names it', () => {
    expect(connectorBody(fieldsOf('okta'), { 'settings.baseUrl': 'https://acme.okta.com' }, {}, false)).toEqual({ settings: { baseUrl: 'https://acme.okta.com' }, credentials: { apiToken: '' } })
  })
})

const form = (overrides: Partial<DestinationForm>): DestinationForm => ({
  kind: 'syslog',
  transport: 'tcp',
  host: '',
  port: '',
  syslogFormat: 'rfc5424',
  ca: '',
  verify: true,
  url: '',
  secret: '',
  authorization: '',
  allowHttp: false,
  ...overrides,
})

describe('SIEM destination form', () => {
  it('should send a new syslog destination as typed, a port that is not a number too', () => {
    expect(destinationSettings(form({ host: ' siem.contoso.com ', port: '514' }))).toEqual({ kind: 'syslog', transport: 'tcp', host: 'siem.contoso.com', port: 514, syslogFormat: 'rfc5424' })
    expect(destinationSettings(form({ host: 'siem', port: 'syslog' })).port).toBe('syslog')
  })

  it('should keep the stored settings the form does not show when a syslog destination is edited', () => {
    const stored = { kind: 'syslog', transport: 'tls', host: 'old', port: 6514, vendor: 'Contoso', product: 'Veil EU', facility: 13, tls: { serverName: 'siem.contoso.com', ca: 'OLD PEM' } } as unknown as DestinationSettings
    expect(destinationSettings(form({ transport: 'tls', host: 'new', port: '6515', ca: 'NEW PEM', verify: false }), stored)).toEqual({
      kind: 'syslog',
      transport: 'tls',
      host: 'new',
      port: 6515,
      syslogFormat: 'rfc5424',
      vendor: 'Contoso',
      product: 'Veil EU',
      facility: 13,
      tls: { serverName: 'siem.contoso.com', ca: 'NEW PEM', rejectUnauthorized: false },
    })
    // Moved off TLS: no TLS options.
    expect(destinationSettings(form({ transport: 'tcp', host: 'new', port: '514' }), stored)).not.toHaveProperty('tls')
  })

  it('should keep a webhook secret and Authorization header left empty, and replace those typed', () => {
    const stored: DestinationSettings = { kind: 'webhook', url: 'https://soar.example.com/a', secret: REDACTED, batchSize: 50, headers: { Authorization: REDACTED, 'X-Tenant': 'eu' } }
    expect(destinationSettings(form({ kind: 'webhook', url: 'https://soar.example.com/b' }), stored)).toEqual({ kind: 'webhook', url: 'https://soar.example.com/b', secret: REDACTED, batchSize: 50, headers: { Authorization: REDACTED, 'X-Tenant': 'eu' } })
    expect(destinationSettings(form({ kind: 'webhook', url: 'https://soar.example.com/b', secret: 'new-secret', authorization: 'Bearer x' }), stored)).toMatchObject({ secret: 'new-secret', headers: { Authorization: 'Bearer x', 'X-Tenant': 'eu' } })
    // A new webhook with no secret typed sends it empty, so the server names the field.
    expect(destinationSettings(form({ kind: 'webhook', url: 'https://soar.example.com/a' }))).toEqual({ kind: 'webhook', url: 'https://soar.example.com/a', secret: '' })
  })
})
