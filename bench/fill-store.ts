/**
 * Filling a store with the generated data set of `npm run bench` (5,000 people, 30 days, public
 * activities), shared by the benchmarks that need a large store before they measure something else.
 *
 * @module
 */

import pg from 'pg'
import { normalizeVeilRecord } from '../src/ingest/veil/veil-format.js'
import type { PublicActivity, Store } from '../src/storage/store.js'
import { createPopulation, RecordGenerator } from './generate.js'

export interface FillOptions {
  readonly seed: number
  readonly rows: number
  /** Activities per insert transaction (default 10,000). */
  readonly batch?: number
}

const PEOPLE = 5000
const DAYS = 30

/** Record `rows` generated public activities through the store's insert, as the server stores them. */
export async function fillWithGeneratedActivities(store: Store, options: FillOptions): Promise<void> {
  const now = Date.now()
  const generator = new RecordGenerator(createPopulation(options.seed, PEOPLE), { seed: options.seed + 1, now, days: DAYS, total: options.rows })
  for (;;) {
    const batch = generator.nextBatch(options.batch ?? 10_000)
    if (batch.length === 0) {
      return
    }
    const activities: PublicActivity[] = batch.map((record, index) => {
      const result = normalizeVeilRecord(record, { index, receivedAt: now })
      if (!result.ok) {
        throw new Error(`generated record ${index} is invalid: ${JSON.stringify(result.error)}`)
      }
      return { isPrivate: false, activity: result.activity }
    })
    await store.activities.insert(activities)
  }
}

/** After a bulk load on PostgreSQL, what autovacuum does within minutes: without statistics the planner may not pick the index. */
export async function analyzeActivities(databaseUrl: string): Promise<void> {
  if (!databaseUrl.startsWith('postgres')) {
    return
  }
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await client.query('vacuum (analyze) activities')
  } finally {
    await client.end()
  }
}
