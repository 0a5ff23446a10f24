/**
 * Why a connector run failed, in the words its status shows. The kind decides what happens next:
 * a credential or configuration error waits at least a whole interval (retrying a rejected secret
 * sooner only gets the account locked or throttled), a rate limit waits until the provider said, the
 * rest back off from the first failure.
 *
 * @module
 */

export const CONNECTOR_ERROR_KINDS = ['credentials', 'rate_limited', 'unavailable', 'protocol', 'configuration', 'internal'] as const
export type ConnectorErrorKind = (typeof CONNECTOR_ERROR_KINDS)[number]

export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind
  /** When the provider said to come back (Retry-After past the in-run limit), ms since the epoch. */
  readonly retryAt: number | null

  constructor(kind: ConnectorErrorKind, message: string, options: { retryAt?: number | null; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ConnectorError'
    this.kind = kind
    this.retryAt = options.retryAt ?? null
  }
}

/** The run was stopped (shutdown, lease lost, connector deleted): not a failure of the provider. */
export class ConnectorStopped extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'ConnectorStopped'
  }
}
