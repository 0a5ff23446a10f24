/**
 * Demo data for `veil demo`: a fictional organization (Contoso) with people, groups whose membership
 * changes during the period, admin accounts, and a month of activities across Microsoft 365, Entra ID,
 * Okta, Google Workspace, GitHub and AWS in Veil's generic JSON ingest format.
 *
 * Pure and deterministic: the same options give byte-identical data (a seeded PRNG, no `Math.random`,
 * no clock — `now` is passed in, no I/O). Addresses come only from the documentation ranges
 * (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), so the data never points at a real host.
 *
 * Besides background noise shaped by working hours and weekdays, the data tells a few stories a demo
 * can show: an executive signing in from a country they never work from, an HR user bulk-downloading
 * personnel files, external users opening a file shared with them, a service principal assigning
 * admin roles, a finance mailbox with a forwarding rule, a password spray, a leaver whose account keeps
 * being tried, a new hire, a move between departments and a works council election.
 *
 * @module
 */

import type { AdminRole } from '../core/access/roles.js'
import type { Activity, ActivityDevice, ActivityLocation, ActivityResult, ActivityTarget, ActorType } from '../core/activity/activity.js'
import { ValidationError } from '../core/errors.js'

// ---------------------------------------------------------------------------------------------------
// Public shapes
// ---------------------------------------------------------------------------------------------------

export interface DemoDataOptions {
  /** Seed of the PRNG; the same seed (and other options) gives the same data. Taken as a 32-bit integer. */
  readonly seed: number
  /** The end of the period, ms since the epoch (UTC). No activity is later than this. */
  readonly now: number
  /** Length of the period before `now`, in days. Default 30. */
  readonly days?: number
  /** How many activities to generate. Default 4000. */
  readonly activityCount?: number
  /** The organization's managed domain. Default `contoso.com`. */
  readonly domain?: string
}

/**
 * One activity in Veil's generic JSON ingest format: the fields of {@link Activity} with the same names,
 * `time` as an ISO string, and without what Veil adds itself (`receivedAt`, `source`, `actorGroups`, `raw`).
 */
export type DemoActivity = Omit<Activity, 'time' | 'receivedAt' | 'source' | 'actorGroups' | 'raw'> & { readonly time: string }

export interface DemoOrganization {
  readonly name: string
  readonly managedDomains: readonly string[]
}

/** A person of the organization, as a directory import would know them. */
export interface DemoUser {
  readonly upn: string
  readonly displayName: string
  /** The directory's object id (a GUID, as Entra ID has it); activities from Microsoft apps carry it. */
  readonly sourceId: string
  readonly type: 'user'
  readonly department: string
  readonly jobTitle: string
  /** ISO 3166-1 alpha-2. */
  readonly country: string
  readonly city: string
}

/** Someone outside the managed domains: a partner, a contractor, a consultant with a private address. */
export interface DemoExternalUser {
  readonly upn: string
  readonly displayName: string
  readonly sourceId: string
  readonly type: 'user'
  readonly company: string
  readonly country: string
  readonly city: string
}

/** A service principal / application that acts on its own (Veil's built-in *Application* group). */
export interface DemoApplication {
  readonly displayName: string
  readonly sourceId: string
  readonly type: 'application'
  readonly description: string
}

/** The platform acting by itself (retention, mailbox maintenance). */
export interface DemoSystemActor {
  readonly displayName: string
  readonly sourceId: string
  readonly type: 'system'
}

/** One period of membership; `to` is null while it lasts. Times are ISO strings. */
export interface DemoMembership {
  readonly upn: string
  readonly from: string
  readonly to: string | null
}

export interface DemoGroup {
  readonly id: string
  readonly name: string
  /** UPNs of the current members (memberships with no `to`), in directory order. */
  readonly members: readonly string[]
  /** Every membership with its history, including those that ended during the period. */
  readonly memberships: readonly DemoMembership[]
}

/** A demo admin account of Veil itself. Passwords are not here: the CLI generates them. */
export interface DemoAdmin {
  readonly upn: string
  readonly displayName: string
  readonly roles: readonly AdminRole[]
}

export interface DemoData {
  readonly organization: DemoOrganization
  /** People of the organization (managed domain). */
  readonly users: readonly DemoUser[]
  /** People outside the managed domains who appear in activities. */
  readonly externalUsers: readonly DemoExternalUser[]
  /** Service principals and applications (actor type `application`). */
  readonly applications: readonly DemoApplication[]
  /** The `system` actor. */
  readonly system: DemoSystemActor
  readonly groups: readonly DemoGroup[]
  readonly admins: readonly DemoAdmin[]
  /** Oldest first; ids `demo-000001`, ... follow that order. */
  readonly activities: readonly DemoActivity[]
}

// ---------------------------------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------------------------------

/** A small deterministic PRNG (mulberry32) with the helpers the generator needs. */
export interface Random {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [min, max]. */
  int(min: number, max: number): number
  chance(probability: number): boolean
  pick<T>(items: readonly T[]): T
  weighted<T>(items: readonly Weighted<T>[]): T
  token(length: number, alphabet?: string): string
  guid(): string
}

export interface Weighted<T> {
  readonly value: T
  readonly weight: number
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const HEX = '0123456789abcdef'

/**
 * mulberry32: a 32-bit state, good enough statistics for demo data, and the same sequence on every
 * platform (only 32-bit integer arithmetic).
 */
export function createRandom(seed: number): Random {
  let state = Math.trunc(seed) >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  const token = (length: number, alphabet = ALPHANUMERIC): string => {
    let out = ''
    for (let i = 0; i < length; i++) {
      out += alphabet.charAt(Math.floor(next() * alphabet.length))
    }
    return out
  }
  return {
    next,
    int,
    chance: (probability) => next() < probability,
    pick: (items) => itemAt(items, Math.floor(next() * items.length)),
    weighted: (items) => {
      const total = items.reduce((sum, item) => sum + item.weight, 0)
      let roll = next() * total
      for (const item of items) {
        roll -= item.weight
        if (roll < 0) {
          return item.value
        }
      }
      return itemAt(items, items.length - 1).value
    },
    token,
    guid: () => `${token(8, HEX)}-${token(4, HEX)}-4${token(3, HEX)}-${'89ab'.charAt(int(0, 3))}${token(3, HEX)}-${token(12, HEX)}`,
  }
}

function itemAt<T>(items: readonly T[], index: number): T {
  const item = items[index]
  if (item === undefined) {
    throw new Error(`demo data: no item at index ${index} of ${items.length}`)
  }
  return item
}

// ---------------------------------------------------------------------------------------------------
// Static data: places, people, apps, actions
// ---------------------------------------------------------------------------------------------------

const HOUR = 3_600_000
const DAY = 24 * HOUR
const MINUTE = 60_000

interface Place {
  readonly country: string
  readonly city: string
  /** Hours from UTC (standard time; daylight saving is irrelevant for demo data). */
  readonly utcOffset: number
}

const OFFICES = {
  seattle: { country: 'US', city: 'Seattle', utcOffset: -8 },
  newYork: { country: 'US', city: 'New York', utcOffset: -5 },
  london: { country: 'GB', city: 'London', utcOffset: 0 },
  munich: { country: 'DE', city: 'Munich', utcOffset: 1 },
  berlin: { country: 'DE', city: 'Berlin', utcOffset: 1 },
  paris: { country: 'FR', city: 'Paris', utcOffset: 1 },
  amsterdam: { country: 'NL', city: 'Amsterdam', utcOffset: 1 },
  bengaluru: { country: 'IN', city: 'Bengaluru', utcOffset: 5.5 },
  toronto: { country: 'CA', city: 'Toronto', utcOffset: -5 },
  madrid: { country: 'ES', city: 'Madrid', utcOffset: 1 },
  warsaw: { country: 'PL', city: 'Warsaw', utcOffset: 1 },
} as const satisfies Record<string, Place>
type OfficeKey = keyof typeof OFFICES
const OFFICE_KEYS = Object.keys(OFFICES) as OfficeKey[]

const GROUPS = [
  { id: 'hr', name: 'HR' },
  { id: 'legal', name: 'Legal' },
  { id: 'executives', name: 'Executives' },
  { id: 'finance', name: 'Finance' },
  { id: 'engineering', name: 'Engineering' },
  { id: 'sales', name: 'Sales' },
  { id: 'it-security', name: 'IT Security' },
  { id: 'works-council', name: 'Works Council' },
  { id: 'all-staff', name: 'All Staff' },
] as const
type GroupId = (typeof GROUPS)[number]['id']

const DEPARTMENT_GROUP: Readonly<Record<string, GroupId | undefined>> = {
  HR: 'hr',
  Legal: 'legal',
  Executive: 'executives',
  Finance: 'finance',
  Engineering: 'engineering',
  Sales: 'sales',
  'IT Security': 'it-security',
  'Works Council': 'works-council',
}

interface PersonSpec {
  readonly first: string
  readonly last: string
  /** When the display name is not simply `first last`. */
  readonly displayName?: string
  readonly department: string
  readonly jobTitle: string
  readonly office: OfficeKey
  /** Groups besides the department's and All Staff. */
  readonly alsoIn?: readonly GroupId[]
  /** Drives activity volume; 1 is a typical office worker. */
  readonly activity?: number
}

/** The people of the organization. Some are referred to by the stories below (by UPN local part). */
const PEOPLE: readonly PersonSpec[] = [
  { first: 'Megan', last: 'Bowen', department: 'Executive', jobTitle: 'Chief Executive Officer', office: 'seattle', activity: 0.8 },
  { first: 'Nestor', last: 'Wilke', department: 'Executive', jobTitle: 'Chief Financial Officer', office: 'newYork', alsoIn: ['finance'], activity: 0.8 },
  { first: 'Johanna', last: 'Lorenz', department: 'Executive', jobTitle: 'Chief Technology Officer', office: 'munich', alsoIn: ['engineering'], activity: 0.9 },
  { first: 'Patti', last: 'Fernandez', department: 'Executive', jobTitle: 'Chief People Officer', office: 'london', alsoIn: ['hr'], activity: 0.8 },
  { first: 'Raymond', last: 'Okafor', department: 'Executive', jobTitle: 'General Counsel', office: 'newYork', alsoIn: ['legal'], activity: 0.8 },
  { first: 'Lidia', last: 'Holloway', department: 'HR', jobTitle: 'HR Director', office: 'seattle' },
  { first: 'Aiko', last: 'Tanaka', department: 'HR', jobTitle: 'HR Business Partner', office: 'seattle' },
  { first: 'Sophie', last: 'Laurent', department: 'HR', jobTitle: 'HR Generalist', office: 'paris' },
  { first: 'Thandiwe', last: 'Nkosi', department: 'HR', jobTitle: 'Payroll Specialist', office: 'london' },
  { first: 'Klaus', last: 'Becker', department: 'HR', jobTitle: 'HR Business Partner', office: 'munich' },
  { first: 'Priya', last: 'Raman', department: 'HR', jobTitle: 'Recruiter', office: 'bengaluru' },
  { first: 'Adele', last: 'Vance', department: 'Legal', jobTitle: 'Senior Counsel', office: 'newYork' },
  { first: 'Henrietta', last: 'Mueller', department: 'Legal', jobTitle: 'Legal Counsel', office: 'berlin' },
  { first: 'Gabriel', last: 'Costa', department: 'Legal', jobTitle: 'Paralegal', office: 'madrid' },
  { first: 'Oliver', last: 'Grant', department: 'Finance', jobTitle: 'Financial Analyst', office: 'london' },
  { first: 'Alex', last: 'Wilber', department: 'Finance', jobTitle: 'Financial Analyst', office: 'seattle' },
  { first: 'Diego', last: 'Siciliani', department: 'Finance', jobTitle: 'Controller', office: 'madrid' },
  { first: 'Emily', last: 'Braun', department: 'Finance', jobTitle: 'Accounts Payable Specialist', office: 'newYork' },
  { first: 'Wojciech', last: 'Nowak', department: 'Finance', jobTitle: 'Accountant', office: 'warsaw' },
  { first: 'Fatima', last: 'Al-Sayed', department: 'Finance', jobTitle: 'Treasury Analyst', office: 'london' },
  { first: 'Lee', last: 'Gu', department: 'Engineering', jobTitle: 'Staff Engineer', office: 'seattle', activity: 1.3 },
  { first: 'Isaiah', last: 'Langer', department: 'Engineering', jobTitle: 'Software Engineer', office: 'toronto', activity: 1.2 },
  { first: 'Grady', last: 'Archie', department: 'Engineering', jobTitle: 'DevOps Engineer', office: 'seattle', activity: 1.3 },
  { first: 'Mei', last: 'Chen', department: 'Engineering', jobTitle: 'Engineering Manager', office: 'toronto' },
  { first: 'Arjun', last: 'Mehta', department: 'Engineering', jobTitle: 'Software Engineer', office: 'bengaluru', activity: 1.2 },
  { first: 'Ananya', last: 'Iyer', department: 'Engineering', jobTitle: 'Data Engineer', office: 'bengaluru', activity: 1.2 },
  { first: 'Lukas', last: 'Schmidt', department: 'Engineering', jobTitle: 'Software Engineer', office: 'berlin', alsoIn: ['works-council'], activity: 1.1 },
  { first: 'Ingrid', last: 'Johansson', department: 'Engineering', jobTitle: 'Site Reliability Engineer', office: 'amsterdam', activity: 1.2 },
  { first: 'Tomás', last: 'Herrera', department: 'Engineering', jobTitle: 'Frontend Engineer', office: 'madrid', activity: 1.1 },
  { first: 'Chloé', last: 'Dubois', department: 'Engineering', jobTitle: 'QA Engineer', office: 'paris' },
  { first: 'Kenji', last: 'Watanabe', department: 'Engineering', jobTitle: 'Mobile Engineer', office: 'seattle', activity: 1.1 },
  { first: 'Olga', last: 'Petrova', department: 'Engineering', jobTitle: 'Backend Engineer', office: 'warsaw', activity: 1.1 },
  { first: 'Miriam', last: 'Graham', department: 'Sales', jobTitle: 'VP Sales', office: 'newYork' },
  { first: 'Christie', last: 'Cline', department: 'Sales', jobTitle: 'Account Executive', office: 'seattle' },
  { first: 'Marcus', last: 'Johnson', displayName: 'Marcus Johnson, Jr.', department: 'Sales', jobTitle: 'Account Executive', office: 'newYork' },
  { first: 'Pradeep', last: 'Gupta', department: 'Sales', jobTitle: 'Sales Engineer', office: 'bengaluru' },
  { first: 'Isabella', last: 'Rossi', department: 'Sales', jobTitle: 'Account Executive', office: 'london' },
  { first: 'Jan', last: 'de Vries', department: 'Sales', jobTitle: 'Account Manager', office: 'amsterdam' },
  { first: 'Sean', last: "O'Brien", department: 'Sales', jobTitle: 'Sales Development Representative', office: 'london' },
  { first: 'Camille', last: 'Martin', department: 'Sales', jobTitle: 'Account Executive', office: 'paris' },
  { first: 'Lynne', last: 'Robbins', department: 'Sales', jobTitle: 'Sales Operations Manager', office: 'seattle' },
  { first: 'Jana', last: 'Fischer', department: 'Sales', jobTitle: 'Inside Sales Representative', office: 'berlin' },
  { first: 'Joni', last: 'Sherman', department: 'IT Security', jobTitle: 'Head of IT Security', office: 'seattle' },
  { first: 'Irvin', last: 'Sayers', department: 'IT Security', jobTitle: 'Security Engineer', office: 'seattle', activity: 1.2 },
  { first: 'Allan', last: 'Deyoung', department: 'IT Security', jobTitle: 'IT Administrator', office: 'seattle', activity: 1.2 },
  { first: 'Samira', last: 'Haddad', department: 'IT Security', jobTitle: 'Security Analyst', office: 'london' },
  { first: 'Bogdan', last: 'Kowalczyk', department: 'IT Security', jobTitle: 'IT Administrator', office: 'warsaw' },
  { first: 'Anna', last: 'Hoffmann', department: 'Works Council', jobTitle: 'Works Council Chair', office: 'munich', activity: 0.8 },
  { first: 'Stefan', last: 'Wagner', department: 'Works Council', jobTitle: 'Works Council Member', office: 'berlin', activity: 0.8 },
  { first: 'Daniel', last: 'Park', department: 'Marketing', jobTitle: 'Marketing Manager', office: 'seattle' },
  { first: 'Nora', last: 'Eriksson', department: 'Operations', jobTitle: 'Office Manager', office: 'amsterdam', activity: 0.7 },
]

/** Where the period's membership changes happen, as fractions of the period. */
const TIMELINE = {
  /** Jana Fischer is elected to the works council. */
  worksCouncilElection: 0.3,
  /** Priya Raman joins (HR). */
  newHire: 0.4,
  /** Oliver Grant moves from Legal to Finance. */
  departmentMove: 0.55,
  /** Sean O'Brien leaves the company. */
  leaver: 0.6,
} as const

interface ExternalSpec {
  readonly upn: string
  readonly displayName: string
  readonly company: string
  readonly place: Place
  readonly apps: readonly AppWeight[]
}

const EXTERNALS: readonly ExternalSpec[] = [
  {
    upn: 'ruth.kessler@partner.example',
    displayName: 'Ruth Kessler',
    company: 'Fabrikam (partner)',
    place: { country: 'NL', city: 'Rotterdam', utcOffset: 1 },
    apps: [
      ['sharepoint', 6],
      ['entra', 2],
      ['teams', 2],
    ],
  },
  {
    upn: 'tom.baker@partner.example',
    displayName: 'Tom Baker',
    company: 'Fabrikam (partner)',
    place: { country: 'GB', city: 'Manchester', utcOffset: 0 },
    apps: [
      ['sharepoint', 6],
      ['entra', 2],
      ['teams', 1],
    ],
  },
  {
    upn: 'dana.whitfield@vendor.io',
    displayName: 'Dana Whitfield',
    company: 'vendor.io (contractor)',
    place: { country: 'PL', city: 'Kraków', utcOffset: 1 },
    apps: [
      ['github', 8],
      ['entra', 1],
    ],
  },
  {
    upn: 'rahul.verma@vendor.io',
    displayName: 'Rahul Verma',
    company: 'vendor.io (contractor)',
    place: { country: 'IN', city: 'Pune', utcOffset: 5.5 },
    apps: [
      ['github', 6],
      ['aws', 3],
      ['entra', 1],
    ],
  },
  {
    upn: 'jess.alvarez84@gmail.com',
    displayName: 'Jess Alvarez',
    company: 'Independent consultant',
    place: { country: 'US', city: 'Austin', utcOffset: -6 },
    apps: [['google', 6]],
  },
]

const APP_NAMES = {
  exchange: 'Microsoft Exchange Online',
  sharepoint: 'Microsoft SharePoint Online',
  onedrive: 'Microsoft OneDrive for Business',
  teams: 'Microsoft Teams',
  entra: 'Microsoft Entra ID',
  okta: 'Okta',
  google: 'Google Workspace',
  github: 'GitHub',
  aws: 'Amazon Web Services',
} as const
type AppKey = keyof typeof APP_NAMES
type AppWeight = readonly [AppKey, number]

/** What kind of object an action touches; {@link buildTarget} turns it into a concrete target. */
type TargetKind =
  | 'none'
  | 'self'
  | 'file'
  | 'personalFile'
  | 'sharedFile'
  | 'driveFile'
  | 'invoiceFile'
  | 'mail'
  | 'approvalMail'
  | 'mailbox'
  | 'inboxRule'
  | 'signin'
  | 'channel'
  | 'meeting'
  | 'team'
  | 'directoryUser'
  | 'directoryGroup'
  | 'enterpriseApp'
  | 'oauthApp'
  | 'oktaApp'
  | 'oktaGroup'
  | 'repo'
  | 'pullRequest'
  | 'dependencyPullRequest'
  | 'awsAccount'
  | 'awsRole'
  | 'awsObject'
  | 'awsInstance'
  | 'awsBucket'
  | 'awsUser'

/** How the client is chosen: a browser of the actor, or the app's own client. */
type ClientKind = 'browser' | 'mail' | 'sync' | 'teams' | 'git' | 'aws' | 'console' | 'service' | 'none'

interface ActionTemplate {
  /** Veil's normalized action type. */
  readonly type: string
  /** The source's own name for the action. */
  readonly name: string
  readonly target: TargetKind
  readonly client: ClientKind
  readonly weight: number
  /** The description after the actor's name; `extra` is the detail a target kind adds (a role name, ...). */
  readonly describe: (target: string, extra: string) => string
  readonly failure?: {
    readonly rate: number
    readonly type?: string
    readonly name?: string
    readonly describe: (target: string, extra: string) => string
  }
}

function action(
  type: string,
  name: string,
  target: TargetKind,
  weight: number,
  describe: ActionTemplate['describe'],
  more: Partial<Pick<ActionTemplate, 'client' | 'failure'>> = {},
): ActionTemplate {
  return { type, name, target, weight, describe, client: more.client ?? 'browser', ...(more.failure === undefined ? {} : { failure: more.failure }) }
}

const deniedFailure = (rate: number): NonNullable<ActionTemplate['failure']> => ({
  rate,
  describe: (target) => `was denied access to ${target}`,
})

/** What people do in each app, with relative weights. */
const USER_ACTIONS: Readonly<Record<AppKey, readonly ActionTemplate[]>> = {
  exchange: [
    action('mail.send', 'Send', 'mail', 30, (t) => `sent message "${t}"`, { client: 'mail' }),
    action('mail.read', 'MailItemsAccessed', 'mail', 40, (t) => `accessed message "${t}"`, { client: 'mail' }),
    action('mail.delete', 'MoveToDeletedItems', 'mail', 10, (t) => `deleted message "${t}"`, { client: 'mail' }),
    action('mail.send', 'SendOnBehalf', 'mail', 0.5, (t) => `sent message "${t}" on behalf of another mailbox`, { client: 'mail' }),
    action('mailbox.rule.create', 'New-InboxRule', 'inboxRule', 0.6, (t, x) => `created inbox rule "${t}" (${x})`, { client: 'mail' }),
    action('mailbox.rule.update', 'Set-InboxRule', 'inboxRule', 0.3, (t, x) => `changed inbox rule "${t}" (${x})`, { client: 'mail' }),
  ],
  sharepoint: [
    action('file.view', 'FileAccessed', 'file', 40, (t) => `viewed file ${t}`),
    action('file.download', 'FileDownloaded', 'file', 14, (t) => `downloaded file ${t}`),
    action('file.upload', 'FileUploaded', 'file', 8, (t) => `uploaded file ${t}`),
    action('file.modify', 'FileModified', 'file', 16, (t) => `modified file ${t}`),
    action('file.rename', 'FileRenamed', 'file', 2, (t) => `renamed file ${t}`),
    action('file.delete', 'FileDeleted', 'file', 2, (t) => `deleted file ${t}`),
    action('file.share', 'SharingInvitationCreated', 'file', 1.5, (t) => `shared file ${t} with a colleague`),
    action('file.share', 'AnonymousLinkCreated', 'file', 0.4, (t) => `created an anyone-with-the-link link to ${t}`),
  ],
  onedrive: [
    action('file.view', 'FileAccessed', 'personalFile', 30, (t) => `viewed file ${t}`),
    action('file.modify', 'FileModified', 'personalFile', 20, (t) => `modified file ${t}`),
    action('file.upload', 'FileUploaded', 'personalFile', 10, (t) => `uploaded file ${t}`),
    action('file.upload', 'FileSyncUploadedFull', 'personalFile', 8, (t) => `synced file ${t} to OneDrive`, { client: 'sync' }),
    action('file.download', 'FileSyncDownloadedFull', 'personalFile', 8, (t) => `synced file ${t} to a device`, { client: 'sync' }),
    action('file.download', 'FileDownloaded', 'personalFile', 8, (t) => `downloaded file ${t}`),
    action('file.share', 'SharingSet', 'personalFile', 2, (t) => `changed sharing of file ${t}`),
    action('file.delete', 'FileDeleted', 'personalFile', 2, (t) => `deleted file ${t}`),
  ],
  teams: [
    action('session.start', 'TeamsSessionStarted', 'none', 25, () => 'started a Teams session', { client: 'teams' }),
    action('message.send', 'MessageSent', 'channel', 30, (t) => `posted a message in ${t}`, { client: 'teams' }),
    action('meeting.join', 'MeetingParticipantDetail', 'meeting', 15, (t) => `joined meeting "${t}"`, { client: 'teams' }),
    action('team.member.add', 'MemberAdded', 'team', 1, (t) => `added a member to team ${t}`, { client: 'teams' }),
    action('channel.create', 'ChannelAdded', 'team', 0.6, (t) => `created a channel in team ${t}`, { client: 'teams' }),
  ],
  entra: [
    action('login', 'UserLoggedIn', 'signin', 60, (t) => `signed in to ${t}`, {
      failure: { rate: 0.12, type: 'login.failed', name: 'UserLoginFailed', describe: (t, x) => `failed to sign in to ${t} (${x})` },
    }),
    action('mfa.register', 'User registered security info', 'self', 0.4, () => 'registered security info (Microsoft Authenticator)'),
    action('password.change', 'Change user password.', 'self', 0.4, () => 'changed their password'),
    action('app.consent', 'Consent to application.', 'oauthApp', 0.3, (t) => `consented to application ${t}`),
  ],
  okta: [
    action('login', 'user.session.start', 'signin', 40, (t) => `signed in to ${t}`, {
      failure: { rate: 0.09, type: 'login.failed', describe: (t, x) => `failed to sign in to ${t} (${x})` },
    }),
    action('login.sso', 'user.authentication.sso', 'oktaApp', 50, (t) => `signed in to ${t} with Okta single sign-on`),
    action('mfa.verify', 'user.authentication.auth_via_mfa', 'self', 30, () => 'verified a push with Okta Verify', {
      failure: { rate: 0.05, describe: () => 'denied an Okta Verify push' },
    }),
    action('logout', 'user.session.end', 'none', 8, () => 'signed out of Okta'),
    action('password.change', 'user.account.update_password', 'self', 0.4, () => 'changed their Okta password'),
  ],
  google: [
    action('login', 'login_success', 'signin', 20, (t) => `signed in to ${t}`, {
      failure: { rate: 0.09, type: 'login.failed', name: 'login_failure', describe: (t, x) => `failed to sign in to ${t} (${x})` },
    }),
    action('file.view', 'view', 'driveFile', 40, (t) => `viewed file ${t}`),
    action('file.modify', 'edit', 'driveFile', 20, (t) => `edited file ${t}`),
    action('file.download', 'download', 'driveFile', 8, (t) => `downloaded file ${t}`),
    action('file.upload', 'upload', 'driveFile', 5, (t) => `uploaded file ${t}`),
    action('file.share', 'change_user_access', 'driveFile', 3, (t) => `shared file ${t}`),
    action('file.visibility.change', 'change_document_visibility', 'driveFile', 0.6, (t) => `made ${t} visible to anyone with the link`),
    action('oauth.authorize', 'authorize', 'oauthApp', 0.8, (t) => `authorized application ${t} to access their account`),
    action('logout', 'logout', 'none', 4, () => 'signed out of Google Workspace'),
  ],
  github: [
    action('repo.fetch', 'git.fetch', 'repo', 35, (t) => `fetched from repository ${t}`, { client: 'git' }),
    action('repo.push', 'git.push', 'repo', 25, (t) => `pushed to repository ${t}`, {
      client: 'git',
      failure: { rate: 0.05, name: 'protected_branch.rejected_ref_update', describe: (t) => `was rejected pushing to a protected branch of ${t}` },
    }),
    action('repo.clone', 'git.clone', 'repo', 12, (t) => `cloned repository ${t}`, { client: 'git' }),
    action('pull_request.create', 'pull_request.create', 'pullRequest', 8, (t, x) => `opened pull request "${t}" in ${x}`),
    action('pull_request.review', 'pull_request_review.submit', 'pullRequest', 8, (t, x) => `reviewed pull request "${t}" in ${x}`),
    action('pull_request.merge', 'pull_request.merge', 'pullRequest', 5, (t, x) => `merged pull request "${t}" in ${x}`),
    action('repo.download', 'repo.download_zip', 'repo', 0.4, (t) => `downloaded an archive of repository ${t}`),
  ],
  aws: [
    action('login', 'ConsoleLogin', 'awsAccount', 15, (t) => `signed in to the AWS console of account ${t}`, {
      client: 'console',
      failure: { rate: 0.1, type: 'login.failed', describe: (t, x) => `failed to sign in to the AWS console of account ${t} (${x})` },
    }),
    action('role.assume', 'AssumeRoleWithSAML', 'awsRole', 20, (t) => `assumed role ${t}`, { client: 'aws' }),
    action('object.read', 'GetObject', 'awsObject', 20, (t) => `read object ${t}`, { client: 'aws', failure: deniedFailure(0.08) }),
    action('object.write', 'PutObject', 'awsObject', 8, (t) => `wrote object ${t}`, { client: 'aws', failure: deniedFailure(0.08) }),
    action('instance.list', 'DescribeInstances', 'awsAccount', 15, (t) => `listed EC2 instances in account ${t}`, { client: 'aws', failure: deniedFailure(0.06) }),
    action('instance.create', 'RunInstances', 'awsInstance', 2, (t) => `launched EC2 instance ${t}`, { client: 'aws', failure: deniedFailure(0.1) }),
  ],
}

/** What IT Security additionally does, as administrators of the directory and the platforms. */
const ADMIN_ACTIONS: Readonly<Partial<Record<AppKey, readonly ActionTemplate[]>>> = {
  exchange: [
    action('mailbox.permission.add', 'Add-MailboxPermission', 'mailbox', 1, (t) => `granted full access to mailbox ${t}`, { client: 'console' }),
    action('mailbox.update', 'Set-Mailbox', 'mailbox', 1.5, (t) => `changed settings of mailbox ${t}`, { client: 'console' }),
  ],
  entra: [
    action('role.assign', 'Add member to role.', 'directoryUser', 1.5, (t, x) => `assigned role ${x} to ${t}`),
    action('role.unassign', 'Remove member from role.', 'directoryUser', 1, (t, x) => `removed role ${x} from ${t}`),
    action('user.create', 'Add user.', 'directoryUser', 1, (t) => `created user ${t}`),
    action('user.update', 'Update user.', 'directoryUser', 4, (t) => `updated user ${t}`),
    action('group.member.add', 'Add member to group.', 'directoryGroup', 3, (t, x) => `added ${x} to group ${t}`),
    action('password.reset', 'Reset user password.', 'directoryUser', 2, (t) => `reset the password of ${t}`),
    action('user.disable', 'Disable account.', 'directoryUser', 0.5, (t) => `disabled the account of ${t}`),
    action('app.credential.add', 'Add service principal credentials.', 'enterpriseApp', 0.3, (t) => `added credentials to service principal ${t}`),
  ],
  okta: [
    action('group.member.add', 'group.user_membership.add', 'oktaGroup', 3, (t, x) => `added ${x} to Okta group ${t}`),
    action('app.assign', 'application.user_membership.add', 'oktaApp', 2, (t) => `assigned application ${t} to a user`),
    action('password.reset', 'user.account.reset_password', 'directoryUser', 1, (t) => `reset the Okta password of ${t}`),
    action('mfa.reset', 'user.mfa.factor.reset_all', 'directoryUser', 0.5, (t) => `reset all MFA factors of ${t}`),
  ],
  github: [
    action('org.member.add', 'org.add_member', 'directoryUser', 0.5, (t) => `added ${t} to the GitHub organization`),
    action('repo.create', 'repo.create', 'repo', 0.6, (t) => `created repository ${t}`),
    action('branch_protection.update', 'protected_branch.update', 'repo', 0.6, (t) => `changed branch protection of ${t}`),
  ],
  aws: [
    action('user.create', 'CreateUser', 'awsUser', 0.4, (t) => `created IAM user ${t}`, { client: 'aws' }),
    action('access_key.create', 'CreateAccessKey', 'awsUser', 0.4, (t) => `created an access key for IAM user ${t}`, { client: 'aws' }),
    action('role.policy.attach', 'AttachRolePolicy', 'awsRole', 1, (t, x) => `attached policy ${x} to role ${t}`, { client: 'aws' }),
    action('bucket.policy.update', 'PutBucketPolicy', 'awsBucket', 0.5, (t) => `changed the bucket policy of ${t}`, { client: 'aws' }),
  ],
}

/** Which apps each department works in, with relative weights. */
const BASE_APPS: readonly AppWeight[] = [
  ['exchange', 28],
  ['sharepoint', 14],
  ['onedrive', 10],
  ['teams', 16],
  ['entra', 14],
  ['okta', 12],
]
const DEPARTMENT_APPS: Readonly<Record<string, readonly AppWeight[]>> = {
  Engineering: [['github', 30], ['aws', 10]],
  'IT Security': [['aws', 8], ['github', 4], ['entra', 8], ['okta', 4]],
  Sales: [['google', 14]],
  Marketing: [['google', 12]],
  Executive: [['exchange', 10]],
}

interface ApplicationSpec {
  readonly displayName: string
  readonly description: string
  readonly schedule: Schedule
  readonly weight: number
  readonly userAgent: string
  readonly place: Place
  readonly actions: readonly (readonly [AppKey, ActionTemplate])[]
}

const APPLICATIONS: readonly ApplicationSpec[] = [
  {
    displayName: 'Backup Service',
    description: 'Nightly backup of mailboxes, sites and OneDrive accounts (application permissions).',
    schedule: 'nightly',
    weight: 2.5,
    userAgent: 'BackupAgent/7.4 (Microsoft Graph; +https://backup.contoso.example)',
    place: { country: 'US', city: 'Boydton', utcOffset: -5 },
    actions: [
      ['sharepoint', action('file.download', 'FileDownloaded', 'file', 5, (t) => `backed up file ${t}`, { client: 'service' })],
      ['onedrive', action('file.download', 'FileDownloaded', 'personalFile', 4, (t) => `backed up file ${t}`, { client: 'service' })],
      ['exchange', action('mail.read', 'MailItemsAccessed', 'mailbox', 4, (t) => `backed up mailbox ${t}`, { client: 'service' })],
    ],
  },
  {
    displayName: 'Power Automate Flow',
    description: 'Invoice approval flow: files supplier invoices and sends approval requests.',
    schedule: 'business',
    weight: 1.2,
    userAgent: 'azure-logic-apps/1.0 (workflow 7b1f; version 08584)',
    place: { country: 'US', city: 'Quincy', utcOffset: -8 },
    actions: [
      ['sharepoint', action('file.upload', 'FileUploaded', 'invoiceFile', 3, (t) => `filed invoice ${t}`, { client: 'service' })],
      ['exchange', action('mail.send', 'Send', 'approvalMail', 2, (t) => `sent message "${t}"`, { client: 'service' })],
    ],
  },
  {
    displayName: 'terraform-ci',
    description: 'CI pipeline that applies the infrastructure repository (Entra ID and AWS).',
    schedule: 'business',
    weight: 1,
    userAgent:
      'APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.54.1 aws-sdk-go-v2/1.27.2 os/linux lang/go#1.22.3',
    place: { country: 'IE', city: 'Dublin', utcOffset: 0 },
    actions: [
      ['aws', action('role.assume', 'AssumeRole', 'awsRole', 5, (t) => `assumed role ${t}`, { client: 'service' })],
      ['aws', action('instance.list', 'DescribeInstances', 'awsAccount', 4, (t) => `listed EC2 instances in account ${t}`, { client: 'service' })],
      ['aws', action('instance.create', 'RunInstances', 'awsInstance', 1, (t) => `launched EC2 instance ${t}`, { client: 'service' })],
      ['aws', action('role.create', 'CreateRole', 'awsRole', 0.5, (t) => `created IAM role ${t}`, { client: 'service' })],
      ['aws', action('bucket.policy.update', 'PutBucketPolicy', 'awsBucket', 0.5, (t) => `changed the bucket policy of ${t}`, { client: 'service' })],
      ['entra', action('app.update', 'Update application.', 'enterpriseApp', 1, (t) => `updated application ${t}`, { client: 'service' })],
    ],
  },
  {
    displayName: 'HR Sync Connector',
    description: 'Provisions users from the HR system into Entra ID and Okta.',
    schedule: 'nightly',
    weight: 0.8,
    userAgent: 'Microsoft.Identity.Provisioning/1.0',
    place: { country: 'US', city: 'Boydton', utcOffset: -5 },
    actions: [
      ['entra', action('user.update', 'Update user.', 'directoryUser', 5, (t) => `updated user ${t} from the HR system`, { client: 'service' })],
      ['entra', action('group.member.add', 'Add member to group.', 'directoryGroup', 1, (t, x) => `added ${x} to group ${t}`, { client: 'service' })],
    ],
  },
  {
    displayName: 'dependabot[bot]',
    description: 'GitHub app that opens dependency update pull requests.',
    schedule: 'always',
    weight: 0.6,
    userAgent: 'GitHub-Dependabot/1.0',
    place: { country: 'US', city: 'Ashburn', utcOffset: -5 },
    actions: [
      ['github', action('pull_request.create', 'pull_request.create', 'dependencyPullRequest', 3, (t, x) => `opened pull request "${t}" in ${x}`, { client: 'service' })],
      ['github', action('repo.push', 'git.push', 'repo', 2, (t) => `pushed a dependency update branch to ${t}`, { client: 'service' })],
    ],
  },
]

const SYSTEM_ACTIONS: readonly (readonly [AppKey, ActionTemplate])[] = [
  ['exchange', action('mailbox.update', 'Set-Mailbox', 'mailbox', 2, (t) => `updated mailbox ${t} (mailbox maintenance)`, { client: 'none' })],
  ['sharepoint', action('file.delete', 'FileDeleted', 'file', 1, (t) => `deleted file ${t} (retention policy)`, { client: 'none' })],
  ['onedrive', action('file.delete', 'FileVersionsAllMinorsRecycled', 'personalFile', 1, (t) => `recycled old versions of ${t} (retention policy)`, { client: 'none' })],
]

const FILES: Readonly<Record<string, readonly string[]>> = {
  HR: ['Salary review 2025.xlsx', 'Performance ratings H1.xlsx', 'Headcount plan FY26.xlsx', 'Offer letter template.docx', 'Benefits enrolment.xlsx', 'Case notes - grievance 2025-07.docx'],
  Legal: ['NDA - Fabrikam.docx', 'Master services agreement v7.docx', 'Litigation hold notice.docx', 'Trademark filings.xlsx', 'DPA - vendor.io.pdf'],
  Executive: ['Board minutes - March.docx', 'M&A target shortlist.pptx', 'Strategy 2026.pptx', 'Board pack Q3.pptx'],
  Finance: ['Q3 forecast.xlsx', 'Budget FY26.xlsx', 'Invoice register.xlsx', 'Audit findings FY24.docx', 'Cash flow model.xlsx'],
  Engineering: ['Architecture overview.vsdx', 'Release plan 4.2.docx', 'On-call runbook.docx', 'Design review - search.pptx', 'Capacity planning.xlsx'],
  Sales: ['Pipeline Q3.xlsx', 'Pricing sheet 2025.xlsx', 'Proposal - Northwind Traders.pptx', 'Customer list EMEA.csv', 'Commission plan.xlsx'],
  'IT Security': ['Incident report 2025-014.docx', 'Firewall rules.xlsx', 'Phishing simulation results.xlsx', 'Access review Q2.xlsx'],
  'Works Council': ['Works agreement - IT monitoring.docx', 'Works council minutes.docx', 'Employee survey results.xlsx'],
  Marketing: ['Campaign calendar.xlsx', 'Brand guidelines.pdf', 'Webinar leads.csv'],
  Operations: ['Office move plan.xlsx', 'Supplier contacts.xlsx'],
  General: ['All hands - slides.pptx', 'Holiday calendar 2025.pdf', 'Travel policy.pdf', 'Org chart.pdf', 'Expense report.xlsx', 'Meeting notes.docx'],
}
const SITE_OF: Readonly<Record<string, string>> = {
  HR: 'HR',
  Legal: 'Legal',
  Executive: 'Leadership',
  Finance: 'Finance',
  Engineering: 'Engineering',
  Sales: 'Sales',
  'IT Security': 'Security',
  'Works Council': 'WorksCouncil',
  Marketing: 'Marketing',
  Operations: 'Operations',
  General: 'Intranet',
}
/** Files shared with externals before the period (the NDA is shared during it, by a story). */
const SHARED_FILES = ['Joint roadmap 2025.pptx', 'Integration spec v3.docx', 'Partner price list.xlsx', 'Statement of work - vendor.io.docx']
const MAIL_SUBJECTS = [
  'Re: Q3 numbers',
  'Weekly sync',
  'Invoice #4471 from Northwind Traders',
  'Contract redlines',
  'Customer escalation - Northwind',
  'Re: Release 4.2 go/no-go',
  'Lunch on Thursday?',
  'Board deck draft',
  'Candidate feedback',
  'FW: Travel booking confirmation',
  'Action required: access review',
  'Re: Budget FY26',
  'Out of office',
  'Updated agenda',
]
const CHANNELS = ['General', 'Announcements', 'Project Phoenix', 'Random', 'Incidents', 'Deals', 'Releases']
const TEAMS = ['All Company', 'Sales EMEA', 'Engineering - Platform', 'Leadership Team', 'HR Business Partners', 'Legal Matters', 'Security Operations', 'Betriebsrat']
const MEETINGS = ['Weekly team sync', 'Quarterly business review', '1:1', 'Sprint planning', 'Customer call - Northwind', 'All hands', 'Incident review']
const INBOX_RULES: readonly (readonly [string, string])[] = [
  ['Newsletters', 'move messages from newsletter@ to folder Newsletters'],
  ['Jira', 'move messages with subject containing [JIRA] to folder Jira'],
  ['Receipts', 'move messages containing "receipt" to folder Receipts'],
  ['Mark as read', 'mark messages from noreply@ as read'],
]
const DIRECTORY_ROLES = ['Helpdesk Administrator', 'User Administrator', 'Exchange Administrator', 'Security Reader', 'SharePoint Administrator', 'Global Reader']
const ENTERPRISE_APPS = ['Salesforce', 'ServiceNow', 'Workday', 'Zoom', 'terraform-ci', 'Slack']
const OAUTH_APPS = ['Calendly', 'Grammarly', 'Miro', 'Zoom for Outlook', 'DocuSign']
const OKTA_APPS = ['Salesforce', 'Slack', 'Workday', 'Zoom', 'Atlassian Cloud', 'AWS IAM Identity Center', 'GitHub Enterprise Cloud']
const OKTA_GROUPS = ['Everyone', 'Engineering', 'Sales', 'VPN Users', 'AWS Developers', 'Contractors']
const REPOS = ['payments-api', 'web-portal', 'infrastructure', 'mobile-app', 'data-pipeline', 'design-system', 'security-tools']
const PULL_REQUESTS = ['Add retry to webhook sender', 'Fix pagination off-by-one', 'Upgrade to Node 20', 'Refactor auth middleware', 'Add dark mode', 'Speed up CI cache']
const DEPENDENCIES: readonly (readonly [string, string, string])[] = [
  ['lodash', '4.17.20', '4.17.21'],
  ['axios', '1.6.8', '1.7.4'],
  ['express', '4.19.2', '4.21.0'],
  ['golang.org/x/net', '0.22.0', '0.23.0'],
]
const AWS_ACCOUNTS: readonly (readonly [string, string])[] = [
  ['111122223333', 'prod'],
  ['444455556666', 'dev'],
]
const AWS_ROLES = ['EngineerReadOnly', 'PowerUser', 'DataEngineer', 'SecurityAudit', 'TerraformDeploy']
const AWS_POLICIES = ['ReadOnlyAccess', 'AmazonS3ReadOnlyAccess', 'CloudWatchLogsFullAccess', 'AmazonEC2FullAccess']
const AWS_OBJECTS = ['exports/2025/orders.parquet', 'reports/monthly-revenue.csv', 'logs/app-2025-05-01.gz', 'assets/logo.svg', 'ml/features/customers.parquet']
const AWS_BUCKETS = ['data-lake', 'backups', 'web-assets', 'terraform-state']
const LOGIN_FAILURES: Readonly<Record<string, readonly string[]>> = {
  entra: ['invalid username or password', 'MFA denied', 'account locked'],
  okta: ['INVALID_CREDENTIALS', 'VERIFICATION_ERROR', 'LOCKED_OUT'],
  google: ['invalid password', 'login challenge failed'],
  aws: ['Failed authentication', 'MFA required'],
}
const SIGNIN_TARGETS: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  entra: [
    ['00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online'],
    ['00000003-0000-0ff1-ce00-000000000000', 'Office 365 SharePoint Online'],
    ['1fec8e78-bce4-4aaf-ab1b-5451cc387264', 'Microsoft Teams'],
    ['d3590ed6-52b3-4102-aeff-aad2292ab01c', 'Microsoft Office'],
    ['c44b4083-3bb0-49c1-b47d-974e53cbdf3c', 'Azure Portal'],
  ],
}

const UA = {
  windowsEdge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87',
  windowsChrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  windowsFirefox: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
  macSafari: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  macChrome: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  linuxFirefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  android: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36',
  outlookDesktop: 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17726; Pro)',
  outlookMac: 'Microsoft Outlook/16.86 (Macintosh; Mac OS X 14.5)',
  outlookIos: 'Outlook-iOS/2.0',
  outlookAndroid: 'Outlook-Android/2.0',
  oneDriveSync: 'Microsoft SkyDriveSync 24.116.0609.0004 ship; Windows NT 10.0 (19045)',
  teamsDesktop:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0 Teams/24152.405.2925.6762',
  teamsMobile: 'Microsoft Teams/6.11.0 (iPhone; iOS 17.5.1)',
  git: 'git/2.45.2',
  awsCli: 'aws-cli/2.17.5 md/awscrt#0.20.11 ua/2.0 os/macos#23.5.0 md/arch#arm64 lang/python#3.11.9 md/installer#exe command/s3.cp',
} as const

// ---------------------------------------------------------------------------------------------------
// Actors
// ---------------------------------------------------------------------------------------------------

type Schedule = 'work' | 'business' | 'nightly' | 'always'

interface MenuItem {
  readonly app: AppKey
  readonly template: ActionTemplate
}

/** Everything the generator knows about an actor; only part of it is published in DemoData. */
interface Profile {
  readonly kind: 'member' | 'external' | 'application' | 'system'
  readonly upn: string | null
  readonly displayName: string
  readonly type: ActorType
  /** The actor's id per app family (an Entra object id, an Okta `00u` id, a GitHub user id, ...). */
  readonly ids: Readonly<Record<'microsoft' | 'okta' | 'google' | 'github' | 'aws', string>>
  readonly department: string
  readonly place: Place
  readonly officeIp: ((random: Random) => string) | null
  readonly homeIp: string | null
  readonly mobileIp: string | null
  readonly desktopAgent: string
  readonly mobileAgent: string
  readonly mobileShare: number
  readonly menu: readonly Weighted<MenuItem>[]
  readonly weight: number
  readonly schedule: Schedule
  readonly activeFrom: number
  readonly activeTo: number
}

interface Period {
  readonly start: number
  readonly end: number
}

function localPart(first: string, last: string): string {
  const clean = (s: string): string =>
    s
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '')
  return `${clean(first)}.${clean(last)}`
}

function menuFor(apps: readonly AppWeight[], isAdmin: boolean): Weighted<MenuItem>[] {
  const weights = new Map<AppKey, number>()
  for (const [app, weight] of apps) {
    weights.set(app, (weights.get(app) ?? 0) + weight)
  }
  const menu: Weighted<MenuItem>[] = []
  for (const [app, appWeight] of weights) {
    const templates = [...USER_ACTIONS[app], ...(isAdmin ? (ADMIN_ACTIONS[app] ?? []) : [])]
    const total = templates.reduce((sum, t) => sum + t.weight, 0)
    for (const template of templates) {
      menu.push({ value: { app, template }, weight: (appWeight * template.weight) / total })
    }
  }
  return menu
}

function fixedMenu(actions: readonly (readonly [AppKey, ActionTemplate])[]): Weighted<MenuItem>[] {
  return actions.map(([app, template]) => ({ value: { app, template }, weight: template.weight }))
}

function sourceIds(random: Random): Profile['ids'] {
  return {
    microsoft: random.guid(),
    okta: `00u${random.token(17)}`,
    google: `1${random.token(20, '0123456789')}`,
    github: String(random.int(1_000_000, 170_000_000)),
    aws: `AROA${random.token(17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
  }
}

/** Office addresses: 192.0.2.(10 + 10 * office + k), k in 0..9. */
function officeIpOf(office: OfficeKey): (random: Random) => string {
  const base = 10 + 10 * OFFICE_KEYS.indexOf(office)
  return (random) => `192.0.2.${base + random.int(0, 9)}`
}

const DESKTOP_AGENTS: Readonly<Record<string, readonly string[]>> = {
  Engineering: [UA.macChrome, UA.macSafari, UA.windowsFirefox, UA.macChrome],
  default: [UA.windowsEdge, UA.windowsEdge, UA.windowsChrome, UA.macSafari, UA.windowsChrome],
}

// ---------------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------------

/**
 * Generates the demo organization, its directory, the demo admin accounts and `activityCount`
 * activities over the `days` before `now`.
 *
 * @example
 * const data = generateDemoData({ seed: 42, now: Date.now() })
 * // data.activities → NDJSON for `veil ingest`, demoGroupsCsv(data) → `veil groups import`
 */
export function generateDemoData(options: DemoDataOptions): DemoData {
  const days = options.days ?? 30
  const activityCount = options.activityCount ?? 4000
  const domain = (options.domain ?? 'contoso.com').trim().toLowerCase()
  validate(options, days, activityCount, domain)

  const random = createRandom(options.seed)
  const window: Period = { start: options.now - days * DAY, end: options.now }
  const at = (fraction: number): number => Math.round(window.start + fraction * (window.end - window.start))
  const tenant = domain.split('.')[0] ?? 'contoso'

  // People and their memberships.
  const users: DemoUser[] = []
  const profiles = new Map<string, Profile>()
  const memberships = new Map<GroupId, DemoMembership[]>(GROUPS.map((g) => [g.id, []]))
  const join = (group: GroupId, upn: string, from: number, to: number | null = null): void => {
    memberships.get(group)?.push({ upn, from: iso(from), to: to === null ? null : iso(to) })
  }
  PEOPLE.forEach((person, index) => {
    const local = localPart(person.first, person.last)
    const upn = `${local}@${domain}`
    const displayName = person.displayName ?? `${person.first} ${person.last}`
    const place = OFFICES[person.office]
    const ids = sourceIds(random)
    const hiredAt = window.start - random.int(30, 2500) * DAY
    let activeFrom = hiredAt
    let activeTo = Number.POSITIVE_INFINITY
    const department = person.department
    const departmentGroup = DEPARTMENT_GROUP[department]

    if (local === 'priya.raman') {
      activeFrom = at(TIMELINE.newHire)
      join('all-staff', upn, activeFrom)
      join('hr', upn, activeFrom)
    } else if (local === 'oliver.grant') {
      const moved = at(TIMELINE.departmentMove)
      join('all-staff', upn, hiredAt)
      join('legal', upn, hiredAt, moved)
      join('finance', upn, moved)
    } else if (local === 'sean.obrien') {
      activeTo = at(TIMELINE.leaver)
      join('all-staff', upn, hiredAt, activeTo)
      join('sales', upn, hiredAt, activeTo)
    } else {
      join('all-staff', upn, hiredAt)
      if (departmentGroup !== undefined) {
        join(departmentGroup, upn, hiredAt)
      }
    }
    for (const group of person.alsoIn ?? []) {
      join(group, upn, hiredAt + random.int(1, 20) * DAY)
    }
    if (local === 'jana.fischer') {
      join('works-council', upn, at(TIMELINE.worksCouncilElection))
    }

    users.push({ upn, displayName, sourceId: ids.microsoft, type: 'user', department, jobTitle: person.jobTitle, country: place.country, city: place.city })
    const agents = DESKTOP_AGENTS[department] ?? DESKTOP_AGENTS.default ?? [UA.windowsEdge]
    profiles.set(upn, {
      kind: 'member',
      upn,
      displayName,
      type: 'user',
      ids,
      department,
      place,
      officeIp: officeIpOf(person.office),
      homeIp: `198.51.100.${10 + index}`,
      mobileIp: `2001:db8:cafe:${(0x100 + index).toString(16)}::${random.token(4, HEX).replace(/^0+(?=.)/, '')}`,
      desktopAgent: random.pick(agents),
      mobileAgent: random.chance(0.6) ? UA.iphone : UA.android,
      mobileShare: department === 'Sales' || department === 'Executive' ? 0.3 : 0.12,
      menu: menuFor([...BASE_APPS, ...(DEPARTMENT_APPS[department] ?? [])], department === 'IT Security'),
      weight: person.activity ?? 1,
      schedule: 'work',
      activeFrom,
      activeTo,
    })
  })

  const externalUsers: DemoExternalUser[] = EXTERNALS.map((spec, index) => {
    const ids = sourceIds(random)
    profiles.set(spec.upn, {
      kind: 'external',
      upn: spec.upn,
      displayName: spec.displayName,
      type: 'user',
      ids,
      department: 'External',
      place: spec.place,
      officeIp: null,
      homeIp: `203.0.113.${50 + index}`,
      mobileIp: `2001:db8:beef:${(0x10 + index).toString(16)}::1`,
      desktopAgent: random.pick([UA.windowsChrome, UA.macSafari, UA.windowsEdge]),
      mobileAgent: UA.iphone,
      mobileShare: 0.1,
      menu: externalMenu(spec.apps),
      weight: 0.3,
      schedule: 'work',
      activeFrom: Number.NEGATIVE_INFINITY,
      activeTo: Number.POSITIVE_INFINITY,
    })
    return { upn: spec.upn, displayName: spec.displayName, sourceId: ids.microsoft, type: 'user', company: spec.company, country: spec.place.country, city: spec.place.city }
  })

  const applications: DemoApplication[] = APPLICATIONS.map((spec, index) => {
    const sourceId = random.guid()
    profiles.set(`app:${spec.displayName}`, {
      kind: 'application',
      upn: null,
      displayName: spec.displayName,
      type: 'application',
      ids: { microsoft: sourceId, okta: sourceId, google: sourceId, github: sourceId, aws: sourceId },
      department: 'Application',
      place: spec.place,
      officeIp: null,
      homeIp: `203.0.113.${10 + index}`,
      mobileIp: null,
      desktopAgent: spec.userAgent,
      mobileAgent: spec.userAgent,
      mobileShare: 0,
      menu: fixedMenu(spec.actions),
      weight: spec.weight,
      schedule: spec.schedule,
      activeFrom: Number.NEGATIVE_INFINITY,
      activeTo: Number.POSITIVE_INFINITY,
    })
    return { displayName: spec.displayName, sourceId, type: 'application', description: spec.description }
  })

  const system: DemoSystemActor = { displayName: 'System', sourceId: 'system', type: 'system' }
  profiles.set('system', {
    kind: 'system',
    upn: null,
    displayName: system.displayName,
    type: 'system',
    ids: { microsoft: 'system', okta: 'system', google: 'system', github: 'system', aws: 'system' },
    department: 'System',
    place: { country: 'US', city: 'Redmond', utcOffset: -8 },
    officeIp: null,
    homeIp: null,
    mobileIp: null,
    desktopAgent: '',
    mobileAgent: '',
    mobileShare: 0,
    menu: fixedMenu(SYSTEM_ACTIONS),
    weight: 0.6,
    schedule: 'always',
    activeFrom: Number.NEGATIVE_INFINITY,
    activeTo: Number.POSITIVE_INFINITY,
  })

  const groups: DemoGroup[] = GROUPS.map(({ id, name }) => {
    const list = memberships.get(id) ?? []
    return { id, name, members: list.filter((m) => m.to === null).map((m) => m.upn), memberships: list }
  })

  const admins: DemoAdmin[] = [
    { upn: `admin@${domain}`, displayName: 'Veil Administrator', roles: ['global_admin'] },
    { upn: `secops@${domain}`, displayName: 'Security Operations', roles: ['security_admin'] },
    { upn: `compliance@${domain}`, displayName: 'Compliance Officer', roles: ['compliance_admin'] },
    { upn: `reader@${domain}`, displayName: 'Security Reader', roles: ['security_reader'] },
    { upn: `analyst@${domain}`, displayName: 'Security Analyst', roles: [] },
  ]

  const context: BuildContext = { random, tenant, domain, users, profiles: [...profiles.values()] }

  // Stories first (they are the point of the demo), then background activity up to the count.
  const stories = storyActivities(context, window, at).slice(0, activityCount)
  const background: Draft[] = []
  const actors = context.profiles.map((p) => ({ value: p, weight: p.weight }))
  while (stories.length + background.length < activityCount) {
    const actor = random.weighted(actors)
    const from = Math.max(window.start, actor.activeFrom)
    const to = Math.min(window.end, actor.activeTo)
    if (from > to) {
      continue
    }
    const time = sampleTime(random, from, to, actor)
    const item = random.weighted(actor.menu)
    background.push(draft(context, actor, item.app, item.template, time))
  }

  const drafts = [...stories, ...background].map((d, order) => ({ d, order }))
  drafts.sort((a, b) => a.d.time - b.d.time || a.order - b.order)
  const width = Math.max(6, String(drafts.length).length)
  const activities = drafts.map(({ d }, index) => ({ ...d, id: `demo-${String(index + 1).padStart(width, '0')}`, time: iso(d.time) }))

  return {
    organization: { name: tenant === 'contoso' ? 'Contoso' : capitalize(tenant), managedDomains: [domain] },
    users,
    externalUsers,
    applications,
    system,
    groups,
    admins,
    activities,
  }
}

/**
 * The group memberships as CSV (`group,upn,displayName`, RFC 4180: CRLF line ends, fields quoted when
 * they hold a comma, a quote or a line break): one row per current membership, `group` being the
 * group id. Ended memberships are left out; the history is in `DemoData.groups[].memberships`.
 */
export function demoGroupsCsv(data: DemoData): string {
  const names = new Map<string, string>()
  for (const user of [...data.users, ...data.externalUsers]) {
    names.set(user.upn, user.displayName)
  }
  const rows = [['group', 'upn', 'displayName']]
  for (const group of data.groups) {
    for (const membership of group.memberships) {
      if (membership.to === null) {
        rows.push([group.id, membership.upn, names.get(membership.upn) ?? ''])
      }
    }
  }
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n'
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

function validate(options: DemoDataOptions, days: number, activityCount: number, domain: string): void {
  const problems: { field: string; reason: string }[] = []
  if (!Number.isFinite(options.seed)) {
    problems.push({ field: 'seed', reason: 'must be a finite number' })
  }
  if (!Number.isFinite(options.now) || options.now < 0) {
    problems.push({ field: 'now', reason: 'must be a time in ms since the epoch' })
  }
  if (!Number.isFinite(days) || days <= 0 || days > 3650) {
    problems.push({ field: 'days', reason: 'must be more than 0 and at most 3650' })
  }
  if (!Number.isInteger(activityCount) || activityCount < 0 || activityCount > 10_000_000) {
    problems.push({ field: 'activityCount', reason: 'must be an integer from 0 to 10,000,000' })
  }
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) {
    problems.push({ field: 'domain', reason: 'must be a domain name like contoso.com' })
  }
  if (problems.length > 0) {
    throw new ValidationError('Invalid demo data options', problems)
  }
}

function externalMenu(apps: readonly AppWeight[]): Weighted<MenuItem>[] {
  // Guests and contractors only do what they were invited to: open shared files, sign in, join
  // meetings, work in the repositories they are collaborators on.
  const allowed: Readonly<Partial<Record<AppKey, readonly string[]>>> = {
    sharepoint: ['FileAccessed', 'FileDownloaded', 'FileModified'],
    entra: ['UserLoggedIn'],
    teams: ['MeetingParticipantDetail', 'TeamsSessionStarted'],
    github: ['git.fetch', 'git.push', 'git.clone', 'pull_request.create', 'pull_request_review.submit'],
    aws: ['ConsoleLogin', 'AssumeRoleWithSAML', 'GetObject', 'DescribeInstances'],
    google: ['view', 'edit', 'download'],
  }
  const menu: Weighted<MenuItem>[] = []
  for (const [app, appWeight] of apps) {
    const templates = USER_ACTIONS[app].filter((t) => allowed[app]?.includes(t.name) ?? false)
    const total = templates.reduce((sum, t) => sum + t.weight, 0)
    for (const template of templates) {
      const shared = app === 'sharepoint' ? { ...template, target: 'sharedFile' as const } : app === 'google' ? { ...template, target: 'driveFile' as const } : template
      menu.push({ value: { app, template: shared }, weight: (appWeight * template.weight) / total })
    }
  }
  return menu
}

// ---------------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------------

function iso(time: number): string {
  return new Date(time).toISOString()
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** How likely an actor is to act at a local hour and weekday (0 = Sunday), from 0 to 1. */
function activityLevel(schedule: Schedule, hour: number, weekday: number): number {
  const weekend = weekday === 0 || weekday === 6
  switch (schedule) {
    case 'always':
      return 1
    case 'nightly':
      return hour >= 1 && hour < 5 ? 1 : 0.03
    case 'business':
    case 'work': {
      const level = hour >= 8 && hour < 18 ? (hour === 12 ? 0.6 : 1) : hour === 7 || (hour >= 18 && hour < 22) ? 0.25 : 0.02
      return weekend ? level * (schedule === 'business' ? 0.3 : 0.07) : level
    }
  }
}

/** A time in [from, to] shaped by the actor's schedule in their own time zone (rejection sampling). */
function sampleTime(random: Random, from: number, to: number, actor: Profile): number {
  let time = from
  for (let attempt = 0; attempt < 100; attempt++) {
    time = from + Math.floor(random.next() * (to - from + 1))
    const local = new Date(time + actor.place.utcOffset * HOUR)
    if (random.next() < activityLevel(actor.schedule, local.getUTCHours(), local.getUTCDay())) {
      return time
    }
  }
  return time
}

function isWorkingTime(time: number, place: Place): boolean {
  const local = new Date(time + place.utcOffset * HOUR)
  const hour = local.getUTCHours()
  const weekday = local.getUTCDay()
  return weekday !== 0 && weekday !== 6 && hour >= 8 && hour < 18
}

/**
 * The UTC time of `localHour` on the local day `fraction` into the window, or the plain fraction point
 * when that falls outside the window (very short periods).
 */
function storyTime(window: Period, fraction: number, localHour: number, place: Place): number {
  const anchor = window.start + fraction * (window.end - window.start)
  const offset = place.utcOffset * HOUR
  const localMidnight = Math.floor((anchor + offset) / DAY) * DAY - offset
  const time = Math.round(localMidnight + localHour * HOUR)
  return time >= window.start && time <= window.end ? time : Math.round(anchor)
}

// ---------------------------------------------------------------------------------------------------
// Building activities
// ---------------------------------------------------------------------------------------------------

interface BuildContext {
  readonly random: Random
  readonly tenant: string
  readonly domain: string
  readonly users: readonly DemoUser[]
  readonly profiles: readonly Profile[]
}

/** An activity before its id is assigned (ids follow time order). */
type Draft = Omit<DemoActivity, 'id' | 'time'> & { readonly time: number }

interface DraftOverrides {
  readonly target?: ActivityTarget
  readonly extra?: string
  readonly ip?: string
  readonly location?: ActivityLocation
  readonly device?: ActivityDevice
  readonly result?: ActivityResult
  readonly description?: string
}

function idFamily(app: AppKey): keyof Profile['ids'] {
  switch (app) {
    case 'okta':
      return 'okta'
    case 'google':
      return 'google'
    case 'github':
      return 'github'
    case 'aws':
      return 'aws'
    default:
      return 'microsoft'
  }
}

function draft(context: BuildContext, actor: Profile, app: AppKey, template: ActionTemplate, time: number, overrides: DraftOverrides = {}): Draft {
  const { random } = context
  const built = buildTarget(context, actor, app, template.target)
  const target = overrides.target ?? built.target
  const extra = overrides.extra ?? built.extra
  const failure = template.failure
  const failed = overrides.result === 'failure' || (overrides.result === undefined && failure !== undefined && random.chance(failure.rate))
  const result: ActivityResult = overrides.result ?? (failed ? 'failure' : 'success')
  const targetText = target.name ?? target.id ?? ''
  const isLoginFailure = failed && failure?.type === 'login.failed'
  const reason = isLoginFailure ? (overrides.extra ?? random.pick(LOGIN_FAILURES[app] ?? ['access denied'])) : extra
  const phrase = failed && failure !== undefined ? failure.describe(targetText, reason) : template.describe(targetText, extra)
  const network = overrides.ip === undefined ? pickNetwork(random, actor, time, template.client) : { ip: overrides.ip, mobile: false }
  return {
    time,
    actor: { upn: actor.upn, displayName: actor.displayName, sourceId: actor.ids[idFamily(app)], type: actor.type },
    app: APP_NAMES[app],
    action: {
      type: failed && failure?.type !== undefined ? failure.type : template.type,
      name: failed && failure?.name !== undefined ? failure.name : template.name,
    },
    ip: network.ip,
    location: overrides.location ?? (network.ip === null ? { country: null, city: null } : { country: actor.place.country, city: actor.place.city }),
    device: overrides.device ?? device(random, actor, template.client, network.mobile),
    target,
    result,
    description: overrides.description ?? `${actor.displayName} ${phrase}`,
  }
}

/** Where an actor connects from: the office during working hours, home otherwise, a phone network on mobile. */
function pickNetwork(random: Random, actor: Profile, time: number, client: ClientKind): { ip: string | null; mobile: boolean } {
  if (actor.kind === 'system') {
    return { ip: null, mobile: false }
  }
  const canBeMobile = client === 'browser' || client === 'mail' || client === 'teams'
  if (canBeMobile && actor.mobileIp !== null && random.chance(actor.mobileShare)) {
    return { ip: random.chance(0.7) ? actor.mobileIp : (actor.homeIp ?? actor.mobileIp), mobile: true }
  }
  if (actor.officeIp !== null && isWorkingTime(time, actor.place) && random.chance(0.75)) {
    return { ip: actor.officeIp(random), mobile: false }
  }
  return { ip: actor.homeIp, mobile: false }
}

function device(random: Random, actor: Profile, client: ClientKind, mobile: boolean): ActivityDevice {
  const isMac = actor.desktopAgent.includes('Macintosh')
  switch (client) {
    case 'none':
      return { type: null, userAgent: null }
    case 'service':
      return { type: 'server', userAgent: actor.desktopAgent }
    case 'git':
      return { type: 'desktop', userAgent: UA.git }
    case 'aws':
      return random.chance(0.5) ? { type: 'desktop', userAgent: UA.awsCli } : { type: 'desktop', userAgent: actor.desktopAgent }
    case 'console':
      return { type: 'desktop', userAgent: actor.desktopAgent }
    case 'sync':
      return { type: 'desktop', userAgent: UA.oneDriveSync }
    case 'mail':
      if (mobile) {
        return { type: 'mobile', userAgent: actor.mobileAgent === UA.iphone ? UA.outlookIos : UA.outlookAndroid }
      }
      return random.chance(0.65) ? { type: 'desktop', userAgent: isMac ? UA.outlookMac : UA.outlookDesktop } : { type: 'desktop', userAgent: actor.desktopAgent }
    case 'teams':
      return mobile ? { type: 'mobile', userAgent: UA.teamsMobile } : { type: 'desktop', userAgent: isMac ? actor.desktopAgent : UA.teamsDesktop }
    case 'browser':
      return mobile ? { type: 'mobile', userAgent: actor.mobileAgent } : { type: 'desktop', userAgent: actor.desktopAgent }
  }
}

function fileName(random: Random, department: string): { site: string; name: string } {
  const pool = FILES[department] !== undefined && random.chance(0.7) ? department : 'General'
  return { site: SITE_OF[pool] ?? 'Intranet', name: random.pick(FILES[pool] ?? []) }
}

function randomDepartment(random: Random): string {
  return random.pick(Object.keys(FILES))
}

function otherUser(context: BuildContext, actor: Profile): DemoUser {
  const candidates = context.users.filter((u) => u.upn !== actor.upn)
  return context.random.pick(candidates)
}

/** A concrete target for a target kind, plus the detail some descriptions need (a role, a repository, ...). */
function buildTarget(context: BuildContext, actor: Profile, app: AppKey, kind: TargetKind): { target: ActivityTarget; extra: string } {
  const { random, tenant, domain } = context
  const none: ActivityTarget = { type: null, id: null, name: null }
  const result = (type: string, id: string, name: string, extra = ''): { target: ActivityTarget; extra: string } => ({ target: { type, id, name }, extra })
  const department = actor.kind === 'member' ? actor.department : randomDepartment(random)
  switch (kind) {
    case 'none':
      return { target: none, extra: '' }
    case 'self':
      return result('user', actor.upn ?? actor.ids.microsoft, actor.displayName)
    case 'file': {
      const file = fileName(random, department)
      return result('file', `https://${tenant}.sharepoint.com/sites/${file.site}/Shared Documents/${file.name}`, file.name)
    }
    case 'sharedFile': {
      const name = random.pick(SHARED_FILES)
      return result('file', `https://${tenant}.sharepoint.com/sites/Partners/Shared Documents/${name}`, name)
    }
    case 'personalFile': {
      const owner = actor.kind === 'member' && actor.upn !== null ? actor.upn : random.pick(context.users).upn
      const file = fileName(random, department)
      return result('file', `https://${tenant}-my.sharepoint.com/personal/${owner.replace(/[@.-]/g, '_')}/Documents/${file.name}`, file.name)
    }
    case 'driveFile': {
      const name = actor.kind === 'external' ? random.pick(SHARED_FILES) : fileName(random, department).name
      return result('file', stableDocId(name), name)
    }
    case 'invoiceFile': {
      const name = `Invoice_${random.int(2025_0001, 2025_9999)}.pdf`
      return result('file', `https://${tenant}.sharepoint.com/sites/Finance/Invoices/${name}`, name)
    }
    case 'mail':
      return result('mail', `<${random.token(24)}@${domain}>`, random.pick(MAIL_SUBJECTS))
    case 'approvalMail': {
      const approver = random.pick(context.users.filter((u) => u.department === 'Finance'))
      return result('mail', `<${random.token(24)}@${domain}>`, `Approval requested: invoice ${random.int(4000, 9999)} for ${approver.displayName}`)
    }
    case 'mailbox': {
      const owner = random.pick(context.users)
      return result('mailbox', owner.upn, owner.displayName)
    }
    case 'inboxRule': {
      const [name, detail] = random.pick(INBOX_RULES)
      return result('mailbox.rule', `${actor.upn ?? ''}\\${name}`, name, detail)
    }
    case 'signin': {
      if (app === 'okta') {
        return result('application', `0oa${random.token(17)}`, 'Okta Dashboard')
      }
      if (app === 'google') {
        return result('account', actor.upn ?? '', 'Google Workspace')
      }
      const [id, name] = random.pick(SIGNIN_TARGETS.entra ?? [])
      return result('application', id, name)
    }
    case 'channel':
      return result('channel', `19:${random.token(32)}@thread.tacv2`, `${random.pick(TEAMS)} › ${random.pick(CHANNELS)}`)
    case 'meeting':
      return result('meeting', `19:meeting_${random.token(32)}@thread.v2`, random.pick(MEETINGS))
    case 'team':
      return result('team', random.guid(), random.pick(TEAMS))
    case 'directoryUser': {
      const user = otherUser(context, actor)
      return result('user', user.upn, user.displayName, random.pick(DIRECTORY_ROLES))
    }
    case 'directoryGroup': {
      const group = random.pick(GROUPS)
      const user = otherUser(context, actor)
      return result('group', group.id, group.name, user.displayName)
    }
    case 'enterpriseApp':
      return result('application', random.guid(), random.pick(ENTERPRISE_APPS))
    case 'oauthApp':
      return result('application', `${random.token(12, '0123456789')}-${random.token(32, 'abcdefghijklmnopqrstuvwxyz0123456789')}.apps.googleusercontent.com`, random.pick(OAUTH_APPS))
    case 'oktaApp':
      return result('AppInstance', `0oa${random.token(17)}`, random.pick(OKTA_APPS))
    case 'oktaGroup': {
      const user = otherUser(context, actor)
      return result('UserGroup', `00g${random.token(17)}`, random.pick(OKTA_GROUPS), user.displayName)
    }
    case 'repo': {
      const repo = `${tenant}/${random.pick(REPOS)}`
      return result('repository', repo, repo)
    }
    case 'pullRequest': {
      const repo = `${tenant}/${random.pick(REPOS)}`
      const number = random.int(100, 2400)
      return result('pull_request', `${repo}#${number}`, random.pick(PULL_REQUESTS), repo)
    }
    case 'dependencyPullRequest': {
      const repo = `${tenant}/${random.pick(REPOS)}`
      const [pkg, from, to] = random.pick(DEPENDENCIES)
      return result('pull_request', `${repo}#${random.int(100, 2400)}`, `Bump ${pkg} from ${from} to ${to}`, repo)
    }
    case 'awsAccount': {
      const [id, name] = random.pick(AWS_ACCOUNTS)
      return result('account', id, `${tenant}-${name}`)
    }
    case 'awsRole': {
      const [account] = random.pick(AWS_ACCOUNTS)
      const role = random.pick(AWS_ROLES)
      return result('role', `arn:aws:iam::${account}:role/${role}`, role, random.pick(AWS_POLICIES))
    }
    case 'awsObject': {
      const bucket = `${tenant}-${random.pick(AWS_BUCKETS)}`
      const key = random.pick(AWS_OBJECTS)
      return result('object', `arn:aws:s3:::${bucket}/${key}`, `s3://${bucket}/${key}`)
    }
    case 'awsInstance': {
      const [account] = random.pick(AWS_ACCOUNTS)
      const id = `i-0${random.token(16, HEX)}`
      return result('instance', `arn:aws:ec2:eu-west-1:${account}:instance/${id}`, id)
    }
    case 'awsBucket': {
      const bucket = `${tenant}-${random.pick(AWS_BUCKETS)}`
      return result('bucket', `arn:aws:s3:::${bucket}`, bucket)
    }
    case 'awsUser': {
      const [account] = random.pick(AWS_ACCOUNTS)
      const name = random.pick(['ci-deployer', 'backup-exporter', 'legacy-reporting', 'vendor-sync'])
      return result('user', `arn:aws:iam::${account}:user/${name}`, name)
    }
  }
}

/** A Google Drive-like document id, stable for a file name so that the same file keeps its id. */
function stableDocId(name: string): string {
  let hash = 0x811c9dc5
  let out = '1'
  for (let i = 0; out.length < 44; i++) {
    hash ^= name.charCodeAt(i % name.length) + i
    hash = Math.imul(hash, 0x01000193) >>> 0
    out += ALPHANUMERIC.charAt(hash % ALPHANUMERIC.length)
  }
  return out
}

// ---------------------------------------------------------------------------------------------------
// Stories
// ---------------------------------------------------------------------------------------------------

function findTemplate(app: AppKey, name: string, pool: Readonly<Partial<Record<AppKey, readonly ActionTemplate[]>>> = USER_ACTIONS): ActionTemplate {
  const template = pool[app]?.find((t) => t.name === name)
  if (template === undefined) {
    throw new Error(`demo data: no action ${name} in ${app}`)
  }
  return template
}

/** The demo's stories; every activity here is tied to actors and times that make the story hold. */
function storyActivities(context: BuildContext, window: Period, at: (fraction: number) => number): Draft[] {
  const { random, tenant, domain } = context
  const profile = (key: string): Profile => {
    const upn = key.includes('@') || key.startsWith('app:') ? key : `${key}@${domain}`
    const found = context.profiles.find((p) => p.upn === upn || `app:${p.displayName}` === key)
    if (found === undefined) {
      throw new Error(`demo data: story actor ${key} is missing`)
    }
    return found
  }
  const clamp = (time: number): number => Math.min(window.end, Math.max(window.start, time))
  const sharePointFile = (site: string, name: string, folder = 'Shared Documents'): ActivityTarget => ({
    type: 'file',
    id: `https://${tenant}.sharepoint.com/sites/${site}/${folder}/${name}`,
    name,
  })
  const out: Draft[] = []

  // 1. An executive signs in from a country she never works from, at night, on an unknown device,
  //    after two failures, then reads mail and downloads board material.
  {
    const ceo = profile('megan.bowen')
    const start = storyTime(window, 0.7, 2.6, ceo.place)
    const location = { country: 'BR', city: 'São Paulo' }
    const ip = '203.0.113.200'
    const agent = { type: 'desktop', userAgent: UA.linuxFirefox }
    const signIn = findTemplate('entra', 'UserLoggedIn')
    const office = { type: 'application', id: '00000002-0000-0ff1-ce00-000000000000', name: 'Office 365 Exchange Online' }
    const base = { ip, location, device: agent, target: office }
    out.push(draft(context, ceo, 'entra', signIn, clamp(start), { ...base, result: 'failure', extra: 'invalid username or password' }))
    out.push(draft(context, ceo, 'entra', signIn, clamp(start + 40_000), { ...base, result: 'failure', extra: 'MFA denied' }))
    out.push(
      draft(context, ceo, 'entra', signIn, clamp(start + 3 * MINUTE), {
        ...base,
        result: 'success',
        description: `${ceo.displayName} signed in to Office 365 Exchange Online from São Paulo, Brazil`,
      }),
    )
    for (let i = 0; i < 4; i++) {
      out.push(draft(context, ceo, 'exchange', findTemplate('exchange', 'MailItemsAccessed'), clamp(start + (5 + i * 2) * MINUTE), { ip, location, device: agent }))
    }
    for (const [i, name] of ['M&A target shortlist.pptx', 'Board minutes - March.docx'].entries()) {
      out.push(
        draft(context, ceo, 'sharepoint', findTemplate('sharepoint', 'FileDownloaded'), clamp(start + (14 + i * 3) * MINUTE), {
          ip,
          location,
          device: agent,
          target: sharePointFile('Leadership', name),
        }),
      )
    }
  }

  // 2. An HR business partner bulk-downloads personnel files in the evening.
  {
    const hr = profile('klaus.becker')
    const start = storyTime(window, 0.82, 19.2, hr.place)
    const ip = hr.homeIp ?? '198.51.100.1'
    const people = context.users.slice(0, 45)
    people.forEach((person, i) => {
      const name = `Personnel file - ${person.displayName}.pdf`
      out.push(
        draft(context, hr, 'sharepoint', findTemplate('sharepoint', 'FileDownloaded'), clamp(start + i * random.int(8_000, 25_000)), {
          ip,
          location: { country: hr.place.country, city: hr.place.city },
          device: { type: 'desktop', userAgent: hr.desktopAgent },
          target: sharePointFile('HR', name, 'Personnel Files'),
        }),
      )
    })
  }

  // 3. Legal shares an NDA with a partner; two external users open it.
  {
    const counsel = profile('adele.vance')
    const shareAt = storyTime(window, 0.5, 10.5, counsel.place)
    const nda = sharePointFile('Partners', 'NDA - Fabrikam.docx')
    out.push(
      draft(context, counsel, 'sharepoint', findTemplate('sharepoint', 'SharingInvitationCreated'), clamp(shareAt), {
        target: nda,
        description: `${counsel.displayName} shared file NDA - Fabrikam.docx with ruth.kessler@partner.example and tom.baker@partner.example`,
      }),
    )
    for (const [k, guest] of [profile('ruth.kessler@partner.example'), profile('tom.baker@partner.example')].entries()) {
      const openAt = shareAt + (45 + k * 70) * MINUTE
      out.push(draft(context, guest, 'entra', findTemplate('entra', 'UserLoggedIn'), clamp(openAt), { result: 'success' }))
      out.push(draft(context, guest, 'sharepoint', findTemplate('sharepoint', 'FileAccessed'), clamp(openAt + 2 * MINUTE), { target: nda }))
      out.push(draft(context, guest, 'sharepoint', findTemplate('sharepoint', 'FileDownloaded'), clamp(openAt + 5 * MINUTE), { target: nda }))
    }
  }

  // 4. A service principal assigns privileged roles on a Saturday night, including one to a guest.
  {
    const ci = profile('app:terraform-ci')
    const saturday = nextSaturday(at(0.45))
    const start = clamp(saturday + 2 * HOUR + 14 * MINUTE)
    const assign = findTemplate('entra', 'Add member to role.', ADMIN_ACTIONS)
    const service = { type: 'server', userAgent: ci.desktopAgent }
    const sp = { type: 'application', id: ci.ids.microsoft, name: 'terraform-ci' }
    out.push(
      draft(context, ci, 'entra', findTemplate('entra', 'Add service principal credentials.', ADMIN_ACTIONS), start, {
        target: sp,
        device: service,
        description: 'terraform-ci added a client secret to service principal terraform-ci',
      }),
    )
    const grants: readonly (readonly [string, string])[] = [
      ['allan.deyoung', 'User Administrator'],
      ['grady.archie', 'Privileged Role Administrator'],
      ['irvin.sayers', 'Security Administrator'],
      ['rahul.verma@vendor.io', 'Global Administrator'],
    ]
    grants.forEach(([who, role], i) => {
      const person = profile(who)
      out.push(
        draft(context, ci, 'entra', assign, clamp(start + (i + 1) * 35_000), {
          target: { type: 'user', id: person.upn ?? '', name: person.displayName },
          extra: role,
          device: service,
        }),
      )
    })
    out.push(
      draft(context, ci, 'aws', findTemplate('aws', 'AttachRolePolicy', ADMIN_ACTIONS), clamp(start + 4 * MINUTE), {
        target: { type: 'role', id: 'arn:aws:iam::111122223333:role/vendor-access', name: 'vendor-access' },
        extra: 'AdministratorAccess',
        device: service,
      }),
    )
  }

  // 5. An accounts payable mailbox gets a rule that forwards invoices outside the company.
  {
    const ap = profile('emily.braun')
    const start = storyTime(window, 0.35, 7.3, ap.place)
    const location = { country: 'NL', city: 'Amsterdam' }
    const ip = '203.0.113.211'
    out.push(draft(context, ap, 'entra', findTemplate('entra', 'UserLoggedIn'), clamp(start), { ip, location, result: 'success', device: { type: 'desktop', userAgent: UA.windowsChrome } }))
    out.push(
      draft(context, ap, 'exchange', findTemplate('exchange', 'New-InboxRule'), clamp(start + 6 * MINUTE), {
        ip,
        location,
        device: { type: 'desktop', userAgent: UA.windowsChrome },
        target: { type: 'mailbox.rule', id: `${ap.upn ?? ''}\\..`, name: '..' },
        extra: 'forward messages containing "invoice" or "payment" to ap.payments.dept@gmail.com and delete them',
      }),
    )
  }

  // 6. A leaver: deprovisioned, and someone keeps trying the account.
  {
    const leaver = profile('sean.obrien')
    const sync = profile('app:HR Sync Connector')
    const leftAt = at(TIMELINE.leaver)
    out.push(
      draft(context, sync, 'entra', findTemplate('entra', 'Disable account.', ADMIN_ACTIONS), clamp(leftAt + MINUTE), {
        target: { type: 'user', id: leaver.upn ?? '', name: leaver.displayName },
        device: { type: 'server', userAgent: sync.desktopAgent },
      }),
    )
    const attempt = findTemplate('okta', 'user.session.start')
    for (let i = 0; i < 3; i++) {
      out.push(
        draft(context, leaver, 'okta', attempt, clamp(nextLocalTime(leftAt, 8.7, leaver.place) + i * 90_000), {
          result: 'failure',
          extra: 'user is deactivated',
          ip: '203.0.113.230',
          location: { country: 'GB', city: 'Leeds' },
          device: { type: 'mobile', userAgent: UA.android },
        }),
      )
    }
  }

  // 7. A new hire is provisioned and registers her security info on day one.
  {
    const hire = profile('priya.raman')
    const sync = profile('app:HR Sync Connector')
    const joinedAt = at(TIMELINE.newHire)
    out.push(
      draft(context, sync, 'entra', findTemplate('entra', 'Add user.', ADMIN_ACTIONS), clamp(joinedAt), {
        target: { type: 'user', id: hire.upn ?? '', name: hire.displayName },
        device: { type: 'server', userAgent: sync.desktopAgent },
      }),
    )
    const firstDay = nextLocalTime(joinedAt, 9.2, hire.place)
    out.push(draft(context, hire, 'entra', findTemplate('entra', 'UserLoggedIn'), clamp(firstDay), { result: 'success' }))
    out.push(draft(context, hire, 'entra', findTemplate('entra', 'User registered security info'), clamp(firstDay + 4 * MINUTE)))
  }

  // 8. A move from Legal to Finance, as the HR system reports it.
  {
    const mover = profile('oliver.grant')
    const sync = profile('app:HR Sync Connector')
    out.push(
      draft(context, sync, 'entra', findTemplate('entra', 'Update user.', ADMIN_ACTIONS), clamp(at(TIMELINE.departmentMove)), {
        target: { type: 'user', id: mover.upn ?? '', name: mover.displayName },
        device: { type: 'server', userAgent: sync.desktopAgent },
        description: `HR Sync Connector updated user ${mover.displayName}: department Legal → Finance`,
      }),
    )
  }

  // 9. A password spray: one address tries one password against many accounts within minutes.
  {
    const start = storyTime(window, 0.62, 3.4, OFFICES.london)
    const signIn = findTemplate('entra', 'UserLoggedIn')
    const targets = context.profiles.filter((p) => p.kind === 'member' && p.activeFrom <= start && p.activeTo >= start)
    targets.slice(0, 30).forEach((person, i) => {
      out.push(
        draft(context, person, 'entra', signIn, clamp(start + i * random.int(4_000, 11_000)), {
          result: 'failure',
          extra: 'invalid username or password',
          ip: '203.0.113.66',
          location: { country: 'VN', city: 'Hanoi' },
          device: { type: 'unknown', userAgent: 'python-requests/2.32.3' },
          target: { type: 'application', id: '00000002-0000-0ff1-ce00-000000000000', name: 'Office 365 Exchange Online' },
        }),
      )
    })
  }

  return out
}

/** The first time after `time` that is `localHour` o'clock at `place`. */
function nextLocalTime(time: number, localHour: number, place: Place): number {
  const offset = place.utcOffset * HOUR
  const candidate = Math.floor((time + offset) / DAY) * DAY - offset + Math.round(localHour * HOUR)
  return candidate > time ? candidate : candidate + DAY
}

/** Midnight UTC of the first Saturday at or after `time`. */
function nextSaturday(time: number): number {
  const midnight = Math.floor(time / DAY) * DAY
  const weekday = new Date(midnight).getUTCDay()
  return midnight + ((6 - weekday + 7) % 7) * DAY
}
