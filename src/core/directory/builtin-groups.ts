/**
 * Built-in groups: present in every installation, selectable wherever a group is (privacy groups,
 * scope rules, filters), with computed membership.
 *
 * - **Application**: actors that are applications, service principals or system identities (the
 *   normalized actor type is `application` or `system`).
 * - **External users**: people whose UPN/email domain is not a managed domain. An actor without any
 *   domain (only a source id) is not external: nothing says it is.
 *
 * @module
 */

import type { Actor } from '../activity/activity.js'
import { domainOf, isManagedDomain } from './managed-domains.js'

export const APPLICATION_GROUP_ID = 'builtin:application'
export const EXTERNAL_USERS_GROUP_ID = 'builtin:external-users'

export const BUILTIN_GROUPS = Object.freeze([
  Object.freeze({ id: APPLICATION_GROUP_ID, displayName: 'Application', description: 'Activities performed by applications, service principals and system identities' }),
  Object.freeze({ id: EXTERNAL_USERS_GROUP_ID, displayName: 'External users', description: 'Actors whose domain is not one of the managed domains' }),
])

export function isBuiltinGroupId(id: string): boolean {
  return id === APPLICATION_GROUP_ID || id === EXTERNAL_USERS_GROUP_ID
}

/** The built-in groups an actor is in, given the managed domains as they stand now. */
export function builtinGroupsOf(actor: Pick<Actor, 'upn' | 'type'>, managedDomains: ReadonlySet<string>): string[] {
  if (actor.type === 'application' || actor.type === 'system') {
    return [APPLICATION_GROUP_ID]
  }
  const domain = domainOf(actor.upn)
  return domain !== null && !isManagedDomain(domain, managedDomains) ? [EXTERNAL_USERS_GROUP_ID] : []
}
