/**
 * The HTTP client every connector uses: one request with a time limit, retried on HTTP 429, 5xx and
 * network errors after the wait the provider asked for (`Retry-After`, in seconds or as a date; else
 * the rate-limit reset headers of Okta and GitHub) or else an exponential back-off with jitter. A wait
 * longer than the in-run limit ends the run instead, with the time to come back: the scheduler starts
 * the next run then rather than holding a lease through a long sleep.
 *
 * Credentials travel only to the configured provider: a URL the provider hands back (a `Link` next
 * page, a content URI) is followed only when it has the same origin as the connector's base URL.
 *
 * Error messages name the provider, the request and the provider's own summary, never a credential.
 *
 * @module
 */

import LinkHeader from 'http-link-header'

import { ConnectorError, ConnectorStopped } from './connector-error.js'

export interface ConnectorHttpOptions {
  /** The provider as messages name it (`Okta`, `GitHub`, ...). */
  readonly provider: string
  /** One request, connect to last byte. */
  readonly timeoutMs: number
  /** Tries of one request before giving up (1: no retry). */
  readonly attempts: number
  /** First back-off when the provider gives no wait; doubles per try, with jitter. */
  readonly retryBaseMs: number
  /** The longest wait within a run; a provider asking for more ends the run with `retryAt`. */
  readonly maxWaitMs: number
  /** Aborts requests and waits when the run is stopped. */
  readonly signal: AbortSignal
  readonly now?: () => number
  /** Told before each wait: for metrics and logs. */
  readonly onRetry?: (retry: ConnectorRetry) => void
}

export interface ConnectorRetry {
  /** The status that caused it, or null for a network error or time-out. */
  readonly status: number | null
  readonly waitMs: number
  /** The try that failed, from 1. */
  readonly attempt: number
}

export interface ConnectorRequest {
  readonly url: string
  readonly method?: 'GET' | 'POST'
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  /** What the request is for, in messages (`list content`, `token`). */
  readonly what: string
}

/** A response with its body read. */
export interface ConnectorResponse {
  readonly status: number
  readonly headers: Headers
  readonly body: string
}

/** A wait that the stop signal cuts short (rejecting with {@link ConnectorStopped}). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new ConnectorStopped('stopped'))
      return
    }
    const onAbort = () => {
      clearTimeout(timer)
      reject(new ConnectorStopped('stopped'))
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, Math.max(0, ms))
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * How long the provider asked to wait, in ms: `Retry-After` (seconds or an HTTP date), else a
 * rate-limit reset time (`X-Rate-Limit-Reset`, Okta; `X-RateLimit-Reset`, GitHub; epoch seconds).
 * Null when it said nothing usable.
 */
export function requestedWait(headers: Headers, now: number): number | null {
  const retryAfter = headers.get('retry-after')?.trim()
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) {
      return Number(retryAfter) * 1000
    }
    const at = Date.parse(retryAfter)
    if (Number.isFinite(at)) {
      return Math.max(0, at - now)
    }
  }
  const reset = (headers.get('x-rate-limit-reset') ?? headers.get('x-ratelimit-reset'))?.trim()
  if (reset && /^\d+$/.test(reset)) {
    return Math.max(0, Number(reset) * 1000 - now)
  }
  return null
}

/** Whether a status is worth another try: throttled, or the provider's fault. */
function isRetryable(status: number, headers: Headers): boolean {
  if (status === 429 || status === 408) {
    return true
  }
  // GitHub answers an exhausted rate limit with 403 and says so in its headers.
  if (status === 403 && (headers.get('retry-after') !== null || headers.get('x-ratelimit-remaining') === '0')) {
    return true
  }
  return status >= 500 && status !== 501 && status !== 505
}

/** The provider's own words about an error (`errorSummary`, `error.message`, `error_description`, ...), short. */
export function providerSummary(body: string): string {
  let summary = ''
  try {
    const parsed = JSON.parse(body) as unknown
    if (typeof parsed === 'object' && parsed !== null) {
      const o = parsed as Record<string, unknown>
      const error = o.error
      const nested = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : null
      const parts = [
        o.errorSummary,
        o.errorCode,
        nested?.message,
        nested?.code,
        typeof error === 'string' ? error : undefined,
        o.error_description,
        o.message,
      ].filter((p): p is string | number => typeof p === 'string' || typeof p === 'number')
      summary = [...new Set(parts.map(String))].join(' - ')
    }
  } catch {
    summary = body.trim()
  }
  summary = summary.replace(/\s+/g, ' ').trim()
  return summary.length > 300 ? `${summary.slice(0, 300)}...` : summary
}

/** The `rel="next"` link of a response, or null. */
export function nextLink(headers: Headers): string | null {
  const value = headers.get('link')
  if (!value) {
    return null
  }
  try {
    return LinkHeader.parse(value).rel('next')[0]?.uri ?? null
  } catch {
    return null
  }
}

/** `url`, resolved against `base`, if it has the base's origin; otherwise a protocol error (credentials go nowhere else). */
export function sameOrigin(url: string, base: string, provider: string): string {
  let resolved: URL
  try {
    resolved = new URL(url, base)
  } catch {
    throw new ConnectorError('protocol', `${provider} handed back a link that is not a URL`)
  }
  if (resolved.origin !== new URL(base).origin) {
    throw new ConnectorError('protocol', `${provider} handed back a link to ${resolved.origin}, not ${new URL(base).origin}: not followed, credentials are sent to the configured base URL only`)
  }
  return resolved.toString()
}

export class ConnectorHttp {
  readonly #options: ConnectorHttpOptions
  readonly #now: () => number

  constructor(options: ConnectorHttpOptions) {
    this.#options = Object.freeze({ ...options })
    this.#now = options.now ?? Date.now
  }

  get provider(): string {
    return this.#options.provider
  }

  get signal(): AbortSignal {
    return this.#options.signal
  }

  /**
   * Send `request`, retrying throttling, server errors and network errors; returns the first response
   * that is not worth retrying (2xx, 4xx). Throws {@link ConnectorError} when the tries are used up or
   * the provider asks for a wait past the in-run limit, {@link ConnectorStopped} when the run stops.
   */
  async send(request: ConnectorRequest): Promise<ConnectorResponse> {
    const { provider, attempts, signal, timeoutMs } = this.#options
    for (let attempt = 1; ; attempt += 1) {
      if (signal.aborted) {
        throw new ConnectorStopped('stopped')
      }
      let response: ConnectorResponse | null = null
      let failure: unknown = null
      try {
        const res = await fetch(request.url, {
          method: request.method ?? 'GET',
          headers: request.headers,
          body: request.body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        })
        response = { status: res.status, headers: res.headers, body: await res.text() }
      } catch (error) {
        if (signal.aborted) {
          throw new ConnectorStopped('stopped')
        }
        failure = error
      }
      if (response && !isRetryable(response.status, response.headers)) {
        return response
      }
      const throttled = response !== null && (response.status === 429 || response.status === 403)
      const asked = response ? requestedWait(response.headers, this.#now()) : null
      const wait = asked ?? this.#backoff(attempt)
      const what = response ? `answered ${response.status}${providerSummary(response.body) ? ` (${providerSummary(response.body)})` : ''}` : `could not be reached (${describe(failure, timeoutMs)})`
      if (asked !== null && asked > this.#options.maxWaitMs) {
        throw new ConnectorError(throttled ? 'rate_limited' : 'unavailable', `${provider} ${what} to ${request.what} and asked to wait ${Math.ceil(asked / 1000)} s; the next run starts then`, {
          retryAt: this.#now() + asked,
        })
      }
      if (attempt >= attempts) {
        throw new ConnectorError(throttled ? 'rate_limited' : 'unavailable', `${provider} ${what} to ${request.what}, ${attempts} tries`, { retryAt: throttled ? this.#now() + wait : null, cause: failure ?? undefined })
      }
      this.#options.onRetry?.({ status: response?.status ?? null, waitMs: wait, attempt })
      await abortableSleep(wait, signal)
    }
  }

  /** Send and parse a JSON answer; a 401 or 403 is a credentials error, any other non-2xx a protocol error. */
  async json(request: ConnectorRequest): Promise<{ readonly body: unknown; readonly headers: Headers }> {
    const response = await this.send(request)
    ensureOk(response, this.#options.provider, request.what)
    try {
      return { body: JSON.parse(response.body) as unknown, headers: response.headers }
    } catch {
      throw new ConnectorError('protocol', `${this.#options.provider} answered ${request.what} with something that is not JSON`)
    }
  }

  #backoff(attempt: number): number {
    const ceiling = Math.min(this.#options.maxWaitMs, this.#options.retryBaseMs * 2 ** Math.min(20, attempt - 1))
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
  }
}

/** Throw the error a non-2xx response means: credentials (401, 403) or protocol (anything else). */
export function ensureOk(response: ConnectorResponse, provider: string, what: string): void {
  if (response.status >= 200 && response.status < 300) {
    return
  }
  const summary = providerSummary(response.body)
  const said = summary ? `: ${summary}` : ''
  if (response.status === 401) {
    throw new ConnectorError('credentials', `${provider} refused the credentials (401 to ${what})${said}. Check the connector's credentials.`)
  }
  if (response.status === 403) {
    throw new ConnectorError('credentials', `${provider} refused access (403 to ${what})${said}. Check the credentials' permissions (scopes, roles, consent).`)
  }
  throw new ConnectorError('protocol', `${provider} answered ${response.status} to ${what}${said}`)
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : null
  return cause ?? (error instanceof Error ? error.message : String(error))
}
