/**
 * Privacy rule 2, shown on a whole database: after a private activity went through the real ingest
 * pipeline (classify → seal → store) and a public one was made private retroactively, a full dump of
 * the database holds none of their details, on both engines, while a public activity's details are
 * there (so the search itself is shown to find what it looks for).
 *
 * SQLite: every row of every table (sqlite_master included) and the raw bytes of the database file
 * after a checkpoint. PostgreSQL: `pg_dump` when it is installed, else every row of every table.
 */
import { execFile, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'

import type { Disclosure } from '../../src/core/privacy/decide-disclosure.js'
import { DEFAULT_SETTINGS, createClassifier, type MembershipSource } from '../../src/ingest/classifier.js'
import { IngestPipeline } from '../../src/ingest/ingest-pipeline.js'
import { veilFormat } from '../../src/ingest/veil/veil-ingest-format.js'
import { retroactivePrivatizer } from '../../src/services/privacy/retroactive-privacy.js'
import { CLI_INITIATOR } from '../../src/services/service-context.js'
import { postgresReachable, selectedStores } from '../helpers/pg.js'
import { createTestApp, type TestApp } from '../helpers/test-app.js'

const run = promisify(execFile)
const NOW = Date.parse('2026-11-20T12:00:00Z')
const HOUR = 3_600_000
const REVEAL: Disclosure = { includePrivate: true, justification: 'database dump test' }

/** The privacy group of the private activity: known only to this test's classifier, never stored in the clear. */
const SECRET_GROUP = 'grp-omega-privacy-7f3a'

const PRIVATE_RECORD = {
  id: 'evt-omega-private-1',
  time: new Date(NOW - 2 * HOUR).toISOString(),
  actor: { upn: 'Quincy.Hidden@omega-private.example', displayName: 'Quincy Hiddenperson', type: 'user' },
  app: 'OmegaVaultApp',
  action: { type: 'omega.secret.export', name: 'OmegaSecretExport' },
  ip: '198.51.100.213',
  location: { country: 'IS', city: 'Omegaville' },
  device: { type: 'desktop', userAgent: 'OmegaAgent/7.1' },
  target: { type: 'file', id: 'omega-target-id-31', name: 'omega-target-budget.xlsx' },
  result: 'success',
  description: 'omega confidential description',
  omegaRawField: 'omega-raw-value-991',
}

/** Public when ingested, made private afterwards (built-in group Application, retroactively). */
const RETRO_RECORD = {
  id: 'evt-sigma-retro-1',
  time: new Date(NOW - 3 * HOUR).toISOString(),
  actor: { upn: 'sigma-daemon@sigma-retro.example', displayName: 'Sigma Sync Daemon', type: 'application' },
  app: 'SigmaSyncApp',
  action: { type: 'sigma.sync.push', name: 'SigmaSyncPush' },
  ip: '203.0.113.219',
  location: { country: 'NZ', city: 'Sigmatown' },
  device: { type: 'server', userAgent: 'SigmaAgent/3.3' },
  target: { type: 'folder', id: 'sigma-target-id-42', name: 'sigma-target-folder' },
  description: 'sigma retro description',
  sigmaRawField: 'sigma-raw-value-552',
}

const PUBLIC_RECORD = {
  id: 'evt-alpha-public-1',
  time: new Date(NOW - HOUR).toISOString(),
  actor: { upn: 'alpha.visible@alpha-public.example', displayName: 'Alpha Visibleperson', type: 'user' },
  app: 'AlphaOpenApp',
  action: { type: 'alpha.open.view', name: 'AlphaOpenView' },
  ip: '192.0.2.177',
  location: { country: 'FI', city: 'Alphaburg' },
  device: { type: 'mobile', userAgent: 'AlphaAgent/1.2' },
  target: { type: 'file', id: 'alpha-target-id-53', name: 'alpha-target-report.pdf' },
  description: 'alpha public description',
  alphaRawField: 'alpha-raw-value-337',
}

const PRIVATE_NEEDLES = [
  'Quincy.Hidden@omega-private.example',
  'omega-private.example',
  'Quincy Hiddenperson',
  'OmegaVaultApp',
  'omega.secret.export',
  'OmegaSecretExport',
  '198.51.100.213',
  'Omegaville',
  'OmegaAgent/7.1',
  'omega-target-id-31',
  'omega-target-budget.xlsx',
  'omega confidential description',
  'omegaRawField',
  'omega-raw-value-991',
  SECRET_GROUP,
]
const RETRO_NEEDLES = [
  'sigma-daemon@sigma-retro.example',
  'Sigma Sync Daemon',
  'SigmaSyncApp',
  'sigma.sync.push',
  'SigmaSyncPush',
  '203.0.113.219',
  'Sigmatown',
  'SigmaAgent/3.3',
  'sigma-target-id-42',
  'sigma-target-folder',
  'sigma retro description',
  'sigmaRawField',
  'sigma-raw-value-552',
]
const PUBLIC_NEEDLES = [
  'alpha.visible@alpha-public.example',
  'Alpha Visibleperson',
  'AlphaOpenApp',
  'alpha.open.view',
  '192.0.2.177',
  'Alphaburg',
  'AlphaAgent/1.2',
  'alpha-target-report.pdf',
  'alpha public description',
  'alpha-raw-value-337',
]

/** Every form a needle may take in a dump: as given and lower-cased, as text and as hex (inside a blob or a bytea). */
function forms(needle: string): string[] {
  return [...new Set([needle, needle.toLowerCase()])].flatMap((n) => [n.toLowerCase(), Buffer.from(n, 'utf8').toString('hex')])
}

function found(dump: string, needle: string): boolean {
  return forms(needle).some((form) => dump.includes(form))
}

/** A cell as text: blobs both as their bytes read as text and as hex. */
function cell(value: unknown): string {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    const bytes = Buffer.from(value)
    return `${bytes.toString('latin1')} ${bytes.toString('hex')}`
  }
  return value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)
}

function rowsText(rows: ReadonlyArray<Record<string, unknown>>): string {
  return rows.map((row) => Object.values(row).map(cell).join('\t')).join('\n')
}

/** Ingest both records through the real pipeline components, then make the retro one private. */
async function fill(t: TestApp): Promise<void> {
  const membership: MembershipSource = {
    matchUser: () => null,
    groupsOf: (actor) => (actor.upn === PRIVATE_RECORD.actor.upn.toLowerCase() ? [SECRET_GROUP] : []),
    refresh: async () => undefined,
  }
  const pipeline = new IngestPipeline({
    formats: [veilFormat],
    classifier: createClassifier(membership, DEFAULT_SETTINGS, { privacyGroups: async () => new Set([SECRET_GROUP]) }),
    sealer: t.runtime.vault,
    writer: t.runtime.writer,
    clock: () => NOW,
    maxRecordBytes: 1024 * 1024,
    maxBatchRecords: 100,
  })
  const report = await pipeline.ingest({ records: [PRIVATE_RECORD, RETRO_RECORD, PUBLIC_RECORD].map((value, index) => ({ index, value })), errors: [] })
  expect(report).toMatchObject({ accepted: 3, rejected: 0 })

  const retro = await retroactivePrivatizer(
    t.runtime.ctx,
    { vault: t.runtime.vault, directory: t.runtime.directory },
    CLI_INITIATOR,
    { groupId: 'builtin:application', from: NOW - 4 * HOUR, to: NOW, justification: 'dump test: make the daemon private' },
  )
  expect(retro.privatized).toBe(1)

  // Both are stored and can be revealed: the dump is free of them because they are sealed, not absent.
  for (const [record, group] of [
    [PRIVATE_RECORD, SECRET_GROUP],
    [RETRO_RECORD, 'builtin:application'],
  ] as const) {
    const stored = await t.runtime.store.activities.get(record.id, REVEAL)
    expect(stored?.isPrivate).toBe(true)
    const opened = stored ? await t.runtime.vault.open(stored) : null
    expect(opened).toMatchObject({ isPrivate: true, privateBecause: group, activity: { id: record.id, app: record.app, description: record.description, raw: record } })
  }
}

function expectClean(dump: string, where: string): void {
  for (const needle of [...PRIVATE_NEEDLES, ...RETRO_NEEDLES]) {
    expect(found(dump, needle), `${where} contains the private detail "${needle}"`).toBe(false)
  }
  for (const needle of PUBLIC_NEEDLES) {
    expect(found(dump, needle), `${where} does not contain the public detail "${needle}"`).toBe(true)
  }
}

function pgDumpAvailable(): boolean {
  return spawnSync('which', ['pg_dump'], { encoding: 'utf8' }).status === 0
}

for (const engine of selectedStores()) {
  describe(`${engine}: a full database dump`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const maybe = runs ? it : it.skip
    const dir = mkdtempSync(join(tmpdir(), 'veil-dump-'))
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    maybe('should hold none of a private activity\'s details, and a public activity\'s details', async () => {
      if (engine === 'sqlite') {
        const file = join(dir, 'veil.db')
        const t = await createTestApp({ engine, clock: () => NOW, env: { VEIL_DATABASE_URL: `sqlite:${file}` } })
        try {
          await fill(t)
        } finally {
          await t.close()
        }
        const side = new BetterSqlite3(file)
        let tables: string
        try {
          side.pragma('wal_checkpoint(TRUNCATE)')
          const master = side.prepare('select * from sqlite_master').all() as Array<Record<string, unknown>>
          const names = master.filter((m) => m.type === 'table').map((m) => String(m.name))
          expect(names).toEqual(expect.arrayContaining(['activities', 'data_keys', 'governance', 'settings', 'directory_users']))
          tables = [rowsText(master), ...names.map((name) => rowsText(side.prepare(`select * from "${name.replace(/"/g, '""')}"`).all() as Array<Record<string, unknown>>))].join('\n')
        } finally {
          side.close()
        }
        expectClean(tables.toLowerCase(), 'the rows of the SQLite database')
        const bytes = [file, `${file}-wal`, `${file}-journal`].filter((f) => existsSync(f)).map((f) => readFileSync(f))
        const raw = Buffer.concat(bytes)
        expectClean(`${raw.toString('latin1').toLowerCase()} ${raw.toString('hex')}`, 'the SQLite database file')
        return
      }

      const t = await createTestApp({ engine, clock: () => NOW })
      try {
        await fill(t)
        const url = t.runtime.config.databaseUrl
        if (pgDumpAvailable()) {
          const { stdout } = await run('pg_dump', ['--no-owner', '--no-privileges', url], { maxBuffer: 256 * 1024 * 1024 })
          expect(stdout).toContain('COPY public.data_keys')
          expectClean(stdout.toLowerCase(), 'pg_dump')
        }
        // Every row of every table (partitions included), whether pg_dump is there or not.
        const client = new pg.Client({ connectionString: url })
        await client.connect()
        try {
          const { rows: tables } = await client.query<{ name: string }>(
            `select quote_ident(table_schema) || '.' || quote_ident(table_name) as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
          )
          expect(tables.map((r) => r.name)).toEqual(expect.arrayContaining(['public.data_keys', 'public.governance']))
          const texts: string[] = []
          for (const { name } of tables) {
            texts.push(rowsText((await client.query<Record<string, unknown>>(`select * from ${name}`)).rows))
          }
          expectClean(texts.join('\n').toLowerCase(), 'the PostgreSQL tables')
        } finally {
          await client.end()
        }
      } finally {
        await t.close()
      }
    })
  })
}
