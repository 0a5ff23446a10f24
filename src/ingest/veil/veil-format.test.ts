import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv2020 } from 'ajv/dist/2020.js'
import formats from 'ajv-formats'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ACTIVITY_RESULTS, ACTOR_TYPES, type Activity } from '../../core/activity/activity.js'
import { activityToVeilRecord, isVeilRecord, MAX_RECORD_BYTES, normalizeVeilRecord, splitRecords, veilActivityJsonSchema } from './veil-format.js'

const SCHEMA_FILE = fileURLToPath(new URL('../../../docs/veil-activity.schema.json', import.meta.url))
const RECEIVED = Date.UTC(2024, 4, 15, 12, 0, 0)
const CONTEXT = { index: 7, receivedAt: RECEIVED }
const MINIMAL = { time: '2024-05-01T12:00:00Z', actor: { upn: 'Alice@Contoso.com' }, app: 'Okta', action: 'login' }

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = ((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (ajv: Ajv2020) => Ajv2020
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: false })
addFormats(ajv)
const validateSchema = ajv.compile(veilActivityJsonSchema())

function normalized(record: unknown): Activity {
  const result = normalizeVeilRecord(record, CONTEXT)
  if (!result.ok) {
    throw new Error(`expected an activity, got ${JSON.stringify(result.error)}`)
  }
  return result.activity
}

describe('veil-activity.schema.json', () => {
  it('should equal the exported schema', () => {
    const expected = `${JSON.stringify(veilActivityJsonSchema(), null, 2)}\n`
    if (process.env.UPDATE_SCHEMAS === '1') {
      writeFileSync(SCHEMA_FILE, expected)
    }
    // Regenerate with: UPDATE_SCHEMAS=1 npx vitest run src/ingest/veil/veil-format.test.ts
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(expected)
  })

  it('should be a valid JSON Schema 2020-12 document', () => {
    expect(ajv.validateSchema(veilActivityJsonSchema())).toBe(true)
  })

  it.each<[string, Record<string, unknown>]>([
    ['no time', { time: undefined }],
    ['a time without a zone', { time: '2024-05-01T12:00:00' }],
    ['a negative ms time', { time: -1 }],
    ['no actor', { actor: undefined }],
    ['an actor without upn or source id', { actor: { displayName: 'A' } }],
    ['an unknown actor type', { actor: { upn: 'a', type: 'robot' } }],
    ['an empty app', { app: '' }],
    ['an empty action object', { action: {} }],
    ['an id too long', { id: 'i'.repeat(257) }],
    ['an ip with a port', { ip: '1.2.3.4:443' }],
    ['a country name', { location: { country: 'Germany' } }],
    ['an unknown result', { result: 'ok' }],
    ['a target id that is a number', { target: { id: 5 } }],
  ])('should refuse %s, as the code does', (_, change) => {
    const record = { ...MINIMAL, ...change }
    expect(validateSchema(record)).toBe(false)
    expect(normalizeVeilRecord(record, CONTEXT).ok).toBe(false)
  })
})

describe('normalizeVeilRecord', () => {
  it('should normalize a minimal record with the defaults', () => {
    expect(normalized(MINIMAL)).toEqual({
      id: expect.stringMatching(/^v1-[0-9a-f]{32}$/) as string,
      time: Date.UTC(2024, 4, 1, 12),
      receivedAt: RECEIVED,
      source: 'veil',
      actor: { upn: 'alice@contoso.com', displayName: null, sourceId: null, type: 'user' },
      app: 'Okta',
      action: { type: 'login', name: 'login' },
      ip: null,
      location: { country: null, city: null },
      device: { type: null, userAgent: null },
      target: { type: null, id: null, name: null },
      result: 'unknown',
      description: null,
      actorGroups: [],
      raw: MINIMAL,
    })
  })

  it('should normalize a full record', () => {
    const record = {
      id: 'evt-1',
      time: 1_714_564_800_000,
      actor: { upn: 'SVC@contoso.com', sourceId: 'obj-1', displayName: 'Backup job', type: 'application' },
      app: 'Microsoft 365',
      action: { type: 'file.download', name: 'FileDownloaded' },
      ip: '2001:db8::1',
      location: { country: 'de', city: 'Berlin' },
      device: { type: 'desktop', userAgent: 'curl/8' },
      target: { type: 'file', id: 'f-1', name: 'plan.docx' },
      result: 'failure',
      description: 'Downloaded plan.docx',
      ticket: 'EXTRA-1',
    }
    expect(normalized(record)).toEqual({
      id: 'evt-1',
      time: 1_714_564_800_000,
      receivedAt: RECEIVED,
      source: 'veil',
      actor: { upn: 'svc@contoso.com', displayName: 'Backup job', sourceId: 'obj-1', type: 'application' },
      app: 'Microsoft 365',
      action: { type: 'file.download', name: 'FileDownloaded' },
      ip: '2001:db8::1',
      location: { country: 'DE', city: 'Berlin' },
      device: { type: 'desktop', userAgent: 'curl/8' },
      target: { type: 'file', id: 'f-1', name: 'plan.docx' },
      result: 'failure',
      description: 'Downloaded plan.docx',
      actorGroups: [],
      raw: record,
    })
  })

  it.each<[string, Record<string, unknown>, (a: Activity) => unknown, unknown]>([
    ['an actor known only by source id', { actor: { sourceId: 'obj-9' } }, (a) => a.actor, { upn: null, displayName: null, sourceId: 'obj-9', type: 'user' }],
    ['an action with only a name', { action: { name: 'New-InboxRule' } }, (a) => a.action, { type: 'New-InboxRule', name: 'New-InboxRule' }],
    ['an action with only a type', { action: { type: 'login' } }, (a) => a.action, { type: 'login', name: 'login' }],
    ['a top-level userAgent', { userAgent: 'Mozilla/5.0' }, (a) => a.device.userAgent, 'Mozilla/5.0'],
    ['device.userAgent over the top-level one', { userAgent: 'top', device: { userAgent: 'device' } }, (a) => a.device.userAgent, 'device'],
    ['nulls as absent values', { ip: null, location: null, result: null, description: null }, (a) => [a.ip, a.location, a.result, a.description], [null, { country: null, city: null }, 'unknown', null]],
    ['empty free text as no value', { location: { city: '' }, target: { name: '' }, description: '' }, (a) => [a.location.city, a.target.name, a.description], [null, null, null]],
    ['a time with an offset', { time: '2024-05-01T14:00:00.250+02:00' }, (a) => a.time, Date.UTC(2024, 4, 1, 12, 0, 0, 250)],
    ['a time one day ahead of receipt', { time: RECEIVED + 86_400_000 }, (a) => a.time, RECEIVED + 86_400_000],
    ['the epoch itself', { time: 0 }, (a) => a.time, 0],
    ['an IPv4 address', { ip: '10.1.2.3' }, (a) => a.ip, '10.1.2.3'],
    ['a description of 64 KiB', { description: 'd'.repeat(60_000) }, (a) => a.description?.length, 60_000],
  ])('should accept %s', (_, change, pick, expected) => {
    expect(pick(normalized({ ...MINIMAL, ...change }))).toEqual(expected)
  })

  it.each<[string, unknown, string, string]>([
    ['a record that is not an object', ['x'], '', 'must be a JSON object'],
    ['null', null, '', 'must be a JSON object'],
    ['a missing time', { ...MINIMAL, time: undefined }, '/time', 'required'],
    ['a time in words', { ...MINIMAL, time: 'yesterday' }, '/time', 'not an ISO 8601 timestamp with a time zone or ms epoch'],
    ['a time without a zone', { ...MINIMAL, time: '2024-05-01T12:00:00' }, '/time', 'not an ISO 8601 timestamp with a time zone or ms epoch'],
    ['a fractional ms time', { ...MINIMAL, time: 1.5 }, '/time', 'not an ISO 8601 timestamp with a time zone or ms epoch'],
    ['a time as a boolean', { ...MINIMAL, time: true }, '/time', 'not an ISO 8601 timestamp with a time zone or ms epoch'],
    ['a time before 1970', { ...MINIMAL, time: '1969-12-31T23:59:59Z' }, '/time', 'is before 1970'],
    ['a time too far ahead', { ...MINIMAL, time: RECEIVED + 86_400_001 }, '/time', 'is more than 1 day in the future'],
    ['a missing actor', { ...MINIMAL, actor: undefined }, '/actor', 'required'],
    ['an actor that is a string', { ...MINIMAL, actor: 'alice' }, '/actor', 'must be an object'],
    ['an actor without upn or source id', { ...MINIMAL, actor: { displayName: 'Alice' } }, '/actor/upn', 'required (or /actor/sourceId)'],
    ['an upn that is a number', { ...MINIMAL, actor: { upn: 42 } }, '/actor/upn', 'must be a string'],
    ['an empty upn', { ...MINIMAL, actor: { upn: '', sourceId: 'x' } }, '/actor/upn', 'must not be empty'],
    ['an upn too long', { ...MINIMAL, actor: { upn: 'u'.repeat(4097) } }, '/actor/upn', 'is longer than 4096 characters'],
    ['an unknown actor type', { ...MINIMAL, actor: { upn: 'a', type: 'robot' } }, '/actor/type', 'must be one of user, application, system'],
    ['a missing app', { ...MINIMAL, app: undefined }, '/app', 'required'],
    ['an empty app', { ...MINIMAL, app: '' }, '/app', 'must not be empty'],
    ['an app that is an object', { ...MINIMAL, app: { name: 'x' } }, '/app', 'must be a string'],
    ['a missing action', { ...MINIMAL, action: undefined }, '/action', 'required'],
    ['an action that is a number', { ...MINIMAL, action: 5 }, '/action', 'must be a string or an object with type and name'],
    ['an empty action object', { ...MINIMAL, action: {} }, '/action/type', 'required (or /action/name)'],
    ['an action name that is a list', { ...MINIMAL, action: { type: 'x', name: ['y'] } }, '/action/name', 'must be a string'],
    ['an empty id', { ...MINIMAL, id: '' }, '/id', 'must not be empty'],
    ['an id too long', { ...MINIMAL, id: 'i'.repeat(257) }, '/id', 'is longer than 256 characters'],
    ['an id that is a number', { ...MINIMAL, id: 5 }, '/id', 'must be a string'],
    ['an ip that is not an address', { ...MINIMAL, ip: '300.1.2.3' }, '/ip', 'must be an IPv4 or IPv6 address'],
    ['an ip with a port', { ...MINIMAL, ip: '1.2.3.4:443' }, '/ip', 'must be an IPv4 or IPv6 address'],
    ['an ip with a zone', { ...MINIMAL, ip: 'fe80::1%eth0' }, '/ip', 'must be an IPv4 or IPv6 address'],
    ['a location that is a string', { ...MINIMAL, location: 'Berlin' }, '/location', 'must be an object'],
    ['a country name', { ...MINIMAL, location: { country: 'Germany' } }, '/location/country', 'must be an ISO 3166-1 alpha-2 country code (two letters)'],
    ['a city too long', { ...MINIMAL, location: { city: 'c'.repeat(4097) } }, '/location/city', 'is longer than 4096 characters'],
    ['a device type that is a number', { ...MINIMAL, device: { type: 1 } }, '/device/type', 'must be a string'],
    ['a user agent that is an object', { ...MINIMAL, userAgent: { name: 'x' } }, '/userAgent', 'must be a string'],
    ['a target that is a list', { ...MINIMAL, target: [] }, '/target', 'must be an object'],
    ['a target id that is a number', { ...MINIMAL, target: { id: 5 } }, '/target/id', 'must be a string'],
    ['an unknown result', { ...MINIMAL, result: 'ok' }, '/result', 'must be one of success, failure, unknown'],
    ['a description over 64 KiB', { ...MINIMAL, description: 'd'.repeat(65_537) }, '/description', 'is longer than 65536 characters'],
    ['a large extra field', { ...MINIMAL, payload: 'p'.repeat(MAX_RECORD_BYTES) }, '/payload', `over the limit of ${MAX_RECORD_BYTES}`],
    ['many small extra fields', { ...MINIMAL, ...Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 'vvvvvvvvvv'])) }, '', `over the limit of ${MAX_RECORD_BYTES}`],
    ['a nested raw field that fills the record', { ...MINIMAL, details: { blob: 'é'.repeat(600_000) } }, '/details', `over the limit of ${MAX_RECORD_BYTES}`],
  ])('should refuse %s', (_, record, field, reason) => {
    const result = normalizeVeilRecord(record, CONTEXT)
    expect(result).toEqual({ ok: false, error: { index: 7, field, reason: expect.stringContaining(reason) as string } })
  })

  it('should name the first bad field', () => {
    const result = normalizeVeilRecord({ time: 'x', actor: 5, app: 6 }, CONTEXT)
    expect(result.ok ? null : result.error.field).toBe('/time')
  })

  it('should derive the same id from the same record, whatever its key order', () => {
    const a = normalized({ time: 1, actor: { upn: 'a', type: 'user' }, app: 'x', action: 'y', extra: { b: 1, a: 2 } })
    const b = normalized({ extra: { a: 2, b: 1 }, action: 'y', app: 'x', actor: { type: 'user', upn: 'a' }, time: 1 })
    const c = normalized({ time: 1, actor: { upn: 'a', type: 'user' }, app: 'x', action: 'y', extra: { b: 1, a: 3 } })
    expect(a.id).toBe(b.id)
    expect(a.id).not.toBe(c.id)
  })

  it('should never throw, and either give an activity or name a field', () => {
    const anything = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          time: fc.oneof(fc.jsonValue(), fc.integer(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
          actor: fc.oneof(fc.jsonValue(), fc.record({ upn: fc.jsonValue(), sourceId: fc.jsonValue(), type: fc.jsonValue() }, { requiredKeys: [] })),
          app: fc.jsonValue(),
          action: fc.oneof(fc.jsonValue(), fc.record({ type: fc.jsonValue(), name: fc.jsonValue() }, { requiredKeys: [] })),
          ip: fc.oneof(fc.ipV4(), fc.ipV6(), fc.jsonValue()),
          location: fc.jsonValue(),
          result: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
    )
    fc.assert(
      fc.property(anything, (record) => {
        const result = normalizeVeilRecord(record, CONTEXT)
        if (result.ok) {
          expect(result.activity.source).toBe('veil')
          expect(validateSchema(record)).toBe(true)
        } else {
          expect(result.error.index).toBe(7)
          expect(result.error.field).toMatch(/^(\/.*)?$/)
          expect(result.error.reason.length).toBeGreaterThan(0)
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('should not throw on values JSON cannot hold', () => {
    const cyclic: Record<string, unknown> = { ...MINIMAL }
    cyclic.self = cyclic
    for (const record of [cyclic, { ...MINIMAL, big: 10n }, { ...MINIMAL, id: undefined, nested: nest(20_000) }]) {
      const result = normalizeVeilRecord(record, CONTEXT)
      expect(result.ok).toBe(false)
    }
  })
})

function nest(depth: number): unknown {
  let value: unknown = 0
  for (let i = 0; i < depth; i += 1) {
    value = [value]
  }
  return value
}

const text = (max: number) => fc.string({ minLength: 1, maxLength: max })
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null })
const validRecord = fc.record(
  {
    id: text(256),
    time: fc.oneof(
      fc.integer({ min: 0, max: RECEIVED + 86_400_000 }),
      fc.integer({ min: 0, max: RECEIVED }).map((ms) => new Date(ms).toISOString()),
    ),
    actor: fc.oneof(
      fc.record({ upn: fc.emailAddress(), sourceId: optional(text(40)), displayName: optional(fc.string()), type: fc.constantFrom(...ACTOR_TYPES) }, { requiredKeys: ['upn'] }),
      fc.record({ sourceId: text(40), type: fc.constantFrom(...ACTOR_TYPES) }, { requiredKeys: ['sourceId'] }),
    ),
    app: text(40),
    action: fc.oneof(text(40), fc.record({ type: text(40), name: text(40) }, { requiredKeys: [] }).filter((a) => a.type !== undefined || a.name !== undefined)),
    ip: optional(fc.oneof(fc.ipV4(), fc.ipV6())),
    location: fc.record({ country: optional(fc.stringMatching(/^[A-Za-z]{2}$/)), city: optional(fc.string()) }, { requiredKeys: [] }),
    device: fc.record({ type: optional(fc.string()), userAgent: optional(fc.string()) }, { requiredKeys: [] }),
    userAgent: fc.string(),
    target: fc.record({ type: optional(fc.string()), id: optional(fc.string()), name: optional(fc.string()) }, { requiredKeys: [] }),
    result: fc.constantFrom(...ACTIVITY_RESULTS),
    description: optional(fc.string({ maxLength: 200 })),
    extra: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['time', 'actor', 'app', 'action'] },
)

describe('normalizeVeilRecord round trip', () => {
  it('should accept every generated valid record, as the schema does', () => {
    fc.assert(
      fc.property(validRecord, (record) => {
        expect(normalizeVeilRecord(record, CONTEXT).ok).toBe(true)
        expect(validateSchema(record)).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it('should give the same activity back from activityToVeilRecord', () => {
    fc.assert(
      fc.property(validRecord, (record) => {
        const first = normalized(record)
        const again = activityToVeilRecord(first)
        expect(validateSchema(again)).toBe(true)
        const second = normalized(again)
        expect({ ...second, raw: null }).toEqual({ ...first, raw: null })
      }),
      { numRuns: 500 },
    )
  })
})

describe('splitRecords', () => {
  it.each<[string, string, unknown[], number[], string]>([
    ['a JSON array', '[{"a":1},{"a":2}]', [{ a: 1 }, { a: 2 }], [0, 1], 'json'],
    ['a pretty-printed JSON array', '[\n  {"a": 1},\n  2\n]\n', [{ a: 1 }, 2], [0, 1], 'json'],
    ['one pretty-printed object', '{\n  "a": 1\n}', [{ a: 1 }], [0], 'json'],
    ['NDJSON', '{"a":1}\n{"a":2}\n', [{ a: 1 }, { a: 2 }], [0, 1], 'ndjson'],
    ['NDJSON with CRLF, blank lines and a BOM', '\uFEFF{"a":1}\r\n\r\n   \n{"a":2}', [{ a: 1 }, { a: 2 }], [0, 1], 'ndjson'],
    ['an empty body', '', [], [], 'ndjson'],
    ['NDJSON of scalars', '1\n"x"\nnull', [1, 'x', null], [0, 1, 2], 'ndjson'],
  ])('should split %s', (_, body, records, indexes, format) => {
    const result = splitRecords(body)
    expect(result).toMatchObject({ records, indexes, errors: [], format })
    expect(result.bytes).toHaveLength(records.length)
  })

  it('should keep the good lines of NDJSON and report each bad one with its index and line', () => {
    const result = splitRecords('{"a":1}\n\n{"a":\n{"a":3}\nnot json\n')
    expect(result.records).toEqual([{ a: 1 }, { a: 3 }])
    expect(result.indexes).toEqual([0, 2])
    expect(result.bytes).toEqual([7, 7])
    expect(result.errors).toEqual([
      { index: 1, field: '', reason: expect.stringMatching(/^line 3 is not valid JSON: /) as string },
      { index: 3, field: '', reason: expect.stringMatching(/^line 5 is not valid JSON: /) as string },
    ])
  })

  it('should report a broken JSON array as a whole', () => {
    const result = splitRecords('[{"a":1},\n{"a":2')
    expect(result.records).toEqual([])
    expect(result.format).toBe('json')
    expect(result.errors).toEqual([{ index: 0, field: '', reason: expect.stringContaining('the body is not valid JSON') as string }])
  })

  it.each<[string, 'json' | 'ndjson', string, number, number]>([
    ['NDJSON forced on an array line', 'ndjson', '[1,2]\n[3]', 2, 0],
    ['JSON forced on NDJSON', 'json', '{"a":1}\n{"a":2}', 0, 1],
  ])('should honour %s', (_, format, body, records, errors) => {
    const result = splitRecords(body, format)
    expect([result.records.length, result.errors.length, result.format]).toEqual([records, errors, format])
  })

  it('should never throw, and account for every non-empty line of NDJSON', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.json(), fc.string()), { maxLength: 20 }), (lines) => {
        const body = lines.join('\n')
        const result = splitRecords(body)
        expect(result.records).toHaveLength(result.indexes.length)
        if (result.format === 'ndjson') {
          const nonEmpty = body.replace(/^\uFEFF/, '').split('\n').filter((l) => l.trim() !== '').length
          expect(result.records.length + result.errors.length).toBe(nonEmpty)
        }
        for (const error of result.errors) {
          expect(error.field).toBe('')
          expect(error.reason.length).toBeGreaterThan(0)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('should never throw on arbitrary strings, and every record normalizes without throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), (body) => {
        const result = splitRecords(body)
        result.records.forEach((record, i) => {
          const normalizedRecord = normalizeVeilRecord(record, { index: result.indexes[i] as number, receivedAt: RECEIVED })
          expect(normalizedRecord.ok || normalizedRecord.error.field !== undefined).toBe(true)
        })
      }),
      { numRuns: 500 },
    )
  })
})

describe('isVeilRecord', () => {
  it.each<[string, unknown, boolean]>([
    ['a Veil record', MINIMAL, true],
    ['a Veil record missing its time', { ...MINIMAL, time: undefined }, true],
    ['only a time', { time: 1 }, false],
    ['a GitHub audit event', { action: 'repo.create', actor: 'octocat', created_at: 1 }, false],
    ['an Okta System Log event', { actor: { id: 'x', type: 'User' }, eventType: 'user.session.start', published: '2024-05-01T00:00:00Z' }, false],
    ['a Microsoft 365 record', { CreationTime: '2015-06-29T20:03:19', Operation: 'UserLoggedIn', UserId: 'a@b.c' }, false],
    ['an array', [MINIMAL], false],
    ['a string', 'x', false],
  ])('should tell %s (%#)', (_, record, expected) => {
    expect(isVeilRecord(record)).toBe(expected)
  })
})
