/**
 * The Connectors page in real headless Chromium against a local server speaking Okta's System Log
 * protocol: the API's validation errors shown under the provider form's fields, a connector added
 * that runs and records the provider's events (status, lag, accepted), tested and run again from the
 * page; one with a revoked token shown paused with its last error, set going again by typing a new
 * token in Edit… (its other settings kept); disable, remove. No console errors beyond the refused
 * form's own 400 answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { distinctEvents } from '../connectors/connector-scenarios.js'
import { startOkta } from '../connectors/provider-servers.js'
import { FIXTURE_CORPUS, loadSamples } from '../ingest/corpus.js'
import { chromiumAvailable, createAccounts, launchChromium, openUser, screenshot, signIn, startPortalServer, type BrowserUser, type PortalServer } from './portal-harness.js'

const TOKEN = '00okta-portal-token'
const EVENTS = distinctEvents('okta', loadSamples(FIXTURE_CORPUS, ['okta-system-log']).map((s) => s.value as Record<string, unknown>), (e) => ({ ...e, published: new Date().toISOString() }))
const isFormRefusal = (error: string) => error.includes('/settings/connectors') && error.includes('status of 400')

describe.runIf(chromiumAvailable())('portal: connectors (Chromium)', () => {
  let server: PortalServer
  let browser: Browser
  let u: BrowserUser
  let okta: Awaited<ReturnType<typeof startOkta>>

  beforeAll(async () => {
    okta = await startOkta(TOKEN)
    okta.add(EVENTS, Date.now() - 60_000)
    server = await startPortalServer({ VEIL_CONNECTOR_POLL_MS: '200', VEIL_CONNECTOR_ATTEMPTS: '1' })
    server.runtime.connectorScheduler.start()
    await createAccounts(server.runtime, [{ upn: 'ciso@contoso.com', roles: ['global_admin'] }])
    browser = await launchChromium()
    u = await openUser(browser, server.url)
    await u.page.goto('/')
    await signIn(u.page, 'ciso@contoso.com')
  })

  afterAll(async () => {
    await u?.close()
    await browser?.close()
    await server?.close()
    await okta?.close()
  })

  const row = (page: Page, name: string) => page.getByRole('row', { name: new RegExp(`^${name}:`) })
  const cell = (page: Page, name: string, column: number) => row(page, name).locator('td').nth(column)
  /** A cell's text after asking the page to refresh (it also refreshes itself every few seconds). */
  const refreshed = async (page: Page, name: string, column: number) => {
    await page.getByRole('button', { name: 'Refresh' }).click()
    await page.locator('.table-wrap:not([aria-busy])').waitFor()
    return cell(page, name, column).innerText()
  }

  async function addOkta(page: Page, name: string, baseUrl: string, token: string): Promise<void> {
    await page.getByRole('button', { name: '+ Add connector' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add connector' })
    await dialog.getByLabel('Name').fill(name)
    await dialog.getByLabel('Provider').selectOption('okta')
    await dialog.getByLabel('Okta org URL').fill(baseUrl)
    await dialog.getByLabel('API token').fill(token)
    await dialog.getByRole('button', { name: 'Add connector' }).click()
  }

  it('should show the API’s validation errors under the provider form’s fields, then add a connector that runs', async () => {
    const { page } = u
    await page.getByRole('link', { name: 'Connectors' }).click()
    await page.getByRole('heading', { name: 'Connectors', level: 1 }).waitFor()
    await page.getByText('No connector').waitFor()

    await addOkta(page, 'okta-prod', 'ftp://acme.okta.com', '')
    const dialog = page.getByRole('dialog', { name: 'Add connector' })
    await dialog.getByText('The connector is not valid').waitFor()
    await expect.poll(() => dialog.getByLabel('Okta org URL').getAttribute('aria-invalid')).toBe('true')
    await expect.poll(() => dialog.getByLabel('API token').getAttribute('aria-invalid')).toBe('true')
    const reasons = await dialog.locator('.field-error').allInnerTexts()
    expect(reasons).toEqual([expect.stringContaining('https://'), expect.stringContaining('is required')])
    await screenshot(page, 'connectors-add')

    await dialog.getByLabel('Okta org URL').fill(okta.url)
    await dialog.getByLabel('API token').fill(TOKEN)
    await dialog.getByRole('button', { name: 'Add connector' }).click()
    await page.getByText('okta-prod was added; its first run is due now.').waitFor()
    await expect.poll(() => cell(page, 'okta-prod', 1).innerText()).toBe('Okta (System Log)')

    // The scheduler runs it at once; the page refreshes itself.
    await expect.poll(() => refreshed(page, 'okta-prod', 2), { timeout: 15_000 }).toBe('OK')
    const accepted = Number(await cell(page, 'okta-prod', 5).innerText())
    expect(accepted).toBeGreaterThan(0)
    expect(accepted).toBeLessThanOrEqual(EVENTS.length) // the corpus holds events the okta format rejects
    await expect.poll(() => cell(page, 'okta-prod', 3).innerText()).toMatch(/^(none|\d+ s)$/)
    expect(u.errors.filter((e) => !isFormRefusal(e))).toEqual([])
  })

  it('should test a connector and run it now', async () => {
    const { page } = u
    await row(page, 'okta-prod').click()
    const drawer = page.getByRole('dialog', { name: 'Connector okta-prod' })
    await drawer.getByRole('button', { name: 'Test' }).click()
    await expect.poll(() => drawer.getByRole('status', { name: 'Connector test' }).innerText()).toMatch(/^Signed in and read the first page in \d+ ms: \d+ events \(not stored\)\.$/)

    const dataRequests = okta.dataRequests().length
    await drawer.getByRole('button', { name: 'Run now' }).click()
    await page.getByText('okta-prod will run now.').waitFor()
    await expect.poll(() => okta.dataRequests().length, { timeout: 10_000 }).toBeGreaterThan(dataRequests)
    const runs = drawer.locator('.field-row', { has: page.locator('dt', { hasText: /^Runs$/ }) }).locator('dd')
    await expect.poll(() => runs.innerText(), { timeout: 10_000 }).toBe('2 (0 failed in a row)') // the first run, and this one (a test is not a run)
    await expect.poll(() => drawer.getByRole('definition').filter({ hasText: /fetched, / }).innerText()).toMatch(new RegExp(`^${EVENTS.length} fetched, \\d+ accepted, 0 duplicates, \\d+ rejected$`))
    await page.keyboard.press('Escape')
    expect(u.errors.filter((e) => !isFormRefusal(e))).toEqual([])
  })

  it('should show a connector whose token the provider refuses as paused with its last error, set it going with a new token, and remove it', async () => {
    const { page } = u
    await addOkta(page, 'okta-revoked', okta.url, '00okta-revoked-token')
    await page.getByText('okta-revoked was added; its first run is due now.').waitFor()
    await expect.poll(() => refreshed(page, 'okta-revoked', 2), { timeout: 15_000 }).toBe('Paused')
    await expect.poll(() => cell(page, 'okta-revoked', 6).innerText()).toMatch(/401|refused|credentials/i)
    await screenshot(page, 'connectors')

    await row(page, 'okta-revoked').click()
    const drawer = page.getByRole('dialog', { name: 'Connector okta-revoked' })
    await drawer.getByRole('button', { name: 'Test' }).click()
    await expect.poll(() => drawer.getByRole('alert', { name: 'Connector test' }).innerText()).toMatch(/^Test failed \(\w+, after \d+ ms\): /)

    // Edit…: the settings are shown as stored, the credential is not; typing a new one replaces it and ends the pause.
    const storedConnector = async () => (await server.runtime.ctx.store.connectors.list()).find((c) => c.name === 'okta-revoked')
    const settingsBefore = (await storedConnector())?.settings
    await drawer.getByRole('button', { name: 'Edit…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Edit connector okta-revoked' })
    await expect.poll(() => dialog.getByLabel('Okta org URL').inputValue()).toBe(okta.url)
    await expect.poll(() => dialog.getByLabel('API token').inputValue()).toBe('')
    await dialog.getByLabel('Run every (seconds)').fill('120')
    await dialog.getByLabel('API token').fill(TOKEN)
    await screenshot(page, 'connectors-edit')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Saved okta-revoked.').waitFor()
    await expect.poll(() => dialog.count()).toBe(0)
    // The drawer shows the status as the page reads it again (every few seconds).
    const drawerValue = (term: string) => drawer.locator('.field-row', { has: page.locator('dt', { hasText: new RegExp(`^${term}$`) }) }).locator('dd')
    await expect.poll(() => drawerValue('Status').innerText(), { timeout: 20_000 }).toBe('OK')
    expect(await storedConnector()).toMatchObject({ intervalSeconds: 120, settings: settingsBefore }) // settings without a field in the form are kept
    await expect.poll(() => drawerValue('Runs every').innerText()).toBe('120 s')
    await drawer.getByRole('button', { name: 'Disable' }).click()
    await page.getByText('okta-revoked is disabled.').waitFor()
    await expect.poll(() => cell(page, 'okta-revoked', 2).innerText()).toBe('Disabled') // listed again after the change
    await drawer.getByRole('button', { name: 'Remove…' }).click()
    await page.getByRole('dialog', { name: 'Remove connector' }).getByRole('button', { name: 'Remove' }).click()
    await page.getByText('okta-revoked was removed. The activities it fetched stay.').waitFor()
    await expect.poll(() => row(page, 'okta-revoked').count()).toBe(0)
    await expect.poll(() => row(page, 'okta-prod').count()).toBe(1)
    expect(u.errors.filter((e) => !isFormRefusal(e))).toEqual([])
  })
})
