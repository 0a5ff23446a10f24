import { describe, expect, it } from 'vitest'
import { veilFormat } from './veil-ingest-format.js'

const RECORD = { time: '2024-05-01T12:00:00Z', actor: { upn: 'alice@contoso.com' }, app: 'Okta', action: 'login' }

describe('veilFormat', () => {
  it('should be named veil', () => {
    expect(veilFormat.name).toBe('veil')
  })

  it.each<[string, unknown, boolean]>([
    ['a Veil record', RECORD, true],
    ['a GitHub audit event', { action: 'repo.create', actor: 'octocat', created_at: 1 }, false],
  ])('should detect %s', (_, record, expected) => {
    expect(veilFormat.detect(record)).toBe(expected)
  })

  it('should normalize with the source veil and per-record errors', () => {
    const ok = veilFormat.normalize(RECORD, { index: 0, receivedAt: Date.UTC(2024, 4, 2) })
    expect(ok.ok && ok.activity.source).toBe('veil')
    expect(veilFormat.normalize({ ...RECORD, app: 1 }, { index: 4, receivedAt: Date.UTC(2024, 4, 2) })).toEqual({ ok: false, error: { index: 4, field: '/app', reason: 'must be a string' } })
  })
})
