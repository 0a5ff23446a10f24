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
  /** Pull connector runs by connector id and how they ended: succeeded, stopped, or the error kind. */
  readonly connectorRuns: Counter<'connector' | 'outcome'>
  /** Events a connector fetched, by connector id and ingest outcome; private activities are not counted. */
  readonly connectorEvents: Counter<'connector' | 'outcome'>
  /** Requests a connector tried again (429, 5xx, network), by connector id. */
  readonly connectorRetries: Counter<'connector'>
}

/** What the connector gauges read at each scrape: every connector's state, from the database. */
export interface ConnectorGaugeSource {
  readonly states: () => Promise<ReadonlyArray<{ readonly connectorId: string; readonly through: number | null; readonly pausedAt: number | null }>>
  readonly now: () => number
}

export interface MetricsOptions {
  readonly collectDefaults: boolean
  /** Read at each scrape for `veil_connector_lag_seconds` and `veil_connector_paused`, whichever node runs the connector. */
  readonly connectors?: ConnectorGaugeSource
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry()
  if (options.collectDefaults) {
    collectDefaultMetrics({ register: registry, prefix: 'veil_' })
  }
  const registers = [registry]
  if (options.connectors) {
    registerConnectorGauges(options.connectors, registers)
  }
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
    connectorRuns: new Counter({ name: 'veil_connector_runs_total', help: 'Pull connector runs on this node by connector id and outcome (succeeded, stopped, or the error kind: credentials, rate_limited, unavailable, protocol, configuration, internal)', labelNames: ['connector', 'outcome'], registers }),
    connectorEvents: new Counter({ name: 'veil_connector_events_total', help: 'Events pull connectors fetched on this node by connector id and ingest outcome (accepted, duplicate, rejected, out_of_scope); private activities are not counted', labelNames: ['connector', 'outcome'], registers }),
    connectorRetries: new Counter({ name: 'veil_connector_retries_total', help: 'Provider requests a pull connector tried again (429, 5xx, network error or time-out), by connector id', labelNames: ['connector'], registers }),
  }
}

/**
 * Gauges read from the database at each scrape, so every node reports the same lag whichever node ran
 * the connector last: seconds from `through` (every event up to it fetched) to now, and 1 while a
 * connector is paused on refused credentials. Connectors that never finished a run have no lag.
 */
function registerConnectorGauges(source: ConnectorGaugeSource, registers: Registry[]): void {
  const read = async (): Promise<Awaited<ReturnType<ConnectorGaugeSource['states']>>> => source.states().catch(() => [])
  new Gauge({
    name: 'veil_connector_lag_seconds',
    help: 'Seconds from the time up to which a pull connector fetched every event to now, by connector id',
    labelNames: ['connector'],
    registers,
    async collect() {
      this.reset()
      const now = source.now()
      for (const state of await read()) {
        if (state.through !== null) {
          this.set({ connector: state.connectorId }, Math.max(0, (now - state.through) / 1000))
        }
      }
    },
  })
  new Gauge({
    name: 'veil_connector_paused',
    help: '1 while a pull connector is paused because the provider refused its credentials, by connector id',
    labelNames: ['connector'],
    registers,
    async collect() {
      this.reset()
      for (const state of await read()) {
        this.set({ connector: state.connectorId }, state.pausedAt === null ? 0 : 1)
      }
    },
  })
}

/** Count an ingest report's outcomes, private activities left out (see {@link visibleIngestCounts}). */
export function countIngestReport(metrics: Metrics, report: IngestReport, connector?: string): void {
  const visible = visibleIngestCounts(report)
  const outcomes = { accepted: visible.accepted, duplicate: visible.duplicates, rejected: visible.rejected, out_of_scope: visible.outOfScope }
  for (const [outcome, count] of Object.entries(outcomes)) {
    metrics.ingestRecords.inc({ outcome }, count)
    if (connector !== undefined) {
      metrics.connectorEvents.inc({ connector, outcome }, count)
    }
  }
}
