/**
 * The part of a store that is the same on every engine: repositories over Kysely, migrations through
 * Kysely's `Migrator`, transactions, ping and close. Each engine subclasses it with what differs: its
 * capabilities, its migrations, its ingest path and how it serializes governance appends.
 *
 * @module
 */

import { Migrator, sql, type Kysely, type Migration } from 'kysely'

import { KyselyAccountRepository } from './kysely-account-repository.js'
import { KyselyConnectorRepository } from './kysely-connector-repository.js'
import { KyselyActivityRepository } from './kysely-activity-repository.js'
import { KyselyDataKeyRepository } from './kysely-data-key-repository.js'
import { KyselyDirectoryRepository } from './kysely-directory-repository.js'
import { KyselyGovernanceRepository } from './kysely-governance-repository.js'
import { KyselyOverviewRepository } from './kysely-overview-repository.js'
import { KyselyPrivacyPermissionRepository } from './kysely-privacy-permission-repository.js'
import { KyselySavedQueryRepository } from './kysely-saved-query-repository.js'
import { KyselyScimStatusRepository } from './kysely-scim-status-repository.js'
import { KyselySessionRepository } from './kysely-session-repository.js'
import { KyselySiemRepository, type SiemFeedDialect } from './kysely-siem-repository.js'
import { KyselySettingsRepository } from './kysely-settings-repository.js'
import { KyselyTokenRepository } from './kysely-token-repository.js'
import type { Database } from './schema.js'
import type {
  AccountRepository,
  ActivityRepository,
  ConnectorRepository,
  DataKeyRepository,
  DirectoryRepository,
  GovernanceRepository,
  HuntingRepository,
  InsertOutcome,
  MigrationReport,
  NewActivity,
  OverviewRepository,
  PrivacyPermissionRepository,
  SavedQueryRepository,
  ScimStatusRepository,
  SessionRepository,
  SettingsRepository,
  SiemRepository,
  Store,
  StoreCapabilities,
  StoreTransaction,
  TokenRepository,
} from './store.js'

/**
 * A store over one Kysely instance.
 *
 * Inside {@link transaction} only the repositories handed to `work` may be used: on SQLite the store's
 * own repositories wait for the single connection the transaction holds, so awaiting them there would
 * never finish.
 */
export abstract class KyselyStore implements Store {
  abstract readonly capabilities: StoreCapabilities
  readonly activities: ActivityRepository
  /** The engine's: how a hunting query is held to its time limit differs most between engines. */
  abstract readonly hunting: HuntingRepository
  readonly accounts: AccountRepository
  readonly tokens: TokenRepository
  readonly sessions: SessionRepository
  readonly governance: GovernanceRepository
  readonly settings: SettingsRepository
  readonly directory: DirectoryRepository
  readonly privacyPermissions: PrivacyPermissionRepository
  readonly dataKeys: DataKeyRepository
  readonly siem: SiemRepository
  readonly connectors: ConnectorRepository
  readonly savedQueries: SavedQueryRepository
  readonly scimStatus: ScimStatusRepository
  readonly overview: OverviewRepository
  readonly #db: Kysely<Database>
  readonly #governanceKey: Buffer
  #closing: Promise<void> | null = null

  protected constructor(db: Kysely<Database>, governanceKey: Buffer) {
    this.#db = db
    this.#governanceKey = governanceKey
    this.activities = new KyselyActivityRepository(db, { insert: (batch) => this.insertActivities(batch), afterSeal: () => this.afterSeal() })
    const repositories = this.#bind(db)
    this.accounts = repositories.accounts
    this.tokens = repositories.tokens
    this.sessions = repositories.sessions
    this.governance = repositories.governance
    this.settings = repositories.settings
    this.directory = repositories.directory
    this.privacyPermissions = repositories.privacyPermissions
    this.dataKeys = repositories.dataKeys
    this.siem = repositories.siem
    this.connectors = repositories.connectors
    this.savedQueries = repositories.savedQueries
    this.scimStatus = repositories.scimStatus
    this.overview = new KyselyOverviewRepository(db)
  }

  /** The engine's ingest path; see {@link ActivityRepository.insert} for the contract. `batch` is not empty. */
  protected abstract insertActivities(batch: readonly NewActivity[]): Promise<InsertOutcome[]>

  /** After rows were rewritten to the private shape; see `ActivityWriter.afterSeal`. */
  protected abstract afterSeal(): Promise<void>

  /** Serialize governance appends; called first inside each append's transaction. */
  protected abstract lockGovernanceChain(trx: Kysely<Database>): Promise<void>

  /** How the engine orders the feed of new activities that SIEM destinations receive. */
  protected abstract siemFeed(): SiemFeedDialect

  /** The engine's migrations by name; applied in name order. */
  protected abstract migrations(): Readonly<Record<string, Migration>>

  async migrate(): Promise<MigrationReport> {
    const migrations = this.migrations()
    const migrator = new Migrator({ db: this.#db, provider: { getMigrations: () => Promise.resolve({ ...migrations }) } })
    const { error, results } = await migrator.migrateToLatest()
    if (error !== undefined) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName
      throw new Error(failed ? `Migration ${failed} failed: ${String(error)}` : `Migrations failed: ${String(error)}`, {
        cause: error,
      })
    }
    const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
    const current = (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined).map((m) => m.name)
    return { applied, current }
  }

  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute((trx) => work(this.#bind(trx)))
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db)
  }

  close(): Promise<void> {
    this.#closing ??= this.#db.destroy()
    return this.#closing
  }

  #bind(db: Kysely<Database>): StoreTransaction {
    return {
      accounts: new KyselyAccountRepository(db),
      tokens: new KyselyTokenRepository(db),
      sessions: new KyselySessionRepository(db),
      governance: new KyselyGovernanceRepository(db, this.#governanceKey, (trx) => this.lockGovernanceChain(trx)),
      settings: new KyselySettingsRepository(db),
      directory: new KyselyDirectoryRepository(db),
      privacyPermissions: new KyselyPrivacyPermissionRepository(db),
      dataKeys: new KyselyDataKeyRepository(db),
      siem: new KyselySiemRepository(db, this.siemFeed()),
      connectors: new KyselyConnectorRepository(db),
      savedQueries: new KyselySavedQueryRepository(db),
      scimStatus: new KyselyScimStatusRepository(db),
    }
  }
}
