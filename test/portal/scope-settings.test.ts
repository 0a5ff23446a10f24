/**
 * Settings → Scoped deployment and privacy in real headless Chromium: the four tabs (Include, Exclude,
 * Activity privacy, Managed domains) opened with the mouse and with the arrow keys; managed domains
 * added (an invalid one refused in the API's words) and removed; include and exclude rules added with
 * groups and apps, edited and removed, each change read back from the server; the old Activity privacy
 * address still working; a reader sees the settings without the buttons to change them. No console
 * errors beyond the refusal's own 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { CLI_INITIATOR } from '../../src/services/service-context.js'
import { managedDomainsReader, scopeReader } from '../../src/services/settings/organization-settings.js'
import { chromiumAvailable, createAccounts, launchChromium, openUser, screenshot, signIn, startPortalServer, type BrowserUser, type PortalServer } from './portal-harness.js'

/** The 400 the browser logs for a refused domain: an answer the page shows, not a fault. */
const isRefusal = (error: string) => error.includes('status of 400')

describe.runIf(chromiumAvailable())('portal: scoped deployment and privacy settings (Chromium)', () => {
  let server: PortalServer
  let browser: Browser
  let admin: BrowserUser
  let reader: BrowserUser

  beforeAll(async () => {
    server = await startPortalServer()
    const { runtime } = server
    await createAccounts(runtime, [
      { upn: 'ciso@contoso.com', roles: ['global_admin'] },
      { upn: 'reader@contoso.com', roles: ['security_reader'] },
    ])
    await runtime.directory.createGroup(CLI_INITIATOR, { id: 'sales', displayName: 'Sales' })
    await runtime.directory.createGroup(CLI_INITIATOR, { id: 'works-council', displayName: 'Works council' })
    browser = await launchChromium()
    admin = await openUser(browser, server.url)
    await admin.page.goto('/')
    await signIn(admin.page, 'ciso@contoso.com')
    reader = await openUser(browser, server.url)
    await reader.page.goto('/')
    await signIn(reader.page, 'reader@contoso.com')
  })

  afterAll(async () => {
    await admin?.close()
    await reader?.close()
    await browser?.close()
    await server?.close()
  })

  it('should move between the tabs with the mouse and the arrow keys, each tab its own address', async () => {
    const { page } = admin
    await page.getByRole('link', { name: 'Scoped deployment and privacy' }).click()
    await page.getByRole('heading', { name: 'Scoped deployment and privacy', level: 1 }).waitFor()
    const tabs = page.getByRole('tablist', { name: 'Scoped deployment and privacy' })
    await expect.poll(() => tabs.getByRole('tab').allInnerTexts()).toEqual(['Include', 'Exclude', 'Activity privacy', 'Managed domains'])
    await expect.poll(() => page.getByRole('tab', { name: 'Include' }).getAttribute('aria-selected')).toBe('true')
    await expect.poll(() => page.getByRole('link', { name: 'Scoped deployment and privacy' }).getAttribute('aria-current')).toBe('page')

    await page.getByRole('tab', { name: 'Include' }).focus()
    await page.keyboard.press('ArrowRight')
    await page.getByRole('heading', { name: 'Exclude rules' }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/settings/scope/exclude')
    // Focus stays on the tab chosen, and only the selected tab is in the Tab order.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Exclude')
    await expect.poll(() => page.getByRole('tab', { name: 'Include' }).getAttribute('tabindex')).toBe('-1')
    await page.keyboard.press('End')
    await page.getByRole('heading', { name: 'Managed domains', level: 2 }).waitFor()
    await page.keyboard.press('ArrowRight') // wraps to the first
    await page.getByRole('heading', { name: 'Include rules' }).waitFor()
    await expect.poll(() => page.getByRole('link', { name: 'Scoped deployment and privacy' }).getAttribute('aria-current')).toBe('page')
    await page.goBack()
    await page.getByRole('heading', { name: 'Managed domains', level: 2 }).waitFor()

    // The old address of Activity privacy opens its tab.
    await page.goto('/settings/activity-privacy')
    await expect.poll(() => page.getByRole('tab', { name: 'Activity privacy' }).getAttribute('aria-selected')).toBe('true')
    await page.getByRole('button', { name: '+ Add group' }).waitFor()
    expect(admin.errors).toEqual([])
  })

  it('should add managed domains, refuse an invalid one in the API’s words, and remove one', async () => {
    const { page } = admin
    await page.getByRole('tab', { name: 'Managed domains' }).click()
    await page.getByText('No managed domains').waitFor()
    for (const domain of ['Contoso.com', 'fabrikam.com']) {
      await page.getByRole('button', { name: '+ Add domain' }).click()
      const dialog = page.getByRole('dialog', { name: 'Add managed domain' })
      await dialog.getByLabel('Domain').fill(domain)
      await dialog.getByRole('button', { name: 'Add' }).click()
      await page.getByRole('cell', { name: domain.toLowerCase(), exact: true }).waitFor()
    }
    await page.getByRole('button', { name: '+ Add domain' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add managed domain' })
    await dialog.getByLabel('Domain').fill('not a domain')
    await dialog.getByRole('button', { name: 'Add' }).click()
    await expect.poll(() => dialog.getByRole('alert').innerText()).toContain('is not a domain name like contoso.com')
    await screenshot(page, 'managed-domains')
    await dialog.getByRole('button', { name: 'Cancel' }).click()

    await page.getByRole('button', { name: 'Remove fabrikam.com' }).click()
    await page.getByRole('dialog', { name: 'Remove managed domain' }).getByRole('button', { name: 'Remove' }).click()
    await page.getByText('fabrikam.com is no longer a managed domain').waitFor()
    await expect.poll(() => managedDomainsReader(server.runtime.ctx)).toEqual(['contoso.com'])
    expect(admin.errors.filter((e) => !isRefusal(e))).toEqual([])
  })

  it('should add, edit and remove include and exclude rules with groups and apps', async () => {
    const { page } = admin
    await page.getByRole('tab', { name: 'Include' }).click()
    await page.getByText('No include rules').waitFor()
    await page.getByRole('button', { name: '+ Add include rule' }).click()
    let dialog = page.getByRole('dialog', { name: 'Add include rule' })
    await dialog.getByLabel('Rule name').fill('Pilot: Sales')
    await dialog.getByLabel('Search groups').fill('sal')
    await expect.poll(() => dialog.getByRole('checkbox', { name: /^Works council/ }).count()).toBe(0)
    await dialog.getByRole('checkbox', { name: /^Sales/ }).check()
    await dialog.getByLabel('Apps').selectOption('some')
    await dialog.getByLabel('App names').fill('Okta, Microsoft Exchange Online')
    await screenshot(page, 'scope-include-add')
    await dialog.getByRole('button', { name: 'Add rule' }).click()
    const row = page.getByRole('row', { name: /Pilot: Sales/ })
    await row.waitFor()
    await expect.poll(() => row.innerText()).toMatch(/Sales\s+Okta, Microsoft Exchange Online/)
    await screenshot(page, 'scope-include')

    await page.getByRole('tab', { name: 'Exclude' }).click()
    await page.getByRole('button', { name: '+ Add exclude rule' }).click()
    dialog = page.getByRole('dialog', { name: 'Add exclude rule' })
    await dialog.getByLabel('Rule name').fill('Works council')
    await dialog.getByRole('checkbox', { name: /^Works council/ }).check()
    await dialog.getByRole('checkbox', { name: /^External users/ }).check()
    await dialog.getByRole('button', { name: 'Add rule' }).click()
    await expect.poll(() => page.getByRole('row', { name: /Works council/ }).innerText()).toMatch(/Works council, External users\s+All apps/)
    await screenshot(page, 'scope-exclude')
    expect(await scopeReader(server.runtime.ctx)).toEqual({
      rules: [
        { name: 'Pilot: Sales', kind: 'include', groups: ['sales'], apps: ['Okta', 'Microsoft Exchange Online'] },
        { name: 'Works council', kind: 'exclude', groups: ['works-council', 'builtin:external-users'], apps: 'all' },
      ],
    })

    // Edit the include rule: only the apps change, the exclude rule is kept as it is.
    await page.getByRole('tab', { name: 'Include' }).click()
    await page.getByRole('button', { name: 'Edit Pilot: Sales' }).click()
    dialog = page.getByRole('dialog', { name: 'Edit include rule' })
    await expect.poll(() => dialog.getByLabel('App names').inputValue()).toBe('Okta, Microsoft Exchange Online')
    await dialog.getByLabel('Apps').selectOption('all')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Saved the include rule “Pilot: Sales”').waitFor()
    await expect.poll(() => page.getByRole('row', { name: /Pilot: Sales/ }).innerText()).toContain('All apps')

    await page.getByRole('button', { name: 'Remove Pilot: Sales' }).click()
    await page.getByRole('dialog', { name: 'Remove include rule' }).getByRole('button', { name: 'Remove' }).click()
    await page.getByText('No include rules').waitFor()
    expect(await scopeReader(server.runtime.ctx)).toEqual({ rules: [{ name: 'Works council', kind: 'exclude', groups: ['works-council', 'builtin:external-users'], apps: 'all' }] })
    expect(admin.errors.filter((e) => !isRefusal(e))).toEqual([])
  })

  it('should show a reader the settings without the buttons that change them', async () => {
    const { page } = reader
    await page.getByRole('link', { name: 'Scoped deployment and privacy' }).click()
    await page.getByRole('tab', { name: 'Exclude' }).click()
    await page.getByRole('cell', { name: 'Works council', exact: true }).waitFor()
    await expect.poll(() => page.getByRole('button', { name: /^\+ Add/ }).count()).toBe(0)
    await expect.poll(() => page.getByRole('button', { name: /^Remove/ }).count()).toBe(0)
    await page.getByRole('tab', { name: 'Managed domains' }).click()
    await page.getByRole('cell', { name: 'contoso.com', exact: true }).waitFor()
    await expect.poll(() => page.getByRole('button', { name: /^\+ Add/ }).count()).toBe(0)
    expect(reader.errors).toEqual([])
  })
})
