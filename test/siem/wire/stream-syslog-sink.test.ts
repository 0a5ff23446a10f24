import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Activity } from '../../../src/core/activity/activity.js'
import type { SyslogDestinationSettings } from '../../../src/siem/siem-destination-settings.js'
import { createSiemSink, SiemDeliveryError, type SiemSink, type SiemSinkContext } from '../../../src/siem/siem-sink.js'
import { buildActivity } from '../../helpers/factories.js'
import { parseCef } from './cef-parser.js'
import { closedPort, selfSignedCertificate, startSyslogListener, type SyslogListener, type TestCertificate } from './listeners.js'
import { parse5424 } from './syslog-parser.js'

const CONTEXT: SiemSinkContext = { portalUrl: 'https://veil.example.com', hostname: 'veil-test', version: '0.1.0', timeoutMs: 2_000 }

let certificate: TestCertificate
let stranger: TestCertificate
const open: Array<{ close: () => Promise<void> }> = []

beforeAll(async () => {
  certificate = await selfSignedCertificate()
  stranger = await selfSignedCertificate('someone-else')
})

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) {
    await thing.close()
  }
})

function track<T extends { close: () => Promise<void> }>(thing: T): T {
  open.push(thing)
  return thing
}

function sink(settings: Partial<SyslogDestinationSettings> & { port: number }, context: Partial<SiemSinkContext> = {}): SiemSink {
  return track(createSiemSink({ kind: 'syslog', transport: 'tcp', host: '127.0.0.1', ...settings }, { ...CONTEXT, ...context }))
}

function listener(options: Parameters<typeof startSyslogListener>[0] = {}): Promise<SyslogListener> {
  return startSyslogListener(options).then(track)
}

function activities(count: number, prefix: string, overrides: Parameters<typeof buildActivity>[0] = {}): Activity[] {
  return Array.from({ length: count }, (_, i) => buildActivity({ id: `${prefix}-${i}`, ...overrides }))
}

function ids(listener: SyslogListener): string[] {
  return listener.messages.map((message) => parseCef(parse5424(message).msg).extension.externalId ?? '')
}

async function rejection(promise: Promise<unknown>): Promise<SiemDeliveryError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(SiemDeliveryError)
    return error as SiemDeliveryError
  }
  throw new Error('expected a rejection')
}

describe('syslog over TCP', () => {
  it('should send octet-counted RFC 5424 messages carrying CEF, in order, on one connection', async () => {
    const receiver = await listener()
    const target = sink({ port: receiver.port })
    await target.deliver(activities(3, 'a'))
    await target.deliver(activities(2, 'b'))
    await receiver.waitForMessages(5)
    expect(ids(receiver)).toEqual(['a-0', 'a-1', 'a-2', 'b-0', 'b-1'])
    expect(receiver.connections).toBe(1)
    const first = parse5424(receiver.messages[0] as string)
    expect([first.pri, first.hostname, first.appName]).toEqual([13 * 8 + 6, 'veil-test', 'veil'])
    expect(parseCef(first.msg).signatureId).toBe('EVENT_CATEGORY_LOGIN')
  })

  it('should resolve an empty delivery and pass the connection test', async () => {
    const receiver = await listener()
    const target = sink({ port: receiver.port })
    await target.deliver([])
    await target.test()
    expect(receiver.messages).toEqual([])
  })

  it('should reject with "connection refused" when nothing listens', async () => {
    const target = sink({ port: await closedPort() })
    const error = await rejection(target.deliver(activities(1, 'r')))
    expect([error.failure, error.retryable]).toEqual(['refused', true])
    expect(error.message).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+: connection refused/)
    expect((await rejection(target.test())).failure).toBe('refused')
  })

  it('should time out when the receiver stops reading', async () => {
    const receiver = await listener({ hang: true })
    const target = sink({ port: receiver.port }, { timeoutMs: 300 })
    // Enough to fill the kernel's buffers on both sides (a few MB on loopback).
    const big = activities(8_000, 'h', { description: 'x'.repeat(4_000) })
    const started = Date.now()
    const error = await rejection(target.deliver(big))
    expect([error.failure, error.retryable]).toEqual(['timeout', true])
    expect(error.message).toContain('receiver stopped reading')
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('should replay what the broken connection carried, so a receiver that died mid-frame loses nothing', async () => {
    const batches = [activities(5, 'd1'), activities(5, 'd2'), activities(5, 'd3')]
    const frame = await frameSize(batches[0]?.[0] as Activity)
    // The first connection reads 2.5 frames and dies; later ones behave.
    const receiver = await listener({ dropAfter: (connection, read) => (connection === 1 && read >= frame * 2.5 ? Math.floor(frame * 2.5) : undefined) })
    const target = sink({ port: receiver.port })
    let failures = 0
    for (const batch of batches) {
      // What the forwarder does: deliver again from its cursor until it succeeds.
      for (;;) {
        try {
          await target.deliver(batch)
          break
        } catch (error) {
          expect(error).toBeInstanceOf(SiemDeliveryError)
          failures += 1
          await sleep(20)
        }
      }
      await sleep(50)
    }
    await receiver.waitForMessages(15)
    const seen = new Set(ids(receiver))
    for (const batch of batches) {
      for (const activity of batch) {
        expect(seen.has(activity.id), activity.id).toBe(true)
      }
    }
    expect(receiver.connections).toBeGreaterThanOrEqual(2)
    expect(receiver.discardedBytes).toBeGreaterThan(0)
    // Whole frames only: every message parsed as syslog + CEF (ids() would have thrown otherwise).
    expect(receiver.badStreams).toBe(0)
    expect(failures).toBeLessThanOrEqual(3)
    // The frames read before the break came again: the replay re-sent the whole window.
    expect(receiver.messages.length).toBeGreaterThan(15)
  })

  it('should lose nothing when deliveries keep coming while the receiver dies', async () => {
    const batches = Array.from({ length: 10 }, (_, i) => activities(20, `q${i}`))
    const frame = await frameSize(batches[0]?.[0] as Activity)
    // Connections 1 and 2 die mid-frame after 30.5 and 7.5 frames; the third one behaves.
    const limits: Record<number, number> = { 1: Math.floor(frame * 30.5), 2: Math.floor(frame * 7.5) }
    const receiver = await listener({ dropAfter: (connection, read) => (limits[connection] !== undefined && read >= (limits[connection] as number) ? limits[connection] : undefined) })
    const target = sink({ port: receiver.port })
    for (const batch of batches) {
      for (;;) {
        try {
          await target.deliver(batch)
          break
        } catch (error) {
          expect(error).toBeInstanceOf(SiemDeliveryError)
          await sleep(10)
        }
      }
    }
    // Breaks after the last batch are replayed by the sink's own reconnects: nothing else is delivered.
    await receiver.waitForMessages(200)
    const seen = new Set(ids(receiver))
    expect(batches.flat().filter((activity) => !seen.has(activity.id))).toEqual([])
    expect(receiver.connections).toBe(3)
    expect(receiver.badStreams).toBe(0)
  })

  it('should not replay frames written longer ago than the replay window', async () => {
    let now = 1_000_000
    const receiver = await listener()
    const target = sink({ port: receiver.port }, { clock: () => now, replayWindowMs: 5_000 })
    await target.deliver(activities(2, 'old'))
    await receiver.waitForMessages(2)
    now += 60_000
    await target.deliver(activities(1, 'recent'))
    await receiver.waitForMessages(3)
    receiver.dropConnections()
    await sleep(50)
    await target.deliver(activities(1, 'next'))
    await receiver.waitForMessages(5)
    await sleep(50)
    // 'recent' was written within the window before the break: sent again; 'old' was not.
    expect(ids(receiver)).toEqual(['old-0', 'old-1', 'recent-0', 'recent-0', 'next-0'])
  })

  it('should reject every call after close, without retry', async () => {
    const receiver = await listener()
    const target = createSiemSink({ kind: 'syslog', transport: 'tcp', host: '127.0.0.1', port: receiver.port }, CONTEXT)
    await target.deliver(activities(1, 'c'))
    await target.close()
    const error = await rejection(target.deliver(activities(1, 'c')))
    expect([error.failure, error.retryable]).toEqual(['closed', false])
  })
})

describe('syslog over TLS', () => {
  it('should deliver to a server whose self-signed certificate is trusted through tls.ca', async () => {
    const receiver = await listener({ tls: certificate })
    const target = sink({ transport: 'tls', host: 'localhost', port: receiver.port, tls: { ca: certificate.cert } })
    await target.test()
    await target.deliver(activities(3, 't'))
    await receiver.waitForMessages(3)
    expect(ids(receiver)).toEqual(['t-0', 't-1', 't-2'])
  })

  it('should check the certificate against an IP address host too', async () => {
    const receiver = await listener({ tls: certificate })
    const target = sink({ transport: 'tls', port: receiver.port, tls: { ca: certificate.cert } })
    await target.deliver(activities(1, 'ip'))
    await receiver.waitForMessages(1)
  })

  it('should refuse an untrusted certificate with a clear TLS error', async () => {
    const receiver = await listener({ tls: certificate })
    const untrusted = sink({ transport: 'tls', host: 'localhost', port: receiver.port })
    const error = await rejection(untrusted.deliver(activities(1, 'u')))
    expect(error.failure).toBe('tls')
    expect(error.message).toMatch(/TLS failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/)
    expect(error.message).toContain('tls.ca')
    const wrongCa = sink({ transport: 'tls', host: 'localhost', port: receiver.port, tls: { ca: stranger.cert } })
    expect((await rejection(wrongCa.test())).failure).toBe('tls')
    expect(receiver.messages).toEqual([])
  })

  it('should refuse a certificate for another name', async () => {
    const receiver = await listener({ tls: certificate })
    const target = sink({ transport: 'tls', host: 'localhost', port: receiver.port, tls: { ca: certificate.cert, serverName: 'siem.example.com' } })
    const error = await rejection(target.test())
    expect(error.failure).toBe('tls')
    expect(error.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID')
  })

  it('should time out on a server that accepts but never answers the handshake', async () => {
    const receiver = await listener({ hang: true })
    const target = sink({ transport: 'tls', host: 'localhost', port: receiver.port, tls: { ca: certificate.cert } }, { timeoutMs: 200 })
    const error = await rejection(target.deliver(activities(1, 'hs')))
    expect(error.failure).toBe('timeout')
    expect(error.message).toContain('TLS handshake')
  })

  it('should fail clearly when the server speaks plain TCP', async () => {
    const receiver = await listener()
    const target = sink({ transport: 'tls', host: 'localhost', port: receiver.port, tls: { ca: certificate.cert } }, { timeoutMs: 500 })
    const error = await rejection(target.test())
    expect(['tls', 'connection']).toContain(error.failure)
    expect(receiver.badStreams).toBe(1)
  })
})

/** The frame size of one activity as the sink writes it, measured on a throwaway listener. */
async function frameSize(activity: Activity): Promise<number> {
  const server = createServer()
  let bytes = 0
  server.on('connection', (socket) => socket.on('data', (chunk: Buffer) => (bytes += chunk.length)))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const probe = createSiemSink({ kind: 'syslog', transport: 'tcp', host: '127.0.0.1', port: (server.address() as AddressInfo).port }, CONTEXT)
  await probe.deliver([activity])
  await probe.close()
  await sleep(20)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return bytes
}
