/**
 * Loads generated demo data into a running Veil through the same services a real installation uses:
 * managed domains, the directory (with membership history at its real times), demo accounts and a
 * token, then the activities through the ingest pipeline.
 *
 * @module
 */

import type { Runtime } from '../runtime.js'
import { accountCreator, tokenCreator } from '../services/accounts/accounts.js'
import { generatePassword } from '../services/auth/password.js'
import { KyselyDirectoryService } from '../services/directory/directory-service-impl.js'
import { CLI_INITIATOR } from '../services/service-context.js'
import { privacyGroupsAdder } from '../services/privacy/privacy-groups.js'
import { privacyPermissionGranter } from '../services/privacy/privacy-permissions.js'
import { managedDomainsSetter } from '../services/settings/organization-settings.js'
import type { DemoData } from './demo-data.js'

export interface LoadedDemo {
  readonly credentials: ReadonlyArray<{ readonly upn: string; readonly roles: readonly string[]; readonly password: string }>
  readonly token: string
  readonly activities: number
  /** Privacy groups set before the activities were recorded, so their members' activities are private. */
  readonly privacyGroups: readonly string[]
  /** Admins holding the activity privacy permission. */
  readonly revealers: readonly string[]
}

/** The demo's privacy groups (HR, Legal, Executives, Works Council) and who may reveal. */
const DEMO_PRIVACY_GROUPS = ['hr', 'legal', 'executives', 'works-council']
const DEMO_REVEALERS = ['compliance@contoso.com']

export async function loadDemoData(runtime: Runtime, data: DemoData, windowStart: number): Promise<LoadedDemo> {
  const { ctx } = runtime
  await managedDomainsSetter(ctx, CLI_INITIATOR, data.organization.managedDomains)
  runtime.ingestSettings.invalidate()

  // The directory as it stood over the demo period: a service whose clock is set to each change's time,
  // so "was U in G at T" answers as it would have then.
  let at = windowStart
  const directory = new KyselyDirectoryService({ ...ctx, clock: () => at }, { cache: runtime.directoryCache })
  const userIds = new Map<string, string>()
  for (const person of [...data.users, ...data.externalUsers]) {
    const user = await directory.createUser(CLI_INITIATOR, { upn: person.upn, displayName: person.displayName, externalId: person.sourceId })
    userIds.set(person.upn, user.id)
  }
  const events: Array<{ time: number; groupId: string; userId: string; add: boolean }> = []
  for (const group of data.groups) {
    await directory.createGroup(CLI_INITIATOR, { id: group.id, displayName: group.name })
    for (const m of group.memberships) {
      const userId = userIds.get(m.upn)
      if (userId) {
        events.push({ time: Math.max(windowStart, Date.parse(m.from)), groupId: group.id, userId, add: true })
        if (m.to) {
          events.push({ time: Date.parse(m.to), groupId: group.id, userId, add: false })
        }
      }
    }
  }
  events.sort((a, b) => a.time - b.time)
  for (const e of events) {
    at = e.time
    await (e.add ? directory.addMembers(CLI_INITIATOR, e.groupId, [e.userId]) : directory.removeMembers(CLI_INITIATOR, e.groupId, [e.userId]))
  }

  const credentials = []
  for (const admin of data.admins) {
    const password = generatePassword()
    await accountCreator(ctx, CLI_INITIATOR, { upn: admin.upn, displayName: admin.displayName, roles: admin.roles, password })
    credentials.push({ upn: admin.upn, roles: admin.roles, password })
  }
  // Privacy groups are set before the activities are recorded: privacy is decided once, at recording.
  const existing = new Set(data.groups.map((g) => g.id))
  const privacyGroups = DEMO_PRIVACY_GROUPS.filter((g) => existing.has(g))
  await privacyGroupsAdder(ctx, CLI_INITIATOR, privacyGroups, async (id) => existing.has(id))
  runtime.ingestSettings.invalidate()
  const revealers = DEMO_REVEALERS.filter((upn) => data.admins.some((a) => a.upn === upn))
  for (const upn of revealers) {
    await privacyPermissionGranter(ctx, CLI_INITIATOR, { upn, expiresAt: null })
  }
  const token = (await tokenCreator(ctx, CLI_INITIATOR, { upn: data.admins[0]?.upn ?? 'admin@contoso.com', name: 'demo', expiresAt: null })).secret
  const report = await runtime.pipeline.ingest({ records: data.activities.map((value, index) => ({ index, value })), errors: [] }, { format: 'veil' })
  return { credentials, token, activities: report.accepted, privacyGroups, revealers }
}
