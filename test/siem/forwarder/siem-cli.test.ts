/**
 * `veil siem` as an operator uses it, and two `veil serve` processes on one SQLite file: the lease
 * elects one of them per destination, each activity reaches the listener once, and when the forwarding
 * process stops (SIGTERM) the other one takes over from the cursor.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { openStore } from '../../../src/storage/open-store.js'
import { CLI_ARGS, veil } from '../../helpers/cli.js'
import { buildPublic } from '../../helpers/factories.js'
import { TEST_GOVERNANCE_KEY } from '../../helpers/test-store.js'
import { FAST_SIEM_ENV } from './forwarding-fixture.js'
import { startSyslogListener, waitFor, type SyslogListener } from './siem-listeners.js'

const dir = mkdtempSync(join(tmpdir(), 'veil-siem-cli-'))
const ENV: Record<string, string> = {
  ...FAST_SIEM_ENV,
  VEIL_DATABASE_URL: `sqlite:${join(dir, 'veil.db')}`,
  VEIL_SECRET_KEY: '3'.repeat(64),
  VEIL_PRIVACY_KEY: '9'.repeat(64),
  VEIL_SIEM_LEASE_SECONDS: '5', // short for a quick fail-over, long enough for a loaded machine
}

/** Record `n` public activities from a third process-like writer: the test's own store on the file. */
async function record(name: string, n: number): Promise<string[]> {
  const batch = Array.from({ length: n }, (_, i) => buildPublic({ id: `${name}-${String(i).padStart(4, '0')}`, time: Date.now() }))
  const store = await openStore({ url: ENV.VEIL_DATABASE_URL ?? '', governanceKey: TEST_GOVERNANCE_KEY })
  try {
    await store.activities.insert(batch)
  } finally {
    await store.close()
  }
  return batch.map((b) => b.activity.id)
}

function serve(): ChildProcess {
  const child = spawn(process.execPath, [...CLI_ARGS, 'serve', '--port', '0'], { env: { ...process.env, ...ENV, VEIL_LOG_LEVEL: 'silent' }, stdio: 'ignore' })
  child.on('error', () => undefined)
  return child
}

function stopped(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())))
}

/** The lease holder of the destination, as the store has it (`host/pid/random`). */
async function leaseHolder(): Promise<string | null> {
  return (await deliveryState())?.leaseHolder ?? null
}

/** How many activities the destination's cursor has recorded as sent. */
async function eventsSent(): Promise<number> {
  return (await deliveryState())?.eventsSent ?? 0
}

async function deliveryState() {
  const store = await openStore({ url: ENV.VEIL_DATABASE_URL ?? '', governanceKey: TEST_GOVERNANCE_KEY })
  try {
    const [destination] = await store.siem.list()
    return destination ? await store.siem.state(destination.id) : null
  } finally {
    await store.close()
  }
}

describe('veil siem and two serve processes on one SQLite file', () => {
  let listener: SyslogListener | null = null
  const servers: ChildProcess[] = []
  afterAll(async () => {
    for (const server of servers) {
      server.kill('SIGKILL')
    }
    await listener?.stop()
  })

  it('should add, list, test, forward each activity once from two processes, fail over, back-fill and remove', { timeout: 120_000 }, async () => {
    listener = await startSyslogListener()
    const added = await veil(ENV, ['siem', 'add', '--name', 'SOC', '--syslog', `tcp://127.0.0.1:${listener.port}`])
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toContain(`added SOC: tcp://127.0.0.1:${listener.port}`)

    servers.push(serve(), serve())
    const [bad, test] = await Promise.all([veil(ENV, ['siem', 'add', '--name', 'Bad', '--syslog', 'tcp://127.0.0.1:99999']), veil(ENV, ['siem', 'test', 'SOC'])])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('settings.port')
    expect(test.code, test.stderr).toBe(0)
    expect(test.stdout).toContain('SOC: ok')

    const first = await record('first', 200)
    await waitFor('the first activities from one of the servers', () => first.every((id) => listener!.ids().includes(id)), 20_000)
    expect(listener.ids()).toEqual(first)
    // The listener has them before the cursor records them; a stop in between would rightly send them
    // again (at least once), so wait for the cursor before stopping the forwarding process.
    let sent = 0
    await waitFor('the cursor to record the first activities', async () => (sent = await eventsSent()) >= 200, 20_000)
    expect(sent).toBe(200)

    // SIGTERM the forwarding process: it releases its lease, the other one goes on from the cursor.
    const holder = await leaseHolder()
    const pid = Number(holder?.split('/')[1])
    const leader = servers.find((s) => s.pid === pid)
    expect(leader).toBeDefined()
    leader!.kill('SIGTERM')
    await stopped(leader!)
    const second = await record('second', 100)
    await waitFor('the second activities from the other server', () => second.every((id) => listener!.ids().includes(id)), 20_000)
    expect(listener.ids()).toEqual([...first, ...second])
    expect(await leaseHolder()).not.toBe(holder)

    const [status, list] = await Promise.all([veil(ENV, ['siem', 'status', 'SOC']), veil(ENV, ['siem', 'list'])])
    expect(list.stdout).toMatch(/SOC {2}syslog {2}tcp:\/\/127\.0\.0\.1:\d+ {2}enabled/)
    expect(status.stdout).toMatch(/SOC \(.+\): (up_to_date|delivering)/)
    expect(status.stdout).toContain('sent 300')
    const backfill = await veil(ENV, ['siem', 'backfill', 'SOC', '--hours', '1'])
    expect(backfill.code, backfill.stderr).toBe(0)
    await waitFor('the back-fill', () => listener!.ids().length >= 600, 20_000)
    expect(listener.ids().slice(300)).toEqual([...first, ...second])

    const removed = await veil(ENV, ['siem', 'remove', 'SOC'])
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stdout).toContain('removed SOC')
  })
})
