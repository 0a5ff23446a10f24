/**
 * The directory over REST, on both engines: imports (CSV, JSON, NDJSON) and the group and user routes
 * end in the same directory; history answers at its boundaries; rejected rows are a 400 with the
 * report; built-in groups are listed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp } from '../helpers/test-app.js'

const T0 = Date.UTC(2026, 10, 1, 9)
const HOUR = 3_600_000

const MEMBERSHIPS = [
  { group: 'Human Resources', upn: 'Ann@Contoso.com', displayName: 'Ann', externalId: 'E-ANN' },
  { group: 'Human Resources', upn: 'bob@contoso.com', displayName: null, externalId: null },
  { group: 'Works Council', upn: 'ann@contoso.com', displayName: null, externalId: null },
  { group: 'Works Council', upn: 'cem@contoso.com', displayName: 'Cem, "the chair"', externalId: null },
]

const csv = (() => {
  const quote = (v: string | null) => (v === null ? '' : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
  return ['group,upn,displayName,externalId', ...MEMBERSHIPS.map((m) => [m.group, m.upn, m.displayName, m.externalId].map(quote).join(','))].join('\r\n') + '\r\n'
})()

interface Snapshot {
  groups: Array<{ displayName: string; memberCount: number | null; members: string[] }>
  users: Array<{ upn: string; displayName: string | null; externalId: string | null; active: boolean }>
}

async function snapshot(t: TestApp): Promise<Snapshot> {
  const auth = t.auth('security_reader')
  const groups = (await t.app.inject({ method: 'GET', url: '/api/v1/groups', headers: auth })).json<{ data: Array<{ id: string; displayName: string; memberCount: number | null; builtin: boolean }> }>().data
  const users = (await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: auth })).json<{ data: Snapshot['users'] }>().data
  return {
    groups: await Promise.all(
      groups
        .filter((g) => !g.builtin)
        .map(async (g) => ({
          displayName: g.displayName,
          memberCount: g.memberCount,
          members: (await t.app.inject({ method: 'GET', url: `/api/v1/groups/${g.id}/members`, headers: auth })).json<{ data: Array<{ upn: string }> }>().data.map((u) => u.upn),
        })),
    ),
    users: users.map(({ upn, displayName, externalId, active }) => ({ upn, displayName, externalId, active })),
  }
}

for (const engine of selectedStores()) {
  describe(`${engine}: directory API`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    let now = T0
    let t: TestApp
    beforeAll(async () => {
      if (runs) {
        t = await createTestApp({ engine, clock: () => now })
      }
    })
    afterAll(async () => {
      await t?.close()
    })

    maybe('should end in the same directory whichever path imports it: CSV, JSON, NDJSON, or the group and user routes', async () => {
      const paths: Array<[string, (app: TestApp) => Promise<void>]> = [
        ['csv', async (app) => expectOk(await app.app.inject({ method: 'POST', url: '/api/v1/directory/import', headers: { ...app.auth('global_admin'), 'content-type': 'text/csv' }, payload: csv }))],
        ['json', async (app) => expectOk(await app.app.inject({ method: 'POST', url: '/api/v1/directory/import?mode=full', headers: { ...app.auth('security_admin'), 'content-type': 'application/json' }, payload: JSON.stringify(MEMBERSHIPS) }))],
        [
          'ndjson',
          async (app) =>
            expectOk(await app.app.inject({ method: 'POST', url: '/api/v1/directory/import?atomic=true', headers: { ...app.auth('global_admin'), 'content-type': 'application/x-ndjson' }, payload: MEMBERSHIPS.map((m) => JSON.stringify(m)).join('\n') })),
        ],
        [
          'routes',
          async (app) => {
            const headers = app.auth('global_admin')
            for (const m of MEMBERSHIPS.filter((x, i) => MEMBERSHIPS.findIndex((y) => y.upn.toLowerCase() === x.upn.toLowerCase()) === i)) {
              expectOk(await app.app.inject({ method: 'POST', url: '/api/v1/users', headers, payload: { upn: m.upn, displayName: m.displayName, externalId: m.externalId } }))
            }
            for (const name of [...new Set(MEMBERSHIPS.map((m) => m.group))]) {
              const group = await app.app.inject({ method: 'POST', url: '/api/v1/groups', headers, payload: { displayName: name } })
              expectOk(group)
              const upns = MEMBERSHIPS.filter((m) => m.group === name).map((m) => m.upn)
              expectOk(await app.app.inject({ method: 'POST', url: `/api/v1/groups/${group.json<{ id: string }>().id}/members`, headers, payload: { upns } }))
            }
          },
        ],
      ]
      const results: Array<[string, Snapshot]> = []
      for (const [name, load] of paths) {
        const fresh = await createTestApp({ engine })
        try {
          await load(fresh)
          results.push([name, await snapshot(fresh)])
        } finally {
          await fresh.close()
        }
      }
      const [, expected] = results[0]!
      expect(expected.groups).toEqual([
        { displayName: 'Human Resources', memberCount: 2, members: ['ann@contoso.com', 'bob@contoso.com'] },
        { displayName: 'Works Council', memberCount: 2, members: ['ann@contoso.com', 'cem@contoso.com'] },
      ])
      expect(expected.users).toEqual([
        { upn: 'ann@contoso.com', displayName: 'Ann', externalId: 'E-ANN', active: true },
        { upn: 'bob@contoso.com', displayName: null, externalId: null, active: true },
        { upn: 'cem@contoso.com', displayName: 'Cem, "the chair"', externalId: null, active: true },
      ])
      for (const [name, result] of results) {
        expect(result, name).toEqual(expected)
      }
    })

    maybe('should list the built-in groups first, with computed membership, and refuse to change them', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/groups?limit=2', headers: t.auth('compliance_admin') })
      expect(res.statusCode).toBe(200)
      expect(res.json().data).toEqual([
        expect.objectContaining({ id: 'builtin:application', displayName: 'Application', builtin: true, memberCount: null }),
        expect.objectContaining({ id: 'builtin:external-users', displayName: 'External users', builtin: true, memberCount: null }),
      ])
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/groups/builtin:external-users', headers: t.auth('security_reader') })).json()).toMatchObject({ builtin: true, description: expect.any(String) })
      const patch = await t.app.inject({ method: 'PATCH', url: '/api/v1/groups/builtin:application', headers: t.auth('global_admin'), payload: { displayName: 'Apps' } })
      expect(patch.statusCode).toBe(400)
      expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/groups/builtin:application', headers: t.auth('global_admin') })).statusCode).toBe(400)
    })

    maybe('should search groups by a part of their name or external id, case-insensitively and literally, built-in ones too', async () => {
      const headers = t.auth('global_admin')
      for (const payload of [{ displayName: 'Search Sales EMEA' }, { displayName: 'search_sales_ops' }, { displayName: 'Search 100% Club' }, { displayName: 'Search Finance', externalId: 'FIN-SALES-7' }]) {
        expectOk(await t.app.inject({ method: 'POST', url: '/api/v1/groups', headers, payload }))
      }
      const search = async (text: string) =>
        (await t.app.inject({ method: 'GET', url: `/api/v1/groups?search=${encodeURIComponent(text)}&limit=50`, headers: t.auth('security_reader') })).json<{ data: Array<{ displayName: string }>; total: number }>()
      const names = async (text: string) => (await search(text)).data.map((g) => g.displayName).filter((n) => n.startsWith('Search') || n.startsWith('search'))
      expect(await names('SALES')).toEqual(['Search Finance', 'Search Sales EMEA', 'search_sales_ops'])
      expect(await names('%')).toEqual(['Search 100% Club'])
      expect(await names('_sales')).toEqual(['search_sales_ops'])
      expect((await search('external')).data.map((g) => g.displayName)).toEqual(['External users'])
      expect((await search('no such group at all')).total).toBe(0)
    })

    maybe('should answer "which groups was U in at T" at the boundaries of a membership, in ms and ISO', async () => {
      now = T0
      expectOk(await t.app.inject({ method: 'POST', url: '/api/v1/directory/import', headers: { ...t.auth('global_admin'), 'content-type': 'text/csv' }, payload: 'group,upn\nPayroll,pia@contoso.com\nPayroll,pete@contoso.com\n' }))
      now = T0 + 2 * HOUR
      expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/groups/payroll/members/PIA@contoso.com', headers: t.auth('security_admin') })).statusCode).toBe(204)
      const member = async (at: string) => (await t.app.inject({ method: 'GET', url: `/api/v1/users/pia@contoso.com/groups?group=payroll&at=${encodeURIComponent(at)}`, headers: t.auth('security_reader') })).json<{ member: boolean }>().member
      expect(await member(String(T0 - 1))).toBe(false)
      expect(await member(String(T0))).toBe(true)
      expect(await member(new Date(T0 + HOUR).toISOString())).toBe(true)
      expect(await member(String(T0 + 2 * HOUR - 1))).toBe(true)
      expect(await member(String(T0 + 2 * HOUR))).toBe(false)
      expect(await member(new Date(T0 + 3 * HOUR).toISOString())).toBe(false)
      const groups = await t.app.inject({ method: 'GET', url: `/api/v1/users/pia@contoso.com/groups?at=${T0}`, headers: t.auth('security_reader') })
      expect(groups.json()).toMatchObject({ at: T0, groups: [{ id: 'payroll', displayName: 'Payroll' }] })
      const bad = await t.app.inject({ method: 'GET', url: '/api/v1/users/pia@contoso.com/groups?at=yesterday', headers: t.auth('security_reader') })
      expect(bad.statusCode).toBe(400)
      expect(bad.json().details).toEqual([expect.objectContaining({ field: 'at' })])

      const history = await t.app.inject({ method: 'GET', url: '/api/v1/groups/payroll/history', headers: t.auth('security_reader') })
      const spans = history.json<{ data: Array<{ upn: string }> }>().data
      expect(spans).toHaveLength(2)
      expect(spans).toEqual(
        expect.arrayContaining([
          { groupId: 'payroll', userId: expect.any(String), upn: 'pete@contoso.com', from: T0, to: null },
          { groupId: 'payroll', userId: expect.any(String), upn: 'pia@contoso.com', from: T0, to: T0 + 2 * HOUR },
        ]),
      )
      const past = await t.app.inject({ method: 'GET', url: `/api/v1/groups/payroll/members?at=${T0 + HOUR}`, headers: t.auth('security_reader') })
      expect(past.json()).toMatchObject({ total: 2, at: T0 + HOUR })
      const current = await t.app.inject({ method: 'GET', url: '/api/v1/groups/payroll/members', headers: t.auth('security_reader') })
      expect(current.json().data.map((u: { upn: string }) => u.upn)).toEqual(['pete@contoso.com'])
      const user = await t.app.inject({ method: 'GET', url: '/api/v1/users/PETE@contoso.com', headers: t.auth('security_reader') })
      expect(user.json()).toMatchObject({ upn: 'pete@contoso.com', groups: [{ id: 'payroll', displayName: 'Payroll' }] })
    })

    maybe('should answer 400 with the report and each rejected row, and apply nothing when atomic', async () => {
      now = T0
      const headers = { ...t.auth('global_admin'), 'content-type': 'text/csv' }
      const rejected = await t.app.inject({ method: 'POST', url: '/api/v1/directory/import', headers, payload: 'group,upn\nAuditors,amy@contoso.com\nAuditors,not-a-upn\n,x@contoso.com\nAuditors,amy@contoso.com\n' })
      expect(rejected.statusCode).toBe(400)
      expect(rejected.json()).toMatchObject({
        error: 'validation_failed',
        applied: true,
        membershipsAdded: 1,
        rejected: [
          { row: 2, field: 'upn' },
          { row: 3, field: 'group', reason: 'must not be empty' },
          { row: 4, field: 'row', reason: expect.stringMatching(/^duplicate row/) },
        ],
        details: [expect.objectContaining({ index: 2, field: 'upn' }), expect.anything(), expect.anything()],
      })
      const atomic = await t.app.inject({ method: 'POST', url: '/api/v1/directory/import?atomic=true', headers, payload: 'group,upn\nAtomic auditors,zed@contoso.com\nAtomic auditors,bad\n' })
      expect(atomic.statusCode).toBe(400)
      expect(atomic.json()).toMatchObject({ applied: false, membershipsAdded: 0, rejected: [{ row: 2, field: 'upn' }] })
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/zed@contoso.com', headers: t.auth('security_reader') })).statusCode).toBe(404)
      const columns = await t.app.inject({ method: 'POST', url: '/api/v1/directory/import', headers, payload: 'team,mail\nA,a@contoso.com\n' })
      expect(columns.statusCode).toBe(400)
      expect(columns.json().message).toMatch(/group,upn\[,displayName\]\[,externalId\]\[,action\]; found team,mail/)
      const records = (await t.app.inject({ method: 'GET', url: '/api/v1/governance?action=directory.import', headers: t.auth('global_admin') })).json().data
      expect(records[0]).toMatchObject({ initiator: 'global@contoso.com', status: 'failed', details: { atomic: true, applied: false, source: { name: 'request', format: 'csv' } } })
    })

    maybe('should manage groups and users over REST, with conflicts as 409 and unknown members as 400', async () => {
      const headers = t.auth('global_admin')
      const created = await t.app.inject({ method: 'POST', url: '/api/v1/groups', headers, payload: { displayName: 'Executives', id: 'execs' } })
      expect(created.statusCode).toBe(201)
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/groups', headers, payload: { displayName: 'EXECUTIVES' } })).statusCode).toBe(409)
      const unknown = await t.app.inject({ method: 'POST', url: '/api/v1/groups/execs/members', headers, payload: { upns: ['ghost@contoso.com'] } })
      expect(unknown.statusCode).toBe(400)
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/users', headers, payload: { upn: 'eve@contoso.com', emails: ['e.v@contoso.com'] } })).statusCode).toBe(201)
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/users', headers, payload: { upn: 'E.V@contoso.com' } })).statusCode).toBe(409)
      const added = await t.app.inject({ method: 'POST', url: '/api/v1/groups/execs/members', headers, payload: { upns: ['e.v@contoso.com'] } })
      expect(added.json()).toMatchObject({ memberCount: 1 })
      expect((await t.app.inject({ method: 'PATCH', url: '/api/v1/groups/execs', headers, payload: { displayName: 'Board' } })).json()).toMatchObject({ displayName: 'Board', memberCount: 1 })
      expect((await t.app.inject({ method: 'PATCH', url: '/api/v1/users/eve@contoso.com', headers, payload: { active: false } })).json()).toMatchObject({ active: false })
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/eve@contoso.com', headers })).json()).toMatchObject({ groups: [{ id: 'execs', displayName: 'Board' }] })
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/users?email=E.V@contoso.com', headers })).json()).toMatchObject({ total: 1 })
      expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/users/eve@contoso.com', headers })).statusCode).toBe(204)
      expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/groups/execs', headers })).statusCode).toBe(204)
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/groups/execs', headers })).statusCode).toBe(404)
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/groups/execs/history', headers })).json().data).toHaveLength(1)
      const openapi = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, unknown> }>()
      expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/v1/groups', '/api/v1/groups/{id}/members', '/api/v1/directory/import', '/api/v1/users/{id}/groups']))
    })
  })
}

function expectOk(res: { statusCode: number; body: string }): void {
  expect(res.statusCode, res.body).toBeLessThan(300)
}
