/**
 * The privacy scenario of the product brief, end to end in real headless Chromium, every step by
 * clicking: a global admin makes HR a privacy group → an HR activity recorded afterwards is absent for
 * an analyst → the global admin grants an investigator the activity privacy permission (a non-admin is
 * refused with the API's words) → the investigator reveals with a justification → the activity shows,
 * marked private and by which group, while a banner says so → the governance log shows the reveal.
 * No page may log a console error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { Runtime } from '../../src/runtime.js'
import { CLI_INITIATOR } from '../../src/services/service-context.js'
import { managedDomainsSetter } from '../../src/services/settings/organization-settings.js'
import { chromiumAvailable, createAccounts, launchChromium, openUser, screenshot, signIn, startPortalServer, type BrowserUser, type PortalServer } from './portal-harness.js'

const JUSTIFICATION = 'HR case 2026-041: works council request'

async function ingest(runtime: Runtime, activities: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const report = await runtime.pipeline.ingest({ records: activities.map((value, index) => ({ index, value })), errors: [] }, { format: 'veil' })
  expect(report.accepted).toBe(activities.length)
}

describe.runIf(chromiumAvailable())('portal: the privacy scenario (Chromium)', () => {
  let server: PortalServer
  let browser: Browser
  let ciso: BrowserUser
  let analyst: BrowserUser
  let investigator: BrowserUser
  const now = Date.now()
  const iso = (ms: number) => new Date(ms).toISOString()

  beforeAll(async () => {
    server = await startPortalServer()
    const { runtime } = server
    await createAccounts(runtime, [
      { upn: 'ciso@contoso.com', roles: ['global_admin'], displayName: 'CISO' },
      { upn: 'investigator@contoso.com', roles: ['security_admin'], displayName: 'Investigator' },
      { upn: 'analyst@contoso.com', roles: ['security_reader'], displayName: 'Analyst' },
      { upn: 'intern@contoso.com', roles: [], displayName: 'Intern (no admin role)' },
    ])
    await managedDomainsSetter(runtime.ctx, CLI_INITIATOR, ['contoso.com'])
    runtime.ingestSettings.invalidate()
    const anna = await runtime.directory.createUser(CLI_INITIATOR, { upn: 'anna.hr@contoso.com', displayName: 'Anna (HR)', externalId: null })
    const ben = await runtime.directory.createUser(CLI_INITIATOR, { upn: 'ben.hr@contoso.com', displayName: 'Ben (HR)', externalId: null })
    await runtime.directory.createGroup(CLI_INITIATOR, { id: 'hr', displayName: 'HR' })
    await runtime.directory.createGroup(CLI_INITIATOR, { id: 'finance', displayName: 'Finance' })
    await runtime.directory.addMembers(CLI_INITIATOR, 'hr', [anna.id, ben.id])
    // Before HR is private: these stay visible to everyone (privacy is decided once, at recording).
    await ingest(runtime, [
      { id: 'evt-before', time: iso(now - 3_600_000), actor: { upn: 'anna.hr@contoso.com' }, app: 'Okta', action: 'login', ip: '198.51.100.7', description: 'Anna signed in' },
      { id: 'evt-alex', time: iso(now - 1_800_000), actor: { upn: 'alex@contoso.com' }, app: 'Okta', action: 'login', ip: '203.0.113.9', description: 'Alex signed in' },
    ])
    browser = await launchChromium()
    ciso = await openUser(browser, server.url)
    analyst = await openUser(browser, server.url)
    investigator = await openUser(browser, server.url)
  })

  afterAll(async () => {
    for (const u of [ciso, analyst, investigator]) {
      await u?.close()
    }
    await browser?.close()
    await server?.close()
  })

  it('should run the whole scenario by clicking', async () => {
    // 1. The global admin adds HR as a privacy group: search, select, the note on future activities.
    await ciso.page.goto('/')
    await signIn(ciso.page, 'ciso@contoso.com')
    await ciso.page.getByRole('link', { name: 'Scoped deployment and privacy' }).click()
    await ciso.page.getByRole('tab', { name: 'Activity privacy' }).click()
    await ciso.page.getByRole('heading', { name: 'Activity privacy' }).waitFor()
    await ciso.page.getByText('No privacy groups').waitFor()
    await ciso.page.getByRole('button', { name: '+ Add group' }).click()
    const addGroup = ciso.page.getByRole('dialog', { name: 'Add privacy groups' })
    await addGroup.getByText('Only activities recorded from now on become private.').waitFor()
    await addGroup.getByLabel('Search groups').fill('h')
    await addGroup.getByRole('checkbox', { name: /^HR/ }).waitFor()
    await addGroup.getByLabel('Search groups').fill('HR')
    await expect.poll(() => addGroup.getByRole('checkbox', { name: /^Finance/ }).count()).toBe(0) // the search narrows the list
    await addGroup.getByRole('checkbox', { name: /^HR/ }).check()
    await screenshot(ciso.page, 'privacy-settings-add-group')
    await addGroup.getByRole('button', { name: 'Add 1 group' }).click()
    await ciso.page.getByRole('cell', { name: 'HR', exact: true }).waitFor()
    await screenshot(ciso.page, 'privacy-settings')

    // An HR activity recorded now is private.
    await ingest(server.runtime, [
      { id: 'evt-private', time: iso(now - 60_000), actor: { upn: 'anna.hr@contoso.com' }, app: 'Microsoft SharePoint Online', action: 'file.download', ip: '198.51.100.7', description: 'Anna downloaded salaries-2026.xlsx' },
    ])

    // 2. The analyst does not see it: not in the list, not in the count, no "Show private activities".
    await analyst.page.goto('/')
    await signIn(analyst.page, 'analyst@contoso.com')
    await analyst.page.goto('/activity?user=anna.hr%40contoso.com')
    await analyst.page.getByText('Anna signed in').waitFor()
    await expect.poll(() => analyst.page.locator('.count').innerText()).toMatch(/^1 activity/)
    await expect.poll(() => analyst.page.getByText('salaries-2026').count()).toBe(0)
    await analyst.page.getByRole('button', { name: /^Table settings/ }).click()
    await expect.poll(() => analyst.page.getByRole('menuitem', { name: 'Show private activities…' }).count()).toBe(0)
    await analyst.page.keyboard.press('Escape')

    // 3. The global admin grants the permission: a non-admin is refused in the API's words, the investigator is added.
    await ciso.page.getByRole('link', { name: 'Activity privacy permissions' }).click()
    await ciso.page.getByText('Nobody may reveal private activities.').waitFor()
    await ciso.page.getByRole('button', { name: '+ Add user' }).click()
    const addUser = ciso.page.getByRole('dialog', { name: 'Add user' })
    await addUser.getByLabel('User (UPN or email)').fill('intern@contoso.com')
    await addUser.getByRole('button', { name: 'Add' }).click()
    await expect.poll(() => addUser.getByRole('alert').innerText()).toMatch(/admin role/i)
    ciso.errors.splice(0) // the refusal is an HTTP error the browser logs
    await addUser.getByLabel('User (UPN or email)').fill('investigator@contoso.com')
    await addUser.getByRole('button', { name: 'Add' }).click()
    await ciso.page.getByRole('cell', { name: 'investigator@contoso.com', exact: true }).waitFor()
    await expect.poll(() => ciso.page.getByRole('row', { name: /investigator@contoso.com/ }).getByRole('cell', { name: 'Active' }).count()).toBe(1)
    await screenshot(ciso.page, 'privacy-permissions')

    // 4. The investigator reveals with a justification, after the dialog that says it is audited.
    await investigator.page.goto('/')
    await signIn(investigator.page, 'investigator@contoso.com')
    const page = investigator.page
    await page.getByText('Alex signed in').waitFor()
    await expect.poll(() => page.getByText('salaries-2026').count()).toBe(0) // hidden until revealed, even for them
    await page.getByRole('button', { name: /^Table settings/ }).click()
    await page.getByRole('menuitem', { name: 'Show private activities…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Show private activities' })
    await dialog.getByText('This action is audited.').waitFor()
    const ok = dialog.getByRole('button', { name: 'OK' })
    await dialog.getByLabel('Justification').fill(JUSTIFICATION)
    await expect.poll(() => ok.isDisabled()).toBe(true) // not before the acknowledgement
    await dialog.getByRole('checkbox', { name: /recorded in the governance log/ }).check()
    await screenshot(page, 'reveal-dialog')
    await ok.click()

    // 5. The private activity shows, marked private and by which group; the banner says what is going on.
    const banner = page.getByRole('status', { name: 'Private activities are shown' })
    await banner.waitFor()
    const privateRow = page.getByRole('row', { name: /^Private activity, file\.download by anna\.hr@contoso\.com/ })
    await privateRow.waitFor()
    await expect.poll(() => privateRow.locator('.badge-private').innerText()).toBe('Private · HR')
    await expect.poll(() => page.locator('tr.row-private').count()).toBe(1)
    await screenshot(page, 'activity-log-private')
    await privateRow.click()
    const drawer = page.getByRole('dialog', { name: 'Activity details' })
    await expect.poll(() => drawer.getByRole('status', { name: 'Private activity' }).innerText()).toContain('privacy group HR')
    await drawer.getByText('salaries-2026.xlsx').first().waitFor()
    await page.keyboard.press('Escape')

    // 6. The governance log shows the reveal with who and why.
    await ciso.page.getByRole('link', { name: 'Governance log' }).click()
    await ciso.page.getByLabel('Action type').selectOption('activities.reveal')
    await ciso.page.getByRole('button', { name: 'Apply' }).click()
    const reveal = ciso.page.getByRole('row', { name: /^Show private activities by investigator@contoso\.com, succeeded/ }).first()
    await reveal.waitFor()
    await expect.poll(() => reveal.innerText()).toContain(JUSTIFICATION)
    await ciso.page.goto('/governance')
    await ciso.page.getByRole('cell', { name: 'Grant activity privacy permission' }).first().waitFor()
    await ciso.page.getByRole('cell', { name: 'Change privacy groups' }).first().waitFor()
    await screenshot(ciso.page, 'governance-log')

    // 7. Stopping ends it: the private activity is gone again, and so is the banner.
    await page.getByRole('button', { name: 'Stop showing private activities' }).click()
    // Alex's public row stays on screen throughout; wait for the reloaded page without the private row.
    await expect.poll(() => page.locator('tr.row-private').count()).toBe(0)
    await expect.poll(() => banner.count()).toBe(0)
    await page.getByText('Alex signed in').waitFor()

    for (const u of [ciso, analyst, investigator]) {
      expect(u.errors).toEqual([])
    }
  })

  it('should end the reveal on sign-out', async () => {
    const page = investigator.page
    await page.getByRole('button', { name: /^Table settings/ }).click()
    await page.getByRole('menuitem', { name: 'Show private activities…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Show private activities' })
    await dialog.getByLabel('Justification').fill(JUSTIFICATION)
    await dialog.getByRole('checkbox', { name: /recorded in the governance log/ }).check()
    await dialog.getByRole('button', { name: 'OK' }).click()
    await page.locator('tr.row-private').waitFor()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByText('You have signed out.').waitFor()
    await signIn(page, 'investigator@contoso.com')
    await page.getByText('Alex signed in').waitFor()
    await expect.poll(() => page.getByRole('status', { name: 'Private activities are shown' }).count()).toBe(0)
    await expect.poll(() => page.locator('tr.row-private').count()).toBe(0)
    expect(investigator.errors).toEqual([])
  })
})
