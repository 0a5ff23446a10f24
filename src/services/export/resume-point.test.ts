import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { EXPORT_COLUMNS } from '../../core/privacy/export-row.js'
import { findResumePoint } from './resume-point.js'

const dir = mkdtempSync(join(tmpdir(), 'veil-resume-point-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let files = 0
function file(content: string): string {
  const path = join(dir, `export-${(files += 1)}`)
  writeFileSync(path, content)
  return path
}

const HEADER = `\uFEFF${EXPORT_COLUMNS.join(',')},private\r\n`
const row = (id: string, description = 'plain') => `${[id, '2024-05-01T12:00:00.000Z', ...EXPORT_COLUMNS.slice(2, -2).map(() => ''), description, 'veil', 'false'].join(',')}\r\n`
const bytes = (text: string) => Buffer.byteLength(text)

describe('findResumePoint', () => {
  it('should find the end of the last complete CSV row with an id (BOM, multi-line cells, placeholders, a cut row)', async () => {
    const kept = HEADER + row('a-1') + row('a-2', '"two\r\nlines, ünïcode"')
    const placeholder = `${['', '2024-05-01T11:00:00.000Z', ...EXPORT_COLUMNS.slice(2, -2).map(() => ''), 'Private activity', '', 'true'].join(',')}\r\n`
    expect(await findResumePoint(file(kept + placeholder + row('a-3').slice(0, 20)), 'csv')).toEqual({ id: 'a-2', bytes: bytes(kept) })
    // Cut inside a quoted cell, and cut just before the line feed.
    expect(await findResumePoint(file(kept + row('a-3', '"never closed').slice(0, -12)), 'csv')).toEqual({ id: 'a-2', bytes: bytes(kept) })
    expect(await findResumePoint(file(kept + row('a-3').slice(0, -1)), 'csv')).toEqual({ id: 'a-2', bytes: bytes(kept) })
    expect(await findResumePoint(file(kept + row('a-3')), 'csv')).toEqual({ id: 'a-3', bytes: bytes(kept + row('a-3')) })
    // An id that was neutralized ('-x) is given back as it is.
    expect(await findResumePoint(file(HEADER + row("'-x")), 'csv')).toEqual({ id: '-x', bytes: bytes(HEADER + row("'-x")) })
  })

  it('should find nothing in a file without a complete row', async () => {
    expect(await findResumePoint(file(''), 'csv')).toBeNull()
    expect(await findResumePoint(file(HEADER), 'csv')).toBeNull()
    expect(await findResumePoint(file(HEADER + row('a-1').slice(0, 10)), 'csv')).toBeNull()
    expect(await findResumePoint(file('{"id":"a-1","ti'), 'ndjson')).toBeNull()
  })

  it('should find the last complete NDJSON line with an id', async () => {
    const kept = '{"id":"a-1","description":"ü"}\n{"id":"a-2"}\n'
    expect(await findResumePoint(file(`${kept}{"time":"x","private":true,"description":"Private activity"}\n{"id":"a-3","desc`), 'ndjson')).toEqual({ id: 'a-2', bytes: bytes(kept) })
    expect(await findResumePoint(file(`${kept}{"id":"a-3"}`), 'ndjson')).toEqual({ id: 'a-2', bytes: bytes(kept) })
  })
})
