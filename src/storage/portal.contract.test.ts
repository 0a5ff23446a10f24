/**
 * The repositories the portal's API adds (`0008-portal`), on both engines: the overview's aggregates
 * (public activities only), saved queries per owner, and the SCIM status slots.
 */
import { expect, it } from 'vitest'
import { ConflictError } from '../core/errors.js'
import { buildPublic } from '../../test/helpers/factories.js'
import { describeStores } from '../../test/helpers/test-store.js'
import type { NewSealedActivity, ScimCall } from './store.js'

const DAY = 86_400_000
const T = Date.UTC(2026, 10, 20, 12)

/** A private row as the ingest path writes it; its contents do not matter to counts. */
function sealed(id: string, time: number): NewSealedActivity {
  return { isPrivate: true, id, time, sealed: Buffer.from('not really sealed'), blindIndexes: { actorUpn: null, ip: null, app: null, actionType: null } }
}

describeStores('overview, saved queries and SCIM status', (s) => {
  it('should count public activities per UTC day and per app, never a private one', async () => {
    await s.store().activities.insert([
      buildPublic({ id: 'ov-1', time: T - DAY, app: 'Okta' }),
      buildPublic({ id: 'ov-2', time: T, app: 'Okta' }),
      buildPublic({ id: 'ov-3', time: T, app: 'Slack' }),
      buildPublic({ id: 'ov-4', time: T + DAY, app: 'Okta' }),
      sealed('ov-private-1', T),
      sealed('ov-private-2', T - DAY),
    ])
    const day = Math.floor(T / DAY) * DAY
    const range = { from: T - DAY, to: T + 1000 }
    expect(await s.store().overview.activitiesPerDay(range)).toEqual([
      { key: day - DAY, count: 1 },
      { key: day, count: 2 },
    ])
    // The window's ends are inclusive and cut the first and last day.
    expect(await s.store().overview.activitiesPerDay({ from: T + 1, to: T + DAY })).toEqual([
      { key: day, count: 0 },
      { key: day + DAY, count: 1 },
    ])
    const apps = await s.store().overview.activitiesPerApp(range, 10)
    expect(apps.map((a) => a.count)).toEqual([2, 1])
    expect(apps.map((a) => a.key?.toLowerCase())).toEqual(['okta', 'slack'])
    expect(await s.store().overview.activitiesPerApp(range, 1)).toHaveLength(1)
  })

  it('should count governance records of one action per initiator and status', async () => {
    const draft = (initiator: string, status: 'succeeded' | 'failed') => ({ action: 'activities.reveal' as const, target: 'activities', initiator, app: 'Veil', ip: null, status, justification: 'contract test justification', details: {} })
    await s.store().governance.append(draft('a@contoso.com', 'succeeded'), T)
    await s.store().governance.append(draft('a@contoso.com', 'succeeded'), T + 5)
    await s.store().governance.append(draft('b@contoso.com', 'failed'), T + 1)
    await s.store().governance.append({ ...draft('c@contoso.com', 'succeeded'), action: 'governance.read' }, T)
    expect(await s.store().overview.governancePerInitiator('activities.reveal', { from: T, to: T + 10 })).toEqual([
      { initiator: 'a@contoso.com', status: 'succeeded', count: 2, lastAt: T + 5 },
      { initiator: 'b@contoso.com', status: 'failed', count: 1, lastAt: T + 1 },
    ])
    expect(await s.store().overview.governancePerInitiator('activities.reveal', { from: T + 2, to: T + 4 })).toEqual([])
  })

  it('should keep saved queries per owner, refuse a repeated name, delete only the owner\'s', async () => {
    const repo = s.store().savedQueries
    const q = (id: string, ownerUpn: string, name: string) => ({ id, ownerUpn, name, query: { filters: { app: { eq: ['Okta'] } } }, createdAt: T, updatedAt: T })
    await repo.create(q('sq-1', 'a@contoso.com', 'Okta'))
    await repo.create(q('sq-2', 'a@contoso.com', 'All'))
    await repo.create(q('sq-3', 'b@contoso.com', 'Okta'))
    await expect(repo.create(q('sq-4', 'a@contoso.com', 'Okta'))).rejects.toBeInstanceOf(ConflictError)
    expect((await repo.list('a@contoso.com')).map((x) => x.name)).toEqual(['All', 'Okta'])
    expect(await repo.count('a@contoso.com')).toBe(2)
    expect(await repo.delete('b@contoso.com', 'sq-1')).toBeNull()
    expect(await repo.delete('a@contoso.com', 'sq-1')).toEqual(q('sq-1', 'a@contoso.com', 'Okta'))
    expect((await repo.list('a@contoso.com')).map((x) => x.id)).toEqual(['sq-2'])
  })

  it('should keep the newest SCIM call per slot, whichever node writes last', async () => {
    const call = (at: number, operation: string): ScimCall => ({ at, method: 'POST', route: '/scim/v2/Users', operation, resourceId: null, status: 201, outcome: 'succeeded', initiator: 'idp@contoso.com', tokenId: 't1' })
    expect(await s.store().scimStatus.read()).toEqual({})
    await s.store().scimStatus.record(call(T + 10, 'create_user'), ['last_call', 'last_change'])
    // An older call finishing late leaves the slots alone.
    await s.store().scimStatus.record(call(T, 'create_group'), ['last_call', 'last_change'])
    await s.store().scimStatus.record({ ...call(T + 20, 'list_users'), method: 'GET', status: 200 }, ['last_call'])
    expect(await s.store().scimStatus.read()).toEqual({ last_call: { ...call(T + 20, 'list_users'), method: 'GET', status: 200 }, last_change: call(T + 10, 'create_user') })
  })
})
