/**
 * `veil export` end to end, as an operator runs it: a real process on a real database, both engines
 * (side by side). Exports to a file and to standard output, filters, continuing a broken export file
 * with --resume, and the governance records with the initiator `cli`.
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { parse } from 'csv-parse/sync'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { EXPORT_COLUMNS } from '../../src/core/privacy/export-row.js'
import { veil } from '../helpers/cli.js'
import { createTestDatabase, postgresReachable, selectedStores } from '../helpers/pg.js'

const SECRET_KEY = 'c0ffee'.repeat(10) + 'c0ff'
const ROWS = 600
const NOW = Date.now()

const dir = mkdtempSync(join(tmpdir(), 'veil-export-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface ExportRecord {
  readonly initiator: string
  readonly status: string
  readonly details: Record<string, unknown>
}

async function exportRecords(engine: 'sqlite' | 'postgres', url: string): Promise<ExportRecord[]> {
  const sql = "select initiator, status, details from governance where action = 'activities.export' order by seq"
  let rows: Array<{ initiator: string; status: string; details: unknown }>
  if (engine === 'sqlite') {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true })
    rows = db.prepare(sql).all() as typeof rows
    db.close()
  } else {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    rows = (await client.query(sql)).rows as typeof rows
    await client.end()
  }
  return rows.map((r) => ({ ...r, details: (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as Record<string, unknown> }))
}

describe.concurrent('veil export', () => {
  for (const engine of selectedStores()) {
    it(`${engine}: should export to a file and to stdout, continue a broken file, and record each export`, async ({ skip }) => {
      if (engine === 'postgres' && !(await postgresReachable())) {
        skip()
      }
      const database = engine === 'postgres' ? await createTestDatabase() : null
      try {
        const env = { VEIL_DATABASE_URL: database?.url ?? `sqlite:${join(dir, 'veil.db')}`, VEIL_SECRET_KEY: SECRET_KEY }
        const file = (name: string) => join(dir, `${engine}-${name}`)
        const events = Array.from({ length: ROWS }, (_, i) => ({
          id: `cli-${String(i).padStart(4, '0')}`,
          time: new Date(NOW - 60_000 - i * 1000).toISOString(),
          actor: { upn: i % 5 === 0 ? 'fifth@contoso.com' : 'ann@contoso.com', displayName: 'Zoë' },
          app: 'Okta',
          action: 'login',
          description: i % 100 === 0 ? '=HYPERLINK("http://x"), with "quotes"\nand a second line' : `sign-in ${i}`,
        }))
        writeFileSync(file('in.ndjson'), events.map((e) => JSON.stringify(e)).join('\n'))
        const ingested = await veil(env, ['ingest', file('in.ndjson')])
        expect(ingested.stdout, ingested.stderr).toContain(`accepted ${ROWS}`)

        const csv = await veil(env, ['export', '--out', file('all.csv')])
        expect(csv.code, csv.stderr).toBe(0)
        expect(csv.stderr).toBe(`exported ${ROWS} activities as csv to ${file('all.csv')}\n`)
        const full = readFileSync(file('all.csv'), 'utf8')
        const rows = parse(full, { columns: true }) as Array<Record<string, string>>
        expect(Object.keys(rows[0] ?? {})).toEqual([...EXPORT_COLUMNS])
        expect(rows.map((r) => r.id)).toEqual(events.map((e) => e.id))
        expect(rows[0]).toMatchObject({ actorUpn: 'fifth@contoso.com', actorDisplayName: 'Zoë', description: `'${events[0]?.description}` })

        const ndjson = await veil(env, ['export', '--format', 'ndjson', '--filters', '{"user.username": {"eq": ["fifth@contoso.com"]}}', '--sort-direction', 'asc', '--limit', '7'])
        expect(ndjson.code, ndjson.stderr).toBe(0)
        const lines = ndjson.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { id: string; actor: { upn: string } })
        expect(lines.map((l) => l.id)).toEqual(events.filter((_, i) => i % 5 === 0).reverse().slice(0, 7).map((e) => e.id))

        // A download broken in the middle of a row: --resume keeps the complete rows and appends the rest.
        writeFileSync(file('broken.csv'), full)
        truncateSync(file('broken.csv'), Math.floor(Buffer.byteLength(full) * 0.6))
        const resumed = await veil(env, ['export', '--out', file('broken.csv'), '--resume'])
        expect(resumed.code, resumed.stderr).toBe(0)
        expect(resumed.stderr).toMatch(/^exported \d+ activities as csv to .* \(continuing after cli-\d{4}\)\n$/)
        expect(readFileSync(file('broken.csv'), 'utf8')).toBe(full)

        const records = await exportRecords(engine, env.VEIL_DATABASE_URL)
        expect(records.map((r) => [r.details.phase, r.details.rows ?? null])).toEqual([
          ['started', null],
          ['completed', ROWS],
          ['started', null],
          ['completed', 7],
          ['started', null],
          ['completed', expect.any(Number)],
        ])
        expect(records.every((r) => r.initiator === 'cli' && r.details.channel === 'cli' && r.details.privatePlaceholders === false)).toBe(true)
        expect(records[2]?.details).toMatchObject({ format: 'ndjson', route: 'veil export', request: { filters: { 'user.username': { eq: ['fifth@contoso.com'] } }, limit: 7, sortDirection: 'asc' } })
        expect(records[4]?.details.resumeAfter).toMatch(/^cli-\d{4}$/)
      } finally {
        await database?.drop()
      }
    })
  }
})
