import { describe, expect, it } from 'vitest'

import { ACTOR_TYPES } from '../core/activity/activity.js'
import { ValidationError } from '../core/errors.js'
import { createRandom, demoGroupsCsv, generateDemoData, type DemoData } from './demo-data.js'

const NOW = Date.UTC(2025, 5, 18, 14, 30, 0)
const DAY = 86_400_000

/** Whether an address is in 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 or 2001:db8::/32. */
function isDocumentationIp(ip: string): boolean {
  const v4 = /^(192\.0\.2|198\.51\.100|203\.0\.113)\.(\d{1,3})$/.exec(ip)
  if (v4 !== null) {
    return Number(v4[2]) <= 255
  }
  return /^2001:db8:[0-9a-f:]*$/i.test(ip)
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i)
    if (quoted) {
      if (c === '"' && text.charAt(i + 1) === '"') {
        field += '"'
        i++
      } else if (c === '"') {
        quoted = false
      } else {
        field += c
      }
    } else if (c === '"') {
      quoted = true
    } else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\r' && text.charAt(i + 1) === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i++
    } else {
      field += c
    }
  }
  return rows
}

describe('generateDemoData', () => {
  const data: DemoData = generateDemoData({ seed: 42, now: NOW })

  it('should be deterministic for a seed', () => {
    const again = generateDemoData({ seed: 42, now: NOW })
    expect(JSON.stringify(again)).toBe(JSON.stringify(data))
    const other = generateDemoData({ seed: 43, now: NOW })
    expect(JSON.stringify(other.activities)).not.toBe(JSON.stringify(data.activities))
  })

  it('should produce counts in range', () => {
    expect(data.organization).toEqual({ name: 'Contoso', managedDomains: ['contoso.com'] })
    expect(data.users.length).toBeGreaterThanOrEqual(45)
    expect(data.users.length).toBeLessThanOrEqual(60)
    expect(data.applications.length).toBeGreaterThanOrEqual(3)
    expect(data.applications.length).toBeLessThanOrEqual(5)
    expect(data.externalUsers.length).toBeGreaterThanOrEqual(4)
    expect(data.externalUsers.length).toBeLessThanOrEqual(6)
    expect(data.activities).toHaveLength(4000)
    expect(data.groups.map((g) => g.id)).toEqual(['hr', 'legal', 'executives', 'finance', 'engineering', 'sales', 'it-security', 'works-council', 'all-staff'])
    expect(generateDemoData({ seed: 1, now: NOW, activityCount: 250, days: 7 }).activities).toHaveLength(250)
    expect(generateDemoData({ seed: 1, now: NOW, activityCount: 10 }).activities).toHaveLength(10)
    expect(generateDemoData({ seed: 1, now: NOW, activityCount: 0 }).activities).toHaveLength(0)
  })

  it('should keep every time within the window and never in the future', () => {
    for (const days of [30, 7, 1]) {
      const { activities } = generateDemoData({ seed: 7, now: NOW, days, activityCount: 1500 })
      for (const activity of activities) {
        const time = Date.parse(activity.time)
        expect(new Date(time).toISOString()).toBe(activity.time)
        expect(time).toBeGreaterThanOrEqual(NOW - days * DAY)
        expect(time).toBeLessThanOrEqual(NOW)
      }
      const times = activities.map((a) => a.time)
      expect([...times].sort()).toEqual(times)
    }
  })

  it('should only have actors that are users, service principals, the system or external users of the data', () => {
    const people = new Set([...data.users, ...data.externalUsers].map((u) => u.upn))
    const apps = new Set(data.applications.map((a) => `${a.sourceId}|${a.displayName}`))
    for (const { actor } of data.activities) {
      expect(ACTOR_TYPES).toContain(actor.type)
      if (actor.type === 'user') {
        expect(people.has(actor.upn ?? '')).toBe(true)
      } else if (actor.type === 'application') {
        expect(apps.has(`${actor.sourceId ?? ''}|${actor.displayName ?? ''}`)).toBe(true)
      } else {
        expect(actor).toEqual({ upn: null, displayName: data.system.displayName, sourceId: data.system.sourceId, type: 'system' })
      }
    }
    const actorKinds = new Set(data.activities.map((a) => (a.actor.upn?.endsWith('@contoso.com') === true ? 'member' : a.actor.upn === null ? a.actor.type : 'external')))
    expect([...actorKinds].sort()).toEqual(['application', 'external', 'member', 'system'])
  })

  it('should put at least one member in each of HR, Legal and Executives', () => {
    const upns = new Set(data.users.map((u) => u.upn))
    for (const id of ['hr', 'legal', 'executives', 'works-council']) {
      const group = data.groups.find((g) => g.id === id)
      expect(group?.members.length ?? 0).toBeGreaterThan(0)
      for (const member of group?.members ?? []) {
        expect(upns.has(member)).toBe(true)
      }
    }
  })

  it('should keep membership history with joins and leaves in the period', () => {
    const start = NOW - 30 * DAY
    const all = data.groups.flatMap((g) => g.memberships)
    const ended = all.filter((m) => m.to !== null)
    expect(ended.length).toBeGreaterThanOrEqual(1)
    for (const m of ended) {
      expect(Date.parse(m.to ?? '')).toBeGreaterThan(Date.parse(m.from))
      expect(Date.parse(m.to ?? '')).toBeLessThanOrEqual(NOW)
    }
    expect(all.some((m) => Date.parse(m.from) > start && Date.parse(m.from) <= NOW)).toBe(true)
    for (const group of data.groups) {
      expect(group.members).toEqual(group.memberships.filter((m) => m.to === null).map((m) => m.upn))
    }
  })

  it('should only use documentation IP ranges', () => {
    for (const { ip } of data.activities) {
      if (ip !== null) {
        expect(isDocumentationIp(ip), ip).toBe(true)
      }
    }
  })

  it('should give every activity a unique stable id', () => {
    const ids = data.activities.map((a) => a.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids[0]).toBe('demo-000001')
    for (const id of ids) {
      expect(id).toMatch(/^demo-\d{6}$/)
    }
  })

  it('should use exactly the generic ingest field names', () => {
    for (const activity of data.activities.slice(0, 200)) {
      expect(Object.keys(activity).sort()).toEqual(['action', 'actor', 'app', 'description', 'device', 'id', 'ip', 'location', 'result', 'target', 'time'])
      expect(Object.keys(activity.actor).sort()).toEqual(['displayName', 'sourceId', 'type', 'upn'])
    }
  })

  it('should have about 3% failures and mostly weekday activity', () => {
    const failures = data.activities.filter((a) => a.result === 'failure').length / data.activities.length
    expect(failures).toBeGreaterThan(0.01)
    expect(failures).toBeLessThan(0.06)
    const weekend = data.activities.filter((a) => [0, 6].includes(new Date(a.time).getUTCDay())).length / data.activities.length
    expect(weekend).toBeLessThan(0.2)
  })

  it('should tell the demo stories', () => {
    const acts = data.activities
    const ceo = acts.filter((a) => a.actor.upn === 'megan.bowen@contoso.com' && a.location.country === 'BR')
    expect(ceo.some((a) => a.action.type === 'login' && a.result === 'success')).toBe(true)
    const bulk = acts.filter((a) => a.actor.upn === 'klaus.becker@contoso.com' && a.target.name?.startsWith('Personnel file') === true)
    expect(bulk.length).toBeGreaterThanOrEqual(40)
    expect(acts.some((a) => a.actor.upn?.endsWith('@partner.example') === true && a.action.type === 'file.download' && a.target.name === 'NDA - Fabrikam.docx')).toBe(true)
    const roleAssignments = acts.filter((a) => a.actor.type === 'application' && a.action.type === 'role.assign')
    expect(roleAssignments.length).toBeGreaterThanOrEqual(3)
    expect(acts.some((a) => a.action.name === 'New-InboxRule' && a.description?.includes('gmail.com') === true)).toBe(true)
  })

  it('should reject invalid options', () => {
    expect(() => generateDemoData({ seed: 1, now: NOW, days: 0 })).toThrow(ValidationError)
    expect(() => generateDemoData({ seed: 1, now: NOW, activityCount: -1 })).toThrow(ValidationError)
    expect(() => generateDemoData({ seed: 1, now: NOW, domain: 'not a domain' })).toThrow(ValidationError)
  })

  it('should use the given domain', () => {
    const fabrikam = generateDemoData({ seed: 5, now: NOW, domain: 'fabrikam.example', activityCount: 300 })
    expect(fabrikam.organization.managedDomains).toEqual(['fabrikam.example'])
    expect(fabrikam.users.every((u) => u.upn.endsWith('@fabrikam.example'))).toBe(true)
    expect(fabrikam.admins.map((a) => a.upn)).toContain('admin@fabrikam.example')
  })

  it('should list the demo admins with their roles', () => {
    expect(data.admins.map((a) => [a.upn, a.roles])).toEqual([
      ['admin@contoso.com', ['global_admin']],
      ['secops@contoso.com', ['security_admin']],
      ['compliance@contoso.com', ['compliance_admin']],
      ['reader@contoso.com', ['security_reader']],
      ['analyst@contoso.com', []],
    ])
    expect(JSON.stringify(data.admins)).not.toMatch(/password/i)
  })
})

describe('demoGroupsCsv', () => {
  const data = generateDemoData({ seed: 42, now: NOW, activityCount: 0 })

  it('should have one row per current membership, quoted per RFC 4180', () => {
    const csv = demoGroupsCsv(data)
    expect(csv.endsWith('\r\n')).toBe(true)
    const rows = parseCsv(csv)
    expect(rows[0]).toEqual(['group', 'upn', 'displayName'])
    const current = data.groups.reduce((n, g) => n + g.members.length, 0)
    expect(rows).toHaveLength(current + 1)
    for (const row of rows) {
      expect(row).toHaveLength(3)
    }
    expect(csv).toContain('sales,marcus.johnson@contoso.com,"Marcus Johnson, Jr."\r\n')
    expect(rows.some(([group, upn]) => group === 'sales' && upn === 'sean.obrien@contoso.com')).toBe(false)
  })
})

describe('createRandom', () => {
  it('should repeat its sequence for a seed and stay in [0, 1)', () => {
    const a = createRandom(123)
    const b = createRandom(123)
    for (let i = 0; i < 1000; i++) {
      const x = a.next()
      expect(x).toBe(b.next())
      expect(x).toBeGreaterThanOrEqual(0)
      expect(x).toBeLessThan(1)
    }
  })
})
