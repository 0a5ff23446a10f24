import { afterEach, describe, expect, it } from 'vitest'
import type { SyslogDestinationSettings } from '../../../src/siem/siem-destination-settings.js'
import { createSiemSink, SiemDeliveryError, type SiemSink, type SiemSinkContext } from '../../../src/siem/siem-sink.js'
import { buildActivity } from '../../helpers/factories.js'
import { parseCef } from './cef-parser.js'
import { startUdpListener, type UdpListener } from './listeners.js'
import { parse3164, parse5424 } from './syslog-parser.js'

const CONTEXT: SiemSinkContext = { portalUrl: 'https://veil.example.com', hostname: 'veil-test', version: '0.1.0', timeoutMs: 2_000 }
const open: Array<{ close: () => Promise<void> }> = []

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) {
    await thing.close()
  }
})

async function setup(settings: Partial<SyslogDestinationSettings> = {}): Promise<{ receiver: UdpListener; target: SiemSink }> {
  const receiver = await startUdpListener()
  open.push(receiver)
  const target = createSiemSink({ kind: 'syslog', transport: 'udp', host: '127.0.0.1', port: receiver.port, ...settings }, CONTEXT)
  open.push(target)
  return { receiver, target }
}

describe('syslog over UDP', () => {
  it('should send one message per datagram, unframed, in order', async () => {
    const { receiver, target } = await setup()
    await target.test()
    await target.deliver([buildActivity({ id: 'u-0' }), buildActivity({ id: 'u-1', ip: '2001:db8::1' }), buildActivity({ id: 'u-2' })])
    await receiver.waitForDatagrams(3)
    const parsed = receiver.datagrams.map((datagram) => parseCef(parse5424(datagram.toString('utf8')).msg))
    expect(parsed.map((cef) => cef.extension.externalId)).toEqual(['u-0', 'u-1', 'u-2'])
    expect(parsed[1]?.extension.c6a1).toBe('2001:db8::1')
  })

  it('should shorten a long message to maxMessageBytes instead of splitting it', async () => {
    const { receiver, target } = await setup({ syslogFormat: 'rfc3164', maxMessageBytes: 1200 })
    await target.deliver([buildActivity({ id: 'long', description: 'é'.repeat(5_000) })])
    await receiver.waitForDatagrams(1)
    const datagram = receiver.datagrams[0] as Buffer
    expect(datagram.length).toBeLessThanOrEqual(1200)
    const cef = parseCef(parse3164(datagram.toString('utf8'), true).msg)
    expect(cef.extension.externalId).toBe('long')
    expect(cef.extension.msg?.endsWith('…')).toBe(true)
  })

  it('should fail on a host name that does not resolve', async () => {
    const target = createSiemSink({ kind: 'syslog', transport: 'udp', host: 'no-such-host.invalid', port: 514 }, CONTEXT)
    open.push(target)
    const error = await target.test().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(SiemDeliveryError)
    expect((error as SiemDeliveryError).failure).toBe('dns')
  })

  it('should report "connection refused" once the host says nothing listens, and never crash', async () => {
    const { receiver, target } = await setup()
    await receiver.close()
    open.splice(open.indexOf(receiver), 1)
    let error: unknown
    // The first datagram goes out; the ICMP answer makes a later send fail.
    for (let i = 0; i < 20 && error === undefined; i += 1) {
      error = await target.deliver([buildActivity()]).then(
        () => undefined,
        (e: unknown) => e,
      )
    }
    expect(error).toBeInstanceOf(SiemDeliveryError)
    expect((error as SiemDeliveryError).failure).toBe('refused')
  })
})
