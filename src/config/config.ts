/**
 * Configuration: read once from the environment, validated synchronously, frozen. `loadConfig` is pure
 * (it takes the environment as an argument); key material is loaded separately by `loadSecrets`, which
 * does the I/O.
 *
 * @module
 */

import { dirname } from 'node:path'

import { ValidationError, type ErrorDetail } from '../core/errors.js'

export interface Limits {
  /** Largest request body, bytes (ingest batches are the big ones). */
  readonly maxBodyBytes: number
  /** Largest single ingest record, bytes. */
  readonly maxRecordBytes: number
  /** Most records in one ingest batch. */
  readonly maxBatchRecords: number
  /** Page size when the caller gives none (Defender's is 100). */
  readonly defaultPageSize: number
  /** Largest page a caller may ask for (Defender caps at 100; Veil does not need to). */
  readonly maxPageSize: number
  /** Count matching activities up to this many for `total`; past it the page says `moreThanTotal`. */
  readonly countLimit: number
  /** Requests per minute per caller (token, session or address) before 429. */
  readonly requestsPerMinute: number
  /** Revealing requests per admin per hour (sliding window, per node) before 429. */
  readonly revealsPerHour: number
}

/** The SIEM forwarder of this node (`src/siem/forwarder/`). */
export interface SiemForwarderConfig {
  /** `VEIL_SIEM_FORWARDING`, default true: whether `veil serve` forwards to SIEM destinations from this node. */
  readonly forwarding: boolean
  /** `VEIL_SIEM_POLL_MS`, default 1000: how often an idle destination looks for new activities. */
  readonly pollMs: number
  /** `VEIL_SIEM_BATCH_SIZE`, default 1000: activities read and delivered per batch. */
  readonly batchSize: number
  /** `VEIL_SIEM_LEASE_SECONDS`, default 30: how long a node holds a destination without renewing it (failover time). */
  readonly leaseMs: number
  /** `VEIL_SIEM_RETRY_MAX_SECONDS`, default 300: longest back-off between attempts to a failing destination. */
  readonly retryMaxMs: number
  /** `VEIL_SIEM_MAX_LAG_SECONDS`, default 3600: a destination further behind is reported `behind` in its status. */
  readonly maxLagSeconds: number
  /** `VEIL_SIEM_TIMEOUT_MS`, default 10000: connect, handshake and request timeout. */
  readonly timeoutMs: number
  /** `VEIL_SIEM_PENDING_COUNT_LIMIT`, default 100000: pending activities are counted up to this. */
  readonly pendingCountLimit: number
}

/** The pull connectors of this node (`src/connectors/`, docs/connectors.md). */
export interface ConnectorsConfig {
  /** `VEIL_CONNECTORS`, default true: whether `veil serve` runs pull connectors from this node. */
  readonly running: boolean
  /** `VEIL_CONNECTOR_POLL_MS`, default 1000: how often the node looks for connectors that are due or asked to run. */
  readonly pollMs: number
  /** `VEIL_CONNECTOR_LEASE_SECONDS`, default 60: how long a node holds a connector without renewing it (failover time). */
  readonly leaseMs: number
  /** `VEIL_CONNECTOR_TIMEOUT_MS`, default 30000: one request to a provider, connect to last byte. */
  readonly timeoutMs: number
  /** `VEIL_CONNECTOR_ATTEMPTS`, default 5: tries of one request on 429, 5xx or a network error before the run fails. */
  readonly attempts: number
  /** `VEIL_CONNECTOR_RETRY_BASE_MS`, default 1000: first back-off within a run (doubling, with jitter) when the provider gives no Retry-After. */
  readonly retryBaseMs: number
  /** `VEIL_CONNECTOR_MAX_WAIT_SECONDS`, default 300: the longest Retry-After waited within a run; a longer one ends the run and the next starts then. */
  readonly maxWaitMs: number
  /** `VEIL_CONNECTOR_RETRY_MAX_SECONDS`, default 3600: longest back-off between failed runs. */
  readonly retryMaxMs: number
}

/** Hunting queries (`POST /api/v1/hunting/query`, docs/hunting.md). */
export interface HuntingConfig {
  /** `VEIL_HUNTING_MAX_ROWS`, default 10000: rows in an answer; past it the answer says `truncated`. */
  readonly maxRows: number
  /** `VEIL_HUNTING_TIMEOUT_MS`, default 30000: time limit of one query, waiting for a slot included. */
  readonly timeoutMs: number
  /** `VEIL_HUNTING_MAX_QUERY_CHARS`, default 10000: longest query text. */
  readonly maxQueryChars: number
  /** `VEIL_HUNTING_DEFAULT_DAYS`, default 30: the window a query reads when the request names no `timespan` (Defender's hunting keeps 30 days). */
  readonly defaultWindowMs: number
  /** `VEIL_HUNTING_CONCURRENCY`, default 2: queries this node runs at once; the others wait for a slot. */
  readonly concurrency: number
}

export interface Config {
  /** `VEIL_DATABASE_URL`: `sqlite:PATH` (default `sqlite:./data/veil.db`) or `postgres://...`. */
  readonly databaseUrl: string
  /** `VEIL_HOST`, default 127.0.0.1 (set 0.0.0.0 to listen on every interface). */
  readonly host: string
  /** `VEIL_PORT`, default 8080. */
  readonly port: number
  /** `VEIL_LOG_LEVEL`: fatal, error, warn, info (default), debug, trace, silent. */
  readonly logLevel: string
  /**
   * `VEIL_SECRET_KEY` (64 hex characters) or `VEIL_KEY_FILE` (default: `veil.key` beside an SQLite
   * database, else `./data/veil.key`): the master secret the governance chain key is derived from.
   * It must never be stored in the database.
   */
  readonly secretKeyHex: string | null
  readonly keyFile: string
  /**
   * `VEIL_PRIVACY_KEY` (64 hex characters) or `VEIL_PRIVACY_KEY_FILE` (default: `privacy.key` beside the
   * master key file, created with mode 0600 on first start): the key-encryption key that wraps the data
   * keys of private activities. It must never be stored in the database, and it is not derived from the
   * master secret, so it can be rotated on its own (`veil keys rotate`).
   */
  readonly privacyKeyHex: string | null
  readonly privacyKeyFile: string
  /** `VEIL_SESSION_TTL_MINUTES`, default 480 (8 hours). */
  readonly sessionTtlMs: number
  /**
   * `VEIL_REVEAL_MINUTES`, default 15: how long the portal keeps "Show private activities" on after the
   * confirmation before it asks again (it also ends on logout). Every request made meanwhile is still a
   * revealing request with its own governance record; `/api/v1/me` tells the portal this value.
   */
  readonly revealTtlMs: number
  /** `VEIL_PUBLIC_URL`: how users reach Veil (links in SIEM events and emails). */
  readonly publicUrl: string | null
  /** `VEIL_METRICS_PUBLIC=true` serves `/metrics` without authentication (for a Prometheus on a private network). */
  readonly metricsPublic: boolean
  /** `VEIL_TRUST_PROXY=true` takes the client address from X-Forwarded-For. */
  readonly trustProxy: boolean
  readonly limits: Limits
  readonly siem: SiemForwarderConfig
  readonly hunting: HuntingConfig
  readonly connectors: ConnectorsConfig
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxBodyBytes: 256 * 1024 * 1024, // 256 MiB: a batch of ~200k typical events
  maxRecordBytes: 1024 * 1024, // 1 MiB
  maxBatchRecords: 100_000,
  defaultPageSize: 100,
  maxPageSize: 10_000,
  countLimit: 100_000,
  requestsPerMinute: 6_000,
  revealsPerHour: 120,
})

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

type Env = Readonly<Record<string, string | undefined>>

/** Validate the environment and return the frozen configuration, or throw listing every problem. */
export function loadConfig(env: Env): Readonly<Config> {
  const problems: ErrorDetail[] = []
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]
    if (raw === undefined || raw === '') {
      return fallback
    }
    const value = Number(raw)
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push({ field: name, reason: `must be a whole number from ${min} to ${max}, got "${raw}"` })
      return fallback
    }
    return value
  }
  const bool = (name: string): boolean => {
    const raw = env[name]
    if (raw === undefined || raw === '') {
      return false
    }
    if (!['true', 'false', '1', '0'].includes(raw)) {
      problems.push({ field: name, reason: `must be true or false, got "${raw}"` })
    }
    return raw === 'true' || raw === '1'
  }

  const databaseUrl = env.VEIL_DATABASE_URL || 'sqlite:./data/veil.db'
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    problems.push({ field: 'VEIL_DATABASE_URL', reason: 'must start with sqlite: (e.g. sqlite:./data/veil.db) or postgres:// (e.g. postgres://user@host:5432/veil)' })
  }
  const secretKeyHex = env.VEIL_SECRET_KEY || null
  if (secretKeyHex !== null && !/^[0-9a-fA-F]{64}$/.test(secretKeyHex)) {
    problems.push({ field: 'VEIL_SECRET_KEY', reason: 'must be 64 hexadecimal characters (32 bytes); make one with: openssl rand -hex 32' })
  }
  const privacyKeyHex = env.VEIL_PRIVACY_KEY || null
  if (privacyKeyHex !== null && !/^[0-9a-fA-F]{64}$/.test(privacyKeyHex)) {
    problems.push({ field: 'VEIL_PRIVACY_KEY', reason: 'must be 64 hexadecimal characters (32 bytes); make one with: openssl rand -hex 32' })
  }
  const logLevel = env.VEIL_LOG_LEVEL || 'info'
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push({ field: 'VEIL_LOG_LEVEL', reason: `must be one of ${LOG_LEVELS.join(', ')}` })
  }
  const publicUrl = env.VEIL_PUBLIC_URL || null
  if (publicUrl !== null && !/^https?:\/\//.test(publicUrl)) {
    problems.push({ field: 'VEIL_PUBLIC_URL', reason: 'must be an http:// or https:// URL' })
  }
  const sqlitePath = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : null
  const defaultKeyFile = sqlitePath && sqlitePath !== ':memory:' ? `${sqlitePath.replace(/[^/]*$/, '') || './'}veil.key` : './data/veil.key'
  const keyFile = env.VEIL_KEY_FILE || defaultKeyFile

  const config: Config = {
    databaseUrl,
    host: env.VEIL_HOST || '127.0.0.1',
    port: int('VEIL_PORT', 8080, 0, 65535),
    logLevel,
    secretKeyHex,
    keyFile,
    privacyKeyHex,
    privacyKeyFile: env.VEIL_PRIVACY_KEY_FILE || `${dirname(keyFile)}/privacy.key`,
    sessionTtlMs: int('VEIL_SESSION_TTL_MINUTES', 480, 1, 60 * 24 * 30) * 60_000,
    revealTtlMs: int('VEIL_REVEAL_MINUTES', 15, 1, 24 * 60) * 60_000,
    publicUrl,
    metricsPublic: bool('VEIL_METRICS_PUBLIC'),
    trustProxy: bool('VEIL_TRUST_PROXY'),
    limits: Object.freeze({
      maxBodyBytes: int('VEIL_MAX_BODY_BYTES', DEFAULT_LIMITS.maxBodyBytes, 1024, 2 ** 31),
      // The generic format refuses records over 1 MiB whatever this says; the setting can only lower it.
      maxRecordBytes: int('VEIL_MAX_RECORD_BYTES', DEFAULT_LIMITS.maxRecordBytes, 1024, 1024 * 1024),
      maxBatchRecords: int('VEIL_MAX_BATCH_RECORDS', DEFAULT_LIMITS.maxBatchRecords, 1, 10_000_000),
      defaultPageSize: int('VEIL_DEFAULT_PAGE_SIZE', DEFAULT_LIMITS.defaultPageSize, 1, 100_000),
      maxPageSize: int('VEIL_MAX_PAGE_SIZE', DEFAULT_LIMITS.maxPageSize, 1, 100_000),
      countLimit: int('VEIL_COUNT_LIMIT', DEFAULT_LIMITS.countLimit, 1, 1_000_000_000),
      requestsPerMinute: int('VEIL_REQUESTS_PER_MINUTE', DEFAULT_LIMITS.requestsPerMinute, 1, 10_000_000),
      revealsPerHour: int('VEIL_REVEALS_PER_HOUR', DEFAULT_LIMITS.revealsPerHour, 1, 1_000_000),
    }),
    siem: Object.freeze({
      forwarding: env.VEIL_SIEM_FORWARDING === undefined || env.VEIL_SIEM_FORWARDING === '' ? true : bool('VEIL_SIEM_FORWARDING'),
      pollMs: int('VEIL_SIEM_POLL_MS', 1000, 10, 3_600_000),
      batchSize: int('VEIL_SIEM_BATCH_SIZE', 1000, 1, 100_000),
      leaseMs: int('VEIL_SIEM_LEASE_SECONDS', 30, 1, 3600) * 1000,
      retryMaxMs: int('VEIL_SIEM_RETRY_MAX_SECONDS', 300, 1, 86_400) * 1000,
      maxLagSeconds: int('VEIL_SIEM_MAX_LAG_SECONDS', 3600, 1, 365 * 86_400),
      timeoutMs: int('VEIL_SIEM_TIMEOUT_MS', 10_000, 100, 600_000),
      pendingCountLimit: int('VEIL_SIEM_PENDING_COUNT_LIMIT', 100_000, 1, 100_000_000),
    }),
    connectors: Object.freeze({
      running: env.VEIL_CONNECTORS === undefined || env.VEIL_CONNECTORS === '' ? true : bool('VEIL_CONNECTORS'),
      pollMs: int('VEIL_CONNECTOR_POLL_MS', 1000, 10, 3_600_000),
      leaseMs: int('VEIL_CONNECTOR_LEASE_SECONDS', 60, 1, 3600) * 1000,
      timeoutMs: int('VEIL_CONNECTOR_TIMEOUT_MS', 30_000, 100, 600_000),
      attempts: int('VEIL_CONNECTOR_ATTEMPTS', 5, 1, 100),
      retryBaseMs: int('VEIL_CONNECTOR_RETRY_BASE_MS', 1000, 1, 600_000),
      maxWaitMs: int('VEIL_CONNECTOR_MAX_WAIT_SECONDS', 300, 1, 86_400) * 1000,
      retryMaxMs: int('VEIL_CONNECTOR_RETRY_MAX_SECONDS', 3600, 1, 86_400) * 1000,
    }),
    hunting: Object.freeze({
      maxRows: int('VEIL_HUNTING_MAX_ROWS', 10_000, 1, 100_000),
      timeoutMs: int('VEIL_HUNTING_TIMEOUT_MS', 30_000, 1, 600_000),
      maxQueryChars: int('VEIL_HUNTING_MAX_QUERY_CHARS', 10_000, 100, 1_000_000),
      defaultWindowMs: int('VEIL_HUNTING_DEFAULT_DAYS', 30, 1, 3650) * 86_400_000,
      concurrency: int('VEIL_HUNTING_CONCURRENCY', 2, 1, 64),
    }),
  }
  if (problems.length > 0) {
    throw new ValidationError(`Invalid configuration:\n${problems.map((p) => `  - ${p.field}: ${p.reason}`).join('\n')}`, problems)
  }
  return Object.freeze(config)
}
