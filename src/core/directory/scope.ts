/**
 * Scoped deployment, with Defender for Cloud Apps' semantics: which actors are monitored in which app.
 *
 * - An **exclude** rule that matches the actor and covers the app wins over everything: not monitored.
 * - For an app that **some include rule covers**, only members of the groups of the include rules that
 *   cover that app are monitored.
 * - An app that **no include rule covers** monitors everybody not excluded.
 *
 * Pure; the classify stage calls it with the actor's groups.
 *
 * @module
 */

export type ScopeRuleKind = 'include' | 'exclude'

export interface ScopeRule {
  readonly name: string
  readonly kind: ScopeRuleKind
  /** Group ids (imported or built-in); the rule matches an actor in any of them. */
  readonly groups: readonly string[]
  /** `all`, or the apps the rule covers (compared case-insensitively). */
  readonly apps: 'all' | readonly string[]
}

export interface Scope {
  readonly rules: readonly ScopeRule[]
}

export const EVERYBODY_MONITORED: Scope = Object.freeze({ rules: [] })

function covers(rule: ScopeRule, app: string): boolean {
  return rule.apps === 'all' || rule.apps.some((a) => a.toLowerCase() === app)
}

/**
 * Whether an actor in `groups` is monitored in `app`.
 *
 * @param groups the actor's groups (imported and built-in) when the activity happened
 * @param excludeGroups groups that count for exclude rules; callers pass the union of the groups at the
 *   activity's time and at recording, so someone who has just joined an excluded group is not recorded
 */
export function isMonitored(scope: Scope, app: string, groups: ReadonlySet<string>, excludeGroups: ReadonlySet<string> = groups): boolean {
  const appKey = app.toLowerCase()
  let included = false
  let someIncludeCovers = false
  for (const rule of scope.rules) {
    if (!covers(rule, appKey)) {
      continue
    }
    if (rule.kind === 'exclude') {
      if (rule.groups.some((g) => excludeGroups.has(g))) {
        return false
      }
    } else {
      someIncludeCovers = true
      included ||= rule.groups.some((g) => groups.has(g))
    }
  }
  return someIncludeCovers ? included : true
}
