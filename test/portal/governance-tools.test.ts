/**
 * The governance log's export and chain status in real headless Chromium: "verified up to record N"
 * as the server counts it; the loaded filter exported by the server as CSV (formula cells
 * neutralized) and as NDJSON, each export recorded; then a record changed behind Veil's back in the database file
 * and the page says "broken at record N" and why. No console errors.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { governanceVerifier } from '../../src/services/governance/governance.js'
import { CLI_INITIATOR } from '../../src/services/service-context.js'
import { managedDomainsSetter } from '../../src/services/settings/organization-settings.js'
import { chromiumAvailable, createAccounts, launchChromium, openUser, screenshot, signIn, startPortalServer, type BrowserUser, type PortalServer } from './portal-harness.js'

describe.runIf(chromiumAvailable())('portal: governance log export and chain status (Chromium)', () => {
  let dir: string
  let server: PortalServer
  let browser: Browser
  let auditor: BrowserUser

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'veil-portal-governance-'))
    server = await startPortalServer({ VEIL_DATABASE_URL: `sqlite:${join(dir, 'veil.db')}` })
    await createAccounts(server.runtime, [
      { upn: 'auditor@contoso.com', roles: ['compliance_admin'] },
      { upn: 'ciso@contoso.com', roles: ['global_admin'] },
      { upn: '=cmd@contoso.com', roles: [] }, // a target a spreadsheet would read as a formula
    ])
    await managedDomainsSetter(server.runtime.ctx, CLI_INITIATOR, ['contoso.com'])
    browser = await launchChromium()
    auditor = await openUser(browser, server.url)
    await auditor.page.goto('/')
    await signIn(auditor.page, 'auditor@contoso.com')
  })

  afterAll(async () => {
    await auditor?.close()
    await browser?.close()
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const chainStatus = () => auditor.page.getByRole('status', { name: 'Chain status' })

  it('should show the chain verified up to the last record, and export the loaded filter as CSV and NDJSON', async () => {
    const { page } = auditor
    await page.getByRole('link', { name: 'Governance log' }).click()
    await chainStatus().getByText(/^Chain verified up to record \d+\./).waitFor()
    const shown = Number(/up to record (\d+)/.exec(await chainStatus().innerText())?.[1])
    const verdict = await governanceVerifier(server.runtime.ctx)
    expect(verdict.ok).toBe(true)
    expect(shown).toBeGreaterThanOrEqual(4)
    expect(shown).toBeLessThanOrEqual(verdict.count) // reading the log since then added records

    await page.getByLabel('Action type').selectOption('account.create')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForURL(/action=account\.create/)
    await expect.poll(() => page.locator('table tbody tr').count()).toBe(3)
    await screenshot(page, 'governance-log-tools')

    const csvDownload = page.waitForEvent('download')
    await page.getByRole('button', { name: /^Export/ }).click()
    await page.getByRole('menuitem', { name: 'Export as CSV' }).click()
    const csv = await csvDownload
    expect(csv.suggestedFilename()).toMatch(/^veil-governance-.*\.csv$/)
    const lines = readFileSync(await csv.path(), 'utf8').trimEnd().split('\r\n')
    expect(lines[0]).toBe('seq,time,action,target,initiator,app,ip,status,justification,details,hash')
    expect(lines).toHaveLength(4)
    expect(lines.slice(1).every((line) => /^\d+,\d{4}-\d\d-\d\dT[^,]+Z,account\.create,/.test(line))).toBe(true)
    expect(lines.some((line) => line.includes(",'=cmd@contoso.com,"))).toBe(true)
    await page.getByText(/^Exported veil-governance-.*\.csv\.$/).waitFor()

    const ndjsonDownload = page.waitForEvent('download')
    await page.getByRole('button', { name: /^Export/ }).click()
    await page.getByRole('menuitem', { name: 'Export as NDJSON' }).click()
    const ndjson = await ndjsonDownload
    expect(ndjson.suggestedFilename()).toMatch(/^veil-governance-.*\.ndjson$/)
    const records = readFileSync(await ndjson.path(), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { action: string; target: string })
    expect(records.every((r) => r.action === 'account.create')).toBe(true)
    expect(records.map((r) => r.target).sort()).toEqual(['=cmd@contoso.com', 'auditor@contoso.com', 'ciso@contoso.com'])
    // The server streamed both files and recorded each export before its first byte.
    const exports = await server.runtime.ctx.store.governance.list({ limit: 10, action: 'governance.export' })
    expect(exports.filter((r) => r.details.phase === 'started').map((r) => r.details.format).sort()).toEqual(['csv', 'ndjson'])
    expect(auditor.errors).toEqual([])
  })

  it('should say where the chain breaks once a record was changed in the database', async () => {
    const db = new BetterSqlite3(join(dir, 'veil.db'))
    try {
      db.exec('drop trigger governance_no_update')
      db.prepare("update governance set target = 'someone else' where seq = 2").run()
    } finally {
      db.close()
    }
    await chainStatus().getByRole('button', { name: 'Verify again' }).click()
    const broken = auditor.page.getByRole('alert', { name: 'Chain status' })
    await broken.getByText('Chain broken at record 2').waitFor()
    await expect.poll(() => broken.innerText()).toMatch(/content or hash was changed\. Verified up to record 1/)
    await screenshot(auditor.page, 'governance-log-chain-broken')
    expect(auditor.errors).toEqual([])
  })
})
