/**
 * Assembles a running Veil from its configuration: store, secrets, ingest pipeline, metrics and the
 * HTTP app. The CLI commands, the demo and the tests all start Veil through here, so there is one
 * wiring, not one per entry point.
 *
 * @module
 */

import type { Config } from './config/config.js'
import { loadSecrets, type Secrets } from './config/secrets.js'
import { buildApp, type App } from './http/app.js'
import { createMetrics, type Metrics } from './http/metrics.js'
import { NO_PRIVACY_GROUPS, createClassifier } from './ingest/classifier.js'
import { IngestSettingsCache } from './services/settings/organization-settings.js'
import { GroupCommitWriter } from './ingest/group-commit-writer.js'
import { IngestPipeline } from './ingest/ingest-pipeline.js'
import { veilFormat } from './ingest/veil/veil-ingest-format.js'
import type { ServiceContext } from './services/service-context.js'
import { DirectoryCache } from './services/directory/directory-cache.js'
import type { DirectoryService } from './services/directory/directory-service.js'
import { KyselyDirectoryService } from './services/directory/directory-service-impl.js'
import { openStore } from './storage/open-store.js'
import type { Store } from './storage/store.js'

export interface Runtime {
  readonly config: Readonly<Config>
  readonly store: Store
  readonly secrets: Secrets
  readonly ctx: ServiceContext
  readonly writer: GroupCommitWriter
  readonly pipeline: IngestPipeline
  readonly metrics: Metrics
  /** Managed domains and scope as the ingest path sees them; invalidate after changing them. */
  readonly ingestSettings: IngestSettingsCache
  /** Users, groups and memberships; every write path (import, SCIM, REST) goes through it. */
  readonly directory: DirectoryService
  /** This node's in-memory directory for the ingest path (a `MembershipSource`); the service keeps it current after its writes. */
  readonly directoryCache: DirectoryCache
  /** Finish in-flight batches, then close the store. */
  close(): Promise<void>
}

export interface RuntimeOptions {
  /** Apply pending migrations on start (default true). */
  readonly migrate?: boolean
  /** Create the key file when missing (a new installation). */
  readonly createKeyIfMissing?: boolean
  readonly clock?: () => number
  /** Collect process metrics (off in tests, where many runtimes share a process). */
  readonly processMetrics?: boolean
  /** Use these secrets instead of loading them (tests). */
  readonly secrets?: Secrets
  /**
   * Load the directory cache on start; default: when migrations are applied on start (before them the
   * tables may not exist). Otherwise the first `refresh()` (the first ingest batch) loads it.
   */
  readonly loadDirectory?: boolean
}

/** Rows per group-commit transaction at most: large enough for SQLite's sweet spot, small enough for latency. */
const MAX_ROWS_PER_TRANSACTION = 20_000

export async function startRuntime(config: Readonly<Config>, options: RuntimeOptions = {}): Promise<Runtime> {
  const secrets = options.secrets ?? loadSecrets(config, { createIfMissing: options.createKeyIfMissing ?? true })
  const store = await openStore({ url: config.databaseUrl, governanceKey: secrets.governanceKey })
  try {
    if (options.migrate ?? true) {
      await store.migrate()
    }
  } catch (error) {
    await store.close()
    throw error
  }
  const clock = options.clock ?? Date.now
  const metrics = createMetrics({ collectDefaults: options.processMetrics ?? false })
  const writer = new GroupCommitWriter(store.activities, {
    maxRowsPerTransaction: MAX_ROWS_PER_TRANSACTION,
    onCommit: (rows, _batches, seconds) => {
      metrics.ingestCommitRows.observe(rows)
      metrics.ingestCommitSeconds.observe(seconds)
    },
  })
  const ctx: ServiceContext = { store, clock, secrets }
  const ingestSettings = new IngestSettingsCache(ctx)
  const directoryCache = new DirectoryCache(store.directory)
  if (options.loadDirectory ?? options.migrate ?? true) {
    try {
      await directoryCache.load()
    } catch (error) {
      await store.close()
      throw error
    }
  }
  const directory = new KyselyDirectoryService(ctx, { cache: directoryCache })
  const pipeline = new IngestPipeline({
    formats: [veilFormat],
    classifier: createClassifier(directoryCache, ingestSettings, NO_PRIVACY_GROUPS),
    writer,
    clock,
    maxRecordBytes: config.limits.maxRecordBytes,
    maxBatchRecords: config.limits.maxBatchRecords,
  })
  let closed = false
  return {
    config,
    store,
    secrets,
    ctx,
    writer,
    pipeline,
    metrics,
    ingestSettings,
    directory,
    directoryCache,
    async close() {
      if (closed) {
        return
      }
      closed = true
      await writer.close()
      await store.close()
    },
  }
}

/** The HTTP app over a runtime. */
export function buildRuntimeApp(runtime: Runtime, logger: AppLogger): Promise<App> {
  return buildApp({ ctx: runtime.ctx, config: runtime.config, pipeline: runtime.pipeline, metrics: runtime.metrics, ingestSettings: runtime.ingestSettings, directory: runtime.directory, logger })
}

export type AppLogger = boolean | Record<string, unknown>
