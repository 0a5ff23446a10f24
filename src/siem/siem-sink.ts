/**
 * A SIEM sink: sends public activities to one destination in its wire format. The forwarder (durable
 * cursor, lease, loop) calls {@link SiemSink.deliver} and moves its cursor only when it resolves, so
 * delivery is at-least-once. The sink never sees a private activity (privacy rule 8): the forwarder
 * reads with `HIDE_PRIVATE`.
 *
 * - `syslog` destinations get one CEF message per activity (`cef/cef-format.ts`) in an RFC 5424 or
 *   RFC 3164 frame (`syslog/`), over TCP or TLS with octet counting (RFC 6587 / RFC 5425) or over UDP
 *   (`transports/`).
 * - `webhook` destinations get JSON batches, signed with HMAC-SHA-256 (`transports/webhook-sink.ts`).
 *
 * The wire formats are documented in `docs/siem-cef.md`.
 *
 * @module
 */

import type { Activity } from '../core/activity/activity.js'
import type { SiemDestinationSettings } from './siem-destination-settings.js'
import { createStreamSyslogSink } from './transports/stream-syslog-sink.js'
import { createUdpSyslogSink } from './transports/udp-syslog-sink.js'
import { createWebhookSink } from './transports/webhook-sink.js'

export { SiemDeliveryError, SIEM_DELIVERY_FAILURES, type SiemDeliveryFailure, type SiemDeliveryErrorOptions } from './siem-delivery-error.js'

export const DEFAULT_SIEM_TIMEOUT_MS = 10_000
export const DEFAULT_REPLAY_WINDOW_MS = 5_000

/** How a webhook POST is retried inside one `deliver` call. */
export interface SiemRetryPolicy {
  /** Attempts per POST, the first included (default 4). */
  readonly attempts: number
  /** Back-off before the second attempt; doubles each time, with full jitter (default 500 ms). */
  readonly baseDelayMs: number
  /** Cap of one back-off (default 10 s). */
  readonly maxDelayMs: number
  /**
   * Longest `Retry-After` honoured inside `deliver` (default 60 s). A longer one rejects with a retryable
   * error, so the forwarder retries later instead of holding its lease.
   */
  readonly maxRetryAfterMs: number
}

export const DEFAULT_SIEM_RETRY_POLICY: SiemRetryPolicy = Object.freeze({ attempts: 4, baseDelayMs: 500, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 })

export interface SiemSinkContext {
  /**
   * Base URL of the portal, for CEF's cs1 (portalURL): `${portalUrl}/#/activities/${encodeURIComponent(id)}`.
   * A trailing slash is ignored.
   */
  readonly portalUrl: string
  /** This node's host name (syslog HOSTNAME). */
  readonly hostname: string
  /** Veil's version (CEF header). */
  readonly version: string
  /** Connect/handshake/request timeout in ms (default 10_000). */
  readonly timeoutMs?: number
  /** TCP/TLS: how long written messages are kept for replay after a broken connection (default 5000). */
  readonly replayWindowMs?: number
  /** Webhook retries inside one `deliver` (defaults: {@link DEFAULT_SIEM_RETRY_POLICY}). */
  readonly retry?: Partial<SiemRetryPolicy>
  /** ms since the epoch; tests pass a fixed clock (syslog timestamps, webhook X-Veil-Timestamp). */
  readonly clock?: () => number
}

export interface SiemSink {
  /**
   * Send public activities in order. Resolves when the destination has them as far as the transport can
   * tell: TCP/TLS written and flushed to the socket, UDP sent, webhook a 2xx for every batch (split by
   * batchSize, each POST retried with back-off a few times inside deliver). Rejects with
   * SiemDeliveryError; the caller then re-delivers from its durable cursor (at-least-once).
   *
   * TCP/TLS replay: plain syslog has no acknowledgement, so a listener that dies can lose what was in its
   * buffers. The sink keeps what it wrote on the current connection during the last `replayWindowMs`
   * (default 5000) and, when the connection breaks, re-sends that first on the next connection
   * (duplicates possible, loss not, as long as the process lives).
   *
   * Calls are serialized: a second `deliver` waits for the first.
   */
  deliver(activities: readonly Activity[]): Promise<void>
  /** "Test connection": connect (TLS handshake) or POST an empty batch; resolves, or rejects with SiemDeliveryError. */
  test(): Promise<void>
  /** Close the connection; later calls reject with a non-retryable SiemDeliveryError (`closed`). */
  close(): Promise<void>
}

/**
 * The sink for one destination. Settings should come from `validateSiemDestinationSettings` (defaults
 * are filled here too). Creating a sink does not connect; the first `deliver` or `test` does.
 *
 * @example
 * const sink = createSiemSink(settings, { portalUrl: 'https://veil.example.com', hostname: os.hostname(), version: '0.1.0' })
 * await sink.deliver(activities)
 * await sink.close()
 */
export function createSiemSink(settings: SiemDestinationSettings, context: SiemSinkContext): SiemSink {
  if (settings.kind === 'webhook') {
    return createWebhookSink(settings, context)
  }
  return settings.transport === 'udp' ? createUdpSyslogSink(settings, context) : createStreamSyslogSink(settings, context)
}
