/**
 * Retroactive privatization (beyond Defender, privacy rule 1's explicit exception): make the already
 * recorded public activities of a group's members in a time range private, encrypting their details
 * in place. There is no reverse operation.
 *
 * Which activities: the public activities with a time in [from, to] whose actor was a member of the
 * group at the activity's own time. For an imported group that is the directory's membership history
 * (`historyOfGroup`) for the directory user the activity was matched to when it was recorded; for a
 * built-in group, the actor as the managed domains stand now. Either way an activity whose recorded
 * groups at its time (`actorGroups`, set by the classify stage) name the group counts too: when in
 * doubt, private.
 *
 * How: the governance record (`privacy.retroactive`, with the justification) is written first, before
 * any row changes; if it cannot be written nothing changes. Then the range is read oldest first in
 * batches, and each batch's matching rows are rewritten to the private shape in one transaction (the
 * sealed details and blind indexes in, every detail column cleared), so an interruption leaves whole
 * batches done and running the same request again finishes the rest. On SQLite the old contents are
 * zeroed (`secure_delete`) and the WAL truncated; on PostgreSQL old row versions stay in the table
 * files until VACUUM reclaims them (see docs/private-activities.md).
 *
 * @module
 */

import type { Activity } from '../../core/activity/activity.js'
import { builtinGroupsOf, isBuiltinGroupId } from '../../core/directory/builtin-groups.js'
import { NotFoundError, ValidationError, type ErrorDetail } from '../../core/errors.js'
import { MIN_JUSTIFICATION_LENGTH } from '../../core/privacy/decide-disclosure.js'
import type { KeysetPosition } from '../../core/query/activity-query.js'
import type { DirectoryService, MembershipSpan } from '../directory/directory-service.js'
import type { Initiator, ServiceContext } from '../service-context.js'
import { managedDomainsReader } from '../settings/organization-settings.js'
import type { PrivacyVault } from './privacy-vault.js'

/** Activities read (and rewritten, in one transaction) at a time. */
export const RETROACTIVE_BATCH_SIZE = 500

/** Longest justification accepted, as for a reveal. */
const MAX_JUSTIFICATION_LENGTH = 2000

export interface RetroactiveRequest {
  readonly groupId: unknown
  /** ms since the epoch or an ISO 8601 date-time with a time zone; inclusive. */
  readonly from: unknown
  readonly to: unknown
  readonly justification: unknown
}

export interface RetroactiveReport {
  readonly groupId: string
  readonly from: number
  readonly to: number
  /** Public activities in the range that were looked at. */
  readonly scanned: number
  /** Activities made private by this request. */
  readonly privatized: number
  /** Sequence number of the governance record. */
  readonly governanceSeq: number
}

export interface RetroactivePrivacyDeps {
  readonly vault: PrivacyVault
  readonly directory: DirectoryService
  /** Rows per batch; default {@link RETROACTIVE_BATCH_SIZE}. */
  readonly batchSize?: number
}

const TIME_HINT = 'must be ms since the epoch (an integer) or an ISO 8601 date-time with a time zone, e.g. "2024-05-01T00:00:00Z"'

function parseTime(value: unknown, field: string, problems: ErrorDetail[]): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    return value
  }
  if (typeof value === 'string' && /(Z|[+-]\d{2}:?\d{2})$/i.test(value.trim())) {
    const ms = Date.parse(value)
    if (Number.isFinite(ms)) {
      return ms
    }
  }
  problems.push({ field, reason: TIME_HINT })
  return null
}

function validate(request: RetroactiveRequest): { groupId: string; from: number; to: number; justification: string } {
  const problems: ErrorDetail[] = []
  const groupId = typeof request.groupId === 'string' ? request.groupId.trim() : ''
  if (groupId === '') {
    problems.push({ field: 'groupId', reason: 'must name a group (an imported group id or a built-in one such as builtin:external-users)' })
  }
  const from = parseTime(request.from, 'from', problems)
  const to = parseTime(request.to, 'to', problems)
  if (from !== null && to !== null && from > to) {
    problems.push({ field: 'to', reason: 'must not be before from' })
  }
  const justification = typeof request.justification === 'string' ? request.justification.trim() : ''
  if (justification.length < MIN_JUSTIFICATION_LENGTH || justification.length > MAX_JUSTIFICATION_LENGTH) {
    problems.push({ field: 'justification', reason: `say why, in ${MIN_JUSTIFICATION_LENGTH} to ${MAX_JUSTIFICATION_LENGTH} characters; it is kept in the governance log` })
  }
  if (problems.length > 0 || from === null || to === null) {
    throw new ValidationError('The retroactive privatization request is not valid', problems)
  }
  return { groupId, from, to, justification }
}

/** Whether a span [from, to) holds `time`. */
function covers(span: MembershipSpan, time: number): boolean {
  return span.from <= time && (span.to === null || time < span.to)
}

/** Make the past activities of a group's members in a time range private. See the module comment. */
export async function retroactivePrivatizer(
  ctx: ServiceContext,
  deps: RetroactivePrivacyDeps,
  initiator: Initiator,
  request: RetroactiveRequest,
): Promise<RetroactiveReport> {
  const { groupId, from, to, justification } = validate(request)
  const builtin = isBuiltinGroupId(groupId)
  const group = builtin ? null : await deps.directory.getGroup(groupId)
  const spans = builtin ? [] : await deps.directory.historyOfGroup(groupId)
  if (!builtin && !group && spans.length === 0) {
    throw new NotFoundError(`No group ${groupId}`)
  }
  const spansByUser = new Map<string, MembershipSpan[]>()
  for (const span of spans) {
    spansByUser.set(span.userId, [...(spansByUser.get(span.userId) ?? []), span])
  }
  const managedDomains = builtin ? new Set(await managedDomainsReader(ctx)) : new Set<string>()
  const isMember = (activity: Activity): boolean => {
    if (activity.actorGroups.includes(groupId)) {
      return true
    }
    if (builtin) {
      return builtinGroupsOf(activity.actor, managedDomains).includes(groupId)
    }
    const userSpans = activity.directoryUserId ? spansByUser.get(activity.directoryUserId) : undefined
    return userSpans?.some((span) => covers(span, activity.time)) ?? false
  }

  // The record comes before any change: if it cannot be written, nothing is made private.
  const record = await ctx.store.governance.append(
    {
      action: 'privacy.retroactive',
      target: groupId,
      initiator: initiator.upn,
      app: 'Veil',
      ip: initiator.ip,
      status: 'succeeded',
      justification,
      details: { groupId, groupName: group?.displayName ?? null, from, to, channel: initiator.channel },
    },
    ctx.clock(),
  )

  const batchSize = deps.batchSize ?? RETROACTIVE_BATCH_SIZE
  let after: KeysetPosition | null = null
  let scanned = 0
  let privatized = 0
  for (;;) {
    const batch = await ctx.store.activities.listPublicInRange({ from, to }, after, batchSize)
    const last = batch.at(-1)
    if (!last) {
      break
    }
    after = { sortValue: last.time, id: last.id }
    scanned += batch.length
    const sealed = []
    for (const activity of batch.filter(isMember)) {
      sealed.push(await deps.vault.sealActivity(activity, groupId))
    }
    privatized += (await ctx.store.activities.seal(sealed)).length
    if (batch.length < batchSize) {
      break
    }
  }
  return { groupId, from, to, scanned, privatized, governanceSeq: record.seq }
}
