/**
 * JSON over an HTTPS webhook: activities in Veil's public presentation, `batchSize` per POST, each POST
 * signed and retried.
 *
 * Signature (like GitHub's and Stripe's webhooks): `X-Veil-Timestamp` is the attempt's time in Unix
 * seconds, `X-Veil-Signature` is `sha256=` + hex(HMAC-SHA-256(secret, timestamp + "." + body)). A
 * receiver recomputes it over the raw body, compares in constant time, and rejects a timestamp more than
 * five minutes away from its clock (replays). `X-Veil-Delivery` names the batch; it stays the same across
 * the retries of one POST.
 *
 * Retries: network errors, timeouts, 408, 429 and 5xx are retried with exponential back-off and full
 * jitter (attempts, delays: {@link SiemRetryPolicy}); a `Retry-After` on 429 or 503 is honoured. Any other
 * answer that is not 2xx (4xx, and 3xx: redirects are not followed) fails at once, not retryable.
 *
 * @module
 */

import { createHmac, randomUUID } from 'node:crypto'
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { Activity } from '../../core/activity/activity.js'
import { presentActivity } from '../../http/presenters/activity-presenter.js'
import { withWebhookDefaults, type WebhookDestinationSettings } from '../siem-destination-settings.js'
import { SiemDeliveryError } from '../siem-delivery-error.js'
import { DEFAULT_SIEM_RETRY_POLICY, DEFAULT_SIEM_TIMEOUT_MS, type SiemRetryPolicy, type SiemSink, type SiemSinkContext } from '../siem-sink.js'
import { SerialQueue, closedError, timeoutError, toDeliveryError } from './delivery-errors.js'

/** Version of the body's shape; a receiver can reject one it does not know. */
export const WEBHOOK_BODY_VERSION = 1
export const WEBHOOK_SIGNATURE_HEADER = 'X-Veil-Signature'
export const WEBHOOK_TIMESTAMP_HEADER = 'X-Veil-Timestamp'
export const WEBHOOK_DELIVERY_HEADER = 'X-Veil-Delivery'

/** The body of one POST. */
export interface WebhookBody {
  readonly version: typeof WEBHOOK_BODY_VERSION
  /** Same as X-Veil-Delivery. */
  readonly deliveryId: string
  /** true for "test connection" (no activities). */
  readonly test: boolean
  readonly count: number
  /** As `GET /api/v1/activities/<id>` shows them, without the source event (`raw`). */
  readonly activities: ReadonlyArray<Record<string, unknown>>
}

/** `sha256=<hex>` over `${timestamp}.${body}`: what X-Veil-Signature carries. */
export function signWebhookBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

export function createWebhookSink(settings: WebhookDestinationSettings, context: SiemSinkContext): SiemSink {
  return new WebhookSink(settings, context)
}

interface Answer {
  readonly status: number
  readonly retryAfter: string | undefined
  readonly text: string
}

class WebhookSink implements SiemSink {
  readonly #settings: ReturnType<typeof withWebhookDefaults>
  readonly #url: URL
  readonly #where: string
  readonly #version: string
  readonly #timeoutMs: number
  readonly #retry: SiemRetryPolicy
  readonly #clock: () => number
  readonly #agent: HttpAgent
  readonly #queue = new SerialQueue()
  /** Back-off waits in progress, so close() can end them. */
  readonly #sleeping = new Set<() => void>()
  #closed = false

  constructor(settings: WebhookDestinationSettings, context: SiemSinkContext) {
    this.#settings = withWebhookDefaults(settings)
    this.#url = new URL(settings.url)
    // Origin and path only: a query string may carry a token.
    this.#where = `${this.#url.protocol}//${this.#url.host}${this.#url.pathname}`
    this.#version = context.version
    this.#timeoutMs = context.timeoutMs ?? DEFAULT_SIEM_TIMEOUT_MS
    this.#retry = { ...DEFAULT_SIEM_RETRY_POLICY, ...context.retry }
    this.#clock = context.clock ?? Date.now
    const tls = settings.tls ?? {}
    this.#agent = this.#url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: tls.ca, rejectUnauthorized: tls.rejectUnauthorized ?? true }) : new HttpAgent({ keepAlive: true, maxSockets: 1 })
  }

  deliver(activities: readonly Activity[]): Promise<void> {
    return this.#queue.run(async () => {
      this.#assertOpen()
      const size = this.#settings.batchSize
      for (let start = 0; start < activities.length; start += size) {
        const batch = activities.slice(start, start + size).map((activity) => presentActivity(activity, { includeRaw: false }))
        await this.#post(batch, false, Math.max(1, this.#retry.attempts))
      }
    })
  }

  /** POST an empty batch marked `test`, once, without retries. */
  test(): Promise<void> {
    return this.#queue.run(async () => {
      this.#assertOpen()
      await this.#post([], true, 1)
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const wake of this.#sleeping) {
      wake()
    }
    // Ends a request in flight too: its attempt fails and the closed sink makes no other.
    this.#agent.destroy()
    await this.#queue.idle()
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw closedError(this.#where)
    }
  }

  async #post(activities: ReadonlyArray<Record<string, unknown>>, test: boolean, attempts: number): Promise<void> {
    const deliveryId = randomUUID()
    const body: WebhookBody = { version: WEBHOOK_BODY_VERSION, deliveryId, test, count: activities.length, activities }
    const payload = JSON.stringify(body)
    let lastError: SiemDeliveryError | undefined
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      this.#assertOpen()
      let answer: Answer
      try {
        answer = await this.#request(payload, deliveryId)
      } catch (error) {
        lastError = toDeliveryError(error, this.#where, 'posting')
        if (attempt < attempts) {
          await this.#sleep(this.#backoff(attempt))
        }
        continue
      }
      if (answer.status >= 200 && answer.status < 300) {
        return
      }
      const error = this.#httpError(answer)
      if (!error.retryable) {
        throw error
      }
      lastError = error
      let delayMs = this.#backoff(attempt)
      const retryAfterMs = answer.status === 429 || answer.status === 503 ? parseRetryAfter(answer.retryAfter, this.#clock()) : undefined
      if (retryAfterMs !== undefined) {
        if (retryAfterMs > this.#retry.maxRetryAfterMs) {
          // Waiting that long here would hold the forwarder; it delivers again later from its cursor.
          throw new SiemDeliveryError(`${error.message}; its Retry-After (${Math.ceil(retryAfterMs / 1000)} s) is longer than the sink waits`, { retryable: true, failure: 'http', status: answer.status })
        }
        delayMs = retryAfterMs
      }
      if (attempt < attempts) {
        await this.#sleep(delayMs)
      }
    }
    throw new SiemDeliveryError(attempts > 1 ? `${lastError?.message ?? this.#where} (gave up after ${attempts} attempts)` : (lastError?.message ?? this.#where), {
      retryable: true,
      failure: lastError?.failure ?? 'connection',
      status: lastError?.status,
      cause: lastError,
    })
  }

  /** One POST within the timeout (connect, TLS, request and the whole answer). */
  #request(payload: string, deliveryId: string): Promise<Answer> {
    const timestamp = String(Math.floor(this.#clock() / 1000))
    const headers: Record<string, string> = {
      ...this.#settings.headers,
      'Content-Type': 'application/json',
      'User-Agent': `Veil/${this.#version}`,
      [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
      [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(this.#settings.secret, timestamp, payload),
      [WEBHOOK_DELIVERY_HEADER]: deliveryId,
    }
    const send = this.#url.protocol === 'https:' ? httpsRequest : httpRequest
    return new Promise<Answer>((resolve, reject) => {
      let settled = false
      const finish = (error: SiemDeliveryError | undefined, answer?: Answer) => {
        if (settled) {
          return
        }
        settled = true
        clearTimeout(timer)
        if (error !== undefined) {
          request.destroy()
          reject(error)
        } else if (answer !== undefined) {
          resolve(answer)
        }
      }
      const request = send(this.#url, { method: 'POST', agent: this.#agent, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(payload)) } }, (response: IncomingMessage) => {
        const chunks: Buffer[] = []
        let kept = 0
        response.on('data', (chunk: Buffer) => {
          // Only the start of an error answer is kept, for the message; the rest is read and dropped.
          if (kept < 1024) {
            chunks.push(chunk)
            kept += chunk.length
          }
        })
        response.on('error', (error) => finish(toDeliveryError(error, this.#where, 'reading the answer')))
        response.on('end', () => {
          const retryAfter = response.headers['retry-after']
          finish(undefined, { status: response.statusCode ?? 0, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, text: Buffer.concat(chunks).toString('utf8').slice(0, 1024) })
        })
      })
      const timer = setTimeout(() => finish(timeoutError(this.#where, 'waiting for the answer', this.#timeoutMs)), this.#timeoutMs)
      request.on('error', (error) => finish(toDeliveryError(error, this.#where, 'posting')))
      request.end(payload)
    })
  }

  #httpError(answer: Answer): SiemDeliveryError {
    const { status } = answer
    const said = answer.text.replace(/\s+/g, ' ').trim().slice(0, 200)
    const message = `${this.#where} answered HTTP ${status}${said === '' ? '' : `: ${said}`}`
    const retryable = status === 408 || status === 429 || status >= 500
    const hint = status >= 300 && status < 400 ? ' (redirects are not followed: set the final URL)' : ''
    return new SiemDeliveryError(message + hint, { retryable, failure: 'http', status })
  }

  /** Full jitter: a random wait up to base × 2^(attempt − 1), capped. */
  #backoff(attempt: number): number {
    const ceiling = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1))
    return Math.floor(Math.random() * ceiling)
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer)
        this.#sleeping.delete(wake)
        reject(closedError(this.#where))
      }
      const timer = setTimeout(() => {
        this.#sleeping.delete(wake)
        resolve()
      }, ms)
      this.#sleeping.add(wake)
    })
  }
}

/** `Retry-After` as ms from now: delay-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') {
    return undefined
  }
  const text = value.trim()
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000
  }
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
