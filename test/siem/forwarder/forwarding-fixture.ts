/**
 * A test app whose forwarder runs with short intervals, and a directory where HR is a privacy group:
 * activities of hr.anna@contoso.com and hr.ben@contoso.com are private from the start, made so by the
 * real ingest pipeline. Legal is an ordinary group (for retroactive privatization), Sales too.
 */
import type { Response } from 'light-my-request'
import { expect } from 'vitest'

import { createTestApp, type TestApp, type TestRole } from '../../helpers/test-app.js'

/** Forwarder settings for tests: poll often, retry soon, give up on a silent receiver fast. */
export const FAST_SIEM_ENV: Readonly<Record<string, string>> = Object.freeze({
  VEIL_SIEM_POLL_MS: '20',
  VEIL_SIEM_RETRY_MAX_SECONDS: '1',
  VEIL_SIEM_TIMEOUT_MS: '1000',
  VEIL_SIEM_LEASE_SECONDS: '3',
})

/** What private activities of this suite carry, so a test can show none of it reaches a receiver. */
export const PRIVATE_IP = '198.51.100.77'
export const PRIVATE_AGENT = 'SecretAgent/7.1 (private-device)'
export const PUBLIC_IP = '203.0.113.5'

export interface ForwardingApp {
  readonly t: TestApp
  request(role: TestRole, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<Response>
  /** A Veil ingest record of `upn` with a unique, ordered id. */
  event(upn: string, options?: { time?: number; prefix?: string }): IngestRecord
  /** Ingest through the real pipeline (one batch); returns the ids. */
  ingest(records: readonly IngestRecord[]): Promise<string[]>
  /** Create a destination through the API; returns its id. */
  createDestination(body: Record<string, unknown>): Promise<string>
  close(): Promise<void>
}

export interface IngestRecord {
  readonly id: string
  readonly time: string
  readonly actor: { readonly upn: string; readonly type: 'user' }
  readonly app: string
  readonly action: { readonly type: string; readonly name: string }
  readonly ip: string
  readonly device: { readonly type: string; readonly userAgent: string }
  readonly description: string
}

let counter = 0

export async function startForwardingApp(engine: 'sqlite' | 'postgres', env: Record<string, string> = {}): Promise<ForwardingApp> {
  const t = await createTestApp({ engine, env: { ...FAST_SIEM_ENV, ...env } })
  const request: ForwardingApp['request'] = (role, method, url, payload) => t.app.inject({ method, url, payload: payload as never, headers: t.auth(role) })
  const csv = ['group,upn', 'HR,hr.anna@contoso.com', 'HR,hr.ben@contoso.com', 'Legal,legal.lee@contoso.com', 'Sales,sales.sam@contoso.com'].join('\n')
  const imported = await t.app.inject({ method: 'POST', url: '/api/v1/directory/import', payload: csv, headers: { ...t.auth('security_admin'), 'content-type': 'text/csv' } })
  expect(imported.statusCode, imported.body).toBe(200)
  const privacy = await request('security_admin', 'POST', '/api/v1/settings/privacy-groups', { groups: ['hr'] })
  expect(privacy.statusCode, privacy.body).toBe(200)
  t.runtime.ingestSettings.invalidate()
  t.runtime.siemForwarder.start()
  return {
    t,
    request,
    event(upn, options = {}) {
      counter += 1
      const isPrivate = upn.startsWith('hr.')
      return {
        id: `${options.prefix ?? `fwd-${engine}`}-${String(counter).padStart(7, '0')}`,
        time: new Date(options.time ?? Date.now()).toISOString(),
        actor: { upn, type: 'user' },
        app: 'Microsoft SharePoint Online',
        action: { type: 'file.download', name: 'FileDownloaded' },
        ip: isPrivate ? PRIVATE_IP : PUBLIC_IP,
        device: { type: 'desktop', userAgent: isPrivate ? PRIVATE_AGENT : 'Mozilla/5.0' },
        description: `${upn} downloaded a file`,
      }
    },
    async ingest(records) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/activities/ingest', payload: JSON.stringify(records), headers: { ...t.auth('security_admin'), 'content-type': 'application/json' } })
      expect(res.statusCode, res.body).toBe(200)
      return records.map((r) => r.id)
    },
    async createDestination(body) {
      const res = await request('security_admin', 'POST', '/api/v1/siem/destinations', body)
      expect(res.statusCode, res.body).toBe(201)
      return (res.json() as { id: string }).id
    },
    close: () => t.close(),
  }
}

/** Syslog settings for a listener on this machine. */
export function tcpSettings(port: number): Record<string, unknown> {
  return { kind: 'syslog', transport: 'tcp', host: '127.0.0.1', port }
}
