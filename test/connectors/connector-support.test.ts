/**
 * The pieces under every connector: the sealing helper (credentials at rest), how long a provider asked
 * to wait (Retry-After in seconds or as an HTTP date, rate-limit reset headers), which links are
 * followed (credentials go to the configured origin only), and the back-off between failed runs.
 */
import { describe, expect, it } from 'vitest'

import { openJson, sealJson, SecretBoxError } from '../../src/config/secret-box.js'
import { connectorRetryDelay } from '../../src/connectors/connector-run.js'
import { nextLink, requestedWait, sameOrigin } from '../../src/connectors/connector-http.js'
import { ConnectorError } from '../../src/connectors/connector-error.js'

const KEY = Buffer.alloc(32, 7)

describe('secret box', () => {
  it('should open what it sealed, for the same label and key only', () => {
    const sealed = sealJson(KEY, 'connector:a', { apiToken: 'secret-value' })
    expect(sealed.toString('latin1')).not.toContain('secret-value')
    expect(openJson(KEY, 'connector:a', sealed)).toEqual({ apiToken: 'secret-value' })
    expect(sealJson(KEY, 'connector:a', { apiToken: 'secret-value' }).equals(sealed)).toBe(false)
    expect(() => openJson(KEY, 'connector:b', sealed)).toThrow(SecretBoxError)
    expect(() => openJson(Buffer.alloc(32, 8), 'connector:a', sealed)).toThrow(/does not open with this master secret/)
    expect(() => openJson(KEY, 'connector:a', Buffer.from([9, 9]))).toThrow(/not in a known format/)
    expect(() => sealJson(Buffer.alloc(16), 'x', 1)).toThrow(/32 bytes/)
  })
})

describe('requestedWait', () => {
  const now = Date.UTC(2026, 4, 1, 12, 0, 0)
  it('should read Retry-After in seconds and as an HTTP date, and rate-limit reset times', () => {
    expect(requestedWait(new Headers({ 'retry-after': '7' }), now)).toBe(7000)
    expect(requestedWait(new Headers({ 'retry-after': new Date(now + 30_000).toUTCString() }), now)).toBe(30_000)
    expect(requestedWait(new Headers({ 'retry-after': new Date(now - 30_000).toUTCString() }), now)).toBe(0)
    expect(requestedWait(new Headers({ 'x-rate-limit-reset': String(now / 1000 + 12) }), now)).toBe(12_000)
    expect(requestedWait(new Headers({ 'x-ratelimit-reset': String(now / 1000 + 3) }), now)).toBe(3000)
    expect(requestedWait(new Headers({ 'retry-after': 'soon' }), now)).toBeNull()
    expect(requestedWait(new Headers(), now)).toBeNull()
  })
})

describe('links', () => {
  it('should follow rel="next" to the configured origin only', () => {
    expect(nextLink(new Headers({ link: '<https://acme.okta.com/api/v1/logs?after=1>; rel="self", <https://acme.okta.com/api/v1/logs?after=2>; rel="next"' }))).toBe('https://acme.okta.com/api/v1/logs?after=2')
    expect(nextLink(new Headers({ link: '<https://acme.okta.com/x>; rel="self"' }))).toBeNull()
    expect(sameOrigin('/api/v1/logs?after=2', 'https://acme.okta.com', 'Okta')).toBe('https://acme.okta.com/api/v1/logs?after=2')
    expect(() => sameOrigin('https://evil.example.com/steal', 'https://acme.okta.com', 'Okta')).toThrow(ConnectorError)
  })
})

describe('connectorRetryDelay', () => {
  it('should double from the base up to the cap, half of it random', () => {
    expect(connectorRetryDelay(1, 1000, 60_000, () => 0)).toBe(500)
    expect(connectorRetryDelay(3, 1000, 60_000, () => 1)).toBe(4000)
    expect(connectorRetryDelay(30, 1000, 60_000, () => 1)).toBe(60_000)
  })
})
