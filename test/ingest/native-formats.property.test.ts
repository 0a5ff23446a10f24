/**
 * No input breaks a native format: arbitrary JSON, and real samples with any one value replaced or
 * removed, always give either a well-formed activity or a per-record error naming a field. Unknown
 * and missing optional fields never reject a record.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NATIVE_FORMATS } from '../../src/ingest/formats/native-formats.js'
import type { IngestFormat } from '../../src/ingest/ingest-format.js'
import { expectWellFormed } from './activity-checks.js'
import { FIXTURE_CORPUS, loadSamples, PRODUCT_FORMATS } from './corpus.js'
import { normalizeRecord } from './normalize-record.js'

const RECEIVED_AT = Date.UTC(2026, 11, 31)
const SAMPLES = loadSamples(FIXTURE_CORPUS, Object.keys(PRODUCT_FORMATS)).map((s) => s.value)

function check(format: IngestFormat, record: unknown): void {
  for (const outcome of normalizeRecord(NATIVE_FORMATS, record, RECEIVED_AT, format) ?? []) {
    if (outcome.result.ok) {
      expectWellFormed(outcome.result.activity, outcome.format)
    } else {
      expect(outcome.result.error.field).toMatch(/^(\/.*)?$/)
      expect(outcome.result.error.reason.length).toBeGreaterThan(0)
    }
  }
}

/** Every path to a value inside a JSON value. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') {
    return [prefix]
  }
  const entries = Array.isArray(value) ? value.map((v, i): [number, unknown] => [i, v]) : Object.entries(value)
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))]
}

function replaced(value: unknown, path: readonly (string | number)[], by: unknown, remove: boolean): unknown {
  if (path.length === 0) {
    return by
  }
  const copy = structuredClone(value) as Record<string | number, unknown>
  let node: Record<string | number, unknown> = copy
  for (const key of path.slice(0, -1)) {
    node = node[key] as Record<string | number, unknown>
  }
  const last = path[path.length - 1] as string | number
  if (remove && !Array.isArray(node)) {
    delete node[last]
  } else {
    node[last] = by
  }
  return copy
}

describe('native formats on bad input', () => {
  it.each(NATIVE_FORMATS.map((f) => [f.name, f] as const))('%s should never throw on arbitrary JSON', (_, format) => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything(), fc.dictionary(fc.constantFrom('eventTime', 'CreationTime', 'published', 'id', 'actor', 'action', 'events', 'Records', 'properties', 'userIdentity', 'created_at', 'time'), fc.jsonValue())), (record) => {
        check(format, record)
      }),
      { numRuns: 300 },
    )
  })

  it('should never throw on a real sample with one value replaced or removed, under any format', () => {
    fc.assert(
      fc.property(fc.nat(SAMPLES.length - 1), fc.nat(), fc.jsonValue({ maxDepth: 2 }), fc.boolean(), fc.nat(NATIVE_FORMATS.length - 1), (which, where, by, remove, f) => {
        const sample = SAMPLES[which]
        const all = paths(sample)
        const mutated = replaced(sample, all[where % all.length] ?? [], by, remove)
        check(NATIVE_FORMATS[f] as IngestFormat, mutated)
      }),
      { numRuns: 2000 },
    )
  })

  it('should accept a real event with any unknown field added', () => {
    fc.assert(
      fc.property(fc.nat(SAMPLES.length - 1), fc.string({ minLength: 1 }).filter((k) => !['__proto__', 'constructor'].includes(k)), fc.jsonValue(), (which, key, value) => {
        const sample = SAMPLES[which]
        const before = normalizeRecord(NATIVE_FORMATS, sample, RECEIVED_AT)
        if (before === null || before.some((o) => !o.result.ok) || typeof sample !== 'object' || sample === null || key in sample || key.toLowerCase() in sample) {
          return
        }
        const after = normalizeRecord(NATIVE_FORMATS, { ...sample, [`x-${key}`]: value }, RECEIVED_AT)
        expect(after?.map((o) => o.result.ok)).toEqual(before.map(() => true))
      }),
      { numRuns: 500 },
    )
  })
})
