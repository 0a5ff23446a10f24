/**
 * Assembles a running Veil from its configuration: store, secrets, ingest pipeline, metrics and the
 * HTTP app. The CLI commands, the demo and the tests all start Veil through here, so there is one
 * wiring, not one per entry point.
 *
 * @module
 */

import { pino } from 'pino'

import type { Config } from './config/config.js'
import { createPrivacyKeyFile, readPrivacyKeys, type PrivacyKeys } from './config/privacy-key.js'
import { loadSecrets, type Secrets } from './config/secrets.js'
import { buildApp, type App } from './http/app.js'
import { countIngestReport, createMetrics, type Metrics } from './http/metrics.js'
import { createClassifier } from './ingest/classifier.js'
import { IngestSettingsCache } from './services/settings/organization-settings.js'
import { GroupCommitWriter } from './ingest/group-commit-writer.js'
import { IngestPipeline } from './ingest/ingest-pipeline.js'
import { NATIVE_FORMATS } from './ingest/formats/native-formats.js'
import { veilFormat } from './ingest/veil/veil-ingest-format.js'
import type { ServiceContext } from './services/service-context.js'
import { DirectoryCache } from './services/directory/directory-cache.js'
import type { DirectoryService } from './services/directory/directory-service.js'
import { KyselyDirectoryService } from './services/directory/directory-service-impl.js'
import { PrivacyKeyError, PrivacyKeyring } from './services/privacy/privacy-keyring.js'
import { PrivacyVault } from './services/privacy/privacy-vault.js'
import { expiredPrivacyPermissionSweeper } from './services/privacy/privacy-permissions.js'
import { SiemForwarder } from './siem/forwarder/siem-forwarder.js'
import { ConnectorScheduler } from './connectors/connector-scheduler.js'
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
  /** Seals and opens private activities; the only holder of their keys. */
  readonly vault: PrivacyVault
  /** The data keys of private activities (`veil keys status`). */
  readonly keyring: PrivacyKeyring
  /** The key-encryption key, or null when none is configured (a command that needs it fails then). */
  readonly privacyKeys: PrivacyKeys | null
  /** Forwards public activities to SIEM destinations; started with `forwardSiem` (or `start()`). */
  readonly siemForwarder: SiemForwarder
  /** Runs the pull connectors that are due, under their leases; started with `runConnectors` (or `start()`). */
  readonly connectorScheduler: ConnectorScheduler
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
  /** Use this key-encryption key instead of `VEIL_PRIVACY_KEY` or the key file (tests). */
  readonly privacyKeys?: PrivacyKeys
  /**
   * Load the directory cache on start; default: when migrations are applied on start (before them the
   * tables may not exist). Otherwise the first `refresh()` (the first ingest batch) loads it.
   */
  readonly loadDirectory?: boolean
  /**
   * How often expired activity privacy grants are removed with their governance record (ms; default
   * 60 s, 0: never). Checks record an expiry they notice anyway; the sweep records the others.
   */
  readonly privacySweepMs?: number
  /**
   * Start the SIEM forwarder (default false: one-shot commands do not forward). `veil serve` and
   * `veil demo` pass VEIL_SIEM_FORWARDING.
   */
  readonly forwardSiem?: boolean
  /** Start the connector scheduler (default false: one-shot commands do not poll). `veil serve` passes VEIL_CONNECTORS. */
  readonly runConnectors?: boolean
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
  let privacy: PrivacyParts
  try {
    privacy = await openPrivacy(config, store, secrets, clock, options)
  } catch (error) {
    await store.close()
    throw error
  }
  const metrics = createMetrics({ collectDefaults: options.processMetrics ?? false, connectors: { states: () => store.connectors.states(), now: Date.now } })
  const siemForwarder = new SiemForwarder({
    store,
    config: config.siem,
    settingsKey: secrets.siemSettingsKey,
    portalUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
    metrics,
    logger: pino({ level: config.logLevel }).child({ component: 'siem-forwarder' }),
  })
  const writer = new GroupCommitWriter(store.activities, {
    maxRowsPerTransaction: MAX_ROWS_PER_TRANSACTION,
    onCommit: (publicRows, _batches, seconds) => {
      metrics.ingestCommitRows.observe(publicRows)
      metrics.ingestCommitSeconds.observe(seconds)
      // New activities: an idle SIEM destination sends them now rather than at its next poll.
      siemForwarder.wake()
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
    // Veil's own format first; the native audit formats each detect only their source's events.
    formats: [veilFormat, ...NATIVE_FORMATS],
    // The privacy groups come through the same cache as scope and managed domains (privacy rule 1).
    classifier: createClassifier(directoryCache, ingestSettings, ingestSettings),
    sealer: privacy.vault,
    writer,
    clock,
    maxRecordBytes: config.limits.maxRecordBytes,
    maxBatchRecords: config.limits.maxBatchRecords,
  })
  const privacySweepMs = options.privacySweepMs ?? 60_000
  const privacySweep =
    privacySweepMs > 0
      ? setInterval(() => {
          // A failed sweep (store briefly unreachable) is retried by the next one; checks record expiries too.
          expiredPrivacyPermissionSweeper(ctx).catch(() => undefined)
        }, privacySweepMs).unref()
      : null
  if (options.forwardSiem) {
    siemForwarder.start()
  }
  const connectorScheduler = new ConnectorScheduler({
    store,
    ingest: pipeline,
    config: config.connectors,
    credentialsKey: secrets.connectorCredentialsKey,
    // Real time: leases and schedules, never a test's frozen clock.
    now: Date.now,
    logger: pino({ level: config.logLevel }).child({ component: 'connectors' }),
    onReport: (connector, report) => countIngestReport(metrics, report, connector.id),
    onRetry: (connector) => metrics.connectorRetries.inc({ connector: connector.id }),
    onOutcome: (connector, outcome) => metrics.connectorRuns.inc({ connector, outcome: outcome.status === 'failed' ? outcome.errorKind : outcome.status }),
  })
  if (options.runConnectors) {
    connectorScheduler.start()
  }
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
    ...privacy,
    siemForwarder,
    connectorScheduler,
    async close() {
      if (closed) {
        return
      }
      closed = true
      if (privacySweep) {
        clearInterval(privacySweep)
      }
      // Before the store closes: a batch in flight is finished or abandoned, and leases are released.
      await siemForwarder.stop()
      // Runs in flight stop at their next step; what they committed stays, leases are released.
      await connectorScheduler.stop()
      await writer.close()
      await store.close()
    },
  }
}

/** The HTTP app over a runtime. */
export function buildRuntimeApp(runtime: Runtime, logger: AppLogger): Promise<App> {
  return buildApp({ ctx: runtime.ctx, config: runtime.config, pipeline: runtime.pipeline, metrics: runtime.metrics, ingestSettings: runtime.ingestSettings, directory: runtime.directory, vault: runtime.vault, siemForwarder: runtime.siemForwarder, connectorScheduler: runtime.connectorScheduler, logger })
}

export type AppLogger = boolean | Record<string, unknown>

interface PrivacyParts {
  readonly vault: PrivacyVault
  readonly keyring: PrivacyKeyring
  readonly privacyKeys: PrivacyKeys | null
}

/**
 * The key-encryption key of private activities and the vault over it. A missing key file is created on
 * the first start of a new installation only: when the database already holds data keys, a new key
 * would open none of them, so starting then fails with what to restore. A key that does not open the
 * stored data keys fails the start too (commands that do not need it, such as `governance verify` and
 * `keys status`, pass `createKeyIfMissing: false` and are not stopped by it).
 */
async function openPrivacy(config: Readonly<Config>, store: Store, secrets: Secrets, clock: () => number, options: RuntimeOptions): Promise<PrivacyParts> {
  const migrated = options.migrate ?? true
  const strict = options.createKeyIfMissing ?? true
  let privacyKeys = options.privacyKeys ?? readPrivacyKeys(config)
  if (!privacyKeys && migrated) {
    const stored = await store.dataKeys.list()
    if (stored.length > 0 && strict) {
      throw new PrivacyKeyError(
        `No privacy key: the database holds data keys of private activities wrapped under the key with fingerprint ${[...new Set(stored.map((k) => k.kekFingerprint))].join(', ')}. Restore ${config.privacyKeyFile} or set VEIL_PRIVACY_KEY; a new key would open none of them.`,
      )
    }
    privacyKeys = stored.length === 0 && strict ? createPrivacyKeyFile(config.privacyKeyFile) : null
  }
  const keyring = new PrivacyKeyring(store.dataKeys, privacyKeys, clock)
  if (migrated && strict) {
    await keyring.verify()
  }
  return { vault: new PrivacyVault(keyring, secrets.blindIndexKey), keyring, privacyKeys }
}
