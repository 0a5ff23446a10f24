import { describe, expect, it } from 'vitest'
import type { Activity } from '../../../core/activity/activity.js'
import { isGitHubEvent, normalizeGitHubEvent } from './github-format.js'

const CONTEXT = { index: 1, receivedAt: Date.UTC(2026, 0, 1) }

const CLONE = {
  '@timestamp': 1_735_725_600_000,
  _document_id: 'MmZDmqsUM7ZzbbUyS3_pJw',
  action: 'git.clone',
  actor: 'Octo-Dev',
  actor_id: 5_551_234,
  actor_ip: '203.0.113.61',
  actor_location: { country_code: 'NL' },
  business: 'contoso',
  business_id: 77,
  created_at: 1_735_725_600_000,
  external_identity_nameid: 'Dev@Contoso.com',
  org: 'contoso-eng',
  org_id: 9001,
  programmatic_access_type: 'OAuth access token',
  repo: 'contoso-eng/payments',
  repository: 'contoso-eng/payments',
  repository_public: false,
  transport_protocol_name: 'http',
  user_agent: 'git/2.45.1',
}

function activity(record: unknown): Activity {
  const result = normalizeGitHubEvent(record, CONTEXT)
  if (!result.ok) {
    throw new Error(JSON.stringify(result.error))
  }
  return result.activity
}

describe('github', () => {
  it('should map a clone by a person signed in through SAML', () => {
    expect({ ...activity(CLONE), raw: null }).toEqual({
      id: 'github:MmZDmqsUM7ZzbbUyS3_pJw',
      time: 1_735_725_600_000,
      receivedAt: CONTEXT.receivedAt,
      source: 'github',
      actor: { upn: 'dev@contoso.com', displayName: 'Octo-Dev', sourceId: '5551234', type: 'user' },
      app: 'GitHub',
      action: { type: 'repo.clone', name: 'git.clone' },
      ip: '203.0.113.61',
      location: { country: 'NL', city: null },
      device: { type: null, userAgent: 'git/2.45.1' },
      target: { type: 'repository', id: null, name: 'contoso-eng/payments' },
      result: 'success',
      description: null,
      actorGroups: [],
      raw: null,
    })
  })

  it('should use the login when there is no SAML identity', () => {
    expect(activity({ ...CLONE, external_identity_nameid: undefined }).actor).toEqual({ upn: 'octo-dev', displayName: 'Octo-Dev', sourceId: '5551234', type: 'user' })
  })

  it.each<[string, Record<string, unknown>]>([
    ['a bot login', { actor: 'dependabot[bot]', actor_is_bot: undefined }],
    ['actor_is_bot', { actor: 'renovate', actor_is_bot: true }],
    ['a GitHub App token', { actor: 'ci-app', programmatic_access_type: 'GitHub App server-to-server token' }],
  ])('should make %s an application', (_, change) => {
    expect(activity({ ...CLONE, ...change }).actor.type).toBe('application')
  })

  it.each<[string, Record<string, unknown>, Activity['target']]>([
    ['a member added to the organization', { action: 'org.add_member', repo: undefined, repository: undefined, user: 'newbie', user_id: 42 }, { type: 'user', id: '42', name: 'newbie' }],
    ['a repository setting', { action: 'repo.access', user: 'someone' }, { type: 'repository', id: null, name: 'contoso-eng/payments' }],
    ['an organization setting', { action: 'org.disable_two_factor_requirement', repo: undefined, repository: undefined }, { type: 'organization', id: '9001', name: 'contoso-eng' }],
    ['an enterprise setting', { action: 'business.set_actions_retention_limit', repo: undefined, repository: undefined, org: undefined }, { type: 'enterprise', id: '77', name: 'contoso' }],
  ])('should name the target of %s', (_, change, target) => {
    expect(activity({ ...CLONE, ...change }).target).toEqual(target)
  })

  it('should read a rejected push as a failed push, and times as Enterprise Server or pipelines write them', () => {
    const rejected = activity({ ...CLONE, action: 'protected_branch.rejected_ref_update' })
    expect([rejected.action.type, rejected.result]).toEqual(['repo.push', 'failure'])
    expect(activity({ ...CLONE, '@timestamp': undefined, created_at: 1_495_479_954_312 }).time).toBe(1_495_479_954_312)
    expect(activity({ ...CLONE, '@timestamp': undefined, created_at: undefined, at_sign_timestamp: '2022-08-16 16:56:49.309' }).time).toBe(Date.UTC(2022, 7, 16, 16, 56, 49, 309))
  })

  it('should derive a stable id without _document_id', () => {
    const a = activity({ ...CLONE, _document_id: undefined })
    expect(a.id).toMatch(/^github:v1-[0-9a-f]{32}$/)
    expect(activity({ ...CLONE, _document_id: undefined }).id).toBe(a.id)
  })

  it.each<[string, Record<string, unknown>, string, string]>([
    ['no time', { '@timestamp': undefined, created_at: undefined }, '/created_at', 'required'],
    ['a time without separators', { '@timestamp': '2024-12-17 00:00:00000000' }, '/@timestamp', 'not a timestamp (ms since the epoch or ISO 8601)'],
    ['no actor', { actor: undefined, actor_id: undefined }, '/actor', 'required'],
  ])('should refuse an event with %s', (_, change, field, reason) => {
    expect(normalizeGitHubEvent({ ...CLONE, ...change }, CONTEXT)).toEqual({ ok: false, error: { index: 1, field, reason } })
  })

  it.each<[string, unknown, boolean]>([
    ['an event', CLONE, true],
    ['an Enterprise Server event', { action: 'oauth_application.create', actor: 'bob', actor_id: 1, created_at: 1, org_id: [1, 2] }, true],
    ['an undotted action with GitHub keys', { action: 'invite_member', actor: 'cat', created_at: 1, org: 'o' }, true],
    ['a Veil record', { time: 1, actor: { upn: 'a' }, app: 'GitHub', action: 'repo.clone' }, false],
    ['a Zoom operation log', { time: '2023-03-21T08:22:09Z', operator: 'a@b.c', action: 'Update', category_type: 'Channels' }, false],
    ['a Slack audit entry', { action: 'user_login', actor: { type: 'user' }, date_create: 1 }, false],
  ])('should tell %s', (_, record, expected) => {
    expect(isGitHubEvent(record)).toBe(expected)
  })
})
