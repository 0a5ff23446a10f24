import { once } from 'node:events'
import { createServer, connect, type AddressInfo, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { withSyslogDefaults, type SyslogDestinationSettings } from '../../../src/siem/siem-destination-settings.js'
import { createCefSyslogEncoder } from '../../../src/siem/syslog/cef-syslog-encoder.js'
import { frameOctetCounted } from '../../../src/siem/syslog/octet-counting.js'
import { formatSyslogMessage } from '../../../src/siem/syslog/syslog-message.js'
import { BASE_TIME, buildActivity } from '../../helpers/factories.js'
import { parseCef } from './cef-parser.js'
import { OctetCountingReader, parse3164, parse5424 } from './syslog-parser.js'

const HEADER = { format: 'rfc5424' as const, includePri: true, includeHostname: true, facility: 13, appName: 'veil', hostname: 'veil-node-1' }
const CONTEXT = { portalUrl: 'https://veil.example.com', hostname: 'veil-node-1', version: '0.1.0', clock: () => BASE_TIME }

function settings(overrides: Partial<SyslogDestinationSettings> = {}) {
  return withSyslogDefaults({ kind: 'syslog', transport: 'tcp', host: '127.0.0.1', port: 514, ...overrides })
}

describe('syslog messages', () => {
  it('should write RFC 5424 with PRI = facility × 8 + severity, the time in UTC and NILVALUE fields', () => {
    const parsed = parse5424(formatSyslogMessage(HEADER, BASE_TIME, 6, 'CEF:0|x'))
    expect(parsed).toEqual({ pri: 110, version: '1', timestamp: '2024-05-01T12:00:00.000Z', hostname: 'veil-node-1', appName: 'veil', procId: '-', msgId: '-', structuredData: '-', msg: 'CEF:0|x' })
  })

  it('should leave out the PRI and write NILVALUE for the host name when asked', () => {
    const parsed = parse5424(formatSyslogMessage({ ...HEADER, includePri: false, includeHostname: false }, BASE_TIME, 6, 'm'))
    expect([parsed.pri, parsed.hostname, parsed.version]).toEqual([null, '-', '1'])
  })

  it('should write RFC 3164 with a space-padded day, with or without PRI and host name', () => {
    const bsd = { ...HEADER, format: 'rfc3164' as const }
    const message = formatSyslogMessage(bsd, Date.UTC(2024, 4, 1, 7, 5, 9), 5, 'CEF:0|x')
    expect(message).toBe('<109>May  1 07:05:09 veil-node-1 veil: CEF:0|x')
    expect(parse3164(message, true)).toEqual({ pri: 109, timestamp: 'May  1 07:05:09', hostname: 'veil-node-1', tag: 'veil', msg: 'CEF:0|x' })
    const bare = formatSyslogMessage({ ...bsd, includePri: false, includeHostname: false }, Date.UTC(2024, 11, 24, 23, 59, 59), 6, 'm')
    expect(parse3164(bare, false)).toEqual({ pri: null, timestamp: 'Dec 24 23:59:59', hostname: null, tag: 'veil', msg: 'm' })
  })

  it('should keep header fields free of spaces and control characters', () => {
    const odd = { ...HEADER, hostname: 'my host\n.example', appName: 'a b:c' }
    expect(parse5424(formatSyslogMessage(odd, BASE_TIME, 6, 'm')).hostname).toBe('myhost.example')
    expect(parse3164(formatSyslogMessage({ ...odd, format: 'rfc3164' }, BASE_TIME, 6, 'm'), true).tag).toBe('abc')
  })

  it('should write NILVALUE for a time RFC 5424 cannot hold', () => {
    expect(parse5424(formatSyslogMessage(HEADER, 8.64e15, 6, 'm')).timestamp).toBe('-')
  })
})

describe('createCefSyslogEncoder', () => {
  it('should carry the CEF line as MSG with severity notice for failures', () => {
    const encode = createCefSyslogEncoder(settings(), CONTEXT)
    const parsed = parse5424(encode(buildActivity({ id: 'e-1', result: 'failure' })).toString('utf8'))
    expect(parsed.pri).toBe(13 * 8 + 5)
    expect(parseCef(parsed.msg).extension.externalId).toBe('e-1')
    expect(parseCef(parsed.msg).signatureId).toBe('EVENT_CATEGORY_FAILED_LOGIN')
  })

  it('should keep the whole message, header included, within maxMessageBytes', () => {
    const encode = createCefSyslogEncoder(settings({ transport: 'udp', maxMessageBytes: 1024, syslogFormat: 'rfc3164' }), CONTEXT)
    const message = encode(buildActivity({ description: 'ü'.repeat(2000), device: { type: null, userAgent: 'Mozilla '.repeat(100) } }))
    expect(message.length).toBeLessThanOrEqual(1024)
    const cef = parseCef(parse3164(message.toString('utf8'), true).msg)
    expect(cef.extension.msg?.endsWith('…')).toBe(true)
    expect(cef.extension.externalId).toBeDefined()
  })
})

describe('octet counting', () => {
  const servers: Array<{ close: () => void }> = []
  afterEach(() => {
    for (const server of servers.splice(0)) {
      server.close()
    }
  })

  it('should count bytes, not characters, and carry line breaks', () => {
    const frame = frameOctetCounted('a\nb é 😀')
    expect(frame.toString('utf8')).toBe('11 a\nb é 😀')
    expect(new OctetCountingReader().push(frame)).toEqual(['a\nb é 😀'])
  })

  it('should read frames split across TCP segments, anywhere, into whole messages', async () => {
    const messages = ['first message', 'second\nwith a line break', 'ünïcödé 😀 third', 'x'.repeat(3000)]
    const received: string[] = []
    const reader = new OctetCountingReader()
    const server = createServer((socket) => socket.on('data', (chunk: Buffer) => received.push(...reader.push(chunk))))
    servers.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const client: Socket = connect((server.address() as AddressInfo).port, '127.0.0.1')
    client.setNoDelay(true)
    await once(client, 'connect')
    const stream = Buffer.concat(messages.map((m) => frameOctetCounted(m)))
    // Cut inside a length prefix, right after the space, inside a multi-byte character, and in a long body.
    const cuts = [1, 3, 14 + 3, stream.indexOf('😀') + 2, 200, 2000, stream.length]
    let from = 0
    for (const to of cuts) {
      client.write(stream.subarray(from, to))
      from = to
      await sleep(15)
    }
    client.end()
    await once(client, 'close')
    await sleep(20)
    expect(received).toEqual(messages)
    expect(reader.partial).toBe(0)
  })
})
