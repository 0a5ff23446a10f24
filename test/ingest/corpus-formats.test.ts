/**
 * The native formats against real samples of each product: the copies in `test/fixtures/corpus` always,
 * and the shared corpus beside the repository when it is there (it holds more, and the oracle files).
 *
 * For every sample: no format but its product's detects it; each of its events becomes a well-formed
 * activity, or a per-record error that is explained — the field it names is really missing or really
 * unreadable in the sample. Where the corpus has a pipeline's expected output, Veil's user, address,
 * action, time and result agree with it (differences are documented in docs/ingest-formats.md).
 */
import { describe, expect, it } from 'vitest'
import { NATIVE_FORMATS } from '../../src/ingest/formats/native-formats.js'
import { parseSourceTime } from '../../src/ingest/formats/normalize-support.js'
import { veilFormat } from '../../src/ingest/veil/veil-ingest-format.js'
import { expectWellFormed } from './activity-checks.js'
import { normalizeRecord } from './normalize-record.js'
import { atPointer, corpusPresent, FIXTURE_CORPUS, loadSamples, PRODUCT_FORMATS, SHARED_CORPUS, type Sample } from './corpus.js'

const RECEIVED_AT = Date.UTC(2026, 11, 31)
const FORMATS = [veilFormat, ...NATIVE_FORMATS]
const OUR_PRODUCTS = Object.keys(PRODUCT_FORMATS)

function label(sample: Sample): string {
  return `${sample.file} ${sample.position}`
}

function corpusSuite(name: string, root: string, minimum: Readonly<Record<string, number>>): void {
  const present = corpusPresent(root)
  describe.skipIf(!present)(present ? name : `${name} — skipped: ${root} does not exist`, () => {
    const samples = present ? loadSamples(root) : []
    const ours = samples.filter((s) => OUR_PRODUCTS.includes(s.product))

    it('should hold samples of every product', () => {
      for (const product of OUR_PRODUCTS) {
        expect(ours.filter((s) => s.product === product).length, product).toBeGreaterThan(0)
      }
    })

    it("should detect each product's samples as that product's format and no other", () => {
      const wrong: string[] = []
      for (const sample of samples) {
        const detected = FORMATS.filter((f) => f.detect(sample.value)).map((f) => f.name)
        const allowed = PRODUCT_FORMATS[sample.product] ?? []
        // Veil's own format is loose (two of time/actor/app/action); it must still never take one of ours.
        const native = detected.filter((f) => f !== 'veil')
        if (detected.length > 1 || native.some((f) => !allowed.includes(f)) || (allowed.length > 0 && detected.includes('veil'))) {
          wrong.push(`${label(sample)}: ${detected.join('+')}`)
        }
      }
      expect(wrong).toEqual([])
    })

    it('should leave undetected only fragments that lack the time of their product', () => {
      const TIME_KEYS: Readonly<Record<string, readonly string[]>> = {
        'aws-cloudtrail': ['/eventTime', '/@timestamp'],
        'github-audit-log': ['/@timestamp', '/created_at'],
        'google-workspace-reports': ['/id/time'],
        'okta-system-log': ['/published'],
        'm365-management-activity': ['/CreationTime'],
        'entra-id': ['/time', '/properties/createdDateTime', '/properties/activityDateTime'],
      }
      const undetected = ours.filter((s) => !FORMATS.some((f) => f.detect(s.value)))
      for (const sample of undetected) {
        const times = (TIME_KEYS[sample.product] ?? []).map((p) => atPointer(sample.value, p))
        expect(times.every((t) => parseSourceTime(t, { epochMs: true }) === null), label(sample)).toBe(true)
      }
      expect(undetected.length).toBeLessThanOrEqual(ours.length * 0.05)
    })

    it('should turn every event into a well-formed activity or an explained error', () => {
      const accepted: Record<string, number> = {}
      for (const sample of ours) {
        const outcomes = normalizeRecord(NATIVE_FORMATS, sample.value, RECEIVED_AT) ?? []
        for (const outcome of outcomes) {
          if (outcome.result.ok) {
            expectWellFormed(outcome.result.activity, outcome.format)
            expect(PRODUCT_FORMATS[sample.product]).toContain(outcome.format)
            accepted[sample.product] = (accepted[sample.product] ?? 0) + 1
            continue
          }
          const { field, reason } = outcome.result.error
          const value = atPointer(outcome.value, field)
          const where = `${label(sample)}${outcome.pointer}: ${field} ${reason}`
          if (reason.startsWith('required')) {
            // A required field may be present only under a name Veil reads too (lower-cased keys); absent here.
            expect(value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0), where).toBe(true)
          } else if (reason.startsWith('not ')) {
            expect(value !== undefined && parseSourceTime(value, { epochMs: true }) === null, where).toBe(true)
          } else {
            expect.fail(`unexpected rejection: ${where}`)
          }
        }
      }
      for (const [product, count] of Object.entries(minimum)) {
        expect(accepted[product] ?? 0, product).toBeGreaterThanOrEqual(count)
      }
    })

    it('should give an event the same id every time it is normalized', () => {
      for (const sample of ours) {
        const first = (normalizeRecord(NATIVE_FORMATS, sample.value, RECEIVED_AT) ?? []).map((o) => (o.result.ok ? o.result.activity.id : null))
        const again = (normalizeRecord(NATIVE_FORMATS, structuredClone(sample.value), RECEIVED_AT + 1) ?? []).map((o) => (o.result.ok ? o.result.activity.id : null))
        expect(again, label(sample)).toEqual(first)
      }
    })

    it('should normalize each sample with its format named as with the format detected', () => {
      for (const sample of ours) {
        const detected = normalizeRecord(NATIVE_FORMATS, sample.value, RECEIVED_AT)
        if (detected === null) {
          continue
        }
        const named = NATIVE_FORMATS.find((f) => f.name === detected[0]?.format)
        expect(normalizeRecord(NATIVE_FORMATS, sample.value, RECEIVED_AT, named), label(sample)).toEqual(detected)
      }
    })

    it("should never take another product's sample for one of ours", () => {
      for (const sample of samples.filter((s) => !OUR_PRODUCTS.includes(s.product))) {
        expect(NATIVE_FORMATS.filter((f) => f.detect(sample.value)).map((f) => f.name), label(sample)).toEqual([])
      }
    })
  })
}

// How many events each corpus turns into activities today: a format that starts refusing real events fails here.
corpusSuite('fixture corpus (Apache-2.0 copies)', FIXTURE_CORPUS, {
  'aws-cloudtrail': 90,
  'entra-id': 48,
  'github-audit-log': 89,
  'google-workspace-reports': 94,
  'm365-management-activity': 19,
  'okta-system-log': 70,
})

corpusSuite('shared corpus', SHARED_CORPUS, {
  'aws-cloudtrail': 569,
  'entra-id': 62,
  'github-audit-log': 89,
  'google-workspace-reports': 112,
  'm365-management-activity': 25,
  'okta-system-log': 70,
})

const ORACLE_TITLE = 'shared corpus: agreement with the expected output of another pipeline'
describe.skipIf(!corpusPresent(SHARED_CORPUS))(corpusPresent(SHARED_CORPUS) ? ORACLE_TITLE : `${ORACLE_TITLE} — skipped: ${SHARED_CORPUS} does not exist`, () => {
  const samples = corpusPresent(SHARED_CORPUS) ? loadSamples(SHARED_CORPUS, OUR_PRODUCTS).filter((s) => s.expected !== undefined) : []

  it('should have expected documents to compare with', () => {
    expect(samples.length).toBeGreaterThanOrEqual(3)
  })

  it('should agree on user, source address, action, time and outcome', () => {
    for (const sample of samples) {
      const expected = sample.expected as { '@timestamp': string; user?: { name?: string; id?: string }; source?: { ip?: string }; event?: { action?: string; outcome?: string } }
      const [outcome] = normalizeRecord(NATIVE_FORMATS, sample.value, RECEIVED_AT) ?? []
      if (!outcome?.result.ok) {
        throw new Error(`${label(sample)} was not accepted`)
      }
      const a = outcome.result.activity
      expect(a.time, label(sample)).toBe(Date.parse(expected['@timestamp']))
      expect(a.ip).toBe(expected.source?.ip ?? null)
      expect(a.action.name).toBe(expected.event?.action)
      expect(a.result).toBe(expected.event?.outcome ?? 'unknown')
      // The user's name is Veil's display name; Veil's UPN is the same name lower-cased (or the
      // email-like role session, which the expected output does not carry).
      expect(a.actor.displayName).toBe(expected.user?.name)
      expect(a.actor.upn).toBe(expected.user?.name?.toLowerCase())
      expect(a.actor.sourceId).toBe(expected.user?.id)
    }
  })
})
