/**
 * Permissions → Roles in real headless Chromium: who holds which admin role and what each role may do,
 * beside Activity privacy permissions as a tab; a global admin changes an account's roles (read back
 * from the server); a security reader, who may not read the privacy permission list, sees Roles alone
 * and no button to change anything. No console errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { chromiumAvailable, createAccounts, launchChromium, openUser, screenshot, signIn, startPortalServer, type BrowserUser, type PortalServer } from './portal-harness.js'

describe.runIf(chromiumAvailable())('portal: roles (Chromium)', () => {
  let server: PortalServer
  let browser: Browser
  let admin: BrowserUser
  let reader: BrowserUser

  beforeAll(async () => {
    server = await startPortalServer()
    await createAccounts(server.runtime, [
      { upn: 'ciso@contoso.com', roles: ['global_admin'], displayName: 'CISO' },
      { upn: 'soc@contoso.com', roles: ['security_admin'], displayName: 'SOC lead' },
      { upn: 'audit@contoso.com', roles: ['compliance_admin'] },
      { upn: 'reader@contoso.com', roles: ['security_reader'] },
      { upn: 'intern@contoso.com', roles: [] },
    ])
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

  it('should list who holds which role, and let a global admin change an account’s roles', async () => {
    const { page } = admin
    await page.getByRole('link', { name: 'Activity privacy permissions' }).click()
    await page.getByRole('tab', { name: 'Roles' }).click()
    await page.getByRole('heading', { name: 'Roles', level: 2 }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/permissions/roles')
    const roles = page.getByRole('table', { name: 'Admin roles and who holds them' })
    const holders = async (role: string) => roles.getByRole('row', { name: new RegExp(`^${role}`) }).locator('td').nth(1).innerText()
    await expect.poll(() => holders('Global admin')).toBe('ciso@contoso.com')
    await expect.poll(() => holders('Security admin')).toBe('soc@contoso.com')
    await expect.poll(() => holders('Compliance admin')).toBe('audit@contoso.com')
    await expect.poll(() => roles.getByRole('row', { name: /^Security admin/ }).innerText()).toContain('settings.manage')
    const accounts = page.getByRole('table', { name: 'Accounts and their roles' })
    await expect.poll(() => accounts.getByRole('row', { name: /intern@contoso\.com/ }).innerText()).toContain('No admin role')
    await screenshot(page, 'roles')

    await page.getByRole('button', { name: 'Change roles of intern@contoso.com' }).click()
    const dialog = page.getByRole('dialog', { name: 'Roles of intern@contoso.com' })
    await dialog.getByRole('checkbox', { name: 'Security reader' }).check()
    await dialog.getByRole('button', { name: 'Save' }).click()
    await page.getByText('intern@contoso.com now holds Security reader.').waitFor()
    await expect.poll(() => holders('Security reader')).toBe('intern@contoso.com, reader@contoso.com')
    expect((await server.runtime.ctx.store.accounts.get('intern@contoso.com'))?.roles).toEqual(['security_reader'])
    expect(admin.errors).toEqual([])
  })

  it('should show a security reader the Roles tab only, without changes', async () => {
    const { page } = reader
    await expect.poll(() => page.getByRole('link', { name: 'Activity privacy permissions' }).count()).toBe(0)
    await page.getByRole('link', { name: 'Roles' }).click()
    await page.getByRole('table', { name: 'Accounts and their roles' }).getByRole('cell', { name: 'ciso@contoso.com', exact: true }).waitFor()
    await expect.poll(() => page.getByRole('tab').allInnerTexts()).toEqual(['Roles'])
    await expect.poll(() => page.getByRole('button', { name: /^Change roles/ }).count()).toBe(0)
    expect(reader.errors).toEqual([])
  })
})
