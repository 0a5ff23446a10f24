/**
 * Native audit events through the HTTP ingest route on both engines: formats detected per record in one
 * batch, a CloudTrail log file and a Google Workspace activity expanded into one activity per event, and
 * bad input (a record of no known format, a truncated line, a known format with a required field
 * missing) rejected record by record — naming the format tried and the field — while the rest of the
 * batch is stored. Sending the same batch again stores nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APPLICATION_GROUP_ID } from '../../src/core/directory/builtin-groups.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp } from '../helpers/test-app.js'
import { cloudTrailEvent, ENTRA_AUDIT, ENTRA_SP_SIGN_IN, GITHUB_CLONE, GOOGLE_DRIVE_SHARE, O365_FILE_DOWNLOAD, OKTA_LOGIN, VEIL_RECORD } from './native-events.js'

const NOW = Date.parse('2026-01-15T12:00:00Z')

const { published: _published, ...OKTA_WITHOUT_TIME } = OKTA_LOGIN
const LINES = [
  JSON.stringify(OKTA_LOGIN),
  JSON.stringify({ Records: [cloudTrailEvent('ct-1'), cloudTrailEvent('ct-2', { eventName: 'ConsoleLogin', eventSource: 'signin.amazonaws.com', responseElements: { ConsoleLogin: 'Failure' }, errorMessage: 'Failed authentication' }), cloudTrailEvent('ct-3', { eventTime: undefined })] }),
  JSON.stringify(GOOGLE_DRIVE_SHARE),
  JSON.stringify(ENTRA_SP_SIGN_IN),
  JSON.stringify(O365_FILE_DOWNLOAD),
  JSON.stringify(GITHUB_CLONE),
  JSON.stringify(ENTRA_AUDIT),
  JSON.stringify(VEIL_RECORD),
  JSON.stringify({ vendor: 'acme', happened: 'yesterday' }),
  JSON.stringify(cloudTrailEvent('ct-9')).slice(0, 80),
  JSON.stringify(OKTA_WITHOUT_TIME),
]

for (const engine of selectedStores()) {
  describe(`${engine}: native formats through the ingest route`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    let t: TestApp
    beforeAll(async () => {
      if (runs) {
        t = await createTestApp({ engine, clock: () => NOW })
      }
    })
    afterAll(async () => {
      await t?.close()
    })
    const maybe = runs ? it : it.skip

    const ingest = (body: string, query = '') =>
      t.app.inject({ method: 'POST', url: `/api/v1/activities/ingest${query}`, payload: body, headers: { ...t.auth('security_admin'), 'content-type': 'application/x-ndjson' } })
    const get = async (id: string) => {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/activities/${encodeURIComponent(id)}/`, headers: t.auth('security_reader') })
      expect(res.statusCode, id).toBe(200)
      return res.json<Record<string, unknown>>()
    }

    maybe('should detect each record, expand files and activities, and report every event and every bad record', async () => {
      const res = await ingest(LINES.join('\n'))
      expect(res.statusCode).toBe(400)
      const body = res.json<{ accepted: number; duplicates: number; rejected: number; results: Record<string, unknown>[]; details: unknown[] }>()
      expect(body.results).toEqual([
        { index: 0, status: 'accepted', id: 'okta:0f0e0d0c-1111-11ef-8000-0242ac120002' },
        { index: 1, item: 0, status: 'accepted', id: 'cloudtrail:ct-1' },
        { index: 1, item: 1, status: 'accepted', id: 'cloudtrail:ct-2' },
        { index: 1, item: 2, status: 'rejected', error: { field: '/Records/2/eventTime', reason: 'required', format: 'cloudtrail' } },
        { index: 2, item: 0, status: 'accepted', id: expect.stringMatching(/^google-workspace:v1-/) as string },
        { index: 2, item: 1, status: 'accepted', id: expect.stringMatching(/^google-workspace:v1-/) as string },
        { index: 3, status: 'accepted', id: 'entra-signin:sp-sign-in-1' },
        { index: 4, status: 'accepted', id: 'o365:5b0c3f5e-1111-4c2e-9a3e-0f0e0d0c0b0a' },
        { index: 5, status: 'accepted', id: 'github:MmZDmqsUM7ZzbbUyS3_pJw' },
        { index: 6, status: 'accepted', id: 'entra-audit:Directory_0a1b2c' },
        { index: 7, status: 'accepted', id: 'veil-evt-1' },
        { index: 8, status: 'rejected', error: { field: '', reason: 'not a record of any known format (veil, o365, entra-signin, entra-audit, google-workspace, okta, github, cloudtrail)' } },
        { index: 9, status: 'rejected', error: { field: '', reason: expect.stringMatching(/^line 10 is not valid JSON/) as string } },
        { index: 10, status: 'rejected', error: { field: '/published', reason: 'required', format: 'okta' } },
      ])
      expect([body.accepted, body.duplicates, body.rejected]).toEqual([10, 0, 4])
      expect(body.details).toContainEqual({ index: 1, field: '/Records/2/eventTime', reason: 'required' })
    })

    maybe('should store the normalized fields and the source event whole', async () => {
      const okta = await get('okta:0f0e0d0c-1111-11ef-8000-0242ac120002')
      expect(okta).toMatchObject({ app: 'Okta', actor: { upn: 'max@contoso.com', type: 'user' }, action: { type: 'login', name: 'user.session.start' }, ip: '203.0.113.99', location: { country: 'DE', city: 'Munich' }, result: 'success', raw: OKTA_LOGIN })
      const failedLogin = await get('cloudtrail:ct-2')
      expect(failedLogin).toMatchObject({ app: 'Amazon Web Services', actor: { upn: 'jane', displayName: 'Jane', sourceId: 'AIDAJANE' }, action: { type: 'login.failed', name: 'ConsoleLogin' }, result: 'failure', time: '2025-06-01T08:15:00.000Z' })
      expect(failedLogin.raw).toEqual(JSON.parse(JSON.stringify(cloudTrailEvent('ct-2', { eventName: 'ConsoleLogin', eventSource: 'signin.amazonaws.com', responseElements: { ConsoleLogin: 'Failure' }, errorMessage: 'Failed authentication' }))))
    })

    maybe('should put applications and service principals in the built-in Application group', async () => {
      const signIn = await get('entra-signin:sp-sign-in-1')
      expect(signIn).toMatchObject({ actor: { upn: null, sourceId: 'sp-1', type: 'application' }, action: { type: 'login' } })
      expect(signIn.actorGroups).toContain(APPLICATION_GROUP_ID)
      expect((await get('github:MmZDmqsUM7ZzbbUyS3_pJw')).actorGroups).not.toContain(APPLICATION_GROUP_ID)
    })

    maybe('should find the activities of one Google Workspace event among the others', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/activities/', payload: { filters: { actionType: { eq: ['file.share'] } } }, headers: t.auth('security_reader') })
      expect(res.statusCode).toBe(200)
      const page = res.json<{ total: number; data: { raw: unknown; target: unknown }[] }>()
      expect(page.total).toBe(2)
    })

    maybe('should report every stored event as a duplicate when the same batch comes again', async () => {
      const body = (await ingest(LINES.join('\n'))).json<{ accepted: number; duplicates: number; rejected: number }>()
      expect([body.accepted, body.duplicates, body.rejected]).toEqual([0, 10, 4])
    })

    maybe('should split an Event Hub message that mixes sign-ins and audit events, detecting each', async () => {
      const audit = { time: '2025-05-06T07:08:09Z', category: 'AuditLogs', operationName: 'Add member to role', properties: { ...ENTRA_AUDIT, id: 'Directory_hub' } }
      const res = await ingest(JSON.stringify({ records: [{ ...ENTRA_SP_SIGN_IN, properties: { ...ENTRA_SP_SIGN_IN.properties, id: 'sp-hub' } }, audit, { category: 'AuditLogs', properties: {} }] }))
      expect(res.json<{ results: unknown[] }>().results).toEqual([
        { index: 0, item: 0, status: 'accepted', id: 'entra-signin:sp-hub' },
        { index: 0, item: 1, status: 'accepted', id: 'entra-audit:Directory_hub' },
        { index: 0, item: 2, status: 'rejected', error: { field: '/records/2/properties/activityDateTime', reason: 'required', format: 'entra-audit' } },
      ])
    })

    maybe('should answer a record of no events (an empty log file or last page) with no result', async () => {
      const res = await ingest(JSON.stringify({ Records: [] }))
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ accepted: 0, duplicates: 0, rejected: 0, outOfScope: 0, results: [] })
    })

    maybe('should normalize every record with a named format, and say so when one is not of it', async () => {
      const res = await ingest([JSON.stringify(cloudTrailEvent('ct-named')), JSON.stringify(OKTA_LOGIN)].join('\n'), '?format=cloudtrail')
      expect(res.json<{ results: unknown[] }>().results).toEqual([
        { index: 0, status: 'accepted', id: 'cloudtrail:ct-named' },
        { index: 1, status: 'rejected', error: { field: '/eventTime', reason: 'required', format: 'cloudtrail' } },
      ])
      const unknown = await ingest('{}', '?format=salesforce')
      expect(unknown.statusCode).toBe(400)
      expect(unknown.json<{ details: { field: string; reason: string }[] }>().details[0]).toEqual({ field: 'format', reason: 'must be one of veil, o365, entra-signin, entra-audit, google-workspace, okta, github, cloudtrail, auto' })
    })
  })
}

describe('sqlite: limits on records of several events', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({ clock: () => NOW, env: { VEIL_MAX_BATCH_RECORDS: '4', VEIL_MAX_RECORD_BYTES: '2048' } })
  })
  afterAll(async () => {
    await t.close()
  })

  it('should apply the record size to each event of a log file, and the batch limit to the events', async () => {
    const file = { Records: Array.from({ length: 6 }, (_, i) => cloudTrailEvent(`lim-${i}`, i === 1 ? { userAgent: 'u'.repeat(3000) } : {})) }
    expect(JSON.stringify(file).length).toBeGreaterThan(2048)
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/activities/ingest', payload: JSON.stringify(file), headers: { ...t.auth('security_admin'), 'content-type': 'application/json' } })
    const results = res.json<{ results: { item: number; status: string; error?: { field: string; reason: string } }[] }>().results
    expect(results.map((r) => [r.item, r.status])).toEqual([
      [0, 'accepted'],
      [1, 'rejected'],
      [2, 'accepted'],
      [3, 'accepted'],
      [4, 'rejected'],
      [5, 'rejected'],
    ])
    expect(results[1]?.error).toEqual({ field: '/Records/1', reason: expect.stringMatching(/^the event is \d+ bytes, over the limit of 2048 bytes$/) as string })
    expect(results[4]?.error).toEqual({ field: '/Records/4', reason: 'the batch holds more than 4 events; send the rest in another batch' })
  })
})
