/**
 * The activity log, Defender for Cloud Apps-compatible: `GET|POST /api/v1/activities/` with Defender's
 * body (`filters`, `skip`, `limit`, `sortField`, `sortDirection`) answering `{total, hasNext, data}`,
 * plus Veil's opaque keyset `cursor`; `GET /api/v1/activities/{id}/` with the raw event.
 *
 * Every read asks `decideDisclosure` what the viewer may see and passes that to the store; nothing here
 * decides visibility itself.
 *
 * Reveal ("Show private activities", privacy rule 5): the list body (or, for the GET forms, the query
 * string) carries `includePrivate: true`, `acknowledgeAudit: true` and a `justification`. A refused
 * reveal is a 403 `reveal_denied` (no admin role, or no effective activity privacy permission: the
 * attempt is a governance record) or a 400 `validation_failed` naming the missing acknowledgement or
 * justification. An allowed reveal is written to the governance log after the store answered and
 * before the response; if that fails, the request fails with 503 `governance_unavailable`.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { DomainError, NotFoundError, ValidationError } from '../../core/errors.js'
import {
  REFUSAL_FIELDS,
  REFUSAL_MESSAGES,
  REVEAL_PARAMETERS,
  decideDisclosure,
  isAttemptWithoutPermission,
  readRevealRequest,
  type Disclosure,
  type RevealRequest,
} from '../../core/privacy/decide-disclosure.js'
import { nextCursor, type AnchoredActivityQuery } from '../../core/query/cursor.js'
import { privacyPermissionChecker } from '../../services/privacy/privacy-permissions.js'
import { refusedRevealRecorder } from '../../services/privacy/reveal-audit.js'
import { parseDefenderQuery, parseDefenderQueryParams } from '../../core/query/defender-query.js'
import { presentActivity, type PresentActivityOptions } from '../presenters/activity-presenter.js'
import type { Activity } from '../../core/activity/activity.js'
import type { ActivityQuery } from '../../core/query/activity-query.js'
import type { PrivacyVault } from '../../services/privacy/privacy-vault.js'
import type { StoredActivity } from '../../storage/store.js'
import type { AppDeps } from '../app.js'
import { viewerOf } from '../auth.js'
import { createRevealGate, type RevealGate, type RevealSite } from '../reveal-gate.js'

const FilterValue = Type.Record(Type.String(), Type.Unknown(), { description: 'Operator → value, e.g. {"eq": ["a@contoso.com"]}' })
export const ActivityQueryBody = Type.Object(
  {
    filters: Type.Optional(Type.Record(Type.String(), FilterValue, { description: 'Field → operators; see docs/query-language.md' })),
    skip: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1 })),
    sortField: Type.Optional(Type.String({ enum: ['date', 'created'] })),
    sortDirection: Type.Optional(Type.String({ enum: ['asc', 'desc'] })),
    cursor: Type.Optional(Type.String({ description: 'Opaque keyset cursor from the previous page' })),
    // Checked by readRevealRequest, which wants JSON booleans (a schema boolean would be coerced from "true" or 1).
    includePrivate: Type.Optional(Type.Unknown({ description: 'true: reveal private activities (needs the activity privacy permission, acknowledgeAudit and justification)' })),
    acknowledgeAudit: Type.Optional(Type.Unknown({ description: 'true: you acknowledge that the reveal is recorded in the governance log' })),
    justification: Type.Optional(Type.Unknown({ description: 'Why you need to see private activities (10 to 2000 characters); recorded with the reveal' })),
  },
  { additionalProperties: true },
)

export const RevealQueryParams = {
  includePrivate: Type.Optional(Type.String({ enum: ['true', 'false'], description: 'true: reveal private activities' })),
  acknowledgeAudit: Type.Optional(Type.String({ enum: ['true', 'false'], description: 'true: you acknowledge that the reveal is recorded in the governance log' })),
  justification: Type.Optional(Type.String({ description: 'Why you need to see private activities (10 to 2000 characters)' })),
}

/** The request without the reveal parameters: what the governance record keeps as "the exact query". */
export function withoutRevealParameters(input: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...(input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {}) }
  for (const key of REVEAL_PARAMETERS) {
    delete copy[key]
  }
  return copy
}

const PageSchema = Type.Object({
  total: Type.Integer(),
  hasNext: Type.Boolean(),
  moreThanTotal: Type.Boolean(),
  cursor: Type.Union([Type.String(), Type.Null()]),
  data: Type.Array(Type.Record(Type.String(), Type.Unknown())),
})

/**
 * The viewer's disclosure for this request (privacy rules 3 and 5). Only a request that asks to reveal
 * consults the permission list; a refused attempt without an effective permission is recorded before
 * the refusal is answered, and an allowed reveal is counted against the admin's hourly limit. Exports
 * (`export.routes.ts`) decide through it too, with the same gate, so they share the limit.
 */
export async function disclosureFor(deps: AppDeps, gate: RevealGate, request: FastifyRequest, reply: FastifyReply, reveal: RevealRequest, site: RevealSite): Promise<Disclosure> {
  const viewer = viewerOf(request)
  const holdsPermission = reveal.reveal ? await privacyPermissionChecker(deps.ctx, viewer) : false
  const decision = decideDisclosure(viewer, reveal, holdsPermission)
  if (!decision.allowed) {
    const { refusal } = decision
    if (isAttemptWithoutPermission(refusal)) {
      await refusedRevealRecorder(deps.ctx, gate.attemptOf(request, site), refusal, reveal.justification)
      throw new DomainError('reveal_denied', REFUSAL_MESSAGES[refusal])
    }
    throw new ValidationError(REFUSAL_MESSAGES[refusal], [{ field: REFUSAL_FIELDS[refusal] ?? 'includePrivate', reason: REFUSAL_MESSAGES[refusal] }])
  }
  if (decision.disclosure.includePrivate) {
    gate.admit(request, reply)
  }
  return decision.disclosure
}

/** `gate`: the reveal gate (rate limit per admin) shared with the other revealing routes. */
export function registerActivityRoutes(root: FastifyInstance, deps: AppDeps, gate: RevealGate = createRevealGate(deps)): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>()
  const { limits } = deps.config
  const parseOptions = () => ({ now: deps.ctx.clock(), defaultLimit: limits.defaultPageSize, maxLimit: limits.maxPageSize, countLimit: limits.countLimit, ignoreKeys: REVEAL_PARAMETERS })

  const listPage = async (request: FastifyRequest, reply: FastifyReply, query: AnchoredActivityQuery, input: Record<string, unknown>, fromQueryString: boolean) => {
    const route = 'list'
    const site: RevealSite = { route: `${request.method} /api/v1/activities`, target: 'activities', request: withoutRevealParameters(input), query }
    const disclosure = await disclosureFor(deps, gate, request, reply, readRevealRequest(input, { fromQueryString }), site)
    const timer = deps.metrics.querySeconds.startTimer({ route })
    try {
      const page = await deps.ctx.store.activities.list(query, storeDisclosure(deps.vault, disclosure, query))
      // Privacy rule 5: the reveal is on the governance log before anything of it is sent.
      await gate.recorded(request, disclosure, site, page.items)
      const presented = await presentStoredActivities(deps.vault, page.items, disclosure, { includeRaw: false })
      return {
        total: page.total,
        hasNext: page.hasNext,
        moreThanTotal: page.moreThanTotal,
        cursor: page.hasNext && presented.last ? nextCursor(query, presented.last) : null,
        data: presented.data,
      }
    } finally {
      timer()
      deps.metrics.queryRequests.inc({ route })
    }
  }

  app.post(
    '/api/v1/activities',
    { config: { access: 'activities.read' }, schema: { tags: ['activities'], summary: 'List activities (Defender-compatible body)', body: Type.Optional(ActivityQueryBody), response: { 200: PageSchema } } },
    async (request, reply) => listPage(request, reply, parseDefenderQuery(request.body ?? {}, parseOptions()), request.body ?? {}, false),
  )

  app.get(
    '/api/v1/activities',
    {
      config: { access: 'activities.read' },
      schema: {
        tags: ['activities'],
        summary: 'List activities (filters as URL-encoded JSON)',
        querystring: Type.Object({
          filters: Type.Optional(Type.String({ description: 'URL-encoded JSON of the filters object' })),
          skip: Type.Optional(Type.String()),
          limit: Type.Optional(Type.String()),
          sortField: Type.Optional(Type.String()),
          sortDirection: Type.Optional(Type.String()),
          cursor: Type.Optional(Type.String()),
          ...RevealQueryParams,
        }),
        response: { 200: PageSchema },
      },
    },
    async (request, reply) => {
      const params = request.query as Record<string, string | undefined>
      return listPage(request, reply, parseDefenderQueryParams(params, parseOptions()), params, true)
    },
  )

  app.get(
    '/api/v1/activities/:id',
    {
      config: { access: 'activities.read' },
      schema: {
        tags: ['activities'],
        summary: 'One activity with its raw event (reveal a private one with includePrivate, acknowledgeAudit and justification as query parameters)',
        params: Type.Object({ id: Type.String({ maxLength: 1024 }) }),
        querystring: Type.Object(RevealQueryParams),
      },
    },
    async (request, reply) => {
      const id = request.params.id
      const site: RevealSite = { route: 'GET /api/v1/activities/:id', target: id, request: { id }, query: null }
      const disclosure = await disclosureFor(deps, gate, request, reply, readRevealRequest(request.query, { fromQueryString: true }), site)
      const timer = deps.metrics.querySeconds.startTimer({ route: 'get' })
      const activity = await deps.ctx.store.activities.get(id, disclosure).finally(() => timer())
      // Privacy rule 5: recorded before anything is sent, also when nothing was found (it was a revealing request).
      await gate.recorded(request, disclosure, site, activity ? [activity] : [])
      if (!activity) {
        // The same answer for a hidden activity as for an id that never existed (privacy rule 3).
        throw new NotFoundError('No activity with this id')
      }
      return (await presentStoredActivities(deps.vault, [activity], disclosure, { includeRaw: true })).data[0]
    },
  )
}

// ---------------------------------------------------------------------------------------------------
// Presentation of stored activities (public, and private ones opened for a reveal). Kept apart from the
// reveal decision and its audit above: these functions only turn what the store returned into JSON.

/**
 * The disclosure to hand the store: a revealing one carries the blind indexes of the query's `eq`
 * values on user, IP, app and action type, which is how private activities are matched by them.
 */
export function storeDisclosure(vault: PrivacyVault, disclosure: Disclosure, query: ActivityQuery): Disclosure {
  return disclosure.includePrivate ? { ...disclosure, privateMatch: vault.privateMatch(query.conditions) } : disclosure
}

/** A presented page: the JSON items, and the last activity (what the next page's cursor is made from). */
export interface PresentedActivities {
  readonly data: Array<Record<string, unknown>>
  readonly last: Activity | null
}

/**
 * Present what the store returned. Without a reveal every item is public and is presented as it is;
 * a private item there would be a bug, and nothing is presented (fail closed). In a revealed answer
 * private items are opened by the vault and every item says whether it is private and, if so, which
 * privacy group made it so (`private: true, privateBecause: <group id>`), so the admin sees what is
 * sensitive.
 */
export async function presentStoredActivities(
  vault: PrivacyVault,
  items: readonly StoredActivity[],
  disclosure: Disclosure,
  options: PresentActivityOptions,
): Promise<PresentedActivities> {
  if (!disclosure.includePrivate) {
    const activities = items.map((item) => {
      if (item.isPrivate) {
        throw new Error('A private activity reached a non-revealing answer')
      }
      return item.activity
    })
    return { data: activities.map((a) => presentActivity(a, options)), last: activities.at(-1) ?? null }
  }
  const opened = await vault.openAll(items)
  return {
    data: opened.map((o) => ({ ...presentActivity(o.activity, options), private: o.isPrivate, privateBecause: o.privateBecause })),
    last: opened.at(-1)?.activity ?? null,
  }
}
