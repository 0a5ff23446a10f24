/**
 * Saved queries of the activity log in real headless Chromium: save the current filter by name (a name
 * already used is refused in the API's words), list, apply one (its filters become the page's form and
 * URL), another admin does not see it, delete. No console errors beyond the refusal's own 409.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { chromiumAvailable, createAccounts, launchChromium, openUser, screenshot, signIn, startPortalServer, type BrowserUser, type PortalServer } from './portal-harness.js'

const isRefusal = (error: string) => error.includes('status of 409')

describe.runIf(chromiumAvailable())('portal: saved queries (Chromium)', () => {
  let server: PortalServer
  let browser: Browser
  let analyst: BrowserUser
  let other: BrowserUser

  beforeAll(async () => {
    server = await startPortalServer()
    const { runtime } = server
    await createAccounts(runtime, [
      { upn: 'analyst@contoso.com', roles: ['security_reader'] },
      { upn: 'other@contoso.com', roles: ['security_reader'] },
    ])
    const now = Date.now()
    const records = [
      ...[1, 2, 3].map((i) => ({ id: `okta-${i}`, time: new Date(now - i * 3_600_000).toISOString(), actor: { upn: `user${i}@contoso.com` }, app: 'Okta', action: 'login', description: `Okta sign-in ${i}` })),
      ...[1, 2].map((i) => ({ id: `slack-${i}`, time: new Date(now - i * 60_000).toISOString(), actor: { upn: `user${i}@contoso.com` }, app: 'Slack', action: 'message.send', description: `Slack message ${i}` })),
      { id: 'okta-old', time: new Date(now - 20 * 86_400_000).toISOString(), actor: { upn: 'user9@contoso.com' }, app: 'Okta', action: 'login', description: 'Old Okta sign-in' },
    ]
    const report = await runtime.pipeline.ingest({ records: records.map((value, index) => ({ index, value })), errors: [] }, { format: 'veil' })
    expect(report.accepted).toBe(records.length)
    browser = await launchChromium()
    analyst = await openUser(browser, server.url)
    await analyst.page.goto('/')
    await signIn(analyst.page, 'analyst@contoso.com')
    other = await openUser(browser, server.url)
    await other.page.goto('/')
    await signIn(other.page, 'other@contoso.com')
  })

  afterAll(async () => {
    await analyst?.close()
    await other?.close()
    await browser?.close()
    await server?.close()
  })

  const count = (user: BrowserUser) => user.page.locator('.count').innerText()

  it('should save the current filter, apply it later, and delete it', async () => {
    const { page } = analyst
    await page.goto('/activity?app=Okta&time=7d')
    await page.getByText('Okta sign-in 3').waitFor()
    await expect.poll(() => count(analyst)).toMatch(/^3 activities/)

    await page.getByRole('button', { name: 'Saved queries' }).click()
    const dialog = page.getByRole('dialog', { name: 'Saved queries' })
    await dialog.getByText('No saved queries yet.').waitFor()
    await expect.poll(() => dialog.getByText('Saves: App = Okta; Activity time within the last 7 days').count()).toBe(1)
    await dialog.getByLabel('Name').fill('Okta sign-ins, last week')
    await dialog.getByLabel('Name').press('Enter')
    await dialog.getByRole('cell', { name: 'Okta sign-ins, last week', exact: true }).waitFor()
    // The same name again: the API's conflict, in its words.
    await dialog.getByLabel('Name').fill('Okta sign-ins, last week')
    await dialog.getByRole('button', { name: 'Save current filter' }).click()
    await expect.poll(() => dialog.getByRole('alert').innerText()).toMatch(/already/i)
    await dialog.getByLabel('Name').fill('')
    await screenshot(page, 'saved-queries')
    await dialog.getByRole('button', { name: 'Close' }).click()

    // Somewhere else, then back through the saved query: the form, the URL and the rows follow it.
    await page.goto('/activity')
    await page.getByText('Slack message 1').waitFor()
    await expect.poll(() => count(analyst)).toMatch(/^6 activities/)
    await page.getByRole('button', { name: 'Saved queries' }).click()
    await dialog.getByRole('button', { name: 'Apply Okta sign-ins, last week' }).click()
    await expect.poll(() => dialog.count()).toBe(0)
    await page.waitForURL((url) => url.searchParams.get('app') === 'Okta' && url.searchParams.get('time') === '7d')
    await expect.poll(() => page.getByRole('form', { name: 'Filters' }).getByLabel('App', { exact: true }).inputValue()).toBe('Okta')
    await page.getByText('Okta sign-in 3').waitFor()
    await expect.poll(() => count(analyst)).toMatch(/^3 activities/)
    await expect.poll(() => page.getByText('Slack message').count()).toBe(0)

    // Another admin has their own saved queries only.
    await other.page.goto('/activity')
    await other.page.getByRole('button', { name: 'Saved queries' }).click()
    await other.page.getByRole('dialog', { name: 'Saved queries' }).getByText('No saved queries yet.').waitFor()

    await page.getByRole('button', { name: 'Saved queries' }).click()
    await dialog.getByRole('button', { name: 'Delete Okta sign-ins, last week' }).click()
    await dialog.getByText('No saved queries yet.').waitFor()
    await expect.poll(() => server.runtime.ctx.store.savedQueries.list('analyst@contoso.com')).toEqual([])
    expect(analyst.errors.filter((e) => !isRefusal(e))).toEqual([])
    expect(other.errors).toEqual([])
  })
})
