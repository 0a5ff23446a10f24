/**
 * A Veil app for tests on a real store (SQLite in memory, or a fresh PostgreSQL database), with one
 * account and API token per admin role plus one account without a role. Requests go through
 * `app.inject()`: no socket.
 */
import { loadConfig, type Config } from '../../src/config/config.js'
import { deriveSecrets } from '../../src/config/secrets.js'
import type { AdminRole } from '../../src/core/access/roles.js'
import type { App } from '../../src/http/app.js'
import { buildRuntimeApp, startRuntime, type Runtime } from '../../src/runtime.js'
import { accountCreator, tokenCreator } from '../../src/services/accounts/accounts.js'
import { CLI_INITIATOR } from '../../src/services/service-context.js'
import { createTestDatabase } from './pg.js'

export const TEST_PASSWORD = 'correct horse battery staple'

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
  close(): Promise<void>
}

export interface TestAppOptions {
  readonly engine?: 'sqlite' | 'postgres'
  readonly env?: Record<string, string>
  readonly clock?: () => number
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.engine === 'postgres' ? await createTestDatabase() : null
  const config: Readonly<Config> = loadConfig({ VEIL_DATABASE_URL: database?.url ?? 'sqlite::memory:', VEIL_LOG_LEVEL: 'silent', ...options.env })
  const runtime = await startRuntime(config, { secrets: deriveSecrets(Buffer.alloc(32, 3)), clock: options.clock })
  const tokens = {} as Record<TestRole, string>
  for (const account of TEST_ACCOUNTS) {
    await accountCreator(runtime.ctx, CLI_INITIATOR, { upn: account.upn, roles: account.roles, password: TEST_PASSWORD })
    tokens[(account.roles[0] ?? 'none') as TestRole] = (await tokenCreator(runtime.ctx, CLI_INITIATOR, { upn: account.upn, name: 'test', expiresAt: null })).secret
  }
  const app = await buildRuntimeApp(runtime, false)
  return {
    app,
    runtime,
    tokens,
    auth: (role) => ({ authorization: `Bearer ${tokens[role]}` }),
    async close() {
      await app.close()
      await runtime.close()
      await database?.drop()
    },
  }
}
