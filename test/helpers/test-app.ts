/**
 * A Veil app for tests on a real store (SQLite in memory, or a fresh PostgreSQL database), with one
 * account and API token per admin role plus one account without a role. Requests go through
 * `app.inject()`: no socket.
 */
import { loadConfig, type Config } from '../../src/config/config.js'
import { keyEncryptionKey, type PrivacyKeys } from '../../src/config/privacy-key.js'
import { deriveSecrets } from '../../src/config/secrets.js'
import type { AdminRole } from '../../src/core/access/roles.js'
import type { App } from '../../src/http/app.js'
import type { GovernanceRepository, Store, StoreTransaction } from '../../src/storage/store.js'
import { buildRuntimeApp, startRuntime, type Runtime } from '../../src/runtime.js'
import { accountCreator, tokenCreator } from '../../src/services/accounts/accounts.js'
import { CLI_INITIATOR } from '../../src/services/service-context.js'
import { createTestDatabase } from './pg.js'

export const TEST_PASSWORD = 'correct horse battery staple'

/** The key-encryption key of private activities in test apps (never a file in the repository). */
export const TEST_PRIVACY_KEYS: PrivacyKeys = Object.freeze({ origin: 'env', current: keyEncryptionKey(Buffer.alloc(32, 9)), previous: null, file: null })

/** Accounts created for every test app: one per admin role, and one without a role. */
export const TEST_ACCOUNTS: ReadonlyArray<{ upn: string; roles: AdminRole[] }> = [
  { upn: 'global@contoso.com', roles: ['global_admin'] },
  { upn: 'secadmin@contoso.com', roles: ['security_admin'] },
  { upn: 'compliance@contoso.com', roles: ['compliance_admin'] },
  { upn: 'reader@contoso.com', roles: ['security_reader'] },
  { upn: 'nobody@contoso.com', roles: [] },
]

export type TestRole = AdminRole | 'none'

export interface TestApp {
  readonly app: App
  readonly runtime: Runtime
  /** Bearer token per role (`none` for the account without a role). */
  readonly tokens: Readonly<Record<TestRole, string>>
  /** `Authorization` header value for a role. */
  auth(role: TestRole): { authorization: string }
  /**
   * Make every governance append fail (true) or work again (false), in and out of transactions, as a
   * governance log that cannot be written would: for the fail-closed tests.
   */
  setGovernanceFailing(failing: boolean): void
  close(): Promise<void>
}

export interface TestAppOptions {
  readonly engine?: 'sqlite' | 'postgres'
  readonly env?: Record<string, string>
  readonly clock?: () => number
  /** The key-encryption key; default {@link TEST_PRIVACY_KEYS}. */
  readonly privacyKeys?: PrivacyKeys
  /** Sweep expired privacy grants every this many ms (default 0: never, so tests see the lazy check). */
  readonly privacySweepMs?: number
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.engine === 'postgres' ? await createTestDatabase() : null
  const config: Readonly<Config> = loadConfig({ VEIL_DATABASE_URL: database?.url ?? 'sqlite::memory:', VEIL_LOG_LEVEL: 'silent', ...options.env })
  const runtime = await startRuntime(config, { secrets: deriveSecrets(Buffer.alloc(32, 3)), clock: options.clock, privacyKeys: options.privacyKeys ?? TEST_PRIVACY_KEYS, privacySweepMs: options.privacySweepMs ?? 0 })
  const tokens = {} as Record<TestRole, string>
  for (const account of TEST_ACCOUNTS) {
    await accountCreator(runtime.ctx, CLI_INITIATOR, { upn: account.upn, roles: account.roles, password: TEST_PASSWORD })
    tokens[(account.roles[0] ?? 'none') as TestRole] = (await tokenCreator(runtime.ctx, CLI_INITIATOR, { upn: account.upn, name: 'test', expiresAt: null })).secret
  }
  const app = await buildRuntimeApp(runtime, false)
  const governanceFailing = failableGovernance(runtime.store)
  return {
    app,
    runtime,
    tokens,
    auth: (role) => ({ authorization: `Bearer ${tokens[role]}` }),
    setGovernanceFailing: (failing) => {
      governanceFailing.value = failing
    },
    async close() {
      await app.close()
      await runtime.close()
      await database?.drop()
    },
  }
}

/** Wrap the store's governance repository (and each transaction's) so that appends fail while `value` is true. */
function failableGovernance(store: Store): { value: boolean } {
  const state = { value: false }
  const wrap = (governance: GovernanceRepository): GovernanceRepository => ({
    append: (draft, time) => (state.value ? Promise.reject(new Error('governance log unavailable (test)')) : governance.append(draft, time)),
    list: (options) => governance.list(options),
    readChain: () => governance.readChain(),
  })
  const transaction = store.transaction.bind(store)
  Object.defineProperty(store, 'governance', { value: wrap(store.governance) })
  Object.defineProperty(store, 'transaction', { value: <T>(work: (tx: StoreTransaction) => Promise<T>) => transaction((tx) => work({ ...tx, governance: wrap(tx.governance) })) })
  return state
}
