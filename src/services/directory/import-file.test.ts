import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../core/errors.js'
import { detectImportFormat, parseImportFile } from './import-file.js'

describe('parseImportFile (CSV)', () => {
  it('should read a header in any order and case, a BOM, CRLF, quoted fields with commas, quotes and line breaks', () => {
    const text = '\ufeffUPN,Group,DisplayName,externalId\r\n' + 'a@contoso.com,"Sales, EMEA","Smith, ""Al""",E-1\r\n' + '\r\n' + 'b@contoso.com,HR,"Two\nLines",\r\n'
    const parsed = parseImportFile(text)
    expect(parsed.format).toBe('csv')
    expect(parsed.rejected).toEqual([])
    expect(parsed.rows).toEqual([
      { row: 1, group: 'Sales, EMEA', upn: 'a@contoso.com', displayName: 'Smith, "Al"', externalId: 'E-1' },
      { row: 2, group: 'HR', upn: 'b@contoso.com', displayName: 'Two\nLines', externalId: null },
    ])
  })

  it('should read the action column and reject unknown actions and rows of the wrong width per row', () => {
    const parsed = parseImportFile('group,upn,action\nHR,a@contoso.com,REMOVE\nHR,b@contoso.com,\nHR,c@contoso.com,delete\nHR,d@contoso.com\nHR,e@contoso.com,add,extra\n,,\n')
    expect(parsed.rows).toEqual([
      { row: 1, group: 'HR', upn: 'a@contoso.com', displayName: null, externalId: null, action: 'remove' },
      { row: 2, group: 'HR', upn: 'b@contoso.com', displayName: null, externalId: null },
    ])
    expect(parsed.rejected).toEqual([
      { row: 3, field: 'action', reason: '"delete" is not add or remove', group: 'HR' },
      { row: 4, field: 'row', reason: 'has 2 fields, the header has 3', group: 'HR' },
      { row: 5, field: 'row', reason: 'has 4 fields, the header has 3', group: 'HR' },
    ])
  })

  it.each([
    ['group,email\nHR,a@contoso.com', /found group,email \(missing upn; unknown "email"\)/],
    ['upn\na@contoso.com', /found upn \(missing group\)/],
    ['group,upn,upn\nHR,a,b', /repeated upn/],
    ['group;upn\nHR;a@contoso.com', /found group;upn/],
  ])('should refuse a CSV with wrong columns, naming expected and found ones: %j', (text, message) => {
    const error = (() => {
      try {
        parseImportFile(text)
      } catch (e) {
        return e
      }
      return null
    })()
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).message).toContain('group,upn[,displayName][,externalId][,action]')
    expect((error as ValidationError).message).toMatch(message)
    expect((error as ValidationError).details[0]?.field).toBe('header')
  })

  it('should refuse an empty file and broken quoting as a whole', () => {
    expect(() => parseImportFile('')).toThrow(ValidationError)
    expect(() => parseImportFile('\ufeff  \n')).toThrow(/empty/)
    expect(() => parseImportFile('group,upn\n"HR,a@contoso.com\n')).toThrow(/malformed/)
  })
})

describe('parseImportFile (JSON)', () => {
  it('should read a JSON array with per-row shape errors', () => {
    const parsed = parseImportFile(
      JSON.stringify([
        { group: 'HR', upn: 'a@contoso.com', displayName: 'A', externalId: null },
        { group: 'HR', upn: 'b@contoso.com', action: 'remove' },
        { group: 'HR' },
        { group: 'HR', upn: 5 },
        { group: 'HR', upn: 'c@contoso.com', gorup: 'x' },
        'nope',
        { group: 'HR', upn: 'd@contoso.com', action: 'drop' },
      ]),
    )
    expect(parsed.format).toBe('json')
    expect(parsed.rows).toEqual([
      { row: 1, group: 'HR', upn: 'a@contoso.com', displayName: 'A', externalId: null },
      { row: 2, group: 'HR', upn: 'b@contoso.com', displayName: null, externalId: null, action: 'remove' },
    ])
    expect(parsed.rejected).toEqual([
      { row: 3, field: 'upn', reason: 'is required', group: 'HR' },
      { row: 4, field: 'upn', reason: 'must be a string', group: 'HR' },
      { row: 5, field: 'gorup', reason: expect.stringContaining('not an import attribute'), group: 'HR' },
      { row: 6, field: 'row', reason: 'must be a JSON object with group and upn' },
      { row: 7, field: 'action', reason: '"drop" is not add or remove', group: 'HR' },
    ])
  })

  it('should read NDJSON, numbering non-blank lines, with a malformed line as a row error', () => {
    const parsed = parseImportFile('{"group":"HR","upn":"a@contoso.com"}\n\n{"group": "HR", "upn"\r\n{"group":"IT","upn":"b@contoso.com"}\n')
    expect(parsed.format).toBe('ndjson')
    expect(parsed.rows.map((r) => [r.row, r.group])).toEqual([
      [1, 'HR'],
      [3, 'IT'],
    ])
    expect(parsed.rejected).toEqual([{ row: 2, field: 'row', reason: expect.stringContaining('not valid JSON') }])
  })

  it('should refuse a malformed JSON array as a whole, and detect formats', () => {
    expect(() => parseImportFile('[{"group":"HR",')).toThrow(/JSON file is malformed/)
    expect(detectImportFormat('\ufeff  [')).toBe('json')
    expect(detectImportFormat('{"a":1}')).toBe('ndjson')
    expect(detectImportFormat('group,upn')).toBe('csv')
    // An explicit format wins over detection.
    expect(() => parseImportFile('[1]', 'csv')).toThrow(/CSV header/)
  })
})
