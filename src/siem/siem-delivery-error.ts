/**
 * The one error a SIEM sink rejects with. Its message says what failed (refused, timed out, TLS, HTTP
 * status ...) and never contains an activity: it is shown in the API and the log.
 *
 * @module
 */

/** What went wrong, for metrics and the destination's status. */
export const SIEM_DELIVERY_FAILURES = ['refused', 'timeout', 'dns', 'tls', 'connection', 'http', 'closed', 'settings'] as const
export type SiemDeliveryFailure = (typeof SIEM_DELIVERY_FAILURES)[number]

export interface SiemDeliveryErrorOptions {
  /** Whether delivering again later can succeed (false: a 4xx other than 408/429, bad settings). */
  readonly retryable: boolean
  readonly failure: SiemDeliveryFailure
  /** The HTTP status, for webhook answers. */
  readonly status?: number
  readonly cause?: unknown
}

export class SiemDeliveryError extends Error {
  readonly retryable: boolean
  readonly failure: SiemDeliveryFailure
  readonly status: number | undefined

  constructor(message: string, options: SiemDeliveryErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SiemDeliveryError'
    this.retryable = options.retryable
    this.failure = options.failure
    this.status = options.status
  }
}
