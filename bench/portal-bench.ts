/**
 * `npm run bench:portal`: how long the portal takes, in real headless Chromium, to show a page of 100
 * activities in the activity log with 1,000,000 activities in the store — with the API request alone
 * beside it as the raw baseline.
 *
 * For each engine: load N generated activities into a fresh store (the same generator as the other
 * benchmarks, through the store's insert, not timed), give the benchmark's admin a password, start the
 * server in its own process as `veil serve` runs (it serves the built portal), sign in through the
 * portal's form in Chromium (`/usr/bin/chromium`, playwright-core), then, in turn:
 *
 * - **navigation**: `page.goto('/activity?size=100')` to the frame where the table holds 100 rows,
 *   timed in the page (`performance.now()` from the navigation's start, checked every animation
 *   frame): the HTML shell, the script (from the browser's cache after the first load, as for a
 *   returning user), the session check, the list request and React's render;
 * - **apply**: the App field of the filter bar filled with one of the data set's apps and **Apply**
 *   pressed, to the frame where the table holds 100 rows all of that app (timed in the page from the
 *   click): the URL change, the list request and the render;
 * - **API alone**: the same list request the portal sends (`POST /api/v1/activities/`, limit 100,
 *   newest first, with and without the app filter), from Node with the benchmark's API token, request
 *   sent → whole body read.
 *
 * Each kind is measured `BENCH_PORTAL_LOADS` times after one warm-up; the summary shows medians, p95
 * and the range.
 *
 * Settings (environment): `BENCH_PORTAL_ROWS` (default 1000000), `BENCH_PORTAL_LOADS` (default 9),
 * `BENCH_ENGINES` (default `sqlite,postgres`; PostgreSQL is skipped with a message when unreachable,
 * `VEIL_TEST_PG_URL`), `BENCH_SEED`, `BENCH_TMPDIR`.
 *
 * @module
 */

import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { chromium, type Browser, type Page } from 'playwright-core'
import { loadConfig } from '../src/config/config.js'
import { deriveSecrets } from '../src/config/secrets.js'
import { startRuntime } from '../src/runtime.js'
import { accountCreator } from '../src/services/accounts/accounts.js'
import { CLI_INITIATOR } from '../src/services/service-context.js'
import { openStore } from '../src/storage/open-store.js'
import { createTestDatabase, postgresReachable } from '../test/helpers/pg.js'
import { analyzeActivities, fillWithGeneratedActivities } from './fill-store.js'
import { listActivities } from './http-client.js'
import { startServerProcess } from './server-handle.js'
import { BENCH_UPN } from './server-process.js'
import { int, loadAverage, median, ms, percentile, table } from './stats.js'

type Engine = 'sqlite' | 'postgres'

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') {
    return fallback
  }
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`)
  }
  return value
}

const settings = {
  rows: envInt('BENCH_PORTAL_ROWS', 1_000_000, 1000),
  loads: envInt('BENCH_PORTAL_LOADS', 9, 1),
  engines: (process.env.BENCH_ENGINES ?? 'sqlite,postgres')
    .split(',')
    .map((e) => e.trim())
    .filter((e): e is Engine => e === 'sqlite' || e === 'postgres'),
  seed: envInt('BENCH_SEED', 20240501, 0),
  tmp: process.env.BENCH_TMPDIR || os.tmpdir(),
} as const

const CHROMIUM_PATH = '/usr/bin/chromium'
const PAGE_SIZE = 100
const LOAD_BATCH = 10_000
const PASSWORD = 'portal benchmark password'

interface Timing {
  readonly engine: Engine
  readonly kind: string
  readonly ms: number
}

function log(line = ''): void {
  process.stdout.write(`${line}\n`)
}

/** Fill a fresh store with the generated activities (not timed), then give the benchmark's admin a password. */
async function load(databaseUrl: string, secretKeyHex: string): Promise<number> {
  const governanceKey = deriveSecrets(Buffer.from(secretKeyHex, 'hex')).governanceKey
  const store = await openStore({ url: databaseUrl, governanceKey })
  const started = performance.now()
  try {
    await store.migrate()
    await fillWithGeneratedActivities(store, { seed: settings.seed, rows: settings.rows, batch: LOAD_BATCH })
  } finally {
    await store.close()
  }
  await analyzeActivities(databaseUrl)
  const seconds = (performance.now() - started) / 1000
  // The server process keeps an existing benchmark account: this one can sign in to the portal.
  const runtime = await startRuntime(loadConfig({ VEIL_DATABASE_URL: databaseUrl, VEIL_SECRET_KEY: secretKeyHex, VEIL_LOG_LEVEL: 'silent' }), { processMetrics: false, createKeyIfMissing: false, privacySweepMs: 0 })
  try {
    await accountCreator(runtime.ctx, CLI_INITIATOR, { upn: BENCH_UPN, displayName: 'Benchmark', roles: ['security_admin'], password: PASSWORD })
  } finally {
    await runtime.close()
  }
  return seconds
}

/** Navigation start → the frame in which the table holds 100 rows, measured in the page. */
async function timeNavigation(page: Page): Promise<number> {
  await page.goto(`/activity?size=${PAGE_SIZE}`, { waitUntil: 'commit' })
  const handle = await page.waitForFunction((size) => (document.querySelectorAll('table.table tbody tr').length === size ? performance.now() : 0), PAGE_SIZE, { polling: 'raf', timeout: 60_000 })
  return (await handle.jsonValue()) as number
}

/** Apply with the App field set → the frame in which the table holds 100 rows, all of that app. */
async function timeApply(page: Page, app: string): Promise<number> {
  await page.getByRole('form', { name: 'Filters' }).getByLabel('App', { exact: true }).fill(app)
  const startedAt = await page.evaluate(() => {
    const started = performance.now()
    const apply = [...document.querySelectorAll<HTMLButtonElement>('form.filter-bar button[type="submit"]')].find((b) => b.textContent?.trim() === 'Apply')
    if (!apply) {
      throw new Error('no Apply button')
    }
    apply.click()
    return started
  })
  const handle = await page.waitForFunction(
    ({ size, wanted }) => {
      const rows = document.querySelectorAll('table.table tbody tr')
      return rows.length === size && [...rows].every((row) => row.children[3]?.textContent === wanted) ? performance.now() : 0
    },
    { size: PAGE_SIZE, wanted: app },
    { polling: 'raf', timeout: 60_000 },
  )
  return ((await handle.jsonValue()) as number) - startedAt
}

async function runEngine(engine: Engine, browser: Browser, secretKeyHex: string): Promise<Timing[]> {
  const dir = mkdtempSync(join(settings.tmp, `veil-portal-bench-${engine}-`))
  let databaseUrl = `sqlite:${join(dir, 'veil.db')}`
  let drop: () => Promise<void> = async () => undefined
  if (engine === 'postgres') {
    const created = await createTestDatabase()
    databaseUrl = created.url
    drop = created.drop
  }
  try {
    const loadSeconds = await load(databaseUrl, secretKeyHex)
    log(`  ${engine}: loaded ${int(settings.rows)} activities in ${loadSeconds.toFixed(1)} s`)
    const server = await startServerProcess({ databaseUrl, secretKeyHex, logLevel: 'warn' })
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1440, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' })
    try {
      const page = await context.newPage()
      const errors: string[] = []
      page.on('console', (message) => {
        if (message.type() === 'error') {
          errors.push(message.text())
        }
      })
      page.on('pageerror', (error) => errors.push(error.message))
      await page.goto('/login')
      await page.getByLabel('User name (UPN or email)').fill(BENCH_UPN)
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('navigation', { name: 'Main' }).waitFor()

      const body = (filters: Record<string, unknown>) => ({ filters, limit: PAGE_SIZE, sortField: 'date', sortDirection: 'desc' })
      // The apps to filter by: those of the newest page, each with at least a page of activities.
      const newest = await listActivities(server.url, server.token, body({}))
      const apps = [...new Set((newest.page.data as unknown as Array<{ app: string }>).map((a) => a.app))]
      const appsWithPage: string[] = []
      for (const app of apps) {
        if ((await listActivities(server.url, server.token, body({ app: { eq: [app] } }))).page.data.length === PAGE_SIZE) {
          appsWithPage.push(app)
        }
      }
      if (appsWithPage.length === 0) {
        throw new Error('no app has a full page of activities')
      }

      const timings: Timing[] = []
      for (let load = 0; load <= settings.loads; load++) {
        const app = appsWithPage[load % appsWithPage.length] as string
        // In turn, so a change of the machine's load affects every measure alike; load 0 warms up.
        const measured: Array<[string, number]> = [
          ['portal: navigation → 100 rows rendered', await timeNavigation(page)],
          ['portal: Apply (app filter) → 100 rows rendered', await timeApply(page, app)],
          ['API alone: first page, no filter', (await listActivities(server.url, server.token, body({}))).ms],
          ['API alone: first page, app filter', (await listActivities(server.url, server.token, body({ app: { eq: [app] } }))).ms],
        ]
        if (load > 0) {
          timings.push(...measured.map(([kind, value]) => ({ engine, kind, ms: value })))
        }
      }
      if (errors.length > 0) {
        throw new Error(`the portal logged errors: ${errors.join('; ')}`)
      }
      return timings
    } finally {
      await context.close()
      await server.stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await drop()
  }
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: the portal benchmark needs Debian's chromium (apt-get install -y chromium)`)
  }
  log(`Portal benchmark: ${int(settings.rows)} activities, ${settings.loads} load(s) per measure after a warm-up, page of ${PAGE_SIZE}, load average ${loadAverage()}, Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${int(os.totalmem() / 2 ** 20)} MiB RAM`)
  const secretKeyHex = randomBytes(32).toString('hex')
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  log(`  Chromium ${browser.version()}`)
  const results: Timing[] = []
  try {
    for (const engine of settings.engines) {
      if (engine === 'postgres' && !(await postgresReachable())) {
        log('  postgres: unreachable, skipped')
        continue
      }
      results.push(...(await runEngine(engine, browser, secretKeyHex)))
    }
  } finally {
    await browser.close()
  }
  log()
  log(`Summary: ${settings.loads} load(s) per measure, ms; load average at the end ${loadAverage()}`)
  const rows: string[][] = []
  for (const engine of settings.engines) {
    const ofEngine = results.filter((r) => r.engine === engine)
    for (const kind of [...new Set(ofEngine.map((r) => r.kind))]) {
      const values = ofEngine.filter((r) => r.kind === kind).map((r) => r.ms)
      rows.push([engine, kind, ms(median(values)), ms(percentile(values, 95)), `${ms(Math.min(...values))}–${ms(Math.max(...values))}`])
    }
  }
  log(table(['engine', 'measure', 'median ms', 'p95 ms', 'range ms'], rows))
}

await main()
