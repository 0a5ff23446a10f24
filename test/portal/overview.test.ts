/**
 * The overview page in real headless Chromium over the demo data: the activities-per-day chart (one
 * bar per UTC day of the window, summing to the figure), activities per app, reveals per admin after a
 * real reveal, the ingest rate, SIEM lag and connectors sections, and the time range. No console errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { generateDemoData } from '../../src/demo/demo-data.js'
import { loadDemoData, type LoadedDemo } from '../../src/demo/demo-loader.js'
import { chromiumAvailable, launchChromium, openUser, screenshot, signIn, startPortalServer, type BrowserUser, type PortalServer } from './portal-harness.js'

const DAY = 86_400_000
const REVEALER = 'compliance@contoso.com'

/** A reveal as any API client makes one: sign in, then list with includePrivate and a justification. */
async function revealOnce(baseUrl: string, upn: string, password: string): Promise<void> {
  const login = await fetch(`${baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ upn, password }) })
  expect(login.status).toBe(200)
  const { csrfToken } = (await login.json()) as { csrfToken: string }
  const cookie = (login.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ')
  const list = await fetch(`${baseUrl}/api/v1/activities/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ filters: {}, limit: 10, includePrivate: true, acknowledgeAudit: true, justification: 'Overview test: case 2026-7' }),
  })
  expect(list.status, await list.clone().text()).toBe(200)
}

describe.runIf(chromiumAvailable())('portal: overview (Chromium)', () => {
  let server: PortalServer
  let browser: Browser
  let demo: LoadedDemo
  let u: BrowserUser
  const passwordOf = (upn: string) => demo.credentials.find((c) => c.upn === upn)?.password ?? ''

  beforeAll(async () => {
    server = await startPortalServer()
    const now = server.runtime.ctx.clock()
    demo = await loadDemoData(server.runtime, generateDemoData({ seed: 7, now, days: 30, activityCount: 600 }), now - 31 * DAY)
    await revealOnce(server.url, REVEALER, passwordOf(REVEALER))
    browser = await launchChromium()
    u = await openUser(browser, server.url)
    await u.page.goto('/')
    await signIn(u.page, 'admin@contoso.com', passwordOf('admin@contoso.com'))
  })

  afterAll(async () => {
    await u?.close()
    await browser?.close()
    await server?.close()
  })

  const figure = (page: Page, label: string) => page.locator('.figure', { has: page.locator('.figure-label', { hasText: label }) }).locator('.figure-value')
  const dayBars = (page: Page) => page.locator('svg.chart-columns rect.chart-bar')
  const barValues = (page: Page, svg: string) => page.locator(`svg.${svg} rect.chart-bar`).evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('data-value'))))

  it('should chart the public activities per day and per app, and show the figures', async () => {
    const { page } = u
    await page.getByRole('link', { name: 'Overview' }).click()
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor()
    await page.getByRole('heading', { name: 'Activities per day' }).waitFor()

    // One bar per UTC day of the last 30 days (31 calendar days), summing to the figure.
    await expect.poll(() => dayBars(page).count()).toBe(31)
    const total = Number((await figure(page, 'Public activities').innerText()).replace(/\D/g, ''))
    expect(total).toBeGreaterThan(0)
    expect(total).toBeLessThan(600) // the demo's private activities are never counted
    const perDay = await barValues(page, 'chart-columns')
    expect(perDay.reduce((a, b) => a + b, 0)).toBe(total)
    // The chart has a text alternative, and its figures are a table away.
    await expect.poll(() => page.getByRole('img', { name: /^Public activities per day: / }).count()).toBe(1)
    await screenshot(page, 'overview')
    const perDayPanel = page.getByRole('region', { name: 'Activities per day' })
    await perDayPanel.getByText('Show as a table').click()
    await expect.poll(() => perDayPanel.locator('tbody tr').count()).toBe(31)

    const perApp = await barValues(page, 'chart-bars')
    expect(perApp.length).toBeGreaterThan(1)
    expect(perApp.reduce((a, b) => a + b, 0)).toBe(total)
    expect([...perApp].sort((a, b) => b - a).slice(0, perApp.length - 1)).toEqual(perApp.slice(0, perApp.length - 1).sort((a, b) => b - a)) // most first

    // Reveals per admin: the reveal made above, by its admin.
    const reveals = page.getByRole('region', { name: 'Reveals per admin' })
    await expect.poll(() => reveals.getByRole('row', { name: new RegExp(REVEALER) }).innerText()).toMatch(/compliance@contoso\.com\s+1\s+0/)

    // Ingest rate, SIEM lag and connectors: this admin's role sees them all.
    await figure(page, 'Ingested in the last minute').waitFor()
    await page.getByRole('region', { name: 'SIEM forwarding lag' }).getByText('No SIEM destination.').waitFor()
    await page.getByRole('region', { name: 'Connectors' }).getByText('No connector.').waitFor()
    expect(u.errors).toEqual([])
  })

  it('should change the time range', async () => {
    const { page } = u
    await page.getByLabel('Time range').selectOption('7')
    await expect.poll(() => dayBars(page).count()).toBe(8)
    const lastWeek = (await barValues(page, 'chart-columns')).reduce((a, b) => a + b, 0)
    expect(Number((await figure(page, 'Public activities').innerText()).replace(/\D/g, ''))).toBe(lastWeek)
    expect(u.errors).toEqual([])
  })
})
