/**
 * End-to-end support for the portal: a real Veil server on a free port over a fresh in-memory SQLite
 * store, the built portal (built here when missing or older than its sources), and real headless
 * Chromium driven by playwright-core. One browser per test file; one context (cookie jar) per user.
 *
 * Outside CI the portal suites skip with a message when Chromium is not installed; under `CI=true`
 * they fail instead (CI installs it: `.ci/run`).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { loadConfig } from '../../src/config/config.js'
import { deriveSecrets } from '../../src/config/secrets.js'
import type { AdminRole } from '../../src/core/access/roles.js'
import { startServer, type RunningServer } from '../../src/http/server.js'
import { startRuntime, type Runtime } from '../../src/runtime.js'
import { accountCreator } from '../../src/services/accounts/accounts.js'
import { CLI_INITIATOR } from '../../src/services/service-context.js'
import { TEST_PRIVACY_KEYS } from '../helpers/test-app.js'

export const CHROMIUM_PATH = '/usr/bin/chromium'
export const PASSWORD = 'portal test password 1'
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const PORTAL_DIST = join(ROOT, 'dist', 'portal')
export const SCREENSHOT_DIR = join(ROOT, 'docs', 'screenshots')
export const TAKE_SCREENSHOTS = process.env.VEIL_SCREENSHOTS === '1'

/**
 * Whether the browser suites run: Chromium must be there. Under CI=true a missing Chromium is an
 * error (thrown at collection), elsewhere the suites are skipped with a message.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) {
    return true
  }
  if (process.env.CI === 'true') {
    throw new Error(`${CHROMIUM_PATH} is missing: the portal's end-to-end tests need Debian's chromium (apt-get install -y chromium)`)
  }
  console.warn(`Skipping the portal's end-to-end tests: ${CHROMIUM_PATH} is missing (apt-get install -y chromium)`)
  return false
}

function newestMtime(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) {
    return stat.mtimeMs
  }
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))))
}

/**
 * Build the portal when `dist/portal` is missing or older than `portal/` (`npm test` builds it first,
 * so this only runs when a suite is started on its own). Test files run in parallel: a lock directory
 * lets one build while the others wait.
 */
export async function ensurePortalBuilt(): Promise<void> {
  const index = join(PORTAL_DIST, 'index.html')
  const fresh = () => existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(ROOT, 'portal'))
  if (fresh()) {
    return
  }
  const lock = join(tmpdir(), 'veil-portal-build.lock')
  for (let waited = 0; ; waited += 250) {
    try {
      mkdirSync(lock)
      break
    } catch {
      if (waited > 120_000 || (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000)) {
        rmSync(lock, { recursive: true, force: true })
      }
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  try {
    if (!fresh()) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(ROOT, 'portal', 'vite.config.ts'), '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } })
    }
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

export interface PortalServer {
  readonly url: string
  readonly runtime: Runtime
  close(): Promise<void>
}

/** A Veil server on 127.0.0.1 and a free port, over a fresh in-memory SQLite store, serving the built portal. */
export async function startPortalServer(env: Record<string, string> = {}): Promise<PortalServer> {
  await ensurePortalBuilt()
  const config = loadConfig({ VEIL_DATABASE_URL: 'sqlite::memory:', VEIL_LOG_LEVEL: 'silent', VEIL_HOST: '127.0.0.1', VEIL_PORT: '0', ...env })
  const runtime = await startRuntime(config, { secrets: deriveSecrets(Buffer.alloc(32, 5)), privacyKeys: TEST_PRIVACY_KEYS, privacySweepMs: 0 })
  let server: RunningServer
  try {
    server = await startServer(runtime, { host: '127.0.0.1', port: 0, logger: false })
  } catch (error) {
    await runtime.close()
    throw error
  }
  return { url: server.url, runtime, close: () => server.stop() }
}

/** Accounts with the test password. */
export async function createAccounts(runtime: Runtime, accounts: ReadonlyArray<{ upn: string; roles: AdminRole[]; displayName?: string }>): Promise<void> {
  for (const account of accounts) {
    await accountCreator(runtime.ctx, CLI_INITIATOR, { upn: account.upn, displayName: account.displayName ?? null, roles: account.roles, password: PASSWORD })
  }
}

/** Headless Chromium as the CI machine has it (a fresh temporary profile per launch). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** A signed-out browser user: its own cookies, and every console error and page error it met. */
export interface BrowserUser {
  readonly context: BrowserContext
  readonly page: Page
  /** Console errors and uncaught page errors, with the page they happened on. */
  readonly errors: string[]
  close(): Promise<void>
}

export async function openUser(browser: Browser, baseUrl: string): Promise<BrowserUser> {
  const downloads = mkdtempSync(join(tmpdir(), 'veil-portal-downloads-'))
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1440, height: 900 }, acceptDownloads: true, locale: 'en-GB', timezoneId: 'UTC' })
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(`${page.url()}: console error: ${message.text()}`)
    }
  })
  page.on('pageerror', (error) => errors.push(`${page.url()}: page error: ${error.message}`))
  return {
    context,
    page,
    errors,
    async close() {
      await context.close()
      rmSync(downloads, { recursive: true, force: true })
    },
  }
}

/** Sign in through the form and wait for the signed-in layout. */
export async function signIn(page: Page, upn: string, password = PASSWORD): Promise<void> {
  await submitSignIn(page, upn, password)
  await page.getByRole('navigation', { name: 'Main' }).waitFor()
}

/** Fill and submit the sign-in form (on the sign-in page, or after going there). */
export async function submitSignIn(page: Page, upn: string, password: string): Promise<void> {
  if (!page.url().includes('/login')) {
    await page.goto('/login')
  }
  await page.getByLabel('User name (UPN or email)').fill(upn)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

/** Save a screenshot to docs/screenshots/<name>.png when VEIL_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!TAKE_SCREENSHOTS) {
    return
  }
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), animations: 'disabled', caret: 'hide' })
}
