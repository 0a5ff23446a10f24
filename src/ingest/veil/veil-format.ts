/**
 * Veil's generic JSON ingest format: one activity per record, with exactly the names of
 * {@link Activity} (`time`, `actor`, `app`, `action`, `ip`, `location`, `device`, `target`, `result`,
 * `description`, `id`). Unknown extra fields are allowed and kept in `raw`.
 *
 * - {@link VeilActivitySchema} is the TypeBox schema; `docs/veil-activity.schema.json` is the same schema
 *   written out (a test keeps them equal).
 * - {@link splitRecords} splits a body (JSON array or NDJSON) into records.
 * - {@link normalizeVeilRecord} turns one record into an {@link Activity} or names the first bad field.
 *   It never throws.
 *
 * `docs/ingest-format.md` documents the format and its error messages.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { isIP } from 'node:net'
import { Type, type Static } from '@sinclair/typebox'
import { ACTIVITY_RESULTS, ACTOR_TYPES, type Activity, type ActivityResult, type ActorType } from '../../core/activity/activity.js'
import { canonicalJson } from '../../core/governance/governance-record.js'
import { parseIsoTimestamp } from '../../core/query/defender-query.js'
import type { NormalizeResult, RecordError } from '../ingest-format.js'

/** Longest value of an ordinary string field. */
export const MAX_STRING_LENGTH = 4096
/** Longest `description`. */
export const MAX_DESCRIPTION_LENGTH = 65_536
/** Longest `id`. */
export const MAX_ID_LENGTH = 256
/** Largest record (its JSON, in UTF-8 bytes), which is kept whole as `raw`. */
export const MAX_RECORD_BYTES = 1024 * 1024
/** How far after `receivedAt` an activity's `time` may lie (clock skew between source and Veil). */
export const MAX_FUTURE_MS = 86_400_000

const TIME_REASON = 'not an ISO 8601 timestamp with a time zone or ms epoch'

const ShortString = (description: string) => Type.String({ maxLength: MAX_STRING_LENGTH, description })
const NonEmptyString = (description: string) => Type.String({ minLength: 1, maxLength: MAX_STRING_LENGTH, description })
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]))

/**
 * The schema of one Veil activity record (JSON Schema draft 2020-12). Structural rules only: the code
 * also checks that `time` is not before 1970 nor more than a day after it was received, that `actor` has
 * `upn` or `sourceId`, and that the whole record is at most {@link MAX_RECORD_BYTES}.
 */
export const VeilActivitySchema = Type.Object(
  {
    id: Type.Optional(
      Type.Union([
        Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH, description: "The source's stable id, for idempotent ingest. When absent Veil derives one from the record: `v1-` + the first 32 hex digits of SHA-256 over its canonical JSON." }),
        Type.Null(),
      ]),
    ),
    time: Type.Union(
      [
        Type.String({ format: 'date-time', maxLength: 64, description: 'RFC 3339 / ISO 8601 with a time zone, e.g. 2024-05-01T12:00:00Z' }),
        Type.Integer({ minimum: 0, description: 'ms since the epoch (UTC)' }),
      ],
      { description: 'When the actor acted. Not before 1970, at most one day after Veil receives the record.' },
    ),
    actor: Type.Object(
      {
        upn: Nullable(NonEmptyString('UPN or email; lower-cased by Veil')),
        sourceId: Nullable(NonEmptyString("The source's own id for the actor (object id, external id)")),
        displayName: Nullable(ShortString('Display name')),
        type: Type.Optional(Type.Union([...ACTOR_TYPES.map((t) => Type.Literal(t)), Type.Null()], { description: 'Default user' })),
      },
      { description: 'Who acted; needs upn or sourceId (or both).', anyOf: [{ required: ['upn'] }, { required: ['sourceId'] }] },
    ),
    app: NonEmptyString('The cloud app, e.g. "Microsoft 365", "Okta", "GitHub"'),
    action: Type.Union(
      [
        NonEmptyString('Both the normalized type and the source name'),
        Type.Object(
          {
            type: Nullable(NonEmptyString("Veil's normalized verb, e.g. file.download; defaults to name")),
            name: Nullable(NonEmptyString("The source's own name, e.g. FileDownloaded; defaults to type")),
          },
          { anyOf: [{ required: ['type'] }, { required: ['name'] }] },
        ),
      ],
      { description: 'What the actor did' },
    ),
    ip: Nullable(Type.String({ anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }], maxLength: 64, description: 'Client IPv4 or IPv6 address' })),
    location: Type.Optional(
      Type.Union([
        Type.Object({
          country: Nullable(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2; upper-cased by Veil' })),
          city: Nullable(ShortString('City')),
        }),
        Type.Null(),
      ]),
    ),
    device: Type.Optional(
      Type.Union([
        Type.Object({
          type: Nullable(ShortString('desktop, mobile, tablet, server, unknown, or free text')),
          userAgent: Nullable(ShortString('User agent')),
        }),
        Type.Null(),
      ]),
    ),
    userAgent: Nullable(ShortString('Shorthand for device.userAgent (device.userAgent wins when both are given)')),
    target: Type.Optional(
      Type.Union([
        Type.Object({
          type: Nullable(ShortString('Object type, e.g. file, user, mailbox')),
          id: Nullable(ShortString('Object id')),
          name: Nullable(ShortString('Object name')),
        }),
        Type.Null(),
      ]),
    ),
    result: Type.Optional(Type.Union([...ACTIVITY_RESULTS.map((r) => Type.Literal(r)), Type.Null()], { description: 'Default unknown' })),
    description: Nullable(Type.String({ maxLength: MAX_DESCRIPTION_LENGTH, description: 'One-line human description' })),
  },
  {
    title: 'Veil activity',
    description: "One activity in Veil's generic JSON ingest format. Extra fields are allowed and kept in the raw event.",
    additionalProperties: true,
  },
)

/** A record of the Veil format, as TypeScript sees the schema. */
export type VeilActivityRecord = Static<typeof VeilActivitySchema>

/** {@link VeilActivitySchema} as a standalone JSON Schema document (what `docs/veil-activity.schema.json` holds). */
export function veilActivityJsonSchema(): Record<string, unknown> {
  // JSON round trip drops TypeBox's symbol-keyed metadata.
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...(JSON.parse(JSON.stringify(VeilActivitySchema)) as Record<string, unknown>) }
}

export type SplitFormat = 'json' | 'ndjson'

export interface SplitResult {
  /** The records that parsed, in input order. */
  readonly records: unknown[]
  /** `indexes[i]` is the position of `records[i]` in the input (array index, or count of non-empty lines before it). */
  readonly indexes: number[]
  /** `bytes[i]` is the UTF-8 size of `records[i]`'s NDJSON line; null for JSON arrays. */
  readonly bytes: (number | null)[]
  /** Records that did not parse: their position and why. Field '' (empty) means the record (or body) as a whole. */
  readonly errors: RecordError[]
  /** How the body was read. */
  readonly format: SplitFormat
}

/**
 * Split an ingest body into records: a JSON array (one record per element), a single JSON object (one
 * record), or NDJSON (one JSON value per non-empty line). A malformed NDJSON line becomes an error with
 * its index; the other lines are kept. A body that starts with `[` is read as one JSON array; when it does
 * not parse, the whole body is one error (index 0), because no element can be trusted.
 *
 * `format` forces a reading; `auto` (the default) decides by the first non-blank character and whether
 * the whole body parses. Never throws.
 */
export function splitRecords(body: string, format: SplitFormat | 'auto' = 'auto'): SplitResult {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body
  const trimmed = text.trimStart()
  if (format === 'json' || (format === 'auto' && trimmed.startsWith('['))) {
    return splitJson(text)
  }
  if (format === 'auto' && trimmed.startsWith('{')) {
    // A single (possibly pretty-printed) object. NDJSON with several lines fails here at its second line.
    try {
      const value: unknown = JSON.parse(text)
      return { records: [value], indexes: [0], bytes: [null], errors: [], format: 'json' }
    } catch {
      // Not one JSON value: read it line by line.
    }
  }
  return splitNdjson(text)
}

function splitJson(text: string): SplitResult {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const reason = `the body is not valid JSON (${errorMessage(error)}); a JSON array must parse as a whole — send NDJSON to have each bad line reported on its own`
    return { records: [], indexes: [], bytes: [], errors: [{ index: 0, field: '', reason }], format: 'json' }
  }
  const records = Array.isArray(value) ? (value as unknown[]) : [value]
  return { records, indexes: records.map((_, i) => i), bytes: records.map(() => null), errors: [], format: 'json' }
}

function splitNdjson(text: string): SplitResult {
  const result: SplitResult = { records: [], indexes: [], bytes: [], errors: [], format: 'ndjson' }
  let index = 0
  let lineNumber = 0
  let start = 0
  while (start <= text.length) {
    let end = text.indexOf('\n', start)
    if (end === -1) {
      end = text.length
    }
    lineNumber += 1
    const line = text.slice(start, end)
    start = end + 1
    if (line.trim() === '') {
      continue
    }
    try {
      const value: unknown = JSON.parse(line)
      result.records.push(value)
      result.indexes.push(index)
      result.bytes.push(Buffer.byteLength(line))
    } catch (error) {
      result.errors.push({ index, field: '', reason: `line ${lineNumber} is not valid JSON: ${errorMessage(error)}` })
    }
    index += 1
  }
  return result
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Thrown inside normalization to stop at the first bad field; never escapes {@link normalizeVeilRecord}. */
class FieldProblem extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`)
    this.name = 'FieldProblem'
  }
}

/**
 * Turn one Veil record into an {@link Activity}, or name the first bad field (a JSON pointer such as
 * `/actor/upn`; '' (empty) for the record as a whole) and why. Never throws.
 *
 * @example
 * normalizeVeilRecord({ time: '2024-05-01T12:00:00Z', actor: { upn: 'A@Contoso.com' }, app: 'Okta', action: 'login' }, { index: 0, receivedAt: Date.now() })
 * // { ok: true, activity: { id: 'v1-…', actor: { upn: 'a@contoso.com', type: 'user', … }, action: { type: 'login', name: 'login' }, … } }
 * normalizeVeilRecord({ time: 'yesterday' }, { index: 3, receivedAt: Date.now() })
 * // { ok: false, error: { index: 3, field: '/time', reason: 'not an ISO 8601 timestamp with a time zone or ms epoch' } }
 */
export function normalizeVeilRecord(record: unknown, context: { index: number; receivedAt: number }): NormalizeResult {
  try {
    return { ok: true, activity: normalize(record, context.receivedAt) }
  } catch (error) {
    if (error instanceof FieldProblem) {
      return { ok: false, error: { index: context.index, field: error.field, reason: error.reason } }
    }
    // Only values that cannot come from JSON get here (cycles, BigInt, nesting too deep to hash).
    return { ok: false, error: { index: context.index, field: '', reason: 'is not a JSON value Veil can read' } }
  }
}

/**
 * Whether a record looks like Veil's format: an object with at least two of `time`, `actor`, `app`,
 * `action`, and an `actor` (when present) that is an object — which tells it apart from GitHub's audit
 * log (`actor` is a string) and Okta's System Log (no `time`, `app` or `action`).
 */
export function isVeilRecord(record: unknown): boolean {
  if (!isObject(record)) {
    return false
  }
  if ('actor' in record && !isObject(record.actor)) {
    return false
  }
  return ['time', 'actor', 'app', 'action'].filter((key) => key in record).length >= 2
}

/**
 * The Veil record of an activity: what {@link normalizeVeilRecord} turns back into the same activity
 * (apart from `raw` and `receivedAt`). Useful for exports in Veil's own format.
 */
export function activityToVeilRecord(activity: Activity): VeilActivityRecord {
  return {
    id: activity.id,
    time: new Date(activity.time).toISOString(),
    actor: { upn: activity.actor.upn, sourceId: activity.actor.sourceId, displayName: activity.actor.displayName, type: activity.actor.type },
    app: activity.app,
    action: { type: activity.action.type, name: activity.action.name },
    ip: activity.ip,
    location: { country: activity.location.country, city: activity.location.city },
    device: { type: activity.device.type, userAgent: activity.device.userAgent },
    target: { type: activity.target.type, id: activity.target.id, name: activity.target.name },
    result: activity.result,
    description: activity.description,
  }
}

function normalize(record: unknown, receivedAt: number): Activity {
  if (!isObject(record)) {
    throw new FieldProblem('', 'must be a JSON object')
  }
  const time = readTime(record.time, receivedAt)

  const actorValue = record.actor
  if (actorValue === undefined || actorValue === null) {
    throw new FieldProblem('/actor', 'required')
  }
  if (!isObject(actorValue)) {
    throw new FieldProblem('/actor', 'must be an object')
  }
  const upn = optionalString(actorValue.upn, '/actor/upn', MAX_STRING_LENGTH, true)
  const sourceId = optionalString(actorValue.sourceId, '/actor/sourceId', MAX_STRING_LENGTH, true)
  if (upn === null && sourceId === null) {
    throw new FieldProblem('/actor/upn', 'required (or /actor/sourceId)')
  }
  const displayName = optionalString(actorValue.displayName, '/actor/displayName', MAX_STRING_LENGTH, false)
  const actorType = optionalEnum<ActorType>(actorValue.type, '/actor/type', ACTOR_TYPES, 'user')

  const app = requiredString(record.app, '/app')
  const action = readAction(record.action)
  const id = optionalString(record.id, '/id', MAX_ID_LENGTH, true)
  const ip = readIp(record.ip)

  const location = optionalObject(record.location, '/location')
  const countryValue = optionalString(location.country, '/location/country', MAX_STRING_LENGTH, true)
  if (countryValue !== null && !/^[A-Za-z]{2}$/.test(countryValue)) {
    throw new FieldProblem('/location/country', 'must be an ISO 3166-1 alpha-2 country code (two letters)')
  }
  const city = optionalString(location.city, '/location/city', MAX_STRING_LENGTH, false)

  const device = optionalObject(record.device, '/device')
  const deviceType = optionalString(device.type, '/device/type', MAX_STRING_LENGTH, false)
  const deviceUserAgent = optionalString(device.userAgent, '/device/userAgent', MAX_STRING_LENGTH, false)
  const topUserAgent = optionalString(record.userAgent, '/userAgent', MAX_STRING_LENGTH, false)

  const target = optionalObject(record.target, '/target')
  const targetType = optionalString(target.type, '/target/type', MAX_STRING_LENGTH, false)
  const targetId = optionalString(target.id, '/target/id', MAX_STRING_LENGTH, false)
  const targetName = optionalString(target.name, '/target/name', MAX_STRING_LENGTH, false)

  const result = optionalEnum<ActivityResult>(record.result, '/result', ACTIVITY_RESULTS, 'unknown')
  const description = optionalString(record.description, '/description', MAX_DESCRIPTION_LENGTH, false)

  checkRecordSize(record)

  return {
    id: id ?? deriveId(record),
    time,
    receivedAt,
    source: 'veil',
    actor: { upn: upn === null ? null : upn.toLowerCase(), displayName, sourceId, type: actorType },
    app,
    action,
    ip,
    location: { country: countryValue === null ? null : countryValue.toUpperCase(), city },
    device: { type: deviceType, userAgent: deviceUserAgent ?? topUserAgent },
    target: { type: targetType, id: targetId, name: targetName },
    result,
    description,
    actorGroups: [],
    raw: record,
  }
}

function readTime(value: unknown, receivedAt: number): number {
  if (value === undefined || value === null) {
    throw new FieldProblem('/time', 'required')
  }
  let time: number | null = null
  if (typeof value === 'number') {
    time = Number.isSafeInteger(value) ? value : null
  } else if (typeof value === 'string' && value.length <= 64) {
    time = parseIsoTimestamp(value)
  }
  if (time === null) {
    throw new FieldProblem('/time', TIME_REASON)
  }
  if (time < 0) {
    throw new FieldProblem('/time', 'is before 1970')
  }
  if (time > receivedAt + MAX_FUTURE_MS) {
    throw new FieldProblem('/time', 'is more than 1 day in the future')
  }
  return time
}

function readAction(value: unknown): { type: string; name: string } {
  if (value === undefined || value === null) {
    throw new FieldProblem('/action', 'required')
  }
  if (typeof value === 'string') {
    const action = requiredString(value, '/action')
    return { type: action, name: action }
  }
  if (!isObject(value)) {
    throw new FieldProblem('/action', 'must be a string or an object with type and name')
  }
  const type = optionalString(value.type, '/action/type', MAX_STRING_LENGTH, true)
  const name = optionalString(value.name, '/action/name', MAX_STRING_LENGTH, true)
  if (type === null && name === null) {
    throw new FieldProblem('/action/type', 'required (or /action/name)')
  }
  return { type: type ?? (name as string), name: name ?? (type as string) }
}

function readIp(value: unknown): string | null {
  const ip = optionalString(value, '/ip', 64, true)
  // Zone ids (fe80::1%eth0) are refused: they name an interface of the client, not an address.
  if (ip !== null && (isIP(ip) === 0 || ip.includes('%'))) {
    throw new FieldProblem('/ip', 'must be an IPv4 or IPv6 address')
  }
  return ip
}

function requiredString(value: unknown, field: string): string {
  if (value === undefined || value === null) {
    throw new FieldProblem(field, 'required')
  }
  const text = optionalString(value, field, MAX_STRING_LENGTH, true)
  return text as string
}

/**
 * A string field that may be absent or null. `strict` fields (ids, names Veil filters on) must not be
 * empty; for free-text fields an empty string means "no value".
 */
function optionalString(value: unknown, field: string, maxLength: number, strict: boolean): string | null {
  if (value === undefined || value === null) {
    return null
  }
  if (typeof value !== 'string') {
    throw new FieldProblem(field, 'must be a string')
  }
  if (value.length > maxLength) {
    throw new FieldProblem(field, `is longer than ${maxLength} characters`)
  }
  if (value === '') {
    if (strict) {
      throw new FieldProblem(field, 'must not be empty')
    }
    return null
  }
  return value
}

function optionalEnum<T extends string>(value: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null) {
    return fallback
  }
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new FieldProblem(field, `must be one of ${allowed.join(', ')}`)
  }
  return value as T
}

function optionalObject(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) {
    return {}
  }
  if (!isObject(value)) {
    throw new FieldProblem(field, 'must be an object')
  }
  return value
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * Refuse records whose JSON is over {@link MAX_RECORD_BYTES}. One walk gives a lower and an upper bound
 * of the size; the record is serialized only when the limit lies between them.
 */
function checkRecordSize(record: Record<string, unknown>): void {
  let low = 0
  let high = 0
  const stack: unknown[] = [record]
  while (stack.length > 0 && low <= MAX_RECORD_BYTES) {
    const item = stack.pop()
    if (typeof item === 'string') {
      low += item.length + 2
      high += item.length * 6 + 2
    } else if (Array.isArray(item)) {
      low += 2 + item.length
      high += 2 + item.length
      stack.push(...(item as unknown[]))
    } else if (item !== null && typeof item === 'object') {
      for (const [key, value] of Object.entries(item)) {
        low += key.length + 4
        high += key.length * 6 + 4
        stack.push(value)
      }
      low += 2
      high += 2
    } else {
      low += 4
      high += 24
    }
  }
  if (low <= MAX_RECORD_BYTES && high <= MAX_RECORD_BYTES) {
    return
  }
  const bytes = Buffer.byteLength(JSON.stringify(record))
  if (bytes <= MAX_RECORD_BYTES) {
    return
  }
  // Name the largest top-level field, which is almost always the one to shorten.
  let largest = ''
  let largestBytes = -1
  for (const [key, value] of Object.entries(record)) {
    const size = Buffer.byteLength(JSON.stringify(value) ?? '')
    if (size > largestBytes) {
      largest = key
      largestBytes = size
    }
  }
  if (largestBytes > MAX_RECORD_BYTES / 2) {
    throw new FieldProblem(`/${escapePointer(largest)}`, `makes the record ${bytes} bytes of JSON, over the limit of ${MAX_RECORD_BYTES}`)
  }
  throw new FieldProblem('', `the record is ${bytes} bytes of JSON, over the limit of ${MAX_RECORD_BYTES}`)
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1')
}

/** `v1-` + the first 32 hex digits of SHA-256 over the record's canonical JSON: the same record, the same id. */
function deriveId(record: Record<string, unknown>): string {
  return `v1-${createHash('sha256').update(canonicalJson(record)).digest('hex').slice(0, 32)}`
}
