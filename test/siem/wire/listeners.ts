/**
 * Real receivers for the transport tests: TCP and TLS syslog listeners that read octet-counted frames
 * the way a receiver does (partial frames at a disconnect are discarded), a UDP listener, and a
 * self-signed certificate for TLS.
 */

import { once } from 'node:events'
import { createSocket } from 'node:dgram'
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { generate } from 'selfsigned'
import { OctetCountingReader } from './syslog-parser.js'

export interface TestCertificate {
  readonly cert: string
  readonly key: string
}

/** A self-signed certificate for `localhost` and 127.0.0.1. */
export async function selfSignedCertificate(commonName = 'localhost'): Promise<TestCertificate> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    // EC keys generate in milliseconds; RSA-2048 would take a noticeable part of a second.
    keyType: 'ec',
    notAfterDate: new Date(Date.now() + 2 * 24 * 3600 * 1000),
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  })
  return { cert: pems.cert, key: pems.private }
}

export interface SyslogListenerOptions {
  readonly tls?: TestCertificate
  /**
   * Called with each connection's number (1, 2, ...) and the bytes it has read so far; returning a
   * number n makes the listener keep only the first n bytes of the connection and drop it right there
   * (a receiver that dies mid-frame: what it had not read is lost).
   */
  readonly dropAfter?: (connection: number, bytesRead: number) => number | undefined
  /** Accept connections and never read them. */
  readonly hang?: boolean
}

export interface SyslogListener {
  readonly port: number
  /** Whole messages, in arrival order, across connections. */
  readonly messages: string[]
  /** Bytes of partial frames discarded when a connection ended. */
  discardedBytes: number
  /** Connections dropped because their bytes were not octet-counted frames. */
  badStreams: number
  connections: number
  /** End the open connections and keep listening, as a receiver that restarts its workers. */
  dropConnections(): void
  waitForMessages(count: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export async function startSyslogListener(options: SyslogListenerOptions = {}): Promise<SyslogListener> {
  const sockets = new Set<Socket>()
  const listener: SyslogListener = {
    port: 0,
    messages: [],
    discardedBytes: 0,
    badStreams: 0,
    connections: 0,
    dropConnections() {
      for (const socket of sockets) {
        socket.destroy()
      }
    },
    async waitForMessages(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs
      while (listener.messages.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`listener got ${listener.messages.length} messages, expected ${count}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    },
    async close() {
      for (const socket of sockets) {
        socket.destroy()
      }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const onConnection = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    listener.connections += 1
    if (options.hang === true) {
      socket.pause()
      return
    }
    const connection = listener.connections
    const reader = new OctetCountingReader()
    let read = 0
    socket.on('data', (chunk: Buffer) => {
      const before = read
      read += chunk.length
      const limit = options.dropAfter?.(connection, read)
      const kept = limit === undefined ? chunk : chunk.subarray(0, Math.max(0, limit - before))
      try {
        listener.messages.push(...reader.push(kept))
      } catch {
        listener.badStreams += 1
        socket.destroy()
        return
      }
      if (limit !== undefined) {
        listener.discardedBytes += reader.partial
        socket.destroy()
      }
    })
    socket.on('end', () => {
      listener.discardedBytes += reader.partial
    })
  }
  const server: Server = options.tls === undefined ? createTcpServer(onConnection) : createTlsServer({ cert: options.tls.cert, key: options.tls.key }, onConnection)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return Object.assign(listener, { port: (server.address() as AddressInfo).port })
}

/** A port on which nothing listens (a listener opened and closed). */
export async function closedPort(): Promise<number> {
  const server = createTcpServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export interface UdpListener {
  readonly port: number
  readonly datagrams: Buffer[]
  waitForDatagrams(count: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export async function startUdpListener(): Promise<UdpListener> {
  const socket = createSocket('udp4')
  const datagrams: Buffer[] = []
  socket.on('message', (message) => datagrams.push(message))
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  return {
    port: socket.address().port,
    datagrams,
    async waitForDatagrams(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs
      while (datagrams.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`listener got ${datagrams.length} datagrams, expected ${count}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
}
