/**
 * The SIEM destinations page in real headless Chromium against real TCP listeners: the API's
 * validation errors shown under the fields they name, a syslog destination added and its connection
 * tested, an activity delivered as CEF while the status says so, a destination whose receiver is down
 * shown failing with its last error, then pointed at a receiver that is up with Edit… (what waited is
 * delivered), a webhook renamed with its secret kept, disable and enable, back-fill, delete. No
 * console errors beyond the refused form's own 400 answer.
 */
import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { chromiumAvailable, createAccounts, launchChromium, openUser, screenshot, signIn, startPortalServer, type BrowserUser, type PortalServer } from './portal-harness.js'

/** A syslog receiver over TCP: every byte it received, and how many connections it accepted. */
interface Listener {
  readonly port: number
  received(): string
  readonly connections: number
  close(): Promise<void>
}

async function listen(): Promise<Listener> {
  const chunks: Buffer[] = []
  const sockets = new Set<Socket>()
  let connections = 0
  const server: Server = createServer((socket) => {
    connections += 1
    sockets.add(socket)
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    received: () => Buffer.concat(chunks).toString('utf8'),
    get connections() {
      return connections
    },
    close: async () => {
      for (const socket of sockets) {
        socket.destroy()
      }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A port nobody listens on (a receiver that is down). */
async function closedPort(): Promise<number> {
  const listener = await listen()
  await listener.close()
  return listener.port
}

const isFormRefusal = (error: string) => error.includes('/settings/siem-destinations') && error.includes('status of 400')

describe.runIf(chromiumAvailable())('portal: SIEM destinations (Chromium)', () => {
  let server: PortalServer
  let browser: Browser
  let u: BrowserUser
  let receiver: Listener

  beforeAll(async () => {
    server = await startPortalServer({ VEIL_SIEM_POLL_MS: '200', VEIL_SIEM_RETRY_MAX_SECONDS: '1' })
    server.runtime.siemForwarder.start()
    await createAccounts(server.runtime, [{ upn: 'ciso@contoso.com', roles: ['global_admin'] }])
    receiver = await listen()
    browser = await launchChromium()
    u = await openUser(browser, server.url)
    await u.page.goto('/')
    await signIn(u.page, 'ciso@contoso.com')
  })

  afterAll(async () => {
    await u?.close()
    await browser?.close()
    await server?.close()
    await receiver?.close()
  })

  const row = (page: Page, name: string) => page.getByRole('row', { name: new RegExp(`^${name}:`) })
  const cell = (page: Page, name: string, column: number) => row(page, name).locator('td').nth(column)
  /** A cell's text after asking the page to refresh (it also refreshes itself every few seconds). */
  const refreshed = async (page: Page, name: string, column: number) => {
    await page.getByRole('button', { name: 'Refresh' }).click()
    await page.locator('.table-wrap:not([aria-busy])').waitFor()
    return cell(page, name, column).innerText()
  }

  async function addSyslog(page: Page, name: string, host: string, port: string): Promise<void> {
    await page.getByRole('button', { name: '+ Add destination' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add SIEM destination' })
    await dialog.getByLabel('Name').fill(name)
    await dialog.getByLabel('Transport').selectOption('tcp')
    await dialog.getByLabel('Host').fill(host)
    await dialog.getByLabel('Port', { exact: true }).fill(port)
    await dialog.getByRole('button', { name: 'Add destination' }).click()
  }

  it('should show the API’s validation errors under the fields, then add a syslog destination and test its connection', async () => {
    const { page } = u
    await page.getByRole('link', { name: 'SIEM destinations' }).click()
    await page.getByRole('heading', { name: 'SIEM destinations', level: 1 }).waitFor()
    await page.getByText('No SIEM destination').waitFor()

    await addSyslog(page, 'splunk', 'siem host!', '70000')
    const dialog = page.getByRole('dialog', { name: 'Add SIEM destination' })
    await dialog.getByText('The SIEM destination is not valid').waitFor()
    const port = dialog.getByLabel('Port', { exact: true })
    const host = dialog.getByLabel('Host')
    await expect.poll(() => port.getAttribute('aria-invalid')).toBe('true')
    await expect.poll(() => dialog.locator('.field-error').allInnerTexts()).toEqual(['expected integer to be less or equal to 65535'])

    // The port fixed, the server checks the host next, and says so under it.
    await port.fill(String(receiver.port))
    await dialog.getByRole('button', { name: 'Add destination' }).click()
    await expect.poll(() => host.getAttribute('aria-invalid')).toBe('true')
    await expect.poll(() => port.getAttribute('aria-invalid')).toBeNull()
    await expect.poll(() => dialog.locator('.field-error').allInnerTexts()).toEqual(['must be a host name or an IPv4/IPv6 address (no scheme, port or path)'])
    await screenshot(page, 'siem-destinations-add')

    await dialog.getByLabel('Host').fill('127.0.0.1')
    await dialog.getByLabel('Port', { exact: true }).fill(String(receiver.port))
    await dialog.getByRole('button', { name: 'Add destination' }).click()
    await page.getByText('splunk was added.', { exact: false }).waitFor()
    await expect.poll(() => cell(page, 'splunk', 1).innerText()).toBe(`tcp://127.0.0.1:${receiver.port} (CEF over syslog RFC 5424)`)

    await row(page, 'splunk').click()
    const drawer = page.getByRole('dialog', { name: 'SIEM destination splunk' })
    const before = receiver.connections
    await drawer.getByRole('button', { name: 'Test connection' }).click()
    await expect.poll(() => drawer.getByRole('status', { name: 'Connection test' }).innerText()).toMatch(/^Connection succeeded in \d+ ms\. No activity was sent\.$/)
    expect(receiver.connections).toBeGreaterThan(before)
    expect(u.errors.filter((e) => !isFormRefusal(e))).toEqual([])
  })

  it('should deliver an activity as CEF and show the status, and show a destination whose receiver is down as failing', async () => {
    const { page } = u
    await page.keyboard.press('Escape')
    await addSyslog(page, 'archive', '127.0.0.1', String(await closedPort()))
    await page.getByText('archive was added.', { exact: false }).waitFor()

    const report = await server.runtime.pipeline.ingest(
      { records: [{ index: 0, value: { id: 'siem-portal-1', time: new Date().toISOString(), actor: { upn: 'alex@contoso.com' }, app: 'Okta', action: 'login', ip: '203.0.113.9' } }], errors: [] },
      { format: 'veil' },
    )
    expect(report.accepted).toBe(1)
    await expect.poll(() => receiver.received(), { timeout: 10_000 }).toContain('CEF:0|Veil|Veil|')
    expect(receiver.received()).toContain('siem-portal-1')

    await expect.poll(() => refreshed(page, 'splunk', 2), { timeout: 10_000 }).toBe('Up to date')
    await expect.poll(() => cell(page, 'splunk', 3).innerText()).toBe('none')
    await expect.poll(() => refreshed(page, 'archive', 2), { timeout: 10_000 }).toBe('Failing')
    await expect.poll(() => cell(page, 'archive', 6).innerText()).toMatch(/refused|ECONNREFUSED/i)
    await screenshot(page, 'siem-destinations')

    await row(page, 'splunk').click()
    const drawer = page.getByRole('dialog', { name: 'SIEM destination splunk' })
    const status = drawer.getByRole('definition').filter({ hasText: /activities$/ })
    await expect.poll(() => status.allInnerTexts()).toEqual(['0 activities', '1 activities'])
    expect(u.errors.filter((e) => !isFormRefusal(e))).toEqual([])
  })

  it('should point the failing destination at a receiver that is up with Edit…, and deliver what waited', async () => {
    const { page } = u
    const second = await listen()
    try {
      await page.keyboard.press('Escape')
      await row(page, 'archive').click()
      const drawer = page.getByRole('dialog', { name: 'SIEM destination archive' })
      await drawer.getByRole('button', { name: 'Edit…' }).click()
      const dialog = page.getByRole('dialog', { name: 'Edit SIEM destination archive' })
      await expect.poll(() => dialog.getByLabel('Host').inputValue()).toBe('127.0.0.1')
      await dialog.getByLabel('Port', { exact: true }).fill(String(second.port))
      await screenshot(page, 'siem-destination-edit')
      await dialog.getByRole('button', { name: 'Save' }).click()
      await page.getByText('Saved archive.').waitFor()
      // The cursor stayed where it was: the activity that waited is delivered to the new receiver.
      await expect.poll(() => second.received(), { timeout: 15_000 }).toContain('siem-portal-1')
      await expect.poll(() => drawer.getByRole('definition').filter({ hasText: /^127\.0\.0\.1|^tcp:/ }).first().innerText()).toContain(`:${second.port}`)
      await page.keyboard.press('Escape')

      // A webhook renamed: its signing secret, never shown, is kept.
      await page.getByRole('button', { name: '+ Add destination' }).click()
      const add = page.getByRole('dialog', { name: 'Add SIEM destination' })
      await add.getByLabel('Name').fill('hook')
      await add.getByLabel('Type').selectOption('webhook')
      await add.getByLabel('URL').fill('https://soar.example.com/veil')
      await add.getByLabel('Signing secret').fill('a-webhook-signing-secret-0123456789')
      await add.getByRole('button', { name: 'Add destination' }).click()
      await page.getByText('hook was added.', { exact: false }).waitFor()
      await row(page, 'hook').click()
      await page.getByRole('dialog', { name: 'SIEM destination hook' }).getByRole('button', { name: 'Edit…' }).click()
      const hook = page.getByRole('dialog', { name: 'Edit SIEM destination hook' })
      await expect.poll(() => hook.getByLabel('Signing secret').inputValue()).toBe('')
      await hook.getByLabel('Name').fill('soar')
      await hook.getByRole('button', { name: 'Save' }).click()
      await page.getByText('Saved soar.').waitFor()
      const records = await server.runtime.store.governance.list({ limit: 20, action: 'siem_destination.change' })
      const renamed = records.find((r) => r.details.change === 'update' && JSON.stringify(r.details.after).includes('"soar"'))
      expect(renamed?.details.secretsChanged).toEqual([])
      await page.keyboard.press('Escape')
      await page.getByRole('dialog', { name: 'SIEM destination soar' }).waitFor({ state: 'detached' })
      expect(u.errors.filter((e) => !isFormRefusal(e))).toEqual([])
    } finally {
      await second.close()
    }
  })

  it('should disable and enable, back-fill and delete', async () => {
    const { page } = u
    const drawer = page.getByRole('dialog', { name: 'SIEM destination archive' })
    await page.keyboard.press('Escape')
    await row(page, 'archive').click()
    await drawer.getByRole('button', { name: 'Disable' }).click()
    await page.getByText('archive is disabled.').waitFor()
    await expect.poll(() => cell(page, 'archive', 2).innerText()).toBe('Disabled') // listed again after the change
    await drawer.getByRole('button', { name: 'Enable' }).click()
    await page.getByText('archive is enabled.').waitFor()

    await page.keyboard.press('Escape')
    await row(page, 'splunk').click()
    const splunk = page.getByRole('dialog', { name: 'SIEM destination splunk' })
    await splunk.getByRole('button', { name: 'Back-fill…' }).click()
    const backfill = page.getByRole('dialog', { name: 'Back-fill' })
    await backfill.getByLabel('From').fill('2026-01-01T00:00')
    await backfill.getByRole('button', { name: 'Start back-fill' }).click()
    await page.getByText(/^splunk is back-filling /).waitFor()

    await page.keyboard.press('Escape')
    await row(page, 'archive').click()
    await drawer.getByRole('button', { name: 'Delete…' }).click()
    await page.getByRole('dialog', { name: 'Delete SIEM destination' }).getByRole('button', { name: 'Delete' }).click()
    await page.getByText('archive was deleted.').waitFor()
    await expect.poll(() => row(page, 'archive').count()).toBe(0) // the list reloads after the message
    await expect.poll(() => row(page, 'splunk').count()).toBe(1)
    expect(u.errors.filter((e) => !isFormRefusal(e))).toEqual([])
  })
})
