/**
 * "Nothing acknowledged is ever lost, even if the process is killed": a real `veil serve` process takes
 * concurrent ingest batches and is killed with SIGKILL mid-stream; every batch it acknowledged must be in
 * the database afterwards. Also checks that SIGTERM finishes in-flight batches before exiting.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { CLI_ARGS } from '../helpers/cli.js'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'veil-durability-'))
const env = { ...process.env, VEIL_DATABASE_URL: `sqlite:${join(dir, 'veil.db')}`, VEIL_KEY_FILE: join(dir, 'veil.key'), VEIL_LOG_LEVEL: 'info' }
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function cli(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [...CLI_ARGS, ...args], { env })
  return stdout
}

function startServer(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [...CLI_ARGS, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out)
      if (match) {
        resolve({ child, url: match[1] as string, output: () => out })
      }
    })
    child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)))
  })
}

function batch(prefix: string, size: number): string {
  return JSON.stringify(
    Array.from({ length: size }, (_, i) => ({ id: `${prefix}-${i}`, time: '2026-11-01T10:00:00Z', actor: { upn: `u${i % 50}@contoso.com` }, app: 'Okta', action: 'login', description: 'x'.repeat(200) })),
  )
}

function storedIds(): Set<string> {
  const db = new Database(env.VEIL_DATABASE_URL.slice('sqlite:'.length), { readonly: true })
  try {
    return new Set((db.prepare('select id from activities').all() as Array<{ id: string }>).map((r) => r.id))
  } finally {
    db.close()
  }
}

describe('durability of acknowledged batches', () => {
  it('should keep every acknowledged batch when the server is killed with SIGKILL', { timeout: 120_000 }, async () => {
    await cli(['admin', 'create', '--upn', 'ingest@contoso.com', '--role', 'security_admin'])
    const token = (await cli(['token', 'create', '--upn', 'ingest@contoso.com'])).trim().split('\n').at(-1) as string
    const { child, url } = await startServer()
    const acknowledged: string[] = []
    let sent = 0
    const client = async (worker: number) => {
      for (let n = 0; ; n += 1) {
        const prefix = `w${worker}-b${n}`
        sent += 1
        try {
          const res = await fetch(`${url}/api/v1/activities/ingest`, { method: 'POST', body: batch(prefix, 500), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } })
          if (res.status === 200) {
            acknowledged.push(prefix)
          }
        } catch {
          return // the server is gone
        }
      }
    }
    const clients = [0, 1, 2, 3].map(client)
    await new Promise((resolve) => setTimeout(resolve, 2500))
    child.kill('SIGKILL')
    await Promise.all(clients)
    expect(acknowledged.length).toBeGreaterThan(5)
    const ids = storedIds()
    for (const prefix of acknowledged) {
      for (let i = 0; i < 500; i += 1) {
        expect(ids.has(`${prefix}-${i}`), `${prefix}-${i} was acknowledged but is missing`).toBe(true)
      }
    }
    // A batch is stored whole or not at all: no half-written batches either.
    const prefixes = new Map<string, number>()
    for (const id of ids) {
      const prefix = id.replace(/-\d+$/, '')
      prefixes.set(prefix, (prefixes.get(prefix) ?? 0) + 1)
    }
    for (const [prefix, count] of prefixes) {
      expect(count, `batch ${prefix}`).toBe(500)
    }
    expect(sent).toBeGreaterThan(acknowledged.length - 1)
  })

  it('should finish in-flight batches on SIGTERM before exiting', { timeout: 120_000 }, async () => {
    const token = (await cli(['token', 'create', '--upn', 'ingest@contoso.com'])).trim().split('\n').at(-1) as string
    const { child, url, output } = await startServer()
    const inflight = Array.from({ length: 8 }, (_, i) =>
      fetch(`${url}/api/v1/activities/ingest`, { method: 'POST', body: batch(`term-${i}`, 2000), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, signal: AbortSignal.timeout(30_000) }).then((r) => r.status),
    )
    // Signal only once the server has started reading the requests, so they are really in flight.
    while ((output().match(/incoming request/g) ?? []).length < 8) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const t0 = Date.now()
    child.kill('SIGTERM')
    const statuses = await Promise.allSettled(inflight)
    expect(await exited).toBe(0)
    // Keep-alive connections must not hold the process open after the last response.
    expect(Date.now() - t0).toBeLessThan(15_000)
    const ids = storedIds()
    statuses.forEach((s, i) => {
      if (s.status === 'fulfilled' && s.value === 200) {
        expect(ids.has(`term-${i}-0`) && ids.has(`term-${i}-1999`)).toBe(true)
      }
    })
    expect(statuses.filter((s) => s.status === 'fulfilled' && s.value === 200).length).toBeGreaterThan(0)
  })
})
