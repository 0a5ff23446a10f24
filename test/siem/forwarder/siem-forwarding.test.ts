/**
 * SIEM forwarding end to end, on both engines: activities ingested through the real pipeline, a
 * destination created through the API, a real TCP syslog listener (or HTTP receiver) on this machine.
 * Public activities arrive as CEF lines carrying their ids, in order; nothing of a private activity
 * ever arrives (privacy rule 8), including one privatized after it was recorded and in a back-fill; a
 * receiver that goes away, refuses or hangs gets everything once it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { postgresReachable, selectedStores } from '../../helpers/pg.js'
import { waitForSettledFeed } from '../../helpers/siem-feed.js'
import { PRIVATE_AGENT, PRIVATE_IP, startForwardingApp, tcpSettings, type ForwardingApp } from './forwarding-fixture.js'
import { startSyslogListener, startWebhookReceiver, waitFor, type SyslogListener } from './siem-listeners.js'

const HOUR = 3_600_000

/** Nothing of a private activity in what a receiver got: its ids, its user, its address, its device. */
function expectNothingPrivate(received: string, privateIds: readonly string[]): void {
  for (const id of privateIds) {
    expect(received).not.toContain(id)
  }
  expect(received).not.toContain('hr.anna')
  expect(received).not.toContain('hr.ben')
  expect(received).not.toContain(PRIVATE_IP)
  expect(received).not.toContain(PRIVATE_AGENT)
}

/** Whether `ids` holds `expected` in the same relative order (other ids may come between). */
function inOrder(ids: readonly string[], expected: readonly string[]): boolean {
  const wanted = new Set(expected)
  const seen = ids.filter((id) => wanted.has(id))
  const firsts = seen.filter((id, i) => seen.indexOf(id) === i)
  return JSON.stringify(firsts) === JSON.stringify(expected)
}

async function freePort(): Promise<number> {
  const probe = await startSyslogListener()
  await probe.stop()
  return probe.port
}

for (const engine of selectedStores()) {
  describe(`${engine}: SIEM forwarding`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    let f: ForwardingApp
    const listeners: SyslogListener[] = []

    beforeAll(async () => {
      if (runs) {
        f = await startForwardingApp(engine, { VEIL_SIEM_BATCH_SIZE: '100' })
      }
    })
    afterAll(async () => {
      await f?.close()
      await Promise.all(listeners.map((l) => l.stop()))
    })

    const listen = async (port?: number) => {
      const listener = await startSyslogListener(port)
      listeners.push(listener)
      return listener
    }
    const status = async (id: string) => {
      const res = await f.request('security_reader', 'GET', `/api/v1/siem/destinations/${id}/status`)
      expect(res.statusCode, res.body).toBe(200)
      return res.json() as Record<string, unknown>
    }
    const remove = async (id: string) => expect((await f.request('security_admin', 'DELETE', `/api/v1/siem/destinations/${id}`)).statusCode).toBe(204)

    maybe('should deliver every public activity as a CEF line with its id, in order, and nothing of a private one', async () => {
      const listener = await listen()
      const id = await f.createDestination({ name: `content ${engine}`, settings: tcpSettings(listener.port) })
      const publicIds: string[] = []
      const privateIds: string[] = []
      for (let batch = 0; batch < 4; batch += 1) {
        const records = Array.from({ length: 30 }, (_, i) => f.event(i % 3 === 0 ? (i % 2 ? 'hr.anna@contoso.com' : 'hr.ben@contoso.com') : 'sales.sam@contoso.com'))
        await f.ingest(records)
        publicIds.push(...records.filter((r) => !r.actor.upn.startsWith('hr.')).map((r) => r.id))
        privateIds.push(...records.filter((r) => r.actor.upn.startsWith('hr.')).map((r) => r.id))
      }
      await waitFor('every public activity', () => publicIds.every((p) => listener.ids().includes(p)))
      expect(listener.ids()).toEqual(publicIds)
      expectNothingPrivate(listener.raw(), privateIds)
      const line = listener.messages[0] ?? ''
      expect(line).toContain('CEF:0|Veil|Veil|')
      expect(line).toContain('suser=sales.sam@contoso.com')

      await waitFor('an up-to-date status', async () => (await status(id)).condition === 'up_to_date')
      expect(await status(id)).toMatchObject({ condition: 'up_to_date', lagSeconds: 0, pendingEvents: 0, eventsSent: publicIds.length, lastDeliveredId: publicIds.at(-1), lastError: null, behind: false })
      const metrics = (await f.request('global_admin', 'GET', '/metrics')).body
      expect(metrics).toContain(`veil_siem_events_sent_total{destination="${id}"} ${publicIds.length}`)
      expect(metrics).toContain(`veil_siem_lag_seconds{destination="${id}"} 0`)
      await remove(id)
    })

    maybe('should not send activities made private after they were recorded but before they were sent', async () => {
      const listener = await listen()
      const id = await f.createDestination({ name: `retro ${engine}`, enabled: false, settings: tcpSettings(listener.port) })
      const started = Date.now()
      const legal = [f.event('legal.lee@contoso.com'), f.event('legal.lee@contoso.com')]
      const sales = f.event('sales.sam@contoso.com')
      await f.ingest([...legal, sales])
      const retro = await f.request('security_admin', 'POST', '/api/v1/privacy/retroactive', { groupId: 'legal', from: started - HOUR, to: Date.now() + HOUR, justification: 'Legal hold LH-2026-3: make Legal private' })
      expect(retro.statusCode, retro.body).toBe(200)
      expect(retro.json()).toMatchObject({ privatized: 2 })
      expect((await f.request('security_admin', 'PATCH', `/api/v1/siem/destinations/${id}`, { enabled: true })).statusCode).toBe(200)
      await waitFor('the public activity', () => listener.ids().includes(sales.id))
      await waitFor('an up-to-date status', async () => (await status(id)).condition === 'up_to_date')
      expect(listener.ids()).toEqual([sales.id])
      expect(listener.raw()).not.toContain('legal.lee')
      expectNothingPrivate(listener.raw(), legal.map((r) => r.id))
      await remove(id)
    })

    maybe('should back-fill a window by activity time, public only and oldest first, then go on live without a gap', async () => {
      const now = Date.now()
      const old = [f.event('sales.sam@contoso.com', { time: now - 2 * HOUR }), f.event('sales.sam@contoso.com', { time: now - 3 * HOUR })]
      const oldPrivate = [f.event('hr.anna@contoso.com', { time: now - 2 * HOUR })]
      const tooOld = f.event('sales.sam@contoso.com', { time: now - 5 * 24 * HOUR })
      await f.ingest([...old, ...oldPrivate, tooOld])
      // The back-fill covers what was recorded before the destination; on PostgreSQL that is what had settled.
      await waitForSettledFeed(f.t.runtime.store)
      const listener = await listen()
      const id = await f.createDestination({ name: `backfill ${engine}`, settings: tcpSettings(listener.port), backfill: { from: new Date(now - 4 * HOUR).toISOString() } })
      const live = f.event('sales.sam@contoso.com')
      await f.ingest([live])
      const expected = [old[1]!.id, old[0]!.id, live.id]
      await waitFor('the back-fill and the live activity', () => expected.every((e) => listener.ids().includes(e)))
      // Other suites' activities of the last hours come in the window too; ours are in time order, then live.
      expect(inOrder(listener.ids(), expected)).toBe(true)
      expect(listener.ids()).not.toContain(tooOld.id)
      expectNothingPrivate(listener.raw(), oldPrivate.map((r) => r.id))
      expect((await status(id)).backfill).toBeNull()

      // Asked again for the same window: delivered again (a SIEM that lost them), still without private ones.
      const before = listener.ids().length
      const again = await f.request('security_admin', 'POST', `/api/v1/siem/destinations/${id}/backfill`, { from: now - 4 * HOUR, to: now })
      expect(again.statusCode, again.body).toBe(202)
      await waitFor('the repeated back-fill', () => listener.ids().slice(before).includes(old[0]!.id))
      expect(inOrder(listener.ids().slice(before), [old[1]!.id, old[0]!.id])).toBe(true)
      expectNothingPrivate(listener.raw(), oldPrivate.map((r) => r.id))
      await remove(id)
    })

    maybe('should survive a listener restart mid-stream: every public activity arrives, in order per connection, duplicates only across the break', async () => {
      const listener = await listen()
      const id = await f.createDestination({ name: `restart ${engine}`, settings: tcpSettings(listener.port) })
      const first = Array.from({ length: 1500 }, () => f.event('sales.sam@contoso.com'))
      await f.ingest(first)
      await waitFor('the stream to be under way', () => listener.messages.length >= 200)
      await listener.stop()
      const second = Array.from({ length: 300 }, () => f.event('sales.sam@contoso.com'))
      await f.ingest(second)
      await waitFor('the failure to show in the status', async () => (await status(id)).condition === 'failing', 5000)
      await listener.restart()
      const all = [...first, ...second].map((r) => r.id)
      await waitFor('every activity after the restart', () => {
        const got = new Set(listener.ids())
        return all.every((a) => got.has(a))
      })
      const rank = new Map(all.map((a, i) => [a, i]))
      expect(listener.connections.length).toBeGreaterThanOrEqual(2)
      for (const connection of listener.connections) {
        const ranks = connection.map((m) => rank.get(/externalId=(\S+)/.exec(m)?.[1] ?? '') ?? -1)
        expect(ranks.every((r, i) => r >= 0 && (i === 0 || r > ranks[i - 1]!))).toBe(true)
      }
      // A duplicate is an activity the broken connection may have lost, sent again on the next one.
      const counts = new Map<string, number>()
      for (const got of listener.ids()) {
        counts.set(got, (counts.get(got) ?? 0) + 1)
      }
      expect([...counts.values()].every((c) => c <= listener.connections.length)).toBe(true)
      await waitFor('recovery in the status', async () => (await status(id)).condition === 'up_to_date')
      await remove(id)
    })

    maybe('should keep retrying a destination that refuses connections and deliver everything once it listens', async () => {
      const port = await freePort()
      const id = await f.createDestination({ name: `refused ${engine}`, settings: tcpSettings(port) })
      const records = [f.event('sales.sam@contoso.com'), f.event('hr.ben@contoso.com'), f.event('sales.sam@contoso.com')]
      await f.ingest(records)
      await waitFor('the refusal in the status', async () => (await status(id)).condition === 'failing')
      const failing = await status(id)
      expect(String(failing.lastError)).toMatch(/refused/i)
      expect(failing).toMatchObject({ eventsSent: 0, pendingEvents: 2 })
      const test = await f.request('security_admin', 'POST', `/api/v1/siem/destinations/${id}/test`)
      expect(test.json()).toMatchObject({ ok: false, failure: 'refused' })

      const listener = await listen(port)
      await waitFor('delivery once it listens', () => listener.ids().length >= 2)
      expect(listener.ids()).toEqual([records[0]!.id, records[2]!.id])
      expect((await f.request('security_admin', 'POST', `/api/v1/siem/destinations/${id}/test`)).json()).toMatchObject({ ok: true })
      await remove(id)
    })

    maybe('should deliver to a webhook that hangs once it answers again, without holding up another destination', async () => {
      const receiver = await startWebhookReceiver()
      const listener = await listen()
      try {
        receiver.mode = 'hang'
        const hook = await f.createDestination({ name: `hanging hook ${engine}`, settings: { kind: 'webhook', url: receiver.url, allowInsecureHttp: true, secret: 'a-webhook-secret-of-some-length', batchSize: 50 } })
        const syslog = await f.createDestination({ name: `beside the hook ${engine}`, settings: tcpSettings(listener.port) })
        const records = [f.event('sales.sam@contoso.com'), f.event('hr.anna@contoso.com'), f.event('sales.sam@contoso.com')]
        await f.ingest(records)
        const publicIds = [records[0]!.id, records[2]!.id]
        await waitFor('the other destination', () => publicIds.every((p) => listener.ids().includes(p)))
        await waitFor('a request to the hanging receiver', () => receiver.raw() !== '')
        expect(receiver.ids).toEqual([])
        receiver.mode = 'ok'
        await waitFor('delivery once the receiver answers', () => publicIds.every((p) => receiver.ids.includes(p)))
        expectNothingPrivate(receiver.raw(), [records[1]!.id])
        // The receiver has the batch a moment before the cursor records it as sent.
        let sent = 0
        await waitFor('the cursor to record the delivery', async () => (sent = Number((await status(hook)).eventsSent)) >= 2)
        expect(sent).toBe(2)
        await remove(hook)
        await remove(syslog)
      } finally {
        await receiver.close()
      }
    })

    maybe('should reconnect with new settings: activities after the change go to the new address', async () => {
      const before = await listen()
      const after = await listen()
      const id = await f.createDestination({ name: `moved ${engine}`, settings: tcpSettings(before.port) })
      const first = f.event('sales.sam@contoso.com')
      await f.ingest([first])
      await waitFor('the first activity at the old address', () => before.ids().includes(first.id))
      const moved = await f.request('security_admin', 'PATCH', `/api/v1/siem/destinations/${id}`, { settings: tcpSettings(after.port) })
      expect(moved.statusCode, moved.body).toBe(200)
      const second = f.event('sales.sam@contoso.com')
      await f.ingest([second])
      await waitFor('the second activity at the new address', () => after.ids().includes(second.id))
      expect(after.ids()).toEqual([second.id])
      expect(before.ids()).toEqual([first.id])
      await remove(id)
    })

    maybe('should stop delivering to a disabled or deleted destination', async () => {
      const listener = await listen()
      const id = await f.createDestination({ name: `paused ${engine}`, settings: tcpSettings(listener.port) })
      const first = f.event('sales.sam@contoso.com')
      await f.ingest([first])
      await waitFor('the first activity', () => listener.ids().includes(first.id))
      expect((await f.request('security_admin', 'PATCH', `/api/v1/siem/destinations/${id}`, { enabled: false })).statusCode).toBe(200)
      await waitFor('the lease to be given up', async () => (await status(id)).forwardingNode === null)
      const whilePaused = f.event('sales.sam@contoso.com')
      await f.ingest([whilePaused])
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(listener.ids()).toEqual([first.id])
      expect(await status(id)).toMatchObject({ condition: 'disabled', pendingEvents: 1 })
      // Re-enabled: it catches up from its cursor.
      expect((await f.request('security_admin', 'PATCH', `/api/v1/siem/destinations/${id}`, { enabled: true })).statusCode).toBe(200)
      await waitFor('the activity recorded while paused', () => listener.ids().includes(whilePaused.id))
      await remove(id)
      const afterDelete = f.event('sales.sam@contoso.com')
      await f.ingest([afterDelete])
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(listener.ids()).not.toContain(afterDelete.id)
    })
  })
}
