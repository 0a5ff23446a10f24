import { describe, expect, it } from 'vitest'
import type { Activity, Actor } from '../core/activity/activity.js'
import { APPLICATION_GROUP_ID, EXTERNAL_USERS_GROUP_ID } from '../core/directory/builtin-groups.js'
import type { Scope } from '../core/directory/scope.js'
import { buildActivity } from '../../test/helpers/factories.js'
import { createClassifier, type MembershipSource } from './classifier.js'

const T0 = Date.parse('2026-10-01T00:00:00Z')
const HOUR = 3_600_000

/** A directory where hr@contoso.com joined HR at T0 and left at T0 + 10h. */
const directory: MembershipSource = {
  matchUser: (actor: Actor) => (actor.upn === 'hr@contoso.com' ? 'user-1' : null),
  groupsOf: (actor: Actor, time: number) => (actor.upn === 'hr@contoso.com' && time >= T0 && time < T0 + 10 * HOUR ? ['hr'] : []),
  refresh: async () => undefined,
}
const settings = (scope: Scope = { rules: [] }) => ({ current: async () => ({ managedDomains: new Set(['contoso.com']), scope }) })
const privacy = (groups: string[]) => ({ privacyGroups: async () => new Set(groups) })
const at = (upn: string | null, time: number, type: Activity['actor']['type'] = 'user'): Activity => buildActivity({ time, actor: { upn, displayName: null, sourceId: null, type } })

describe('createClassifier', () => {
  it('should record groups at the activity time, built-in groups and the matched user', async () => {
    const [hr, guest, app] = await createClassifier(directory, settings(), privacy([])).classify([at('hr@contoso.com', T0 + HOUR), at('g@partner.example', T0), at(null, T0, 'application')], T0 + 20 * HOUR)
    expect(hr?.activity.actorGroups).toEqual(['hr'])
    expect(hr?.activity.directoryUserId).toBe('user-1')
    expect(guest?.activity.actorGroups).toEqual([EXTERNAL_USERS_GROUP_ID])
    expect(guest?.activity.directoryUserId).toBeNull()
    expect(app?.activity.actorGroups).toEqual([APPLICATION_GROUP_ID])
  })

  it('should make an activity private by membership at its time or at recording (late events err towards privacy)', async () => {
    const classifier = createClassifier(directory, settings(), privacy(['hr']))
    const [during, before] = await classifier.classify([at('hr@contoso.com', T0 + HOUR), at('hr@contoso.com', T0 - HOUR)], T0 + 2 * HOUR)
    expect(during).toMatchObject({ isPrivate: true, privateBecause: 'hr' })
    expect(before).toMatchObject({ isPrivate: true, privateBecause: 'hr' }) // not a member then, but at recording
    const [late, afterLeaving] = await classifier.classify([at('hr@contoso.com', T0 + HOUR), at('hr@contoso.com', T0 + 11 * HOUR)], T0 + 12 * HOUR)
    expect(late).toMatchObject({ isPrivate: true }) // a member at its time, recorded after leaving
    expect(afterLeaving).toMatchObject({ isPrivate: false })
  })

  it('should drop activities of actors out of scope', async () => {
    const scope: Scope = { rules: [{ name: 'no apps', kind: 'exclude', groups: [APPLICATION_GROUP_ID], apps: 'all' }] }
    const [user, app] = await createClassifier(directory, settings(scope), privacy([])).classify([at('a@contoso.com', T0), at(null, T0, 'application')], T0)
    expect(user).not.toBeNull()
    expect(app).toBeNull()
  })
})
