/**
 * The User groups page in real headless Chromium: the SCIM status before and after provisioning
 * calls, a CSV import through the file picker with a rejected row shown by row, field and reason (the
 * other rows applied), a JSON import, the groups with their member counts, searched by a part of the
 * name, and a group's members and history opened from the keyboard. No console errors beyond the import's own 400 answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { tokenCreator } from '../../src/services/accounts/accounts.js'
import { CLI_INITIATOR } from '../../src/services/service-context.js'
import { chromiumAvailable, createAccounts, launchChromium, openUser, screenshot, signIn, startPortalServer, type BrowserUser, type PortalServer } from './portal-harness.js'

const CSV = ['group,upn,action', 'Engineering,alice@contoso.com,add', 'Engineering,bob@contoso.com,add', 'Sales,carol@contoso.com,add', 'Sales,dave@contoso.com,delete'].join('\n')
const JSON_FILE = JSON.stringify([
  { group: 'Finance', upn: 'erin@contoso.com' },
  { group: 'Finance', upn: 'frank@contoso.com' },
])
/** The 400 the browser logs for an import with rejected rows: an answer the page shows, not a fault. */
const isImportRejection = (error: string) => error.includes('/settings/user-groups') && error.includes('status of 400')

describe.runIf(chromiumAvailable())('portal: user groups (Chromium)', () => {
  let server: PortalServer
  let browser: Browser
  let u: BrowserUser

  beforeAll(async () => {
    server = await startPortalServer()
    await createAccounts(server.runtime, [
      { upn: 'ciso@contoso.com', roles: ['global_admin'] },
      { upn: 'idp@contoso.com', roles: ['security_admin'], displayName: 'Identity provider' },
    ])
    browser = await launchChromium()
    u = await openUser(browser, server.url)
    await u.page.goto('/')
    await signIn(u.page, 'ciso@contoso.com')
  })

  afterAll(async () => {
    await u?.close()
    await browser?.close()
    await server?.close()
  })

  it('should import a CSV with a rejected row shown by row, field and reason, and apply the other rows', async () => {
    const { page } = u
    await page.getByRole('link', { name: 'User groups' }).click()
    await page.getByRole('heading', { name: 'User groups', level: 1 }).waitFor()
    await page.getByText('No SCIM provisioning call yet.').waitFor()
    // Only the built-in groups so far, computed per activity.
    await expect.poll(() => page.getByRole('cell', { name: 'Computed' }).count()).toBe(await page.locator('table tbody tr').count())

    await page.getByRole('button', { name: 'Import memberships…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Import memberships' })
    await dialog.getByLabel('Membership file').setInputFiles({ name: 'groups.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) })
    await dialog.getByRole('button', { name: 'Import', exact: true }).click()
    await dialog.getByText('1 rows were rejected; the other rows were applied').waitFor()
    const rejected = dialog.getByRole('table', { name: 'Rejected rows' })
    await expect.poll(() => rejected.locator('tbody tr').count()).toBe(1)
    const cells = await rejected.locator('tbody tr td').allInnerTexts()
    expect(cells[0]).toMatch(/^\d+$/)
    expect(cells[1]).toBe('action')
    expect(cells[2]).toContain('"delete" is not add or remove')
    await screenshot(page, 'user-groups-import')

    // A JSON file: applied whole, with a report.
    await dialog.getByLabel('Membership file').setInputFiles({ name: 'finance.json', mimeType: 'application/json', buffer: Buffer.from(JSON_FILE) })
    await dialog.getByRole('button', { name: 'Import', exact: true }).click()
    await expect.poll(() => dialog.getByRole('status', { name: 'Import report' }).innerText()).toBe('Imported finance.json: 2 memberships added, 0 ended, 1 groups and 2 users created.')
    await dialog.getByRole('button', { name: 'Close' }).click()

    const row = (name: string) => page.getByRole('row', { name: new RegExp(`^${name}:`) })
    await expect.poll(() => row('Engineering').locator('td').nth(2).innerText()).toBe('2')
    await expect.poll(() => row('Sales').locator('td').nth(2).innerText()).toBe('1')
    await expect.poll(() => row('Finance').locator('td').nth(2).innerText()).toBe('2')

    // Search: the server matches a part of the name, case-insensitively; built-in groups too.
    const search = page.getByRole('search', { name: 'Search groups' })
    const names = () => page.locator('table tbody tr td:first-child').allInnerTexts()
    await search.getByLabel('Search groups').fill('NAN')
    await search.getByRole('button', { name: 'Search' }).click()
    await expect.poll(names).toEqual(['Finance'])
    await expect.poll(() => page.locator('.count').innerText()).toBe('1 groups matching “NAN”')
    await search.getByLabel('Search groups').fill('e')
    await page.keyboard.press('Enter')
    await expect.poll(names).toEqual(expect.arrayContaining(['External users', 'Engineering', 'Sales', 'Finance']))
    await search.getByLabel('Search groups').fill('no such group')
    await page.keyboard.press('Enter')
    await page.getByText('No group\'s name or external id contains “no such group”.').waitFor()
    await search.getByRole('button', { name: 'Clear' }).click()
    await expect.poll(names).toEqual(expect.arrayContaining(['Application', 'Engineering', 'Sales', 'Finance']))
    expect(u.errors.filter((e) => !isImportRejection(e))).toEqual([])
  })

  it('should open a group from the keyboard with its members and history', async () => {
    const { page } = u
    await page.getByRole('row', { name: /^Engineering:/ }).focus()
    await page.keyboard.press('Enter')
    const drawer = page.getByRole('dialog', { name: 'Group Engineering' })
    await drawer.getByRole('heading', { name: 'Members now' }).waitFor()
    const members = drawer.getByRole('table', { name: 'Members of the group now' })
    await expect.poll(() => members.locator('tbody tr td:first-child').allInnerTexts()).toEqual(['alice@contoso.com', 'bob@contoso.com'])
    const history = drawer.getByRole('table', { name: 'Membership history of the group, oldest first' })
    await expect.poll(() => history.locator('tbody tr').count()).toBe(2)
    await expect.poll(() => history.locator('tbody tr td:nth-child(3)').allInnerTexts()).toEqual(['Now', 'Now'])

    // Members at a time before the import: none.
    await drawer.getByLabel('Members at').fill('2020-01-01T00:00')
    await drawer.getByRole('button', { name: 'Show' }).click()
    await drawer.getByRole('heading', { name: /^Members at / }).waitFor()
    await drawer.getByText('No members.').waitFor()
    await screenshot(page, 'user-groups-group')
    await page.keyboard.press('Escape')
    await expect.poll(() => drawer.count()).toBe(0)
    expect(u.errors.filter((e) => !isImportRejection(e))).toEqual([])
  })

  it('should show the SCIM status: the last call, the last change and the last failure', async () => {
    const { page } = u
    const refused = await fetch(`${server.url}/scim/v2/Users`, { headers: { authorization: 'Bearer not-a-token' } })
    expect(refused.status).toBe(401)
    const { secret } = await tokenCreator(server.runtime.ctx, CLI_INITIATOR, { upn: 'idp@contoso.com', name: 'SCIM', expiresAt: null })
    const created = await fetch(`${server.url}/scim/v2/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'grace@contoso.com', active: true }),
    })
    expect(created.status, await created.clone().text()).toBe(201)

    await page.reload()
    const scim = page.getByRole('region', { name: 'SCIM provisioning' })
    const value = (term: string) => scim.locator('.field-row', { has: page.locator('dt', { hasText: new RegExp(`^${term}$`) }) }).locator('dd')
    await expect.poll(() => value('Last call').innerText()).toMatch(/^Succeeded · .* · create user \(POST \/scim\/v2\/Users\) → 201 · by idp@contoso\.com$/)
    await expect.poll(() => value('Last change').innerText()).toContain('create user')
    await expect.poll(() => value('Last failure').innerText()).toMatch(/^Failed · .* → 401 · by anonymous$/)
    await screenshot(page, 'user-groups')
    expect(u.errors.filter((e) => !isImportRejection(e))).toEqual([])
  })
})
