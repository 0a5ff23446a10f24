/**
 * CEF over syslog on a TCP (RFC 6587) or TLS (RFC 5425) stream, octet-counted: `LEN SP MSG` per message.
 *
 * One connection is kept open and reused. Plain syslog has no acknowledgement, so "delivered" means
 * written and flushed to the socket; a listener that dies can still lose what sat in its buffers. The
 * sink therefore keeps the frames it wrote on the current connection during the last `replayWindowMs`
 * (default 5 s, at most 16 MiB) and, when that connection breaks, writes them again first on the next
 * one: the next `deliver` opens it, or a background reconnect (after 0.1 s, backing off to 10 s) when
 * no deliver comes. Duplicates are possible, loss is not (while the process lives).
 * A `deliver` that fails keeps nothing for replay: the forwarder sends that batch again itself.
 *
 * @module
 */

import { connect as netConnect, isIP, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import type { Activity } from '../../core/activity/activity.js'
import { withSyslogDefaults, type ResolvedSyslogSettings, type SyslogDestinationSettings } from '../siem-destination-settings.js'
import { SiemDeliveryError } from '../siem-delivery-error.js'
import { DEFAULT_REPLAY_WINDOW_MS, DEFAULT_SIEM_TIMEOUT_MS, type SiemSink, type SiemSinkContext } from '../siem-sink.js'
import { createCefSyslogEncoder } from '../syslog/cef-syslog-encoder.js'
import { frameOctetCounted } from '../syslog/octet-counting.js'
import { SerialQueue, closedError, timeoutError, toDeliveryError } from './delivery-errors.js'

/** Upper bound of the replay buffer, whatever the window: memory stays bounded under a burst. */
export const MAX_REPLAY_BYTES = 16 * 1024 * 1024
/** First and longest wait before a background reconnect replays a broken connection's frames. */
const REPLAY_RETRY_MIN_MS = 100
const REPLAY_RETRY_MAX_MS = 10_000
/** Frames are coalesced into writes of about this size (fewer system calls than one write per frame). */
const WRITE_CHUNK_BYTES = 64 * 1024

interface Written {
  readonly frame: Buffer
  /** When it was written on the current connection (ms). */
  at: number
}

export function createStreamSyslogSink(settings: SyslogDestinationSettings, context: SiemSinkContext): SiemSink {
  return new StreamSyslogSink(withSyslogDefaults(settings), context)
}

class StreamSyslogSink implements SiemSink {
  readonly #settings: ResolvedSyslogSettings
  readonly #encode: (activity: Activity) => Buffer
  readonly #timeoutMs: number
  readonly #replayWindowMs: number
  readonly #clock: () => number
  readonly #where: string
  readonly #queue = new SerialQueue()
  #socket: Socket | null = null
  #replay: Written[] = []
  #replayBytes = 0
  /** Whether the replay buffer holds frames of a connection that broke and must be written first. */
  #replayPending = false
  /** A reconnect that replays without waiting for the next deliver (a quiet forwarder may wait long). */
  #replayTimer: NodeJS.Timeout | null = null
  #replayDelayMs = REPLAY_RETRY_MIN_MS
  #closed = false

  constructor(settings: ResolvedSyslogSettings, context: SiemSinkContext) {
    this.#settings = settings
    this.#clock = context.clock ?? Date.now
    this.#encode = createCefSyslogEncoder(settings, { portalUrl: context.portalUrl, hostname: context.hostname, version: context.version, clock: this.#clock })
    this.#timeoutMs = context.timeoutMs ?? DEFAULT_SIEM_TIMEOUT_MS
    this.#replayWindowMs = context.replayWindowMs ?? DEFAULT_REPLAY_WINDOW_MS
    this.#where = `${settings.transport}://${isIP(settings.host) === 6 ? `[${settings.host}]` : settings.host}:${settings.port}`
  }

  deliver(activities: readonly Activity[]): Promise<void> {
    return this.#queue.run(async () => {
      this.#assertOpen()
      // Formatting is pure and can throw only on a bug; do it before touching the connection.
      const frames = activities.map((activity) => frameOctetCounted(this.#encode(activity)))
      const socket = await this.#connection()
      if (frames.length === 0) {
        return
      }
      await this.#write(socket, frames)
      this.#remember(frames)
    })
  }

  test(): Promise<void> {
    return this.#queue.run(async () => {
      this.#assertOpen()
      // A fresh connection, so a stale one that has not noticed its peer is gone cannot pass the test.
      const socket = await this.#open()
      await endGracefully(socket, this.#timeoutMs)
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#replayTimer !== null) {
      clearTimeout(this.#replayTimer)
      this.#replayTimer = null
    }
    const socket = this.#socket
    this.#socket = null
    if (socket !== null) {
      await endGracefully(socket, Math.min(this.#timeoutMs, 2_000))
    }
    await this.#queue.idle()
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw closedError(this.#where)
    }
  }

  /** The open connection, or a new one on which the frames of the broken one were written again. */
  async #connection(): Promise<Socket> {
    const current = this.#socket
    if (current !== null && !current.destroyed && current.writable) {
      return current
    }
    this.#socket = null
    const socket = await this.#open()
    if (this.#closed) {
      socket.destroy()
      throw closedError(this.#where)
    }
    this.#socket = socket
    socket.once('close', () => {
      if (this.#socket === socket) {
        this.#socket = null
        this.#connectionBroke()
      }
    })
    if (this.#replayPending && this.#replay.length > 0) {
      const replay = this.#replay.map((written) => written.frame)
      await this.#write(socket, replay)
      // Now written on this connection: they count from now for the window.
      const now = this.#clock()
      for (const written of this.#replay) {
        written.at = now
      }
    }
    this.#replayPending = false
    return socket
  }

  #connectionBroke(): void {
    // Only what was written shortly before the break can have been lost; older frames were read long ago.
    // Frames still waiting from an earlier break (their replay failed too) are all kept.
    if (!this.#replayPending) {
      this.#prune(this.#clock())
    }
    this.#replayPending = this.#replay.length > 0
    this.#scheduleReplay()
  }

  /** Reconnect in the background to replay, backing off while the receiver stays away. */
  #scheduleReplay(): void {
    if (this.#closed || !this.#replayPending || this.#replayTimer !== null) {
      return
    }
    const delayMs = this.#replayDelayMs
    this.#replayTimer = setTimeout(() => {
      this.#replayTimer = null
      this.#queue
        .run(async () => {
          if (this.#replayPending && !this.#closed) {
            await this.#connection()
          }
        })
        .then(
          () => {
            this.#replayDelayMs = REPLAY_RETRY_MIN_MS
          },
          () => {
            this.#replayDelayMs = Math.min(delayMs * 2, REPLAY_RETRY_MAX_MS)
            this.#scheduleReplay()
          },
        )
    }, delayMs)
    // A pending replay alone does not keep the process alive.
    this.#replayTimer.unref()
  }

  /** Connect (and for TLS, finish the handshake) within the timeout. */
  #open(): Promise<Socket> {
    const { host, port } = this.#settings
    return new Promise<Socket>((resolve, reject) => {
      let socket: Socket
      const during = this.#settings.transport === 'tls' ? 'TLS handshake' : 'connecting'
      if (this.#settings.transport === 'tls') {
        const tls = this.#settings.tls ?? {}
        const servername = tls.serverName ?? (isIP(host) === 0 ? host : undefined)
        const tlsSocket: TLSSocket = tlsConnect({ host, port, servername, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized ?? true })
        socket = tlsSocket
      } else {
        socket = netConnect({ host, port })
      }
      const timer = setTimeout(() => fail(timeoutError(this.#where, during, this.#timeoutMs)), this.#timeoutMs)
      const fail = (error: SiemDeliveryError) => {
        clearTimeout(timer)
        socket.destroy()
        reject(error)
      }
      // A socket must always have an error listener: an unhandled 'error' event would crash the process.
      const onConnectError = (error: Error) => fail(toDeliveryError(error, this.#where, during))
      socket.on('error', onConnectError)
      socket.once(this.#settings.transport === 'tls' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        socket.off('error', onConnectError)
        // From here on errors surface through the writes and the 'close' event.
        socket.on('error', () => undefined)
        socket.setKeepAlive(true, 30_000)
        // Syslog receivers send nothing; anything they do send is read and dropped so it cannot pile up.
        socket.resume()
        resolve(socket)
      })
    })
  }

  /** Write frames in order; resolves once the last byte is handed to the operating system. */
  #write(socket: Socket, frames: readonly Buffer[]): Promise<void> {
    const chunks = coalesce(frames)
    return new Promise<void>((resolve, reject) => {
      let index = 0
      let settled = false
      let timer = setTimeout(() => onTimeout(), this.#timeoutMs)
      const touch = () => {
        clearTimeout(timer)
        timer = setTimeout(() => onTimeout(), this.#timeoutMs)
      }
      const finish = (error?: SiemDeliveryError) => {
        if (settled) {
          return
        }
        settled = true
        clearTimeout(timer)
        socket.off('error', onError)
        socket.off('close', onClose)
        socket.off('drain', onDrain)
        if (error === undefined) {
          resolve()
        } else {
          socket.destroy()
          reject(error)
        }
      }
      const onTimeout = () => finish(timeoutError(this.#where, 'sending (the receiver stopped reading)', this.#timeoutMs))
      const onError = (error: Error) => finish(toDeliveryError(error, this.#where, 'sending'))
      const onClose = () => finish(new SiemDeliveryError(`${this.#where}: the receiver closed the connection while sending`, { retryable: true, failure: 'connection' }))
      const onDrain = () => {
        touch()
        pump()
      }
      const pump = () => {
        while (index < chunks.length && !settled) {
          const chunk = chunks[index] as Buffer
          index += 1
          const last = index === chunks.length
          const flushed = socket.write(chunk, last ? (error) => (error ? onError(error) : finish()) : undefined)
          if (!flushed && !last) {
            return
          }
        }
      }
      socket.on('error', onError)
      socket.on('close', onClose)
      socket.on('drain', onDrain)
      pump()
    })
  }

  /** Keep what a successful deliver wrote, for replay after a break. */
  #remember(frames: readonly Buffer[]): void {
    const now = this.#clock()
    for (const frame of frames) {
      this.#replay.push({ frame, at: now })
      this.#replayBytes += frame.length
    }
    this.#prune(now)
  }

  #prune(now: number): void {
    let drop = 0
    let bytes = this.#replayBytes
    while (drop < this.#replay.length) {
      const written = this.#replay[drop] as Written
      if (written.at >= now - this.#replayWindowMs && bytes <= MAX_REPLAY_BYTES) {
        break
      }
      bytes -= written.frame.length
      drop += 1
    }
    if (drop > 0) {
      this.#replay = this.#replay.slice(drop)
      this.#replayBytes = bytes
    }
  }
}

function coalesce(frames: readonly Buffer[]): Buffer[] {
  const chunks: Buffer[] = []
  let pending: Buffer[] = []
  let size = 0
  for (const frame of frames) {
    pending.push(frame)
    size += frame.length
    if (size >= WRITE_CHUNK_BYTES) {
      chunks.push(Buffer.concat(pending, size))
      pending = []
      size = 0
    }
  }
  if (pending.length > 0) {
    chunks.push(Buffer.concat(pending, size))
  }
  return chunks
}

/** End a connection (flushing what is written), or destroy it when the peer does not close in time. */
function endGracefully(socket: Socket, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.destroyed) {
      resolve()
      return
    }
    const timer = setTimeout(() => socket.destroy(), timeoutMs)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
    socket.end()
  })
}
