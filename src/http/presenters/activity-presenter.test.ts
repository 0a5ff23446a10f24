import { describe, expect, it } from 'vitest'
import type { Activity } from '../../core/activity/activity.js'
import { presentActivity } from './activity-presenter.js'

const ACTIVITY: Activity = {
  id: 'evt-1',
  time: Date.UTC(2024, 4, 1, 12),
  receivedAt: Date.UTC(2024, 4, 1, 12, 0, 5),
  source: 'veil',
  actor: { upn: 'alice@contoso.com', displayName: 'Alice', sourceId: 'obj-1', type: 'user' },
  app: 'Microsoft 365',
  action: { type: 'file.download', name: 'FileDownloaded' },
  ip: '10.1.2.3',
  location: { country: 'DE', city: 'Berlin' },
  device: { type: 'desktop', userAgent: 'Mozilla/5.0' },
  target: { type: 'file', id: 'f-1', name: 'plan.docx' },
  result: 'success',
  description: 'Downloaded plan.docx',
  actorGroups: ['g-hr'],
  raw: { Operation: 'FileDownloaded' },
}

describe('presentActivity', () => {
  it.each<[string, string, unknown]>([
    // Veil's normalized fields.
    ['id', 'id', 'evt-1'],
    ['time as ISO 8601', 'time', '2024-05-01T12:00:00.000Z'],
    ['receivedAt as ISO 8601', 'receivedAt', '2024-05-01T12:00:05.000Z'],
    ['source', 'source', 'veil'],
    ['actor', 'actor', { upn: 'alice@contoso.com', displayName: 'Alice', sourceId: 'obj-1', type: 'user', directoryUserId: null }],
    ['app', 'app', 'Microsoft 365'],
    ['action', 'action', { type: 'file.download', name: 'FileDownloaded' }],
    ['ip', 'ip', '10.1.2.3'],
    ['location with Defender countryCode', 'location', { country: 'DE', city: 'Berlin', countryCode: 'DE' }],
    ['device with Defender clientIP and countryCode', 'device', { type: 'desktop', userAgent: 'Mozilla/5.0', clientIP: '10.1.2.3', countryCode: 'DE' }],
    ['target', 'target', { type: 'file', id: 'f-1', name: 'plan.docx' }],
    ['result', 'result', 'success'],
    ['description', 'description', 'Downloaded plan.docx'],
    ['actorGroups', 'actorGroups', ['g-hr']],
    // Defender for Cloud Apps' names.
    ['_id', '_id', 'evt-1'],
    ['timestamp in ms', 'timestamp', Date.UTC(2024, 4, 1, 12)],
    ['created in ms', 'created', Date.UTC(2024, 4, 1, 12, 0, 5)],
    ['appName', 'appName', 'Microsoft 365'],
    ['eventType', 'eventType', 'FileDownloaded'],
    ['eventTypeName', 'eventTypeName', 'FileDownloaded'],
    ['eventTypeValue', 'eventTypeValue', 'FileDownloaded'],
    ['ipAddress', 'ipAddress', '10.1.2.3'],
    ['user', 'user', { userName: 'alice@contoso.com', userTags: ['g-hr'] }],
    ['userAgent as an object', 'userAgent', { userAgent: 'Mozilla/5.0', deviceType: 'desktop' }],
  ])('should present %s', (_, key, expected) => {
    expect(presentActivity(ACTIVITY, { includeRaw: false })[key]).toEqual(expected)
  })

  it.each([
    [true, { Operation: 'FileDownloaded' }],
    [false, undefined],
  ])('should include rawDataJson only when asked (includeRaw %s)', (includeRaw, expected) => {
    const presented = presentActivity(ACTIVITY, { includeRaw })
    expect(presented.rawDataJson).toEqual(expected)
    expect('rawDataJson' in presented).toBe(includeRaw)
    expect('raw' in presented).toBe(includeRaw)
  })

  it('should present absent values as null', () => {
    const bare: Activity = {
      ...ACTIVITY,
      actor: { upn: null, displayName: null, sourceId: 'obj-1', type: 'application' },
      ip: null,
      location: { country: null, city: null },
      device: { type: null, userAgent: null },
      actorGroups: [],
    }
    expect(presentActivity(bare, { includeRaw: false })).toMatchObject({
      ip: null,
      ipAddress: null,
      location: { country: null, city: null, countryCode: null },
      device: { type: null, userAgent: null, clientIP: null, countryCode: null },
      user: { userName: null, userTags: [] },
      userAgent: { userAgent: null, deviceType: null },
    })
  })

  it('should be plain JSON that survives serialization', () => {
    const presented = presentActivity(ACTIVITY, { includeRaw: true })
    expect(JSON.parse(JSON.stringify(presented))).toEqual(presented)
  })

  it('should not share arrays with the activity', () => {
    const presented = presentActivity(ACTIVITY, { includeRaw: false })
    expect(presented.actorGroups).not.toBe(ACTIVITY.actorGroups)
  })
})
