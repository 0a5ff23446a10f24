import { describe, expect, it } from 'vitest'
import { buildActivity } from '../../../test/helpers/factories.js'
import { HIDE_PRIVATE, type Disclosure } from './decide-disclosure.js'
import { EXPORT_COLUMNS, PRIVATE_ACTIVITY_PLACEHOLDER, PRIVATE_COLUMN, exportCells, exportHeader, exportObject, exportRowOf } from './export-row.js'

const REVEALING: Disclosure = { includePrivate: true, justification: 'Case 4711: works council request' }
const TIME = Date.UTC(2026, 10, 20, 12, 0, 0, 250)
/** A sealed row as the store returns it: the export must read its time and nothing else. */
const SEALED = { isPrivate: true as const, id: 'private-id-1', time: TIME, sealed: Buffer.from('ciphertext of anna.hr@contoso.com') }

describe('exportRowOf', () => {
  it('should export a public activity whole, with or without a reveal', () => {
    const activity = buildActivity()
    expect(exportRowOf({ isPrivate: false, activity }, HIDE_PRIVATE)).toEqual({ kind: 'activity', activity })
    expect(exportRowOf({ isPrivate: false, activity }, REVEALING)).toEqual({ kind: 'activity', activity })
  })

  it('should make a private activity in a revealing export a placeholder with its time only', () => {
    const row = exportRowOf(SEALED, REVEALING)
    expect(row).toEqual({ kind: 'placeholder', time: TIME })
    expect(JSON.stringify(row)).not.toContain('private-id-1')
  })

  it('should fail closed when a private activity reaches an export that does not reveal', () => {
    expect(() => exportRowOf(SEALED, HIDE_PRIVATE)).toThrow('A private activity reached an export that does not reveal')
  })
})

describe('export columns', () => {
  const activity = buildActivity({
    id: 'a-1',
    time: TIME,
    receivedAt: TIME + 1000,
    actor: { upn: 'ann@example.com', displayName: 'Ann', type: 'user' },
    target: { type: 'file', id: 'f-1', name: 'plan.docx' },
    location: { country: 'DE', city: null },
  })

  it('should line cells up with the header, empty where there is no value', () => {
    const cells = exportCells({ kind: 'activity', activity }, false)
    expect(cells).toHaveLength(EXPORT_COLUMNS.length)
    const byColumn = Object.fromEntries(exportHeader(false).map((column, i) => [column, cells[i]]))
    expect(byColumn).toMatchObject({ id: 'a-1', time: '2026-11-20T12:00:00.250Z', receivedAt: '2026-11-20T12:00:01.250Z', actorUpn: 'ann@example.com', country: 'DE', city: '', targetName: 'plan.docx', source: 'veil' })
  })

  it('should add the private column only to a revealing export, true on placeholders', () => {
    expect(exportHeader(true)).toEqual([...EXPORT_COLUMNS, PRIVATE_COLUMN])
    expect(exportCells({ kind: 'activity', activity }, true).at(-1)).toBe('false')
    const placeholder = exportCells({ kind: 'placeholder', time: TIME }, true)
    expect(placeholder.filter((cell) => cell !== '')).toEqual(['2026-11-20T12:00:00.250Z', PRIVATE_ACTIVITY_PLACEHOLDER, 'true'])
    expect(placeholder[EXPORT_COLUMNS.indexOf('description')]).toBe(PRIVATE_ACTIVITY_PLACEHOLDER)
  })

  it('should give NDJSON objects in the ingest format, and placeholders with time and marker only', () => {
    expect(exportObject({ kind: 'activity', activity }, false)).toMatchObject({ id: 'a-1', time: '2026-11-20T12:00:00.250Z', actor: { upn: 'ann@example.com' }, action: { type: 'login', name: 'UserLoggedIn' } })
    expect(exportObject({ kind: 'activity', activity }, false)).not.toHaveProperty('private')
    expect(exportObject({ kind: 'activity', activity }, true)).toHaveProperty('private', false)
    expect(exportObject({ kind: 'placeholder', time: TIME }, true)).toEqual({ time: '2026-11-20T12:00:00.250Z', private: true, description: PRIVATE_ACTIVITY_PLACEHOLDER })
  })
})
