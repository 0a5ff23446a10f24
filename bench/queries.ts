/**
 * The query benchmark: Defender-style list requests (`POST /api/v1/activities`, limit 100, newest
 * first) against the store the ingest benchmark filled. Each case is sent sequentially by one client,
 * after a warm-up; every request draws its filter value from values that exist in the data (a random
 * user, app, action type, address, ...), so the latencies are those of the mix an analyst produces, not
 * of one cached answer. Every page computes `total` (counting up to `countLimit`, 100,000 by default),
 * so the count is part of each latency.
 *
 * {@link measureStore} then splits that cost in-process, without HTTP: the store's `list` with the
 * configured count limit, and with the count limited to 1 row (the page alone).
 *
 * @module
 */

import { performance } from 'node:perf_hooks'
import { DEFAULT_LIMITS } from '../src/config/config.js'
import { HIDE_PRIVATE } from '../src/core/privacy/decide-disclosure.js'
import { encodeCursor, queryFingerprint, readCursor } from '../src/core/query/cursor.js'
import { parseDefenderQuery } from '../src/core/query/defender-query.js'
import { createRandom, type Random } from '../src/demo/demo-data.js'
import type { Store } from '../src/storage/store.js'
import type { QuerySample } from './generate.js'
import { listActivities } from './http-client.js'
import { mean, percentile } from './stats.js'

type Body = Record<string, unknown>

export interface QueryCase {
  readonly key: string
  readonly label: string
  /** A request body; may draw its filter values from `random`. */
  readonly body: (random: Random) => Body
}

export interface QueryResult {
  readonly key: string
  readonly label: string
  readonly requests: number
  readonly p50: number
  readonly p95: number
  readonly mean: number
  /** Mean `total` of the answers, and the share that hit the count limit. */
  readonly meanTotal: number
  readonly cappedShare: number
  readonly meanRows: number
}

export interface StoreQueryResult {
  readonly key: string
  /** p50 of `store.activities.list` with the count limit, and with counting limited to 1 row, ms. */
  readonly withCountP50: number
  readonly pageOnlyP50: number
}

const SORT = { field: 'time', direction: 'desc' } as const

function parseOptions(countLimit: number) {
  return { now: Date.now(), defaultLimit: DEFAULT_LIMITS.defaultPageSize, maxLimit: DEFAULT_LIMITS.maxPageSize, countLimit }
}

/** The fingerprint the server computes for these filters (the cursor must carry it). */
function fingerprintOf(filters: Body): string {
  return queryFingerprint(parseDefenderQuery({ filters }, parseOptions(DEFAULT_LIMITS.countLimit)).conditions)
}

/**
 * The cases. The deep pages start at the ~`deepRank`-th newest activity (half the data, at most
 * 500,000): its position is found once with `skip`, and the cursors are built with `encodeCursor` the
 * way the server builds them, for the unfiltered log and for each app.
 */
export async function buildQueryCases(baseUrl: string, token: string, samples: readonly QuerySample[], deepRank: number): Promise<QueryCase[]> {
  const { page } = await listActivities(baseUrl, token, { limit: 1, skip: deepRank - 1 })
  if (page.cursor === null) {
    throw new Error(`no activity at rank ${deepRank}`)
  }
  const position = readCursor(page.cursor).position
  const deepCursor = encodeCursor(position, SORT, fingerprintOf({}), null)
  const apps = [...new Set(samples.map((s) => s.app))].sort()
  const deepAppCursors = new Map(apps.map((app) => [app, encodeCursor(position, SORT, fingerprintOf({ service: { eq: [app] } }), null)]))
  const pick = (random: Random): QuerySample => random.pick(samples)
  const limit = 100
  return [
    { key: 'first', label: 'first page, no filter', body: () => ({ limit }) },
    { key: 'user', label: 'user.username eq', body: (r) => ({ filters: { 'user.username': { eq: [pick(r).upn.toLowerCase()] } }, limit }) },
    { key: 'service', label: 'service eq', body: (r) => ({ filters: { service: { eq: [pick(r).app] } }, limit }) },
    { key: 'actionType', label: 'actionType eq', body: (r) => ({ filters: { actionType: { eq: [pick(r).actionType] } }, limit }) },
    { key: 'ip', label: 'ip.address eq', body: (r) => ({ filters: { 'ip.address': { eq: [pick(r).ip] } }, limit }) },
    {
      key: 'combined',
      label: 'service + actionType + date gte_ndays 7',
      body: (r) => {
        const s = pick(r)
        return { filters: { service: { eq: [s.app] }, actionType: { eq: [s.actionType] }, date: { gte_ndays: 7 } }, limit }
      },
    },
    { key: 'ndays', label: 'date gte_ndays 7', body: () => ({ filters: { date: { gte_ndays: 7 } }, limit }) },
    { key: 'deep', label: `deep page (cursor at #${deepRank.toLocaleString('en-US')})`, body: () => ({ cursor: deepCursor, limit }) },
    {
      key: 'deepService',
      label: 'deep page + service eq',
      body: (r) => {
        const app = r.pick(apps)
        return { filters: { service: { eq: [app] } }, cursor: deepAppCursors.get(app), limit }
      },
    },
  ]
}

/** Send `warmup` then `requests` requests of each case, one at a time. */
export async function measureQueries(baseUrl: string, token: string, cases: readonly QueryCase[], options: { warmup: number; requests: number; seed: number }): Promise<QueryResult[]> {
  const results: QueryResult[] = []
  for (const [index, c] of cases.entries()) {
    const random = createRandom(options.seed + index)
    for (let i = 0; i < options.warmup; i++) {
      await listActivities(baseUrl, token, c.body(random))
    }
    const latencies: number[] = []
    const totals: number[] = []
    const rows: number[] = []
    let capped = 0
    for (let i = 0; i < options.requests; i++) {
      const { page, ms } = await listActivities(baseUrl, token, c.body(random))
      latencies.push(ms)
      totals.push(page.total)
      rows.push(page.data.length)
      capped += page.moreThanTotal ? 1 : 0
    }
    results.push({
      key: c.key,
      label: c.label,
      requests: options.requests,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      mean: mean(latencies),
      meanTotal: mean(totals),
      cappedShare: capped / Math.max(1, options.requests),
      meanRows: mean(rows),
    })
  }
  return results
}

/**
 * The same cases against the store in this process (no HTTP): `list` as the server calls it, and with
 * the count limited to 1 row, to show what the count costs. Requests alternate between the two forms.
 */
export async function measureStore(store: Store, cases: readonly QueryCase[], options: { requests: number; seed: number; countLimit: number }): Promise<StoreQueryResult[]> {
  const results: StoreQueryResult[] = []
  for (const [index, c] of cases.entries()) {
    const random = createRandom(options.seed + index)
    const withCount: number[] = []
    const pageOnly: number[] = []
    for (let i = 0; i < options.requests + 5; i++) {
      const body = c.body(random)
      const full = parseDefenderQuery(body, parseOptions(options.countLimit))
      const bare = { ...full, countLimit: 0 }
      let started = performance.now()
      await store.activities.list(full, HIDE_PRIVATE)
      const fullMs = performance.now() - started
      started = performance.now()
      await store.activities.list(bare, HIDE_PRIVATE)
      const bareMs = performance.now() - started
      // The first few of each case warm up.
      if (i >= 5) {
        withCount.push(fullMs)
        pageOnly.push(bareMs)
      }
    }
    results.push({ key: c.key, withCountP50: percentile(withCount, 50), pageOnlyP50: percentile(pageOnly, 50) })
  }
  return results
}
