/**
 * The governance records of reveals (privacy rules 5 and 6). A revealing request is recorded after the
 * store answered and before any private detail leaves the server; when the record cannot be written the
 * request fails with `governance_unavailable` (fail closed). A refused attempt by someone without an
 * effective permission is recorded too, with status `failed`.
 *
 * A record holds who, when, from which address, the exact request and the query as evaluated, how many
 * private activities were shown and which (ids, or a digest past 1000), and the justification — never
 * a private detail.
 *
 * @module
 */

import type { Viewer } from '../../core/access/roles.js'
import { DomainError } from '../../core/errors.js'
import type { GovernanceDraft } from '../../core/governance/governance-record.js'
import type { RevealRefusal } from '../../core/privacy/decide-disclosure.js'
import { summarizeRevealed } from '../../core/privacy/reveal-record.js'
import type { ActivityQuery } from '../../core/query/activity-query.js'
import type { Initiator, ServiceContext } from '../service-context.js'

/** One revealing request, as its governance record describes it. */
export interface RevealAttempt {
  readonly viewer: Viewer
  readonly initiator: Initiator
  /** Method and route, e.g. `POST /api/v1/activities`. */
  readonly route: string
  /** The record's target: `activities` for a list, the activity id for get-by-id. */
  readonly target: string
  /** What the caller sent (body or query parameters), without the reveal parameters. */
  readonly request: Readonly<Record<string, unknown>>
  /** The query as evaluated (relative times resolved, the cursor's position); null for get-by-id. */
  readonly query: (ActivityQuery & { readonly anchor?: number }) | null
}

/** What an allowed reveal showed. */
export interface RevealOutcome {
  readonly justification: string
  /** Ids of the private activities in the answer, in answer order. */
  readonly privateIds: readonly string[]
  /** Activities in the answer, public and private. */
  readonly returned: number
}

function evaluatedQuery(query: RevealAttempt['query']): Record<string, unknown> | null {
  if (!query) {
    return null
  }
  return { conditions: query.conditions, sort: query.sort, limit: query.limit, skip: query.skip, after: query.after, anchor: query.anchor ?? null }
}

function baseDraft(attempt: RevealAttempt): Omit<GovernanceDraft, 'status' | 'justification' | 'details'> {
  return { action: 'activities.reveal', target: attempt.target, initiator: attempt.initiator.upn, app: 'Veil', ip: attempt.initiator.ip }
}

async function append(ctx: ServiceContext, draft: GovernanceDraft): Promise<void> {
  try {
    await ctx.store.governance.append(draft, ctx.clock())
  } catch (error) {
    throw new DomainError('governance_unavailable', 'The governance log could not be written, so nothing private was shown; try again later', [], { cause: error })
  }
}

/** Record an allowed reveal; throws `governance_unavailable` when the record cannot be written. */
export async function revealRecorder(ctx: ServiceContext, attempt: RevealAttempt, outcome: RevealOutcome): Promise<void> {
  await append(ctx, {
    ...baseDraft(attempt),
    status: 'succeeded',
    justification: outcome.justification,
    details: {
      route: attempt.route,
      request: attempt.request,
      query: evaluatedQuery(attempt.query),
      private: summarizeRevealed(outcome.privateIds),
      returned: outcome.returned,
      tokenId: attempt.viewer.tokenId,
      channel: attempt.initiator.channel,
    },
  })
}

/** Record a refused attempt (status `failed`); throws `governance_unavailable` when it cannot be written. */
export async function refusedRevealRecorder(ctx: ServiceContext, attempt: RevealAttempt, refusal: RevealRefusal, justification: string | null): Promise<void> {
  await append(ctx, {
    ...baseDraft(attempt),
    status: 'failed',
    justification: justification?.trim() || null,
    details: {
      route: attempt.route,
      request: attempt.request,
      query: evaluatedQuery(attempt.query),
      refusal,
      roles: attempt.viewer.roles,
      tokenId: attempt.viewer.tokenId,
      channel: attempt.initiator.channel,
    },
  })
}
