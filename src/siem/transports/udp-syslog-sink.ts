/**
 * CEF over syslog on UDP (RFC 5426): one message per datagram, no framing.
 *
 * UDP has no acknowledgement and no replay: "delivered" means handed to the operating system, and a
 * datagram can be lost on the way without anyone knowing. A message longer than `maxMessageBytes`
 * (default 2048, RFC 5426's "SHOULD accept") is shortened before it is sent, never split: msg, then
 * requestClientApplication, then cs3 lose their ends (marked `…`), and only if the fixed fields alone are
 * too long is the message cut (docs/siem-cef.md). The socket is connected, so where the host answers
 * that nothing listens (ICMP port unreachable) the next send fails with "connection refused".
 *
 * @module
 */

import { createSocket, type Socket } from 'node:dgram'
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { Activity } from '../../core/activity/activity.js'
import { withSyslogDefaults, type ResolvedSyslogSettings, type SyslogDestinationSettings } from '../siem-destination-settings.js'
import { DEFAULT_SIEM_TIMEOUT_MS, type SiemSink, type SiemSinkContext } from '../siem-sink.js'
import { createCefSyslogEncoder } from '../syslog/cef-syslog-encoder.js'
import { SerialQueue, closedError, timeoutError, toDeliveryError } from './delivery-errors.js'

export function createUdpSyslogSink(settings: SyslogDestinationSettings, context: SiemSinkContext): SiemSink {
  return new UdpSyslogSink(withSyslogDefaults(settings), context)
}

class UdpSyslogSink implements SiemSink {
  readonly #settings: ResolvedSyslogSettings
  readonly #encode: (activity: Activity) => Buffer
  readonly #timeoutMs: number
  readonly #where: string
  readonly #queue = new SerialQueue()
  #socket: Socket | null = null
  #closed = false

  constructor(settings: ResolvedSyslogSettings, context: SiemSinkContext) {
    this.#settings = settings
    this.#encode = createCefSyslogEncoder(settings, { portalUrl: context.portalUrl, hostname: context.hostname, version: context.version, clock: context.clock ?? Date.now })
    this.#timeoutMs = context.timeoutMs ?? DEFAULT_SIEM_TIMEOUT_MS
    this.#where = `udp://${isIP(settings.host) === 6 ? `[${settings.host}]` : settings.host}:${settings.port}`
  }

  deliver(activities: readonly Activity[]): Promise<void> {
    return this.#queue.run(async () => {
      this.#assertOpen()
      const messages = activities.map((activity) => this.#encode(activity))
      const socket = await this.#connection()
      for (const message of messages) {
        await this.#send(socket, message)
      }
    })
  }

  /** Resolves the host and connects the socket; UDP cannot tell more without sending a message. */
  test(): Promise<void> {
    return this.#queue.run(async () => {
      this.#assertOpen()
      await this.#connection()
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    const socket = this.#socket
    this.#socket = null
    await this.#queue.idle()
    if (socket !== null) {
      await new Promise<void>((resolve) => {
        try {
          socket.close(() => resolve())
        } catch {
          // Already closed.
          resolve()
        }
      })
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw closedError(this.#where)
    }
  }

  async #connection(): Promise<Socket> {
    if (this.#socket !== null) {
      return this.#socket
    }
    const { host, port } = this.#settings
    let address: string
    let family: number
    try {
      const resolved = isIP(host) !== 0 ? { address: host, family: isIP(host) } : await withTimeout(lookup(host), this.#timeoutMs, () => timeoutError(this.#where, 'resolving the host', this.#timeoutMs))
      address = resolved.address
      family = resolved.family
    } catch (error) {
      throw toDeliveryError(error, this.#where, 'resolving the host')
    }
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4')
    // Errors are reported through the send callbacks; the listener keeps an 'error' event from crashing the process.
    socket.on('error', () => undefined)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close()
        reject(timeoutError(this.#where, 'connecting', this.#timeoutMs))
      }, this.#timeoutMs)
      const onConnectError = (error: Error) => {
        clearTimeout(timer)
        socket.close()
        reject(toDeliveryError(error, this.#where, 'connecting'))
      }
      socket.once('error', onConnectError)
      socket.connect(port, address, () => {
        clearTimeout(timer)
        socket.off('error', onConnectError)
        resolve()
      })
    })
    if (this.#closed) {
      socket.close()
      throw closedError(this.#where)
    }
    this.#socket = socket
    return socket
  }

  #send(socket: Socket, message: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      socket.send(message, (error) => {
        if (error) {
          reject(toDeliveryError(error, this.#where, 'sending'))
        } else {
          resolve()
        }
      })
    })
  }
}

/** The promise, or the timeout's error if it takes longer (a resolver that does not answer). */
function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
