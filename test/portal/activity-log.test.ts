/**
 * The portal in real headless Chromium over a Veil server with the demo data: sign-in, sign-out and
 * an ended session; the activity log's filters (basic, advanced with NOT), items per page and keyset
 * paging; the activity drawer with its raw event, "add to filter" and pivots; exports; who is offered
 * "Show private activities"; the security headers. No page may log a console error.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { generateDemoData } from '../../src/demo/demo-data.js'
import { loadDemoData, type LoadedDemo } from '../../src/demo/demo-loader.js'
import { PORTAL_CSP } from '../../src/http/portal.js'
import { chromiumAvailable, launchChromium, openUser, screenshot, signIn, startPortalServer, submitSignIn, type BrowserUser, type PortalServer } from './portal-harness.js'

const DAY = 86_400_000

describe.runIf(chromiumAvailable())('portal: activity log (Chromium)', () => {
  let server: PortalServer
  let browser: Browser
  let demo: LoadedDemo
  const users: BrowserUser[] = []
  const passwordOf = (upn: string) => demo.credentials.find((c) => c.upn === upn)?.password ?? ''

  beforeAll(async () => {
    server = await startPortalServer()
    const now = server.runtime.ctx.clock()
    demo = await loadDemoData(server.runtime, generateDemoData({ seed: 42, now, days: 30, activityCount: 800 }), now - 31 * DAY)
    browser = await launchChromium()
  })

  afterAll(async () => {
    await Promise.all(users.map((u) => u.close()))
    await browser?.close()
    await server?.close()
  })

  async function user(upn: string): Promise<BrowserUser> {
    const u = await openUser(browser, server.url)
    users.push(u)
    await u.page.goto('/')
    await signIn(u.page, upn, passwordOf(upn))
    return u
  }

  const rows = (page: Page) => page.locator('table tbody tr')
  const cellTexts = async (page: Page, column: number) => rows(page).evaluateAll((trs, c) => trs.map((tr) => tr.children[c]?.textContent ?? ''), column)
  const waitForTable = async (page: Page) => {
    await page.locator('.table-wrap:not([aria-busy])').waitFor()
    await page.getByRole('status').filter({ hasText: /activit/ }).first().waitFor()
  }

  it('should sign in, refuse a wrong password with the API’s message, and sign out', async () => {
    const u = await openUser(browser, server.url)
    users.push(u)
    const response = await u.page.goto('/activity')
    expect(response?.headers()['content-security-policy']).toBe(PORTAL_CSP)
    await u.page.getByRole('heading', { name: 'Sign in to Veil' }).waitFor()
    expect(u.page.url()).toContain('/login?next=%2Factivity')
    await screenshot(u.page, 'login')

    await submitSignIn(u.page, 'admin@contoso.com', 'not the password')
    await expect.poll(() => u.page.getByRole('alert').innerText()).toContain('invalid_credentials')
    u.errors.splice(0) // the refused sign-in is a 401 the browser logs

    await signIn(u.page, 'admin@contoso.com', passwordOf('admin@contoso.com'))
    expect(new URL(u.page.url()).pathname).toBe('/activity') // back where the user was going
    await waitForTable(u.page)
    await u.page.getByRole('button', { name: 'Sign out' }).click()
    await u.page.getByText('You have signed out.').waitFor()
    const cookies = await u.context.cookies()
    expect(cookies.find((c) => c.name === 'veil_session')).toBeUndefined()
    expect(u.errors).toEqual([])
  })

  it('should send the user to the sign-in page with a message when the session has ended', async () => {
    const u = await user('reader@contoso.com')
    await waitForTable(u.page)
    await server.runtime.store.sessions.deleteFor('reader@contoso.com') // ended elsewhere (password change, expiry)
    await u.page.getByRole('link', { name: 'Governance log' }).click()
    await u.page.getByText('Your session has ended. Sign in again to continue.').waitFor()
    expect(u.page.url()).toContain('/login?next=%2Fgovernance')
    expect(u.errors.every((e) => e.includes('status of 401'))).toBe(true) // only the answer that ended it
  })

  it('should filter by the basic bar, combine advanced conditions with NOT, and show the count', async () => {
    const u = await user('admin@contoso.com')
    const { page } = u
    await waitForTable(page)
    await screenshot(page, 'activity-log')
    const all = await page.locator('.count').innerText()
    expect(all).toMatch(/^\d[\d,]*\+? activities · showing 1–50$/)
    const someUser = (await cellTexts(page, 2)).find((t) => t.includes('@contoso.com')) ?? ''
    expect(someUser).not.toBe('')

    await page.getByLabel('User name', { exact: true }).fill(someUser)
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForURL(/user=/)
    await waitForTable(page)
    // Polled: the URL can change a moment before the table starts reloading.
    await expect.poll(async () => [...new Set(await cellTexts(page, 2))]).toEqual([someUser])
    const apps = [...new Set(await cellTexts(page, 3))]

    // Advanced: App NOT equals the first app this user used.
    await page.getByRole('button', { name: /^Advanced filters/ }).click()
    await page.getByRole('button', { name: '+ Add condition' }).click()
    await page.getByLabel('Field 1').selectOption('app')
    await page.getByLabel('Operator 1').selectOption('eq')
    await page.getByRole('checkbox', { name: 'NOT' }).check()
    await page.getByLabel('Value 1').fill(apps[0] ?? '')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForURL(/adv=/)
    await waitForTable(page)
    await expect.poll(() => cellTexts(page, 3)).not.toContain(apps[0])
    await screenshot(page, 'activity-log-filters')

    // NOT is offered only where the API has a negation.
    await page.getByLabel('Operator 1').selectOption('contains')
    await expect.poll(() => page.getByRole('checkbox', { name: 'NOT' }).isDisabled()).toBe(true)
    expect(u.errors).toEqual([])
  })

  it('should page with the cursor and change the items per page', async () => {
    const u = await user('secops@contoso.com')
    const { page } = u
    await waitForTable(page)
    await page.getByLabel('Items per page').selectOption('20')
    await page.waitForURL(/size=20/)
    await waitForTable(page)
    await expect.poll(() => rows(page).count()).toBe(20)
    const first = await cellTexts(page, 0)
    await page.getByRole('button', { name: 'Older →' }).click()
    await page.getByText('Page 2').waitFor()
    await waitForTable(page)
    await expect.poll(() => page.locator('.count').innerText()).toContain('showing 21–40')
    const second = await cellTexts(page, 0)
    expect(second).toHaveLength(20)
    expect(new Set([...first, ...second]).size).toBeGreaterThan(20) // other activities, none repeated
    await page.getByRole('button', { name: '← Newer' }).click()
    await page.getByText('Page 1').waitFor()
    await waitForTable(page)
    await expect.poll(() => cellTexts(page, 0)).toEqual(first)
    await page.getByLabel('Items per page').selectOption('250')
    await waitForTable(page)
    await expect.poll(() => rows(page).count()).toBe(250)
    expect(u.errors).toEqual([])
  })

  it('should open the activity drawer with every field and the raw event, add to filter, and pivot', async () => {
    const u = await user('admin@contoso.com')
    const { page } = u
    await waitForTable(page)
    // The demo data follows the clock; take the first row that has a user (a system event has none).
    const firstRow = rows(page).filter({ hasText: '@' }).first()
    await firstRow.focus()
    await page.keyboard.press('Enter') // keyboard opens it as the mouse does
    const drawer = page.getByRole('dialog', { name: 'Activity details' })
    await drawer.getByText('Raw event').waitFor()
    const raw = await drawer.getByLabel('Raw event as JSON').innerText()
    expect(() => JSON.parse(raw)).not.toThrow()
    for (const label of ['Time', 'Recorded', 'Activity type', 'User', 'App', 'IP address', 'Country', 'Device type', 'User agent', 'Activity id']) {
      await expect.poll(() => drawer.locator('dt', { hasText: new RegExp(`^${label}$`) }).count()).toBe(1)
    }
    await screenshot(page, 'activity-drawer')
    const upn = await drawer.locator('.field-row', { has: page.locator('dt', { hasText: /^User$/ }) }).locator('.field-value').innerText()

    await drawer.getByRole('button', { name: 'Same user' }).click()
    await page.waitForURL((url) => url.searchParams.get('user') === upn)
    await waitForTable(page)
    expect(new Set(await cellTexts(page, 2))).toEqual(new Set([upn]))

    await rows(page).first().click()
    await drawer.getByRole('button', { name: '±48 hours' }).click()
    await page.waitForURL(/time=between/)
    await waitForTable(page)
    expect(page.url()).toContain('user=') // the filters are kept

    await rows(page).first().click()
    const app = await drawer.locator('.field-row', { has: page.locator('dt', { hasText: /^App$/ }) }).locator('.field-value').innerText()
    await drawer.getByRole('button', { name: new RegExp(`^Add App ${app.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} to the filter$`) }).click()
    await page.waitForURL((url) => url.searchParams.get('app') === app)
    await page.keyboard.press('Escape')
    expect(u.errors).toEqual([])
  })

  it('should export the current filter as CSV and NDJSON', async () => {
    const u = await user('admin@contoso.com')
    const { page } = u
    await page.goto('/activity?app=Okta&time=30d')
    await waitForTable(page)
    const count = Number((await page.locator('.count').innerText()).split(' ')[0]?.replace(/,/g, ''))

    const csvDownload = page.waitForEvent('download')
    await page.getByRole('button', { name: /^Export/ }).click()
    await page.getByRole('menuitem', { name: 'Export as CSV' }).click()
    const csv = await csvDownload
    expect(csv.suggestedFilename()).toMatch(/^veil-activities-.*\.csv$/)
    const csvLines = readFileSync(await csv.path(), 'utf8').trimEnd().split('\r\n')
    expect(csvLines[0]).toMatch(/^id,time,receivedAt,actorUpn/)
    expect(csvLines.length - 1).toBe(count)

    const ndjsonDownload = page.waitForEvent('download')
    await page.getByRole('button', { name: /^Export/ }).click()
    await page.getByRole('menuitem', { name: 'Export as NDJSON' }).click()
    const ndjson = readFileSync(await (await ndjsonDownload).path(), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { app: string })
    expect(ndjson).toHaveLength(count)
    expect(new Set(ndjson.map((a) => a.app.toLowerCase()))).toEqual(new Set(['okta']))
    await page.getByText(/^Exported veil-activities-.*\.ndjson\.$/).waitFor()
    expect(u.errors).toEqual([])
  })

  it('should offer "Show private activities…" only to an admin who holds the permission', async () => {
    const reader = await user('reader@contoso.com')
    await waitForTable(reader.page)
    await reader.page.getByRole('button', { name: /^Table settings/ }).click()
    await expect.poll(() => reader.page.getByRole('menuitem').allInnerTexts()).toEqual(['Compact rows'])

    const compliance = await user('compliance@contoso.com') // the demo's revealer
    await waitForTable(compliance.page)
    await compliance.page.getByRole('button', { name: /^Table settings/ }).click()
    await compliance.page.getByRole('menuitem', { name: 'Show private activities…' }).waitFor()
    await compliance.page.keyboard.press('Escape')
    expect([...reader.errors, ...compliance.errors]).toEqual([])
  })

  it('should send the security headers on the portal and its assets, and keep API 404s as JSON', async () => {
    const shell = await fetch(`${server.url}/settings/activity-privacy`)
    expect(shell.status).toBe(200)
    expect(shell.headers.get('content-security-policy')).toBe(PORTAL_CSP)
    expect(shell.headers.get('x-content-type-options')).toBe('nosniff')
    expect(shell.headers.get('x-frame-options')).toBe('DENY')
    expect(shell.headers.get('referrer-policy')).toBe('no-referrer')
    const html = await shell.text()
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/) // no inline script
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? ''
    const script = await fetch(`${server.url}${asset}`)
    expect(script.headers.get('cache-control')).toContain('immutable')
    expect(script.headers.get('content-security-policy')).toBe(PORTAL_CSP)
    const api404 = await fetch(`${server.url}/api/v1/no-such-route`)
    expect(api404.status).toBe(404)
    await expect(api404.json()).resolves.toMatchObject({ error: 'not_found' })
  })
})
