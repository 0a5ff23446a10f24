import { parse } from 'csv-parse/sync'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EXPORT_COLUMNS } from '../../core/privacy/export-row.js'
import { buildActivity } from '../../../test/helpers/factories.js'
import { createExportEncoder, neutralizeFormula, restoreNeutralizedCell } from './export-encoder.js'

describe('neutralizeFormula', () => {
  it('should prefix the OWASP formula triggers and a leading quote, and leave other cells alone', () => {
    expect(['=1+2', '+1', '-1', '@SUM(A1)', '\tx', '\rx', "'x"].map(neutralizeFormula)).toEqual(["'=1+2", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "''x"])
    expect(['', 'a=1', ' =1', 'alice@contoso.com', '2024-05-01T12:00:00.000Z'].map(neutralizeFormula)).toEqual(['', 'a=1', ' =1', 'alice@contoso.com', '2024-05-01T12:00:00.000Z'])
  })

  it('should be undone exactly by restoreNeutralizedCell, for any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (cell) => restoreNeutralizedCell(neutralizeFormula(cell)) === cell))
  })
})

describe('createExportEncoder', () => {
  it('should write CSV that csv-parse reads back to the same cells, for any text', () => {
    const encoder = createExportEncoder('csv', { revealing: false, continuation: false, bom: false })
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 3, maxLength: 3 }), ([upn, description, city]) => {
        const activity = buildActivity({ id: 'a-1', actor: { upn: upn as string }, description: description as string, location: { city: city as string } })
        const rows = parse(encoder.begin() + encoder.encode([{ kind: 'activity', activity }]), { columns: true }) as Array<Record<string, string>>
        expect(rows).toHaveLength(1)
        const row = rows[0] as Record<string, string>
        expect(Object.keys(row)).toEqual([...EXPORT_COLUMNS])
        expect([row.actorUpn, row.description, row.city].map((c) => restoreNeutralizedCell(c ?? ''))).toEqual([upn, description, city])
      }),
    )
  })

  it('should leave out BOM and header row of a continuation, and mark a revealing file in its header', () => {
    expect(createExportEncoder('csv', { revealing: false, continuation: true, bom: true }).begin()).toBe('')
    expect(createExportEncoder('csv', { revealing: false, continuation: false, bom: true }).begin()).toBe(`\uFEFF${EXPORT_COLUMNS.join(',')}\r\n`)
    expect(createExportEncoder('csv', { revealing: true, continuation: false, bom: false }).begin()).toBe(`${EXPORT_COLUMNS.join(',')},private\r\n`)
    expect(createExportEncoder('ndjson', { revealing: true, continuation: false, bom: true }).begin()).toBe('')
  })
})
