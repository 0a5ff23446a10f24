/**
 * Prometheus metrics. One registry per app instance (not prom-client's global one) so that tests can
 * build several apps in one process. Counters never split by privacy: they count all ingested records
 * alike and no query result. `veil_reveals_total` counts revealing requests per admin (who looked, not
 * what was there).
 *
 * @module
 */

import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface Metrics {
  readonly registry: Registry
  readonly ingestRecords: Counter<'outcome'>
  readonly ingestBatches: Counter
  readonly ingestCommitSeconds: Histogram
  readonly ingestCommitRows: Histogram
  readonly queryRequests: Counter<'route'>
  readonly querySeconds: Histogram<'route'>
  readonly httpRequests: Counter<'method' | 'route' | 'status'>
  /** Revealing requests that were allowed and recorded, by admin UPN. */
  readonly reveals: Counter<'admin'>
}

export function createMetrics(options: { collectDefaults: boolean }): Metrics {
  const registry = new Registry()
  if (options.collectDefaults) {
    collectDefaultMetrics({ register: registry, prefix: 'veil_' })
  }
  const registers = [registry]
  return {
    registry,
    ingestRecords: new Counter({ name: 'veil_ingest_records_total', help: 'Ingested records by outcome (accepted, duplicate, rejected, out_of_scope: dropped by scoped deployment)', labelNames: ['outcome'], registers }),
    ingestBatches: new Counter({ name: 'veil_ingest_batches_total', help: 'Ingest batches received', registers }),
    ingestCommitSeconds: new Histogram({ name: 'veil_ingest_commit_seconds', help: 'Time to write one group-commit transaction', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers }),
    ingestCommitRows: new Histogram({ name: 'veil_ingest_commit_rows', help: 'Rows per group-commit transaction', buckets: [1, 10, 100, 1000, 5000, 10000, 50000], registers }),
    queryRequests: new Counter({ name: 'veil_query_requests_total', help: 'Activity queries by route', labelNames: ['route'], registers }),
    querySeconds: new Histogram({ name: 'veil_query_seconds', help: 'Activity query latency by route', labelNames: ['route'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1], registers }),
    httpRequests: new Counter({ name: 'veil_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers }),
    reveals: new Counter({ name: 'veil_reveals_total', help: 'Revealing requests allowed and recorded in the governance log, by admin', labelNames: ['admin'], registers }),
  }
}
