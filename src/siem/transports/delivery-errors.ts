/**
 * Node's socket and TLS errors as {@link SiemDeliveryError}s whose messages say what failed and where,
 * without activity content.
 *
 * @module
 */

import { SiemDeliveryError } from '../siem-delivery-error.js'

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH|ERR_OSSL_)/

/** The error's `code`, when it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code
  }
  return undefined
}

/**
 * Map a socket, DNS or TLS error. `where` names the destination (`tls://siem.example.com:6514`), `during`
 * the step (`connecting`, `TLS handshake`, `sending`).
 */
export function toDeliveryError(error: unknown, where: string, during: string): SiemDeliveryError {
  if (error instanceof SiemDeliveryError) {
    return error
  }
  const code = errorCode(error)
  const detail = error instanceof Error ? error.message : String(error)
  if (code === 'ECONNREFUSED') {
    return new SiemDeliveryError(`${where}: connection refused (nothing listens there?)`, { retryable: true, failure: 'refused', cause: error })
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    return new SiemDeliveryError(`${where}: host name does not resolve (${code})`, { retryable: true, failure: 'dns', cause: error })
  }
  if (code === 'ETIMEDOUT') {
    return new SiemDeliveryError(`${where}: timed out ${during}`, { retryable: true, failure: 'timeout', cause: error })
  }
  if (code !== undefined && TLS_CODES.test(code)) {
    return new SiemDeliveryError(`${where}: TLS failed (${code}: ${detail}); a server with a private CA or a self-signed certificate needs it in tls.ca`, { retryable: true, failure: 'tls', cause: error })
  }
  return new SiemDeliveryError(`${where}: connection failed ${during} (${code ?? detail})`, { retryable: true, failure: 'connection', cause: error })
}

export function timeoutError(where: string, during: string, timeoutMs: number): SiemDeliveryError {
  return new SiemDeliveryError(`${where}: timed out ${during} after ${timeoutMs} ms`, { retryable: true, failure: 'timeout' })
}

export function closedError(where: string): SiemDeliveryError {
  return new SiemDeliveryError(`${where}: the sink is closed`, { retryable: false, failure: 'closed' })
}

/** Runs tasks one after another; a failed task does not stop the next. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve()

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task)
    this.#tail = result.catch(() => undefined)
    return result
  }

  /** Resolves when everything queued so far has finished. */
  idle(): Promise<void> {
    return this.#tail.then(() => undefined)
  }
}
