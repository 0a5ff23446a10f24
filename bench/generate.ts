/**
 * Deterministic, realistic activities for the benchmark, in Veil's generic JSON ingest format.
 *
 * A population of ~5,000 people across three managed domains (plus guests and contractors), service
 * principals and the system actor works in 9 cloud apps with 43 action types (failures included).
 * Activity per person is skewed (a few heavy users, many light ones), addresses follow where people
 * work (shared office NAT addresses, one home address per person, mobile IPv6, cloud ranges for
 * services), and every record carries the extra source fields real audit events have (tenant,
 * correlation, session and request ids, record type, workload, ...): ~1.2 KB of JSON per record.
 *
 * Records come in arrival order: the period (the `days` before `now`) is spread over the whole run, so
 * each batch holds the activities of a few minutes, with a realistic tail of late deliveries (minutes
 * to two days late). Ids are GUIDs whose first 32 bits are a bijection of the record's position, so they
 * are unique, look random, and land at random places in the id index — as real source ids do.
 *
 * Everything comes from seeded PRNG streams ({@link createRandom}: one for the population, one for the
 * records), so the same seed and options give the same records.
 *
 * @module
 */

import { createRandom, type Random } from '../src/demo/demo-data.js'

/** One generated record: Veil's ingest format plus source-specific extra fields (kept in `raw`). */
export interface BenchRecord {
  readonly id: string
  readonly time: string
  readonly actor: { readonly upn?: string; readonly sourceId: string; readonly displayName: string; readonly type: 'user' | 'application' | 'system' }
  readonly app: string
  readonly action: { readonly type: string; readonly name: string }
  readonly ip: string | null
  readonly location: { readonly country: string; readonly city: string } | null
  readonly device: { readonly type: string; readonly userAgent: string } | null
  readonly target: { readonly type: string; readonly id: string; readonly name: string } | null
  readonly result: 'success' | 'failure'
  readonly description: string
  readonly [extra: string]: unknown
}

/** What the query benchmark filters on, sampled from generated records so every value exists. */
export interface QuerySample {
  readonly upn: string
  readonly app: string
  readonly actionType: string
  readonly ip: string
}

const HOUR = 3_600_000
const DAY = 24 * HOUR
const HEX = '0123456789abcdef'

// ---------------------------------------------------------------------------------------------------
// Static data
// ---------------------------------------------------------------------------------------------------

interface Office {
  readonly key: string
  readonly country: string
  readonly city: string
  /** Office NAT addresses (documentation range 192.0.2.0/24). */
  readonly ips: readonly string[]
}

const OFFICE_PLACES: ReadonlyArray<readonly [string, string, string]> = [
  ['seattle', 'US', 'Seattle'],
  ['new-york', 'US', 'New York'],
  ['toronto', 'CA', 'Toronto'],
  ['london', 'GB', 'London'],
  ['dublin', 'IE', 'Dublin'],
  ['munich', 'DE', 'Munich'],
  ['berlin', 'DE', 'Berlin'],
  ['paris', 'FR', 'Paris'],
  ['amsterdam', 'NL', 'Amsterdam'],
  ['madrid', 'ES', 'Madrid'],
  ['warsaw', 'PL', 'Warsaw'],
  ['bengaluru', 'IN', 'Bengaluru'],
  ['singapore', 'SG', 'Singapore'],
  ['sydney', 'AU', 'Sydney'],
]
/** Where people are when they travel. */
const TRAVEL_PLACES: ReadonlyArray<readonly [string, string]> = [
  ['US', 'Chicago'],
  ['US', 'Austin'],
  ['GB', 'Manchester'],
  ['DE', 'Hamburg'],
  ['FR', 'Lyon'],
  ['IT', 'Milan'],
  ['JP', 'Tokyo'],
  ['BR', 'São Paulo'],
  ['AE', 'Dubai'],
  ['CH', 'Zurich'],
]

const MANAGED_DOMAINS: ReadonlyArray<readonly [string, number]> = [
  ['contoso.com', 0.6],
  ['fabrikam.com', 0.25],
  ['northwindtraders.com', 0.15],
]
const EXTERNAL_DOMAINS = ['partner.example', 'vendor.io', 'gmail.com', 'outlook.com', 'consulting.example']

const FIRST_NAMES = [
  'Adele', 'Alex', 'Allan', 'Ananya', 'Anna', 'Arjun', 'Ben', 'Bogdan', 'Camille', 'Carlos', 'Chloé', 'Christie', 'Daniel', 'Diego',
  'Elena', 'Emily', 'Emma', 'Fatima', 'Felix', 'Gabriel', 'Grady', 'Hana', 'Henrietta', 'Ingrid', 'Irvin', 'Isabella', 'Isaiah', 'Jan',
  'Jana', 'Johanna', 'Joni', 'José', 'Kenji', 'Klaus', 'Lars', 'Laura', 'Lee', 'Lidia', 'Lukas', 'Lynne', 'Marcus', 'Maria', 'Megan',
  'Mei', 'Miguel', 'Miriam', 'Nadia', 'Nestor', 'Noah', 'Nora', 'Olga', 'Oliver', 'Omar', 'Patti', 'Pradeep', 'Priya', 'Rahul', 'Raymond',
  'Ruth', 'Samira', 'Sean', 'Sofia', 'Sophie', 'Stefan', 'Thandiwe', 'Tom', 'Tomás', 'Wei', 'Wojciech', 'Yuki', 'Zainab', 'Zoe',
]
const LAST_NAMES = [
  'Adams', 'Al-Sayed', 'Archie', 'Becker', 'Bowen', 'Braun', 'Chen', 'Cline', 'Costa', 'de Vries', 'Deyoung', 'Dubois', 'Eriksson',
  'Fernandez', 'Fischer', 'Garcia', 'Grant', 'Gu', 'Gupta', 'Haddad', 'Herrera', 'Hoffmann', 'Holloway', 'Iyer', 'Johansson', 'Johnson',
  'Kim', 'Kowalczyk', 'Langer', 'Laurent', 'Lorenz', 'Martin', 'Mehta', 'Mueller', 'Nakamura', 'Nguyen', 'Nkosi', 'Nowak', 'Okafor',
  "O'Brien", 'Park', 'Petrova', 'Raman', 'Robbins', 'Rossi', 'Santos', 'Sayers', 'Schmidt', 'Sherman', 'Siciliani', 'Silva', 'Singh',
  'Tanaka', 'Vance', 'Verma', 'Wagner', 'Watanabe', 'Wilber', 'Wilke', 'Williams', 'Wong', 'Yilmaz', 'Zhang',
]

const DEPARTMENTS: ReadonlyArray<readonly [string, number]> = [
  ['Engineering', 0.28],
  ['Sales', 0.18],
  ['Operations', 0.1],
  ['Finance', 0.08],
  ['Marketing', 0.08],
  ['Support', 0.1],
  ['HR', 0.05],
  ['Legal', 0.03],
  ['IT Security', 0.04],
  ['Executive', 0.01],
  ['Works Council', 0.01],
  ['Product', 0.04],
]

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
  outlookIos: 'Outlook-iOS/2.0',
  oneDriveSync: 'Microsoft SkyDriveSync 24.116.0609.0004 ship; Windows NT 10.0 (19045)',
  teamsDesktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0 Teams/24152.405.2925.6762',
  git: 'git/2.45.2',
  awsCli: 'aws-cli/2.17.5 md/awscrt#0.20.11 ua/2.0 os/macos#23.5.0 md/arch#arm64 lang/python#3.11.9 md/installer#exe command/s3.cp',
  awsConsole: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 (AWS console)',
} as const

type AppKey = 'exchange' | 'sharepoint' | 'onedrive' | 'teams' | 'entra' | 'okta' | 'google' | 'github' | 'aws'

const APPS: Readonly<Record<AppKey, { readonly name: string; readonly workload: string; readonly recordType: number }>> = {
  exchange: { name: 'Microsoft Exchange Online', workload: 'Exchange', recordType: 2 },
  sharepoint: { name: 'Microsoft SharePoint Online', workload: 'SharePoint', recordType: 6 },
  onedrive: { name: 'Microsoft OneDrive for Business', workload: 'OneDrive', recordType: 6 },
  teams: { name: 'Microsoft Teams', workload: 'MicrosoftTeams', recordType: 25 },
  entra: { name: 'Microsoft Entra ID', workload: 'AzureActiveDirectory', recordType: 15 },
  okta: { name: 'Okta', workload: 'Okta', recordType: 0 },
  google: { name: 'Google Workspace', workload: 'Drive', recordType: 0 },
  github: { name: 'GitHub', workload: 'GitHub', recordType: 0 },
  aws: { name: 'Amazon Web Services', workload: 'CloudTrail', recordType: 0 },
}

type TargetKind = 'file' | 'mail' | 'inboxRule' | 'signin' | 'channel' | 'meeting' | 'none' | 'self' | 'oauthApp' | 'oktaApp' | 'repo' | 'pullRequest' | 'awsRole' | 'awsObject' | 'awsAccount' | 'directoryUser'
type ClientKind = 'browser' | 'mail' | 'sync' | 'teams' | 'git' | 'aws' | 'console'

interface ActionTemplate {
  readonly type: string
  readonly name: string
  readonly target: TargetKind
  readonly client: ClientKind
  readonly weight: number
  readonly verb: string
  /** Failure rate and the failing variant's type. */
  readonly failure?: { readonly rate: number; readonly type: string }
}

const a = (type: string, name: string, target: TargetKind, weight: number, verb: string, client: ClientKind = 'browser', failure?: ActionTemplate['failure']): ActionTemplate =>
  failure === undefined ? { type, name, target, weight, verb, client } : { type, name, target, weight, verb, client, failure }

const ACTIONS: Readonly<Record<AppKey, readonly ActionTemplate[]>> = {
  exchange: [
    a('mail.send', 'Send', 'mail', 30, 'sent message', 'mail'),
    a('mail.read', 'MailItemsAccessed', 'mail', 40, 'accessed message', 'mail'),
    a('mail.delete', 'MoveToDeletedItems', 'mail', 10, 'deleted message', 'mail'),
    a('mailbox.rule.create', 'New-InboxRule', 'inboxRule', 0.6, 'created inbox rule', 'mail'),
    a('mailbox.rule.update', 'Set-InboxRule', 'inboxRule', 0.3, 'changed inbox rule', 'mail'),
  ],
  sharepoint: [
    a('file.view', 'FileAccessed', 'file', 40, 'viewed file'),
    a('file.download', 'FileDownloaded', 'file', 14, 'downloaded file'),
    a('file.upload', 'FileUploaded', 'file', 8, 'uploaded file'),
    a('file.modify', 'FileModified', 'file', 16, 'modified file'),
    a('file.rename', 'FileRenamed', 'file', 2, 'renamed file'),
    a('file.delete', 'FileDeleted', 'file', 2, 'deleted file'),
    a('file.share', 'SharingInvitationCreated', 'file', 1.5, 'shared file'),
  ],
  onedrive: [
    a('file.view', 'FileAccessed', 'file', 30, 'viewed file'),
    a('file.modify', 'FileModified', 'file', 20, 'modified file'),
    a('file.upload', 'FileSyncUploadedFull', 'file', 10, 'synced file', 'sync'),
    a('file.download', 'FileSyncDownloadedFull', 'file', 8, 'synced down file', 'sync'),
    a('file.share', 'SharingSet', 'file', 2, 'changed sharing of file'),
  ],
  teams: [
    a('session.start', 'TeamsSessionStarted', 'none', 25, 'started a Teams session', 'teams'),
    a('message.send', 'MessageSent', 'channel', 30, 'posted a message in', 'teams'),
    a('meeting.join', 'MeetingParticipantDetail', 'meeting', 15, 'joined meeting', 'teams'),
    a('channel.create', 'ChannelAdded', 'channel', 0.6, 'created channel', 'teams'),
  ],
  entra: [
    a('login', 'UserLoggedIn', 'signin', 60, 'signed in to', 'browser', { rate: 0.12, type: 'login.failed' }),
    a('mfa.register', 'User registered security info', 'self', 0.4, 'registered security info'),
    a('password.change', 'Change user password.', 'self', 0.4, 'changed their password'),
    a('app.consent', 'Consent to application.', 'oauthApp', 0.3, 'consented to application'),
    a('role.assign', 'Add member to role.', 'directoryUser', 0.2, 'assigned a role to'),
    a('user.update', 'Update user.', 'directoryUser', 0.5, 'updated user'),
  ],
  okta: [
    a('login', 'user.session.start', 'signin', 40, 'signed in to', 'browser', { rate: 0.09, type: 'login.failed' }),
    a('login.sso', 'user.authentication.sso', 'oktaApp', 50, 'signed in with single sign-on to'),
    a('mfa.verify', 'user.authentication.auth_via_mfa', 'self', 30, 'verified a push with Okta Verify', 'browser', { rate: 0.05, type: 'mfa.denied' }),
    a('logout', 'user.session.end', 'none', 8, 'signed out of Okta'),
    a('group.member.add', 'group.user_membership.add', 'directoryUser', 0.3, 'added to an Okta group'),
  ],
  google: [
    a('login', 'login_success', 'signin', 20, 'signed in to', 'browser', { rate: 0.09, type: 'login.failed' }),
    a('file.view', 'view', 'file', 40, 'viewed file'),
    a('file.modify', 'edit', 'file', 20, 'edited file'),
    a('file.download', 'download', 'file', 8, 'downloaded file'),
    a('file.share', 'change_user_access', 'file', 3, 'shared file'),
    a('oauth.authorize', 'authorize', 'oauthApp', 0.8, 'authorized application'),
  ],
  github: [
    a('repo.fetch', 'git.fetch', 'repo', 35, 'fetched from repository', 'git'),
    a('repo.push', 'git.push', 'repo', 25, 'pushed to repository', 'git', { rate: 0.05, type: 'repo.push.rejected' }),
    a('repo.clone', 'git.clone', 'repo', 12, 'cloned repository', 'git'),
    a('pull_request.create', 'pull_request.create', 'pullRequest', 8, 'opened pull request'),
    a('pull_request.review', 'pull_request_review.submit', 'pullRequest', 8, 'reviewed pull request'),
    a('pull_request.merge', 'pull_request.merge', 'pullRequest', 5, 'merged pull request'),
  ],
  aws: [
    a('login', 'ConsoleLogin', 'awsAccount', 15, 'signed in to the AWS console of account', 'console', { rate: 0.1, type: 'login.failed' }),
    a('role.assume', 'AssumeRoleWithSAML', 'awsRole', 20, 'assumed role', 'aws'),
    a('object.read', 'GetObject', 'awsObject', 20, 'read object', 'aws', { rate: 0.08, type: 'access.denied' }),
    a('object.write', 'PutObject', 'awsObject', 8, 'wrote object', 'aws', { rate: 0.08, type: 'access.denied' }),
    a('instance.list', 'DescribeInstances', 'awsAccount', 15, 'listed EC2 instances in account', 'aws'),
  ],
}

/** App mix per department (relative weights); everyone also has the base mix. */
const BASE_APPS: ReadonlyArray<readonly [AppKey, number]> = [
  ['exchange', 28],
  ['sharepoint', 14],
  ['onedrive', 10],
  ['teams', 16],
  ['entra', 14],
  ['okta', 12],
]
const DEPARTMENT_APPS: Readonly<Record<string, ReadonlyArray<readonly [AppKey, number]>>> = {
  Engineering: [['github', 30], ['aws', 10]],
  Product: [['github', 8], ['google', 6]],
  'IT Security': [['aws', 8], ['github', 4], ['entra', 8], ['okta', 4]],
  Sales: [['google', 14]],
  Marketing: [['google', 12]],
  Support: [['google', 4]],
}

const FILES = [
  'Q3 forecast.xlsx', 'Budget FY26.xlsx', 'Invoice register.xlsx', 'Pipeline Q3.xlsx', 'Pricing sheet 2025.xlsx', 'Customer list EMEA.csv',
  'Architecture overview.vsdx', 'Release plan 4.2.docx', 'On-call runbook.docx', 'Salary review 2025.xlsx', 'Board pack Q3.pptx',
  'Strategy 2026.pptx', 'NDA - Fabrikam.docx', 'Master services agreement v7.docx', 'All hands - slides.pptx', 'Travel policy.pdf',
  'Expense report.xlsx', 'Meeting notes.docx', 'Campaign calendar.xlsx', 'Incident report 2025-014.docx', 'Access review Q2.xlsx',
]
const SITES = ['Finance', 'Sales', 'Engineering', 'HR', 'Leadership', 'Legal', 'Marketing', 'Intranet', 'Security', 'Operations']
const MAIL_SUBJECTS = [
  'Re: Q3 numbers', 'Weekly sync', 'Invoice #4471 from Northwind Traders', 'Contract redlines', 'Customer escalation', 'Re: Release 4.2 go/no-go',
  'Lunch on Thursday?', 'Board deck draft', 'Candidate feedback', 'FW: Travel booking confirmation', 'Action required: access review',
]
const CHANNELS = ['General', 'Announcements', 'Project Phoenix', 'Random', 'Incidents', 'Deals', 'Releases']
const MEETINGS = ['Weekly team sync', 'Quarterly business review', '1:1', 'Sprint planning', 'Customer call', 'All hands', 'Incident review']
const SIGNIN_TARGETS = ['Office 365 Exchange Online', 'Office 365 SharePoint Online', 'Microsoft Teams', 'Microsoft Office', 'Azure Portal', 'Okta Dashboard', 'Google Workspace']
const OAUTH_APPS = ['Calendly', 'Grammarly', 'Miro', 'Zoom for Outlook', 'DocuSign']
const OKTA_APPS = ['Salesforce', 'Slack', 'Workday', 'Zoom', 'Atlassian Cloud', 'AWS IAM Identity Center', 'GitHub Enterprise Cloud']
const REPOS = ['payments-api', 'web-portal', 'infrastructure', 'mobile-app', 'data-pipeline', 'design-system', 'security-tools', 'search-service']
const AWS_ACCOUNTS = ['111122223333', '444455556666', '777788889999']
const AWS_ROLES = ['EngineerReadOnly', 'PowerUser', 'DataEngineer', 'SecurityAudit', 'TerraformDeploy']
const AWS_OBJECTS = ['exports/2025/orders.parquet', 'reports/monthly-revenue.csv', 'logs/app-2025-05-01.gz', 'ml/features/customers.parquet']
const FAILURE_REASONS = ['invalid username or password', 'MFA denied', 'account locked', 'INVALID_CREDENTIALS', 'access denied by policy']

interface ServiceSpec {
  readonly name: string
  readonly userAgent: string
  readonly weight: number
  readonly actions: ReadonlyArray<readonly [AppKey, ActionTemplate]>
}

const SERVICES: readonly ServiceSpec[] = [
  {
    name: 'Backup Service',
    userAgent: 'BackupAgent/7.4 (Microsoft Graph; +https://backup.contoso.example)',
    weight: 40,
    actions: [
      ['sharepoint', a('file.download', 'FileDownloaded', 'file', 5, 'backed up file')],
      ['onedrive', a('file.download', 'FileDownloaded', 'file', 4, 'backed up file')],
      ['exchange', a('mail.read', 'MailItemsAccessed', 'mail', 4, 'backed up message')],
    ],
  },
  {
    name: 'terraform-ci',
    userAgent: 'APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.54.1 aws-sdk-go-v2/1.27.2 os/linux lang/go#1.22.3',
    weight: 15,
    actions: [
      ['aws', a('role.assume', 'AssumeRole', 'awsRole', 5, 'assumed role')],
      ['aws', a('instance.list', 'DescribeInstances', 'awsAccount', 4, 'listed EC2 instances in account')],
      ['aws', a('instance.create', 'RunInstances', 'awsAccount', 1, 'launched an EC2 instance in account')],
    ],
  },
  {
    name: 'HR Sync Connector',
    userAgent: 'Microsoft.Identity.Provisioning/1.0',
    weight: 8,
    actions: [
      ['entra', a('user.update', 'Update user.', 'directoryUser', 5, 'updated user')],
      ['entra', a('group.member.add', 'Add member to group.', 'directoryUser', 1, 'added to a group')],
    ],
  },
  {
    name: 'dependabot[bot]',
    userAgent: 'GitHub-Dependabot/1.0',
    weight: 6,
    actions: [
      ['github', a('pull_request.create', 'pull_request.create', 'pullRequest', 3, 'opened pull request')],
      ['github', a('repo.push', 'git.push', 'repo', 2, 'pushed a dependency update branch to')],
    ],
  },
  {
    name: 'Power Automate Flow',
    userAgent: 'azure-logic-apps/1.0 (workflow 7b1f; version 08584)',
    weight: 10,
    actions: [
      ['sharepoint', a('file.upload', 'FileUploaded', 'file', 3, 'filed invoice')],
      ['exchange', a('mail.send', 'Send', 'mail', 2, 'sent message')],
    ],
  },
]

// ---------------------------------------------------------------------------------------------------
// Population
// ---------------------------------------------------------------------------------------------------

interface MenuItem {
  readonly app: AppKey
  readonly template: ActionTemplate
}

/** A weighted choice among many items: cumulative weights, picked by binary search. */
class WeightedTable<T> {
  readonly #items: readonly T[]
  readonly #cumulative: Float64Array

  constructor(items: ReadonlyArray<readonly [T, number]>) {
    this.#items = items.map(([item]) => item)
    this.#cumulative = new Float64Array(items.length)
    let total = 0
    items.forEach(([, weight], i) => {
      total += weight
      this.#cumulative[i] = total
    })
  }

  /** Every item, in table order. */
  get items(): readonly T[] {
    return this.#items
  }

  get size(): number {
    return this.#items.length
  }

  pick(random: Random): T {
    const total = this.#cumulative[this.#cumulative.length - 1] ?? 0
    const roll = random.next() * total
    let low = 0
    let high = this.#cumulative.length - 1
    while (low < high) {
      const mid = (low + high) >>> 1
      if ((this.#cumulative[mid] ?? 0) > roll) {
        high = mid
      } else {
        low = mid + 1
      }
    }
    return this.#items[low] as T
  }
}

interface Actor {
  readonly upn: string | null
  readonly displayName: string
  readonly sourceId: string
  readonly type: 'user' | 'application' | 'system'
  readonly office: Office | null
  readonly homeIp: string
  readonly mobileIp: string | null
  readonly desktopAgent: string
  readonly mobileAgent: string
  readonly mobileShare: number
  readonly tenant: string
  readonly menu: WeightedTable<MenuItem>
}

/** The organization the records come from. */
export interface Population {
  readonly actors: WeightedTable<Actor>
  /** People (managed domains and external), for reporting. */
  readonly people: number
  readonly tenantId: string
  readonly organizationId: string
}

function pickWeighted<T>(random: Random, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0)
  let roll = random.next() * total
  for (const [item, weight] of items) {
    roll -= weight
    if (roll < 0) {
      return item
    }
  }
  return (items[items.length - 1] as readonly [T, number])[0]
}

function clean(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '')
}

function menuFor(apps: ReadonlyArray<readonly [AppKey, number]>): WeightedTable<MenuItem> {
  const weights = new Map<AppKey, number>()
  for (const [app, weight] of apps) {
    weights.set(app, (weights.get(app) ?? 0) + weight)
  }
  const entries: Array<readonly [MenuItem, number]> = []
  for (const [app, appWeight] of weights) {
    const templates = ACTIONS[app]
    const total = templates.reduce((sum, t) => sum + t.weight, 0)
    for (const template of templates) {
      entries.push([{ app, template }, (appWeight * template.weight) / total])
    }
  }
  return new WeightedTable(entries)
}

/**
 * The population: `people` people (95% in the managed domains, 5% guests and contractors), the service
 * principals and the system actor, with skewed activity levels.
 */
export function createPopulation(seed: number, people = 5000): Population {
  const random = createRandom(seed)
  const offices: Office[] = OFFICE_PLACES.map(([key, country, city], index) => ({
    key,
    country,
    city,
    ips: Array.from({ length: 6 }, (_, k) => `192.0.2.${10 + index * 6 + k}`),
  }))
  const seen = new Set<string>()
  const actors: Array<readonly [Actor, number]> = []
  for (let index = 0; index < people; index++) {
    const external = random.chance(0.05)
    const domain = external ? random.pick(EXTERNAL_DOMAINS) : pickWeighted(random, MANAGED_DOMAINS)
    const first = random.pick(FIRST_NAMES)
    const last = random.pick(LAST_NAMES)
    let local = `${clean(first)}.${clean(last)}`
    for (let n = 2; seen.has(`${local}@${domain}`); n++) {
      local = `${clean(first)}.${clean(last)}${n}`
    }
    const upn = `${local}@${domain}`
    seen.add(upn)
    const department = external ? 'External' : pickWeighted(random, DEPARTMENTS)
    const engineer = department === 'Engineering' || department === 'Product'
    const apps = external ? ([['sharepoint', 6], ['teams', 2], ['entra', 2], ['github', 2]] as const) : [...BASE_APPS, ...(DEPARTMENT_APPS[department] ?? [])]
    // Activity is skewed: most people are light users, a few are very heavy (lognormal-ish).
    const weight = Math.exp((random.next() + random.next() + random.next() - 1.5) * 2.2)
    // Home addresses come from the shared address space 100.64.0.0/10 (RFC 6598): no real host.
    const home = 0x64400000 + index * 97 + random.int(0, 96)
    actors.push([
      {
        upn: external ? upn : random.chance(0.03) ? upn.toUpperCase() : upn,
        displayName: `${first} ${last}`,
        sourceId: random.guid(),
        type: 'user',
        office: external ? null : random.pick(offices),
        homeIp: `${home >>> 24}.${(home >>> 16) & 255}.${(home >>> 8) & 255}.${home & 255}`,
        mobileIp: `2001:db8:${(0x1000 + index).toString(16)}:${random.token(4, HEX).replace(/^0+(?=.)/, '')}::${random.token(3, HEX).replace(/^0+(?=.)/, '')}`,
        desktopAgent: engineer ? random.pick([UA.macChrome, UA.macSafari, UA.windowsFirefox, UA.linuxFirefox]) : random.pick([UA.windowsEdge, UA.windowsEdge, UA.windowsChrome, UA.macSafari]),
        mobileAgent: random.chance(0.6) ? UA.iphone : UA.android,
        mobileShare: department === 'Sales' || department === 'Executive' ? 0.3 : 0.1,
        tenant: domain.split('.')[0] ?? 'contoso',
        menu: menuFor(apps),
      },
      weight,
    ])
  }
  const userWeight = actors.reduce((sum, [, w]) => sum + w, 0)
  // Service principals produce ~8% of the activities, the system actor ~1%.
  const serviceTotal = SERVICES.reduce((sum, s) => sum + s.weight, 0)
  SERVICES.forEach((spec, index) => {
    actors.push([
      {
        upn: null,
        displayName: spec.name,
        sourceId: random.guid(),
        type: 'application',
        office: null,
        homeIp: index % 2 === 0 ? `198.51.100.${20 + index}` : `203.0.113.${20 + index}`,
        mobileIp: null,
        desktopAgent: spec.userAgent,
        mobileAgent: spec.userAgent,
        mobileShare: 0,
        tenant: 'contoso',
        menu: new WeightedTable(spec.actions.map(([app, template]) => [{ app, template }, template.weight] as const)),
      },
      (userWeight * 0.08 * spec.weight) / serviceTotal,
    ])
  })
  actors.push([
    {
      upn: null,
      displayName: 'System',
      sourceId: 'system',
      type: 'system',
      office: null,
      homeIp: '198.51.100.250',
      mobileIp: null,
      desktopAgent: '',
      mobileAgent: '',
      mobileShare: 0,
      tenant: 'contoso',
      menu: new WeightedTable([
        [{ app: 'exchange', template: a('mailbox.update', 'Set-Mailbox', 'mail', 1, 'updated mailbox (mailbox maintenance)') }, 2],
        [{ app: 'sharepoint', template: a('file.delete', 'FileDeleted', 'file', 1, 'deleted file (retention policy)') }, 1],
      ]),
    },
    userWeight * 0.01,
  ])
  return { actors: new WeightedTable(actors), people, tenantId: random.guid(), organizationId: random.guid() }
}

// ---------------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------------

export interface GeneratorOptions {
  readonly seed: number
  /** End of the period, ms since the epoch; no record is later. */
  readonly now: number
  /** Length of the period, days. */
  readonly days: number
  /** Records the whole run will generate (spreads the period over them). */
  readonly total: number
}

/** A 32-bit bijection (multiply by an odd constant, xorshift): distinct inputs give distinct outputs. */
function mix32(value: number): number {
  let x = Math.imul(value ^ 0x5bd1e995, 0x9e3779b1) >>> 0
  x ^= x >>> 16
  x = Math.imul(x, 0x85ebca6b) >>> 0
  x ^= x >>> 13
  return x >>> 0
}

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function hex8(value: number): string {
  return `${HEX_BYTES[(value >>> 24) & 255]}${HEX_BYTES[(value >>> 16) & 255]}${HEX_BYTES[(value >>> 8) & 255]}${HEX_BYTES[value & 255]}`
}

function draw32(random: Random): number {
  return Math.floor(random.next() * 4294967296)
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** `length` alphanumeric characters, five per 32-bit draw. */
function token(random: Random, length: number): string {
  let out = ''
  while (out.length < length) {
    let value = draw32(random)
    for (let k = 0; k < 5 && out.length < length; k++) {
      out += ALPHANUMERIC.charAt(value % 62)
      value = Math.floor(value / 62)
    }
  }
  return out
}

/** A version 4 shaped GUID from four 32-bit draws (the demo PRNG's `guid()` draws once per hex digit). */
function guidFrom(random: Random): string {
  const a = hex8(draw32(random))
  const b = hex8(draw32(random))
  const c = hex8(draw32(random))
  const d = hex8(draw32(random))
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${'89ab'.charAt(c.charCodeAt(0) & 3)}${c.slice(1, 4)}-${c.slice(4)}${d}`
}

/** Replays the same records for the same options. */
export class RecordGenerator {
  readonly #population: Population
  readonly #options: GeneratorOptions
  readonly #random: Random
  readonly #start: number
  #index = 0

  constructor(population: Population, options: GeneratorOptions) {
    this.#population = population
    this.#options = options
    this.#random = createRandom(options.seed)
    this.#start = options.now - options.days * DAY
  }

  /** Records generated so far. */
  get generated(): number {
    return this.#index
  }

  /** The next `size` records (fewer at the end of the run). */
  nextBatch(size: number): BenchRecord[] {
    const out: BenchRecord[] = []
    const end = Math.min(this.#options.total, this.#index + size)
    while (this.#index < end) {
      out.push(this.#record(this.#index))
      this.#index += 1
    }
    return out
  }

  /** A random (version 4 shaped) GUID from four 32-bit draws. */
  #guid(): string {
    return guidFrom(this.#random)
  }

  #record(index: number): BenchRecord {
    const random = this.#random
    const { now, total } = this.#options
    const span = now - this.#start
    // Arrival order: the position in the run is the position in the period, minus a delivery lag.
    const nominal = this.#start + Math.floor(((index + random.next()) / total) * span)
    const lagRoll = random.next()
    const lag = lagRoll < 0.9 ? random.int(0, 5 * 60_000) : lagRoll < 0.99 ? random.int(0, 2 * HOUR) : random.int(0, 2 * DAY)
    const time = Math.min(now, nominal - lag < this.#start ? nominal : nominal - lag)

    const actor = this.#population.actors.pick(random)
    const { app, template } = actor.menu.pick(random)
    const failed = template.failure !== undefined && random.chance(template.failure.rate)
    const actionType = failed && template.failure ? template.failure.type : template.type

    const mobile = actor.type === 'user' && random.chance(actor.mobileShare)
    const travelling = actor.type === 'user' && random.chance(0.02)
    let ip: string
    let location: { country: string; city: string }
    if (actor.type !== 'user') {
      ip = actor.homeIp
      location = { country: 'US', city: 'Boydton' }
    } else if (travelling) {
      const [country, city] = random.pick(TRAVEL_PLACES)
      ip = actor.mobileIp ?? actor.homeIp
      location = { country, city }
    } else if (actor.office !== null && !mobile && random.chance(0.65)) {
      ip = random.pick(actor.office.ips)
      location = { country: actor.office.country, city: actor.office.city }
    } else {
      ip = mobile && actor.mobileIp !== null ? actor.mobileIp : actor.homeIp
      location = actor.office === null ? { country: 'NL', city: 'Rotterdam' } : { country: actor.office.country, city: actor.office.city }
    }
    const userAgent = this.#userAgent(actor, template.client, mobile)
    const target = this.#target(actor, template.target)
    const description = `${actor.displayName} ${failed ? `failed: ${template.verb}` : template.verb}${target === null ? '' : ` ${target.name}`}${failed ? ` (${random.pick(FAILURE_REASONS)})` : ''}`
    const info = APPS[app]
    // Unique: the first 32 bits are a bijection of the position; the rest is random.
    const id = `${hex8(mix32(index))}${guidFrom(random).slice(8)}`
    return {
      id,
      time: new Date(time).toISOString(),
      actor: actor.upn === null ? { sourceId: actor.sourceId, displayName: actor.displayName, type: actor.type } : { upn: actor.upn, sourceId: actor.sourceId, displayName: actor.displayName, type: actor.type },
      app: info.name,
      action: { type: actionType, name: template.name },
      ip,
      location,
      device: { type: mobile ? 'mobile' : actor.type === 'user' ? 'desktop' : 'server', userAgent },
      target,
      result: failed ? 'failure' : 'success',
      description,
      // What real audit events carry besides the normalized fields (kept whole in `raw`).
      organizationId: this.#population.organizationId,
      tenantId: this.#population.tenantId,
      recordType: info.recordType,
      workload: info.workload,
      correlationId: this.#guid(),
      sessionId: this.#guid(),
      requestId: this.#guid(),
      userKey: actor.type === 'user' ? `10032${hex8(draw32(random)).toUpperCase()}${hex8(draw32(random)).slice(5).toUpperCase()}` : actor.sourceId,
      userType: actor.type === 'user' ? 0 : 5,
      clientAppId: this.#guid(),
      authenticationMethod: random.pick(['Password', 'Windows Integrated Authentication', 'Passwordless phone sign-in', 'FIDO2 security key']),
      riskLevel: random.chance(0.97) ? 'none' : random.pick(['low', 'medium', 'high']),
      eventVersion: '1.0',
      creationTime: new Date(time).toISOString().slice(0, 19),
    }
  }

  #userAgent(actor: Actor, client: ClientKind, mobile: boolean): string {
    if (actor.type !== 'user') {
      return actor.desktopAgent
    }
    switch (client) {
      case 'mail':
        return mobile ? UA.outlookIos : UA.outlookDesktop
      case 'sync':
        return UA.oneDriveSync
      case 'teams':
        return mobile ? 'Microsoft Teams/6.11.0 (iPhone; iOS 17.5.1)' : UA.teamsDesktop
      case 'git':
        return UA.git
      case 'aws':
        return UA.awsCli
      case 'console':
        return UA.awsConsole
      case 'browser':
        return mobile ? actor.mobileAgent : actor.desktopAgent
    }
  }

  #target(actor: Actor, kind: TargetKind): { type: string; id: string; name: string } | null {
    const random = this.#random
    const tenant = actor.tenant
    switch (kind) {
      case 'none':
        return null
      case 'self':
        return { type: 'user', id: actor.sourceId, name: actor.displayName }
      case 'file': {
        const name = random.pick(FILES)
        const site = random.pick(SITES)
        return { type: 'file', id: `https://${tenant}.sharepoint.com/sites/${site}/Shared Documents/${name}`, name }
      }
      case 'mail':
        return { type: 'message', id: `<${token(random, 24)}@${tenant}.prod.outlook.com>`, name: random.pick(MAIL_SUBJECTS) }
      case 'inboxRule':
        return { type: 'mailbox.rule', id: `${actor.upn ?? actor.sourceId}\\${token(random, 6)}`, name: random.pick(['Newsletters', 'Receipts', 'Jira', 'Mark as read']) }
      case 'signin': {
        const name = random.pick(SIGNIN_TARGETS)
        return { type: 'application', id: this.#guid(), name }
      }
      case 'channel':
        return { type: 'channel', id: `19:${token(random, 32)}@thread.tacv2`, name: random.pick(CHANNELS) }
      case 'meeting':
        return { type: 'meeting', id: `MCMx${token(random, 40)}`, name: random.pick(MEETINGS) }
      case 'oauthApp':
        return { type: 'application', id: this.#guid(), name: random.pick(OAUTH_APPS) }
      case 'oktaApp':
        return { type: 'AppInstance', id: `0oa${token(random, 17)}`, name: random.pick(OKTA_APPS) }
      case 'repo': {
        const repo = `${tenant}/${random.pick(REPOS)}`
        return { type: 'repository', id: repo, name: repo }
      }
      case 'pullRequest': {
        const repo = `${tenant}/${random.pick(REPOS)}`
        const number = random.int(100, 2400)
        return { type: 'pull_request', id: `${repo}#${number}`, name: `${repo}#${number}` }
      }
      case 'awsRole': {
        const role = random.pick(AWS_ROLES)
        return { type: 'role', id: `arn:aws:iam::${random.pick(AWS_ACCOUNTS)}:role/${role}`, name: role }
      }
      case 'awsObject': {
        const key = random.pick(AWS_OBJECTS)
        return { type: 'object', id: `arn:aws:s3:::${tenant}-data-lake/${key}`, name: key }
      }
      case 'awsAccount': {
        const account = random.pick(AWS_ACCOUNTS)
        return { type: 'account', id: account, name: `${tenant}-${account.slice(-4)}` }
      }
      case 'directoryUser':
        return { type: 'user', id: this.#guid(), name: `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}` }
    }
  }
}

/** Filter values taken from records, so every query filters on something that exists. */
export function querySampleOf(record: BenchRecord): QuerySample | null {
  if (record.actor.upn === undefined || record.ip === null) {
    return null
  }
  return { upn: record.actor.upn, app: record.app, actionType: record.action.type, ip: record.ip }
}
