/**
 * Prometheus metrics. One registry per app instance (not prom-client's global one) so that tests can
 * build several apps in one process. No metric counts private activities: an admin who may read the
 * metrics but not reveal would otherwise learn, from the difference with the public activity log, how
 * many private activities arrived and when (privacy rule 4). So ingest counters and the rows-per-commit
 * histogram count public activities only (the ingest's caller alone is told every record's outcome),
 * and no metric counts query results. `veil_reveals_total` counts revealing requests per admin (who
 * looked, not what was there).
 *
 * @module
 */

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

import { type IngestReport, visibleIngestCounts } from '../ingest/ingest-pipeline.js'

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
  /** Hunting queries by how they ended: ok, invalid, too_expensive, busy, error. Never by rows. */
  readonly huntingQueries: Counter<'outcome'>
  /**
   * SIEM forwarding, by destination id, set by the node holding the destination's lease (other nodes
   * drop the label): age of the oldest activity not yet delivered, and how many wait (counted up to a cap).
   */
  readonly siemLagSeconds: Gauge<'destination'>
  readonly siemPendingEvents: Gauge<'destination'>
  /** Activities delivered (a re-delivery after a failure counts again) and failed deliveries, by destination id. */
  readonly siemEventsSent: Counter<'destination'>
  readonly siemDeliveryFailures: Counter<'destination'>
  /** Exports by format and how they ended (completed, aborted, failed); never by rows, which could count private placeholders. */
  readonly exports: Counter<'format' | 'outcome'>
}

export function createMetrics(options: { collectDefaults: boolean }): Metrics {
  const registry = new Registry()
  if (options.collectDefaults) {
    collectDefaultMetrics({ register: registry, prefix: 'veil_' })
  }
  const registers = [registry]
  return {
    registry,
    ingestRecords: new Counter({ name: 'veil_ingest_records_total', help: 'Ingested records by outcome (accepted, duplicate, rejected, out_of_scope: dropped by scoped deployment); private activities are not counted', labelNames: ['outcome'], registers }),
    ingestBatches: new Counter({ name: 'veil_ingest_batches_total', help: 'Ingest batches received', registers }),
    ingestCommitSeconds: new Histogram({ name: 'veil_ingest_commit_seconds', help: 'Time to write one group-commit transaction', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers }),
    ingestCommitRows: new Histogram({ name: 'veil_ingest_commit_rows', help: 'Public rows per group-commit transaction (private activities are not counted)', buckets: [1, 10, 100, 1000, 5000, 10000, 50000], registers }),
    queryRequests: new Counter({ name: 'veil_query_requests_total', help: 'Activity queries by route', labelNames: ['route'], registers }),
    querySeconds: new Histogram({ name: 'veil_query_seconds', help: 'Activity query latency by route', labelNames: ['route'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1], registers }),
    httpRequests: new Counter({ name: 'veil_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers }),
    huntingQueries: new Counter({ name: 'veil_hunting_queries_total', help: 'Hunting queries by outcome (ok, invalid, too_expensive, busy, error)', labelNames: ['outcome'], registers }),
    reveals: new Counter({ name: 'veil_reveals_total', help: 'Revealing requests allowed and recorded in the governance log, by admin', labelNames: ['admin'], registers }),
    siemLagSeconds: new Gauge({ name: 'veil_siem_lag_seconds', help: 'Seconds since the oldest activity a SIEM destination has not received yet was recorded (0: up to date), by destination id', labelNames: ['destination'], registers }),
    siemPendingEvents: new Gauge({ name: 'veil_siem_events_pending', help: 'Activities waiting for a SIEM destination (counted up to VEIL_SIEM_PENDING_COUNT_LIMIT), by destination id', labelNames: ['destination'], registers }),
    siemEventsSent: new Counter({ name: 'veil_siem_events_sent_total', help: 'Activities delivered to a SIEM destination, by destination id', labelNames: ['destination'], registers }),
    siemDeliveryFailures: new Counter({ name: 'veil_siem_delivery_failures_total', help: 'Failed deliveries to a SIEM destination (each retried from the cursor), by destination id', labelNames: ['destination'], registers }),
    exports: new Counter({ name: 'veil_exports_total', help: 'Activity exports by format and outcome (completed, aborted: the reader went away, failed)', labelNames: ['format', 'outcome'], registers }),
  }
}

/** Count an ingest report's outcomes, private activities left out (see {@link visibleIngestCounts}). */
export function countIngestReport(metrics: Metrics, report: IngestReport): void {
  const visible = visibleIngestCounts(report)
  metrics.ingestRecords.inc({ outcome: 'accepted' }, visible.accepted)
  metrics.ingestRecords.inc({ outcome: 'duplicate' }, visible.duplicates)
  metrics.ingestRecords.inc({ outcome: 'rejected' }, visible.rejected)
  metrics.ingestRecords.inc({ outcome: 'out_of_scope' }, visible.outOfScope)
}
