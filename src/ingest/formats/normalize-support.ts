/**
 * What the native audit formats share: reading fields that exporters spell differently, source times,
 * client addresses, UPNs, countries, stable ids, and one builder that turns a draft into an
 * {@link Activity}. Native formats are lenient where the veil format is strict: an optional field they
 * cannot read (an address such as `AWS Internal`, a country name Veil does not know) is left empty and
 * stays in the raw event; only what an activity cannot do without (time, actor, action) rejects a record.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { isIP } from 'node:net'
import type { Activity, ActivityResult, ActorType } from '../../core/activity/activity.js'
import { parseIsoTimestamp } from '../../core/query/defender-query.js'
import type { NormalizeResult } from '../ingest-format.js'
import { MAX_FUTURE_MS, MAX_ID_LENGTH, MAX_STRING_LENGTH } from '../veil/veil-format.js'

export type JsonObject = Record<string, unknown>

/** Thrown inside a normalizer to stop at the first bad field; never escapes {@link normalizeSafely}. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`)
    this.name = 'FieldError'
  }
}

/** Stop normalizing: `field` (a JSON pointer into the record) is wrong for `reason`. */
export function fail(field: string, reason: string): never {
  throw new FieldError(field, reason)
}

/**
 * Run a format's normalizer on one record and turn a {@link FieldError} into a per-record error. Never
 * throws: anything else that goes wrong (values JSON cannot hold) is an error for the record as a whole.
 */
export function normalizeSafely(record: unknown, context: { index: number; receivedAt: number }, build: (record: JsonObject, receivedAt: number) => Activity): NormalizeResult {
  try {
    if (!isObject(record)) {
      return { ok: false, error: { index: context.index, field: '', reason: 'must be a JSON object' } }
    }
    return { ok: true, activity: build(record, context.receivedAt) }
  } catch (error) {
    if (error instanceof FieldError) {
      return { ok: false, error: { index: context.index, field: error.field, reason: error.reason } }
    }
    return { ok: false, error: { index: context.index, field: '', reason: 'is not a JSON value Veil can read' } }
  }
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * `object[key]`, else the same key lower-cased, else with a capital first letter: some exporters (SIEM
 * pipelines, detection-rule test suites) lower-case every key (`creationtime`, `calleripaddress`), and
 * Log Analytics tables capitalize the API's names (`ActivityDateTime` for `activityDateTime`).
 */
export function get(object: JsonObject, key: string): unknown {
  const value = object[key]
  if (value !== undefined) {
    return value
  }
  let variants = KEY_VARIANTS.get(key)
  if (variants === undefined) {
    variants = [key.toLowerCase(), key.charAt(0).toUpperCase() + key.slice(1)]
    KEY_VARIANTS.set(key, variants)
  }
  const lower = object[variants[0]]
  return lower !== undefined ? lower : object[variants[1]]
}

/** The other spellings of each key looked up so far (a handful of names: the formats' own). */
const KEY_VARIANTS = new Map<string, readonly [string, string]>()

/** The first of `keys` that is present and not null. */
export function getFirst(object: JsonObject, keys: readonly string[]): unknown {
  for (const key of keys) {
    const value = get(object, key)
    if (value !== undefined && value !== null) {
      return value
    }
  }
  return undefined
}

/** An object field, also when the exporter wrote it as JSON text (Log Analytics rows); null otherwise. */
export function getObject(object: JsonObject, key: string): JsonObject | null {
  const value = jsonText(get(object, key))
  return isObject(value) ? value : null
}

/** An array field, also when written as JSON text; empty otherwise. */
export function getArray(object: JsonObject, key: string): readonly unknown[] {
  const value = jsonText(get(object, key))
  return Array.isArray(value) ? value : []
}

/** The value, parsed when it is a string holding a JSON object or array. */
export function jsonText(value: unknown): unknown {
  if (typeof value === 'string') {
    const first = value.charCodeAt(0)
    if (first === 0x7b || first === 0x5b) {
      try {
        return JSON.parse(value) as unknown
      } catch {
        return value
      }
    }
  }
  return value
}

/**
 * A scalar as text: strings trimmed (empty is no value), numbers and booleans written out, anything
 * else null. Clipped to {@link MAX_STRING_LENGTH}.
 */
export function text(value: unknown): string | null {
  if (typeof value === 'string') {
    const trimmed = value.length > 0 && (value.charCodeAt(0) <= 0x20 || value.charCodeAt(value.length - 1) <= 0x20) ? value.trim() : value
    if (trimmed === '') {
      return null
    }
    return trimmed.length > MAX_STRING_LENGTH ? trimmed.slice(0, MAX_STRING_LENGTH) : trimmed
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return String(value)
  }
  if (typeof value === 'boolean') {
    return String(value)
  }
  return null
}

/** `text(get(object, key))`. */
export function getText(object: JsonObject, key: string): string | null {
  return text(get(object, key))
}

/** The first of `keys` with a text value. */
export function firstText(object: JsonObject, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = text(get(object, key))
    if (value !== null) {
      return value
    }
  }
  return null
}

const HAS_ZONE = /(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/
const HAS_TIME = /\d[Tt ]\d{2}:\d{2}/

/**
 * A source timestamp in ms since the epoch, or null. ISO 8601 / RFC 3339 with `T` or a space, any
 * number of fraction digits (beyond ms truncated), and an offset; a timestamp **without** a zone is
 * UTC, which is what the sources that omit it (Microsoft 365 `CreationTime`) mean. `epochMs` also
 * accepts integer ms since the epoch (GitHub).
 */
export function parseSourceTime(value: unknown, options: { readonly epochMs?: boolean } = {}): number | null {
  if (typeof value === 'number') {
    return options.epochMs === true && Number.isSafeInteger(value) ? value : null
  }
  if (typeof value !== 'string' || value.length > 64) {
    return null
  }
  const trimmed = value.trim()
  if (!HAS_TIME.test(trimmed)) {
    return null
  }
  return parseIsoTimestamp(HAS_ZONE.test(trimmed.slice(11)) ? trimmed : `${trimmed}Z`)
}

/**
 * The activity's time from `value` (found at `field`), checked as the veil format checks it: required,
 * a timestamp, not before 1970, at most a day after receipt.
 */
export function requireTime(value: unknown, field: string, receivedAt: number, options: { readonly epochMs?: boolean } = {}): number {
  if (value === undefined || value === null || value === '') {
    fail(field, 'required')
  }
  const time = parseSourceTime(value, options)
  if (time === null) {
    fail(field, options.epochMs === true ? 'not a timestamp (ms since the epoch or ISO 8601)' : 'not an ISO 8601 timestamp')
  }
  if (time < 0) {
    fail(field, 'is before 1970')
  }
  if (time > receivedAt + MAX_FUTURE_MS) {
    fail(field, 'is more than 1 day in the future')
  }
  return time
}

/**
 * A client address as sources write it, reduced to the address: `1.2.3.4:10736`, `[10.1.2.3]:443`,
 * `[2001:db8::1]:443` and `fe80::1%eth0` lose the port or zone; `::ffff:10.1.2.3` (IPv4-mapped) becomes
 * `10.1.2.3`; IPv6 is lower-cased. Anything that is not an address (`AWS Internal`, a host name,
 * `<null>`) is null.
 */
export function parseClientIp(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 100) {
    return null
  }
  let address = value.trim()
  if (address.startsWith('[')) {
    const end = address.indexOf(']')
    if (end < 0) {
      return null
    }
    address = address.slice(1, end)
  } else {
    const colon = address.indexOf(':')
    if (colon >= 0 && colon === address.lastIndexOf(':')) {
      // One colon: IPv4 with a port (IPv6 always has at least two).
      address = address.slice(0, colon)
    }
  }
  const zone = address.indexOf('%')
  if (zone >= 0) {
    address = address.slice(0, zone)
  }
  const kind = isIP(address)
  if (kind === 4) {
    return address
  }
  if (kind === 6) {
    const lower = address.toLowerCase()
    const mapped = /^(?:::|(?:0{1,4}:){5})ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(lower)
    return mapped && isIP(mapped[1] as string) === 4 ? (mapped[1] as string) : lower
  }
  return null
}

/** A user name as Veil keeps it: trimmed and lower-cased (UPNs, emails and the logins of GitHub and AWS compare case-insensitively); null when empty. */
export function normalizeUpn(value: unknown): string | null {
  const name = text(value)
  return name === null ? null : name.toLowerCase()
}

/** Whether a name looks like an email address or UPN (`local@domain.tld`). */
export function looksLikeEmail(value: string | null): boolean {
  if (value === null) {
    return false
  }
  const at = value.indexOf('@')
  return at > 0 && at === value.lastIndexOf('@') && value.indexOf('.', at) > at + 1 && !/\s/.test(value)
}

let countryNames: Map<string, string> | null = null

/**
 * An ISO 3166-1 alpha-2 code from a code (`de`) or an English country name (`Germany`, as Okta writes
 * it); null when it is neither. Names come from the ICU data of the runtime (`Intl.DisplayNames`).
 */
export function countryCode(value: unknown): string | null {
  const name = text(value)
  if (name === null) {
    return null
  }
  if (name.length === 2 && /^[A-Za-z]{2}$/.test(name)) {
    return name.toUpperCase()
  }
  countryNames ??= buildCountryNames()
  return countryNames.get(name.toLowerCase()) ?? null
}

function buildCountryNames(): Map<string, string> {
  const names = new Map<string, string>()
  const display = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' })
  for (let a = 65; a <= 90; a += 1) {
    for (let b = 65; b <= 90; b += 1) {
      const code = String.fromCharCode(a, b)
      let name: string | undefined
      try {
        name = display.of(code)
      } catch {
        name = undefined
      }
      // Retired codes (DD, SU, BU) share their successor's name; keep the code in use.
      if (name !== undefined && name !== code && Intl.getCanonicalLocales(`und-${code}`)[0] === `und-${code}`) {
        names.set(name.toLowerCase(), code)
      }
    }
  }
  // Names some sources use that differ from ICU's English ones.
  for (const [alias, code] of [['united states of america', 'US'], ['usa', 'US'], ['great britain', 'GB'], ['korea, republic of', 'KR'], ['russian federation', 'RU'], ['viet nam', 'VN'], ['myanmar', 'MM'], ['czech republic', 'CZ']] as const) {
    names.set(alias, code)
  }
  return names
}

/**
 * The activity id of a native event: `<format>:<the source's id>`, so ids of different sources never
 * collide and the same event sent twice is a duplicate. Without a usable source id (absent, or too
 * long) the id is derived from `content`: `<format>:v1-` + 32 hex digits of SHA-256 over its canonical
 * JSON.
 */
export function activityId(format: string, sourceId: string | null, content: unknown): string {
  if (sourceId !== null && format.length + 1 + sourceId.length <= MAX_ID_LENGTH) {
    return `${format}:${sourceId}`
  }
  return derivedId(format, content)
}

/** `<format>:v1-` + the first 32 hex digits of SHA-256 over the canonical JSON of `content`. */
export function derivedId(format: string, content: unknown): string {
  return `${format}:v1-${createHash('sha256').update(canonicalText(content)).digest('hex').slice(0, 32)}`
}

/**
 * The same text as `canonicalJson` (keys sorted at every level, undefined members left out), built
 * without the intermediate arrays: derived ids are on the ingest hot path of sources without ids.
 */
export function canonicalText(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value ?? null)
  }
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) {
      out += (i === 0 ? '' : ',') + canonicalText(value[i])
    }
    return `${out}]`
  }
  const object = value as JsonObject
  const keys = Object.keys(object).sort()
  let out = '{'
  let first = true
  for (const key of keys) {
    const member = object[key]
    if (member !== undefined) {
      out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalText(member)}`
      first = false
    }
  }
  return `${out}}`
}

/** What a format knows about one event; {@link buildActivity} fills the rest with nulls. */
export interface ActivityDraft {
  readonly id: string
  readonly time: number
  readonly actor: { readonly upn: string | null; readonly displayName: string | null; readonly sourceId: string | null; readonly type: ActorType }
  readonly app: string
  readonly action: { readonly type: string; readonly name: string }
  readonly ip?: string | null
  readonly country?: string | null
  readonly city?: string | null
  readonly deviceType?: string | null
  readonly userAgent?: string | null
  readonly target?: { readonly type?: string | null; readonly id?: string | null; readonly name?: string | null } | null
  readonly result?: ActivityResult
  readonly description?: string | null
}

/** The {@link Activity} of a draft, with the raw event kept whole. */
export function buildActivity(source: string, draft: ActivityDraft, receivedAt: number, raw: unknown): Activity {
  return {
    id: draft.id,
    time: draft.time,
    receivedAt,
    source,
    actor: draft.actor,
    app: draft.app,
    action: draft.action,
    ip: draft.ip ?? null,
    location: { country: draft.country ?? null, city: draft.city ?? null },
    device: { type: draft.deviceType ?? null, userAgent: draft.userAgent ?? null },
    target: { type: draft.target?.type ?? null, id: draft.target?.id ?? null, name: draft.target?.name ?? null },
    result: draft.result ?? 'unknown',
    description: draft.description ?? null,
    actorGroups: [],
    raw,
  }
}

/**
 * The normalized verb of a source action: the format's verb for it, else the source's own name (as the
 * veil format does when only a name is given). A failed sign-in is `login.failed`, as in the demo data.
 */
export function verbOf(verb: string | undefined, name: string, result: ActivityResult): string {
  const type = verb ?? name
  return type === 'login' && result === 'failure' ? 'login.failed' : type
}

/** The actor of an event that no person or application performed (the source itself acted). */
export function systemActor(displayName: string, sourceId: string | null = null): ActivityDraft['actor'] {
  return { upn: null, displayName, sourceId, type: 'system' }
}
