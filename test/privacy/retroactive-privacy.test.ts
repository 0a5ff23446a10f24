/**
 * Retroactive privatization (`POST /api/v1/privacy/retroactive`) on both engines: the public activities
 * of a group's members in a time range — membership at each activity's own time, per the directory's
 * history — become private, their details sealed in place; everything else stays as it was; a
 * governance record comes first; there is no way back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Disclosure } from '../../src/core/privacy/decide-disclosure.js'
import { CLI_INITIATOR } from '../../src/services/service-context.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp } from '../helpers/test-app.js'

const T0 = Date.parse('2026-11-10T08:00:00Z')
const HOUR = 3_600_000
const REVEAL: Disclosure = { includePrivate: true, justification: 'retroactive privatization test' }

function record(id: string, upn: string, time: number): Record<string, unknown> {
  return {
    id,
    time: new Date(time).toISOString(),
    actor: { upn, displayName: `Name of ${upn}`, type: 'user' },
    app: 'Workday',
    action: { type: 'record.view', name: 'ViewRecord' },
    ip: '198.51.100.44',
    description: `${upn} looked at a record`,
    extra: { case: id },
  }
}

for (const engine of selectedStores()) {
  describe(`${engine}: retroactive privatization`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    let t: TestApp
    let now = T0
    let groupId = ''

    const post = (body: unknown, role: 'security_admin' | 'global_admin' | 'compliance_admin' = 'security_admin') =>
      t.app.inject({ method: 'POST', url: '/api/v1/privacy/retroactive', payload: body as never, headers: t.auth(role) })
    const visible = async (id: string) => (await t.app.inject({ method: 'GET', url: `/api/v1/activities/${id}`, headers: t.auth('global_admin') })).statusCode

    beforeAll(async () => {
      if (!runs) {
        return
      }
      t = await createTestApp({ engine, clock: () => now })
      // Hannah is in HR from T0 to T0 + 10 h; Bob never is.
      const hannah = await t.runtime.directory.createUser(CLI_INITIATOR, { upn: 'hannah@contoso.com' })
      await t.runtime.directory.createUser(CLI_INITIATOR, { upn: 'bob@contoso.com' })
      groupId = (await t.runtime.directory.createGroup(CLI_INITIATOR, { displayName: 'HR', memberIds: [hannah.id] })).id
      now = T0 + 10 * HOUR
      await t.runtime.directory.removeMembers(CLI_INITIATOR, groupId, [hannah.id])
      now = T0 + 12 * HOUR
      const body = JSON.stringify([
        record('h-before', 'hannah@contoso.com', T0 - HOUR),
        record('h-during-1', 'hannah@contoso.com', T0 + HOUR),
        record('h-during-2', 'Hannah@Contoso.com', T0 + 5 * HOUR),
        record('h-after', 'hannah@contoso.com', T0 + 11 * HOUR),
        record('b-during', 'bob@contoso.com', T0 + 2 * HOUR),
      ])
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/activities/ingest', payload: body, headers: { ...t.auth('security_admin'), 'content-type': 'application/json' } })
      expect(res.json()).toMatchObject({ accepted: 5 })
    })
    afterAll(async () => {
      await t?.close()
    })

    maybe('should refuse a request without a valid range, group or justification', async () => {
      const valid = { groupId, from: T0 - 2 * HOUR, to: T0 + 6 * HOUR, justification: 'HR asked for the works council case 17' }
      expect((await post({ ...valid, from: T0 + 7 * HOUR })).json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'to' }] })
      expect((await post({ ...valid, justification: 'because' })).json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'justification' }] })
      expect((await post({ ...valid, from: 'last tuesday' })).json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'from' }] })
      expect((await post({ ...valid, groupId: 'no-such-group' })).statusCode).toBe(404)
      expect((await post(valid, 'compliance_admin')).statusCode).toBe(403)
      // Nothing changed, and nothing was recorded.
      for (const id of ['h-before', 'h-during-1', 'h-during-2', 'h-after', 'b-during']) {
        expect(await visible(id)).toBe(200)
      }
      expect(await t.runtime.store.governance.list({ limit: 10, action: 'privacy.retroactive' })).toEqual([])
    })

    maybe("should make private exactly the group members' activities at their time within the range", async () => {
      const before = await t.runtime.store.activities.get('h-during-2', REVEAL)
      const res = await post({ groupId, from: new Date(T0 - 2 * HOUR).toISOString(), to: T0 + 12 * HOUR, justification: 'HR asked for the works council case 17' })
      expect(res.statusCode, res.body).toBe(200)
      // In range: h-before (not a member yet), h-during-1, h-during-2, h-after (no longer a member), b-during.
      expect(res.json()).toMatchObject({ groupId, from: T0 - 2 * HOUR, to: T0 + 12 * HOUR, scanned: 5, privatized: 2 })

      expect(await visible('h-during-1')).toBe(404)
      expect(await visible('h-during-2')).toBe(404)
      for (const id of ['h-before', 'h-after', 'b-during']) {
        expect(await visible(id)).toBe(200)
      }
      const list = await t.app.inject({ method: 'POST', url: '/api/v1/activities/', payload: { filters: { 'user.username': { eq: 'hannah@contoso.com' } } }, headers: t.auth('security_reader') })
      expect(list.json()).toMatchObject({ total: 2 })
      expect(list.json().data.map((a: { id: string }) => a.id)).toEqual(['h-after', 'h-before'])

      // Sealed in place: the same activity, now private because of the group.
      const after = await t.runtime.store.activities.get('h-during-2', REVEAL)
      expect(after?.isPrivate).toBe(true)
      expect(before?.isPrivate).toBe(false)
      expect(after ? await t.runtime.vault.open(after) : null).toEqual({ isPrivate: true, activity: before?.isPrivate === false ? before.activity : null, privateBecause: groupId })

      const [recorded] = await t.runtime.store.governance.list({ limit: 1, action: 'privacy.retroactive' })
      expect(recorded).toMatchObject({
        seq: res.json().governanceSeq,
        initiator: 'secadmin@contoso.com',
        target: groupId,
        justification: 'HR asked for the works council case 17',
        details: { groupId, groupName: 'HR', from: T0 - 2 * HOUR, to: T0 + 12 * HOUR, channel: 'api' },
      })
    })

    maybe('should find nothing more to do the second time, and offer no way back', async () => {
      const again = await post({ groupId, from: T0 - 2 * HOUR, to: T0 + 12 * HOUR, justification: 'HR asked for the works council case 17' }, 'global_admin')
      expect(again.json()).toMatchObject({ scanned: 3, privatized: 0 })
      expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/privacy/retroactive', headers: t.auth('global_admin') })).statusCode).toBe(404)
      expect(await visible('h-during-1')).toBe(404)
    })

    maybe('should make nothing private when its governance record cannot be written', async () => {
      now = T0 + 30 * HOUR
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/activities/ingest', payload: JSON.stringify([record('h-late', 'hannah@contoso.com', T0 + 3 * HOUR)]), headers: { ...t.auth('security_admin'), 'content-type': 'application/json' } })
      expect(res.json()).toMatchObject({ accepted: 1 })
      t.setGovernanceFailing(true)
      try {
        const failed = await post({ groupId, from: T0, to: T0 + 6 * HOUR, justification: 'HR asked for the works council case 18' })
        expect(failed.statusCode).toBeGreaterThanOrEqual(500)
      } finally {
        t.setGovernanceFailing(false)
      }
      expect(await visible('h-late')).toBe(200)
    })
  })
}
