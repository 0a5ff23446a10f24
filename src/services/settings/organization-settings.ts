/**
 * Organization settings that shape ingest: managed domains, scoped deployment and the privacy groups
 * (changed in `services/privacy/privacy-groups.ts`). Reading them goes through a small cache that every node refreshes cheaply (one versioned read
 * at most every few hundred milliseconds), so a change made on one node reaches the ingest path of all
 * nodes without a restart. Changing them is a governance record, in the same transaction.
 *
 * @module
 */

import { isBuiltinGroupId } from '../../core/directory/builtin-groups.js'
import { normalizeDomain } from '../../core/directory/managed-domains.js'
import { EVERYBODY_MONITORED, type Scope, type ScopeRule } from '../../core/directory/scope.js'
import { ValidationError, type ErrorDetail } from '../../core/errors.js'
import { privacyGroupsReader } from '../privacy/privacy-groups.js'
import type { Initiator, ServiceContext } from '../service-context.js'
import { settingChanger, type SettingDescription } from './setting-changer.js'

export const MANAGED_DOMAINS_KEY = 'managed-domains'
export const SCOPE_KEY = 'scope'

interface ManagedDomainsValue {
  readonly domains: readonly string[]
}

export async function managedDomainsReader(ctx: ServiceContext): Promise<readonly string[]> {
  return (await ctx.store.settings.get<ManagedDomainsValue>(MANAGED_DOMAINS_KEY))?.value.domains ?? []
}

const MANAGED_DOMAINS_SETTING: SettingDescription<ManagedDomainsValue> = { key: MANAGED_DOMAINS_KEY, empty: { domains: [] }, action: 'managed_domains.change', target: 'managed domains', view: (v) => v.domains }

/** Validated, lower-cased, de-duplicated domains; invalid entries are all named at once. */
function validDomains(input: readonly string[]): string[] {
  const problems: ErrorDetail[] = []
  const domains = new Set<string>()
  input.forEach((value, index) => {
    const domain = typeof value === 'string' ? normalizeDomain(value) : null
    if (domain === null) {
      problems.push({ index, field: `domains[${index}]`, reason: `"${String(value)}" is not a domain name like contoso.com` })
    } else {
      domains.add(domain)
    }
  })
  if (problems.length > 0) {
    throw new ValidationError('Some managed domains are not domain names', problems)
  }
  return [...domains]
}

/** Change the managed domains with `change(before)`; a change that leaves them as they were is not recorded. */
async function changeManagedDomains(ctx: ServiceContext, initiator: Initiator, change: (before: readonly string[]) => readonly string[]): Promise<readonly string[]> {
  const written = await settingChanger(ctx, initiator, MANAGED_DOMAINS_SETTING, (before) => {
    const after = [...new Set(change(before.domains))].sort()
    return after.join('\n') === before.domains.join('\n') ? null : { after: { domains: after } }
  })
  return written.domains
}

/** Replace the managed domains. Invalid entries are all named at once; duplicates are folded. */
export async function managedDomainsSetter(ctx: ServiceContext, initiator: Initiator, input: readonly string[]): Promise<readonly string[]> {
  const domains = validDomains(input)
  return changeManagedDomains(ctx, initiator, () => domains)
}

/** Add one managed domain (in the same transaction as reading the others, so concurrent adds are kept). */
export async function managedDomainAdder(ctx: ServiceContext, initiator: Initiator, input: string): Promise<readonly string[]> {
  const [domain] = validDomains([input])
  return changeManagedDomains(ctx, initiator, (before) => [...before, domain as string])
}

export async function managedDomainRemover(ctx: ServiceContext, initiator: Initiator, input: string): Promise<readonly string[]> {
  const domain = input.trim().toLowerCase()
  return changeManagedDomains(ctx, initiator, (before) => before.filter((d) => d !== domain))
}

const SCOPE_SETTING: SettingDescription<Scope> = { key: SCOPE_KEY, empty: EVERYBODY_MONITORED, action: 'scope.change', target: 'scoped deployment' }

export async function scopeReader(ctx: ServiceContext): Promise<Scope> {
  return (await ctx.store.settings.get<Scope>(SCOPE_KEY))?.value ?? EVERYBODY_MONITORED
}

/** What a scope rule may name: an existing group (imported or built-in). */
export type GroupExists = (groupId: string) => Promise<boolean>

/** Validate and replace the scoped-deployment rules; unknown groups are named with their rule. */
/** The scope rules with the version a change can name (`scopeSetter`'s `expectedVersion`); 0: never written. */
export async function scopeVersionReader(ctx: ServiceContext): Promise<{ readonly scope: Scope; readonly version: number }> {
  const stored = await ctx.store.settings.get<Scope>(SCOPE_KEY)
  return { scope: stored?.value ?? EVERYBODY_MONITORED, version: stored?.version ?? 0 }
}

export async function scopeSetter(
  ctx: ServiceContext,
  initiator: Initiator,
  input: { readonly rules: readonly ScopeRule[] },
  groupExists: GroupExists,
  expectedVersion?: number,
): Promise<Scope> {
  const problems: ErrorDetail[] = []
  const names = new Set<string>()
  const rules: ScopeRule[] = []
  for (const [index, rule] of input.rules.entries()) {
    const name = rule.name.trim()
    if (name === '') {
      problems.push({ index, field: `rules[${index}].name`, reason: 'must not be empty' })
    } else if (names.has(name.toLowerCase())) {
      problems.push({ index, field: `rules[${index}].name`, reason: `another rule is already named "${name}"` })
    }
    names.add(name.toLowerCase())
    if (rule.groups.length === 0) {
      problems.push({ index, field: `rules[${index}].groups`, reason: 'must name at least one group' })
    }
    for (const group of rule.groups) {
      if (!isBuiltinGroupId(group) && !(await groupExists(group))) {
        problems.push({ index, field: `rules[${index}].groups`, reason: `unknown group "${group}"` })
      }
    }
    if (rule.apps !== 'all' && rule.apps.length === 0) {
      problems.push({ index, field: `rules[${index}].apps`, reason: 'must be "all" or name at least one app' })
    }
    rules.push({ name, kind: rule.kind, groups: [...new Set(rule.groups)], apps: rule.apps === 'all' ? 'all' : [...new Set(rule.apps.map((a) => a.trim()))] })
  }
  if (problems.length > 0) {
    throw new ValidationError('The scope rules are not valid', problems)
  }
  return settingChanger(ctx, initiator, SCOPE_SETTING, () => ({ after: { rules } }), expectedVersion === undefined ? {} : { expectedVersion })
}

/** A snapshot of the settings the ingest path needs. */
export interface IngestSettings {
  readonly managedDomains: ReadonlySet<string>
  readonly scope: Scope
  /** The privacy groups (privacy rule 1: as they stand when an activity is recorded). */
  readonly privacyGroups: ReadonlySet<string>
}

/**
 * Cached ingest settings. `current()` re-reads at most once per `maxAgeMs` (default 250 ms), so a
 * change on any node takes effect everywhere within that time; `invalidate()` makes the next read fresh
 * (the node that made the change calls it). It is also the classify stage's `PrivacyListSource`.
 */
export class IngestSettingsCache {
  readonly #ctx: ServiceContext
  readonly #maxAgeMs: number
  #snapshot: IngestSettings | null = null
  #readAt = -Infinity
  #loading: Promise<IngestSettings> | null = null

  constructor(ctx: ServiceContext, options: { maxAgeMs?: number } = {}) {
    this.#ctx = ctx
    this.#maxAgeMs = options.maxAgeMs ?? 250
  }

  invalidate(): void {
    this.#readAt = -Infinity
  }

  /** The privacy groups, as `PrivacyListSource` of the classify stage. */
  async privacyGroups(): Promise<ReadonlySet<string>> {
    return (await this.current()).privacyGroups
  }

  async current(): Promise<IngestSettings> {
    if (this.#snapshot && performance.now() - this.#readAt < this.#maxAgeMs) {
      return this.#snapshot
    }
    this.#loading ??= (async () => {
      try {
        const [domains, scope, privacyGroups] = await Promise.all([managedDomainsReader(this.#ctx), scopeReader(this.#ctx), privacyGroupsReader(this.#ctx)])
        this.#snapshot = { managedDomains: new Set(domains), scope, privacyGroups: new Set(privacyGroups) }
        this.#readAt = performance.now()
        return this.#snapshot
      } finally {
        this.#loading = null
      }
    })()
    return this.#loading
  }
}
