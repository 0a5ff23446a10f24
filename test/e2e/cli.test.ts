/**
 * The `veil` command line end to end, as a user runs it: a real process on a real SQLite file (and
 * PostgreSQL for the governance tamper check), no mocks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { veil } from '../helpers/cli.js'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, postgresReachable, selectedStores } from '../helpers/pg.js'



const dir = mkdtempSync(join(tmpdir(), 'veil-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

for (const engine of selectedStores()) {
  describe(`${engine}: veil CLI`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const database = runs && engine === 'postgres' ? await createTestDatabase() : null
    afterAll(async () => database?.drop())
    const env = { VEIL_DATABASE_URL: database?.url ?? `sqlite:${join(dir, 'veil.db')}`, VEIL_KEY_FILE: join(dir, `${engine}.key`) }
    const maybe = runs ? it : it.skip

    maybe('should migrate, create an admin with a generated password and print a token on its last line', async () => {
      expect((await veil(env, ['migrate'])).stdout).toMatch(/applied|up to date/)
      const created = await veil(env, ['admin', 'create', '--upn', 'Admin@Contoso.com', '--role', 'global_admin'])
      expect(created.code, created.stderr).toBe(0)
      expect(created.stdout).toMatch(/created admin@contoso.com with roles: global_admin\npassword: \S{20,}/)
      const fromStdin = await veil(env, ['admin', 'create', '--upn', 'reader@contoso.com', '--role', 'security_reader', '--password-stdin'], 'a password from stdin\n')
      expect(fromStdin.stdout).not.toContain('password:')
      const token = await veil(env, ['token', 'create', '--upn', 'admin@contoso.com', '--name', 'ci'])
      expect(token.code, token.stderr).toBe(0)
      expect(token.stdout.trim().split('\n').at(-1)).toMatch(/^veil_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/)
    })

    maybe('should explain a bad role and exit non-zero', async () => {
      const bad = await veil(env, ['admin', 'create', '--upn', 'x@contoso.com', '--role', 'root'])
      expect(bad.code).toBe(2)
      expect(bad.stderr).toContain('roles')
    })

    maybe('should ingest a file, report rejected records by index on stderr and exit 3', async () => {
      const file = join(dir, `${engine}-events.ndjson`)
      const good = (n: number) => JSON.stringify({ id: `cli-${n}`, time: '2026-11-01T10:00:00Z', actor: { upn: 'a@contoso.com' }, app: 'Okta', action: 'login' })
      writeFileSync(file, [good(1), good(2), '{"id": "bad", "time": 12', good(3), good(1)].join('\n'))
      const res = await veil(env, ['ingest', file])
      expect(res.code).toBe(3)
      expect(res.stdout).toContain('accepted 3, duplicates 1, rejected 1')
      expect(res.stderr).toMatch(/^record 2: /m)
      const stdin = await veil(env, ['ingest', '-'], JSON.stringify([JSON.parse(good(4))]))
      expect(stdin.code, stdin.stderr).toBe(0)
      expect(stdin.stdout).toContain('accepted 1')
    })

    maybe('should export the governance log as CSV and NDJSON with filters, the export itself recorded', async () => {
      for (let i = 0; i < 2; i += 1) {
        await veil(env, ['admin', 'create', '--upn', `export${i}@contoso.com`])
      }
      const exported = await veil(env, ['governance', 'export', '--action', 'account.create', '--initiator', 'CLI'])
      expect(exported.code, exported.stderr).toBe(0)
      const lines = exported.stdout.trimEnd().split('\r\n')
      expect(lines[0]).toBe('seq,time,action,target,initiator,app,ip,status,justification,details,hash')
      // Newest first.
      expect(lines.slice(1, 3).map((line) => line.split(',')[3])).toEqual(['export1@contoso.com', 'export0@contoso.com'])
      expect(exported.stderr).toMatch(/^exported \d+ governance records as csv$/m)
      const recorded = await veil(env, ['governance', 'export', '--format', 'ndjson', '--action', 'governance.export', '--from', '2026-01-01T00:00:00Z'])
      expect(recorded.code, recorded.stderr).toBe(0)
      expect(recorded.stdout.trimEnd().split('\n').map((line) => (JSON.parse(line) as { details: { phase: string } }).details.phase)).toEqual(['completed', 'started'])
      const bad = await veil(env, ['governance', 'export', '--from', 'yesterday'])
      expect(bad.code).toBe(2)
      expect(bad.stderr).toContain('--from must be an ISO 8601 date-time')
    })

    maybe('should verify the governance chain, then detect an edited, a deleted and a reordered record', async () => {
      for (let i = 0; i < 4; i += 1) {
        await veil(env, ['admin', 'create', '--upn', `extra${i}@contoso.com`])
      }
      const ok = await veil(env, ['governance', 'verify'])
      expect(ok.code, ok.stderr).toBe(0)
      expect(ok.stdout).toMatch(/verified: \d+ records/)

      const tamper = async (sql: string) => {
        if (engine === 'sqlite') {
          const db = new Database(env.VEIL_DATABASE_URL.slice('sqlite:'.length))
          // The append-only triggers must go first, which is what someone with write access to the file would do.
          db.exec(`drop trigger if exists governance_no_update; drop trigger if exists governance_no_delete; ${sql}`)
          db.close()
        } else {
          const client = new pg.Client({ connectionString: env.VEIL_DATABASE_URL })
          await client.connect()
          // The append-only trigger must be lifted to tamper at all, which is what an attacker with DDL rights would do.
          await client.query(`alter table governance disable trigger user; ${sql}; alter table governance enable trigger user`)
          await client.end()
        }
      }
      await tamper(`update governance set target = 'mallory@contoso.com' where seq = 3`)
      const edited = await veil(env, ['governance', 'verify'])
      expect(edited.code).toBe(1)
      expect(edited.stderr).toMatch(/BROKEN at record 3 \(seq 3\): content changed/)
      await tamper(`delete from governance where seq = 3`)
      const deleted = await veil(env, ['governance', 'verify'])
      expect(deleted.code).toBe(1)
      expect(deleted.stderr).toMatch(/BROKEN at record 3 \(seq 4\): link broken/)
      // Swap the sequence numbers of two records: the stored order changes, the contents do not.
      await tamper(`update governance set seq = -1 where seq = 5; update governance set seq = 5 where seq = 4; update governance set seq = 4 where seq = -1`)
      const reordered = await veil(env, ['governance', 'verify'])
      expect(reordered.code).toBe(1)
      expect(reordered.stderr).toMatch(/BROKEN at record 3/)
    })
  })
}
