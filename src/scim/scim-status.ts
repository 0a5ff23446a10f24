/**
 * The SCIM status of the User groups page: what the identity provider last did. Every SCIM call is kept
 * as its method, route, operation, resource id, HTTP status and caller, never its body (the body names
 * people; the directory already holds what a call changed). Three slots are kept: the last call, the
 * last successful change and the last failure, so a failing provisioning job is visible even while
 * its reads succeed.
 *
 * @module
 */

import type { ScimCall, ScimCallSlot, Store } from '../storage/store.js'

/** What a SCIM call did, from its method and route (`/scim/v2/Users/:id` → `replace_user` for PUT). */
export function scimOperationOf(method: string, route: string): string {
  const match = /\/(Users|Groups)(\/:id)?$/.exec(route)
  if (!match) {
    return 'discovery'
  }
  const resource = match[1] === 'Users' ? 'user' : 'group'
  const one = match[2] !== undefined
  switch (method) {
    case 'GET':
      return one ? `get_${resource}` : `list_${resource}s`
    case 'POST':
      return `create_${resource}`
    case 'PUT':
      return `replace_${resource}`
    case 'PATCH':
      return `patch_${resource}`
    case 'DELETE':
      return `delete_${resource}`
    default:
      return `${method.toLowerCase()}_${resource}`
  }
}

/** The slots a call goes into: always the last call; a failure (4xx/5xx) or a successful change. */
export function scimSlotsOf(call: Pick<ScimCall, 'method' | 'outcome'>): ScimCallSlot[] {
  if (call.outcome === 'failed') {
    return ['last_call', 'last_failure']
  }
  return call.method === 'GET' ? ['last_call'] : ['last_call', 'last_change']
}

/** Keep one SCIM call in its slots. */
export async function scimCallRecorder(store: Store, call: ScimCall): Promise<void> {
  await store.scimStatus.record(call, scimSlotsOf(call))
}

/** The SCIM status: the kept calls, null where none was made. */
export async function scimStatusReader(store: Store): Promise<Record<ScimCallSlot, ScimCall | null>> {
  const kept = await store.scimStatus.read()
  return { last_call: kept.last_call ?? null, last_change: kept.last_change ?? null, last_failure: kept.last_failure ?? null }
}
