/**
 * What a provider's connector is: how its settings and credentials are read (with every problem named
 * by its field), which ingest format its events are, and `pull`, which fetches pages of native events
 * from a checkpoint. The runner does the rest the same way for every provider: it hands each page to
 * the ingest pipeline and commits the page's checkpoint only after the pipeline acknowledged it.
 *
 * @module
 */

import type { ErrorDetail } from '../core/errors.js'
import type { ConnectorHttp } from './connector-http.js'

/** One page of native events and the checkpoint to commit once the pipeline acknowledged them. */
export interface PulledPage {
  /** Native events (or records holding several) in the connector's ingest format. */
  readonly records: readonly unknown[]
  /**
   * The provider's position after this page (JSON). Everything before it has been handed over, so a
   * run that resumes from it misses nothing; it may repeat some (the ingest is idempotent on ids).
   */
  readonly checkpoint: unknown
  /** Every event up to this time (ms) has now been fetched; null when this page does not say. */
  readonly through: number | null
  /** Something lost for good that the status should show (an expired blob), without stopping the connector. */
  readonly problem?: string
}

export interface PullContext<S, C> {
  readonly settings: S
  readonly credentials: C
  /** The last committed checkpoint, or null before the first page. A checkpoint the provider does not recognize is treated as none. */
  readonly checkpoint: unknown
  /** Where to start while there is no checkpoint (ms since the epoch). */
  readonly startFrom: number
  readonly http: ConnectorHttp
  /** Real time. */
  readonly now: () => number
}

export interface ConnectorKind<S = unknown, C = unknown> {
  /** `o365`, `okta`, `google-workspace`, `github`. */
  readonly kind: string
  /** The provider as people name it, in messages. */
  readonly provider: string
  /** The ingest format of its events. */
  readonly format: string
  readonly defaultIntervalSeconds: number
  /** How far back a new connector may start (ms), where the provider keeps less than anyone would ask for; null: no limit. */
  readonly maxLookbackMs: number | null
  /** The credential names, each required. */
  readonly credentialNames: readonly string[]
  /** Settings with defaults filled in, or null (problems say why, fields relative to `settings`). */
  readSettings(input: unknown, problems: ErrorDetail[]): S | null
  /** The full credentials, or null (problems say why, fields relative to `credentials`). */
  readCredentials(input: unknown, problems: ErrorDetail[]): C | null
  /** Pages of events from the checkpoint on, oldest first where the provider allows it. */
  pull(context: PullContext<S, C>): AsyncIterable<PulledPage>
}

/** Settings values read with their field paths. The `read*` functions push a problem and return null when a value is wrong. */
export class SettingsReader {
  readonly #object: Readonly<Record<string, unknown>>
  readonly #prefix: string
  readonly #problems: ErrorDetail[]

  constructor(input: unknown, prefix: string, allowed: readonly string[], problems: ErrorDetail[]) {
    this.#prefix = prefix
    this.#problems = problems
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      problems.push({ field: prefix, reason: `must be an object (${allowed.join(', ')})` })
      this.#object = {}
      return
    }
    this.#object = input as Record<string, unknown>
    for (const key of Object.keys(this.#object)) {
      if (!allowed.includes(key)) {
        problems.push({ field: this.field(key), reason: `is not a known field (${allowed.join(', ')})` })
      }
    }
  }

  field(key: string): string {
    return this.#prefix ? `${this.#prefix}.${key}` : key
  }

  has(key: string): boolean {
    return this.#object[key] !== undefined && this.#object[key] !== null
  }

  raw(key: string): unknown {
    return this.#object[key]
  }

  problem(key: string, reason: string): null {
    this.#problems.push({ field: this.field(key), reason })
    return null
  }

  /** A trimmed string of 1..max characters matching `pattern`, or `fallback` when absent (null fallback: required). */
  string(key: string, options: { readonly fallback?: string | null; readonly max?: number; readonly pattern?: RegExp; readonly hint?: string } = {}): string | null {
    const value = this.#object[key]
    if (value === undefined || value === null || value === '') {
      if (options.fallback === undefined || options.fallback === null) {
        return this.problem(key, `is required${options.hint ? ` (${options.hint})` : ''}`)
      }
      return options.fallback
    }
    const max = options.max ?? 500
    if (typeof value !== 'string' || value.trim() === '' || value.length > max || [...value].some((c) => c.charCodeAt(0) < 0x20)) {
      return this.problem(key, `must be text of 1 to ${max} characters without control characters`)
    }
    const text = value.trim()
    if (options.pattern && !options.pattern.test(text)) {
      return this.problem(key, options.hint ? `must be ${options.hint}` : 'is not in the expected form')
    }
    return text
  }

  /** An optional string; null when absent. */
  optionalString(key: string, options: { readonly max?: number; readonly pattern?: RegExp; readonly hint?: string } = {}): string | null {
    return this.has(key) ? this.string(key, options) : null
  }

  /**
   * A base URL: `https://`, or `http://` to a loopback address only (a local proxy or a test server;
   * credentials never cross a network in the clear). Without a trailing slash.
   */
  baseUrl(key: string, fallback: string): string | null {
    const text = this.string(key, { fallback, max: 2000 })
    if (text === null) {
      return null
    }
    let url: URL
    try {
      url = new URL(text)
    } catch {
      return this.problem(key, 'must be an https:// URL')
    }
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname)
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
      return this.problem(key, 'must be an https:// URL (http:// only to a loopback address)')
    }
    if (url.username || url.password || url.search || url.hash) {
      return this.problem(key, 'must be a plain base URL, without credentials, query or fragment')
    }
    return url.toString().replace(/\/+$/, '')
  }

  /** A whole number in [min, max], or `fallback` when absent. */
  integer(key: string, fallback: number, min: number, max: number): number | null {
    const value = this.#object[key]
    if (value === undefined || value === null) {
      return fallback
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.problem(key, `must be a whole number from ${min} to ${max}`)
    }
    return value
  }

  /** A non-empty list of distinct values from `allowed`, or `fallback` when absent. */
  list(key: string, allowed: readonly string[], fallback: readonly string[]): string[] | null {
    const value = this.#object[key]
    if (value === undefined || value === null) {
      return [...fallback]
    }
    if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || !allowed.includes(v)) || new Set(value).size !== value.length) {
      return this.problem(key, `must be a non-empty list of distinct values from ${allowed.join(', ')}`)
    }
    return value as string[]
  }
}

/** ISO 8601 in UTC with milliseconds, as providers take times. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString()
}

/** A time in a provider's event or answer (ISO 8601 text or epoch ms), as ms; null when absent or not a time. */
export function timeOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value
  }
  if (typeof value === 'string') {
    const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`)
    return Number.isFinite(ms) ? ms : null
  }
  return null
}

/** The object at `key` of a JSON value, when it is one. */
export function objectOf(value: unknown): Readonly<Record<string, unknown>> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null
}
