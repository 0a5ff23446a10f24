/**
 * The parts of a revealing read around the one decision (`decideDisclosure`, called by the route):
 * the rate limit per admin, the governance record of an allowed reveal (after the store answered,
 * before the response) and of a refused attempt, and the reveals metric.
 *
 * @module
 */

import type { FastifyReply, FastifyRequest } from 'fastify'
import { DomainError } from '../core/errors.js'
import type { Disclosure } from '../core/privacy/decide-disclosure.js'
import type { AnchoredActivityQuery } from '../core/query/cursor.js'
import { RevealRateLimiter } from '../services/privacy/reveal-rate-limiter.js'
import { revealRecorder, type RevealAttempt } from '../services/privacy/reveal-audit.js'
import type { StoredActivity } from '../storage/store.js'
import type { AppDeps } from './app.js'
import { initiatorOf, viewerOf } from './auth.js'

/** Where a revealing read came from, for its governance record. */
export interface RevealSite {
  /** Method and route, e.g. `POST /api/v1/activities`. */
  readonly route: string
  /** `activities` for a list, the activity id for get-by-id. */
  readonly target: string
  /** What the caller sent, without the reveal parameters. */
  readonly request: Readonly<Record<string, unknown>>
  readonly query: AnchoredActivityQuery | null
}

export interface RevealGate {
  /** The attempt as its governance record describes it. */
  attemptOf(request: FastifyRequest, site: RevealSite): RevealAttempt
  /** Count one allowed reveal against the admin's hourly limit; throws `rate_limited` (429 with Retry-After) past it. */
  admit(request: FastifyRequest, reply: FastifyReply): void
  /**
   * After the store answered a revealing read and before anything is sent: write its governance record
   * (throws `governance_unavailable` if it cannot be written, so nothing private is sent) and count it.
   * Does nothing for a read that does not reveal.
   */
  recorded(request: FastifyRequest, disclosure: Disclosure, site: RevealSite, items: readonly StoredActivity[]): Promise<void>
}

/** Ids of the private activities among the items of an answer, in answer order. */
export function privateIdsOf(items: readonly StoredActivity[]): string[] {
  return items.flatMap((item) => (item.isPrivate ? [item.id] : []))
}

export function createRevealGate(deps: AppDeps): RevealGate {
  const perHour = deps.config.limits.revealsPerHour
  const limiter = new RevealRateLimiter({ perHour, clock: deps.ctx.clock })
  const attemptOf = (request: FastifyRequest, site: RevealSite): RevealAttempt => ({ viewer: viewerOf(request), initiator: initiatorOf(request), ...site })
  return {
    attemptOf,
    admit(request, reply) {
      const admission = limiter.admit(viewerOf(request).upn)
      if (!admission.allowed) {
        void reply.header('retry-after', String(admission.retryAfterSeconds))
        throw new DomainError('rate_limited', `At most ${perHour} reveals an hour per admin (VEIL_REVEALS_PER_HOUR); retry in ${admission.retryAfterSeconds} seconds`)
      }
    },
    async recorded(request, disclosure, site, items) {
      if (!disclosure.includePrivate) {
        return
      }
      await revealRecorder(deps.ctx, attemptOf(request, site), { justification: disclosure.justification, privateIds: privateIdsOf(items), returned: items.length })
      deps.metrics.reveals.inc({ admin: viewerOf(request).upn })
    },
  }
}
