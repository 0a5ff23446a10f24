/**
 * Saved queries: an admin's named activity-log filters, for the portal's "saved queries". A saved query
 * is what the activities list takes (`filters`, and optionally `sortField` / `sortDirection`), checked by
 * the same parser before it is stored, so opening one later can only fail if the query language itself
 * changed. It never holds reveal parameters: revealing stays a decision made (and recorded) per request.
 *
 * Saved queries are the admin's own working state, not an administrative change, so they are not
 * governance records; only their owner lists or deletes them.
 *
 * @module
 */

import { randomUUID } from 'node:crypto'

import type { Viewer } from '../../core/access/roles.js'
import { DomainError, NotFoundError, ValidationError, type ErrorDetail } from '../../core/errors.js'
import { parseDefenderQuery, type DefenderQueryOptions } from '../../core/query/defender-query.js'
import type { SavedQuery } from '../../storage/store.js'
import type { ServiceContext } from '../service-context.js'

/** Most saved queries per admin. */
export const MAX_SAVED_QUERIES = 200
/** Longest name, in characters. */
export const MAX_SAVED_QUERY_NAME = 100
/** Largest saved query (its JSON), in bytes. */
export const MAX_SAVED_QUERY_BYTES = 64 * 1024

/** The keys a saved query may hold: the list body without paging and without reveal parameters. */
const SAVED_QUERY_KEYS = ['filters', 'sortField', 'sortDirection'] as const

export interface SavedQueryInput {
  readonly name: unknown
  readonly query: unknown
}

/** The list parser's limits; only its checks matter here (a saved query has no page). */
export type SavedQueryParseOptions = Pick<DefenderQueryOptions, 'defaultLimit' | 'maxLimit' | 'countLimit'>

/** The viewer's saved queries, by name. */
export async function savedQueryLister(ctx: ServiceContext, viewer: Viewer): Promise<SavedQuery[]> {
  return ctx.store.savedQueries.list(viewer.upn.toLowerCase())
}

/**
 * Save a query under a name for the viewer. Refuses (naming the field) a missing or long name, anything
 * but `filters`, `sortField` and `sortDirection` in the query, and filters the activities list would
 * refuse; a name the viewer already uses is a conflict.
 */
export async function savedQueryCreator(ctx: ServiceContext, viewer: Viewer, input: SavedQueryInput, options: SavedQueryParseOptions): Promise<SavedQuery> {
  const problems: ErrorDetail[] = []
  const name = typeof input.name === 'string' ? input.name.trim() : ''
  if (name === '' || name.length > MAX_SAVED_QUERY_NAME) {
    problems.push({ field: 'name', reason: `must be a text of 1 to ${MAX_SAVED_QUERY_NAME} characters` })
  }
  const query = input.query
  if (query === null || typeof query !== 'object' || Array.isArray(query)) {
    problems.push({ field: 'query', reason: 'must be an object like the activities list body: { "filters": {...}, "sortField"?, "sortDirection"? }' })
  } else {
    for (const key of Object.keys(query)) {
      if (!(SAVED_QUERY_KEYS as readonly string[]).includes(key)) {
        problems.push({ field: `query.${key}`, reason: `is not kept in a saved query; it may hold ${SAVED_QUERY_KEYS.join(', ')}` })
      }
    }
    if (Buffer.byteLength(JSON.stringify(query)) > MAX_SAVED_QUERY_BYTES) {
      problems.push({ field: 'query', reason: `must be at most ${MAX_SAVED_QUERY_BYTES} bytes of JSON` })
    }
  }
  if (problems.length > 0) {
    throw new ValidationError('The saved query is not valid', problems)
  }
  const body = query as Record<string, unknown>
  try {
    // The activities list's own parser: the same fields, operators and values are accepted.
    parseDefenderQuery(body, { ...options, now: ctx.clock() })
  } catch (error) {
    if (error instanceof DomainError) {
      throw new ValidationError(`The saved query's filters are not valid: ${error.message}`, error.details.map((d) => ({ ...d, field: d.field === undefined || d.field === '' ? 'query' : `query.${d.field}` })), error.code)
    }
    throw error
  }
  const ownerUpn = viewer.upn.toLowerCase()
  if ((await ctx.store.savedQueries.count(ownerUpn)) >= MAX_SAVED_QUERIES) {
    throw new ValidationError(`You have ${MAX_SAVED_QUERIES} saved queries, the most one admin may keep; delete one first`, [{ field: 'name', reason: `at most ${MAX_SAVED_QUERIES} saved queries per admin` }])
  }
  const now = ctx.clock()
  const kept = Object.fromEntries(SAVED_QUERY_KEYS.filter((key) => body[key] !== undefined).map((key) => [key, body[key]]))
  return ctx.store.savedQueries.create({ id: randomUUID(), ownerUpn, name, query: kept, createdAt: now, updatedAt: now })
}

/** Delete one of the viewer's saved queries; someone else's is answered as if it did not exist. */
export async function savedQueryRemover(ctx: ServiceContext, viewer: Viewer, id: string): Promise<SavedQuery> {
  const removed = await ctx.store.savedQueries.delete(viewer.upn.toLowerCase(), id)
  if (!removed) {
    throw new NotFoundError('You have no saved query with this id')
  }
  return removed
}
