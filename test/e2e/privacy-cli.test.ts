/**
 * The privacy commands of the `veil` command line end to end, as an operator runs them: granting and
 * revoking the activity privacy permission, and governance checkpoints that catch a truncated or
 * rebuilt tail of the log — a real process on a real database, both engines.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { veil } from '../helpers/cli.js'
import { afterAll, describe, expect, it } from 'vitest'
import { deriveSecrets } from '../../src/config/secrets.js'
import { sealGovernanceRecord, type GovernanceAction, type GovernanceStatus } from '../../src/core/governance/governance-record.js'
import { createTestDatabase, postgresReachable, selectedStores } from '../helpers/pg.js'

const SECRET_KEY = 'c0ffee'.repeat(10) + 'c0ff'


const dir = mkdtempSync(join(tmpdir(), 'veil-privacy-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

for (const engine of selectedStores()) {
  describe(`${engine}: veil privacy commands`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const database = runs && engine === 'postgres' ? await createTestDatabase() : null
    afterAll(async () => database?.drop())
    const env = { VEIL_DATABASE_URL: database?.url ?? `sqlite:${join(dir, 'veil.db')}`, VEIL_SECRET_KEY: SECRET_KEY }
    const maybe = runs ? it : it.skip

    /** Run SQL as someone with write access to the database would, append-only triggers lifted. */
    const tamper = async (statements: string): Promise<void> => {
      if (engine === 'sqlite') {
        const db = new Database(env.VEIL_DATABASE_URL.slice('sqlite:'.length))
        db.exec(`drop trigger if exists governance_no_update; drop trigger if exists governance_no_delete; ${statements}`)
        db.close()
      } else {
        const client = new pg.Client({ connectionString: env.VEIL_DATABASE_URL })
        await client.connect()
        await client.query(`alter table governance disable trigger user; ${statements}; alter table governance enable trigger user`)
        await client.end()
      }
    }

    maybe('should grant the activity privacy permission only to an admin, with an expiry, and revoke it', async () => {
      expect((await veil(env, ['migrate'])).code).toBe(0)
      expect((await veil(env, ['admin', 'create', '--upn', 'Investigator@Contoso.com', '--role', 'security_admin'])).code).toBe(0)
      expect((await veil(env, ['admin', 'create', '--upn', 'analyst@contoso.com'])).code).toBe(0)

      const notAdmin = await veil(env, ['admin', 'grant-privacy', '--upn', 'analyst@contoso.com'])
      expect(notAdmin.code).toBe(2)
      expect(notAdmin.stderr).toContain('analyst@contoso.com has no admin role')
      const unknown = await veil(env, ['admin', 'grant-privacy', '--upn', 'ghost@contoso.com'])
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toContain('No Veil account "ghost@contoso.com"')
      expect((await veil(env, ['admin', 'grant-privacy', '--upn', 'investigator@contoso.com', '--expires-hours', 'soon'])).code).toBe(2)

      const granted = await veil(env, ['admin', 'grant-privacy', '--upn', 'investigator@contoso.com', '--expires-hours', '8'])
      expect(granted.code, granted.stderr).toBe(0)
      expect(granted.stdout).toMatch(/^granted the activity privacy permission to investigator@contoso.com until \d{4}-\d\d-\d\dT/)
      expect((await veil(env, ['admin', 'list-privacy'])).stdout).toMatch(/^investigator@contoso.com\tactive\t\d{4}-/)

      const suspended = await veil(env, ['admin', 'set-roles', '--upn', 'investigator@contoso.com'])
      expect(suspended.code, suspended.stderr).toBe(0)
      expect((await veil(env, ['admin', 'list-privacy'])).stdout).toContain('investigator@contoso.com\tsuspended')

      const revoked = await veil(env, ['admin', 'revoke-privacy', '--upn', 'investigator@contoso.com'])
      expect(revoked.code, revoked.stderr).toBe(0)
      expect(revoked.stdout).toBe('revoked the activity privacy permission of investigator@contoso.com\n')
      expect((await veil(env, ['admin', 'revoke-privacy', '--upn', 'investigator@contoso.com'])).code).toBe(2)
    })

    maybe('should print a checkpoint, and detect a truncated tail that the chain alone does not show', async () => {
      const printed = await veil(env, ['governance', 'checkpoint'])
      expect(printed.code, printed.stderr).toBe(0)
      expect(printed.stdout).toMatch(/^\d+:[0-9a-f]{64}\n$/)
      const checkpoint = printed.stdout.trim()
      const seq = Number(checkpoint.split(':')[0])

      const same = await veil(env, ['governance', 'verify', '--checkpoint', checkpoint])
      expect(same.code, same.stderr).toBe(0)
      expect(same.stdout).toContain(`checkpoint at seq ${seq} matches`)
      // The log grows after the checkpoint: still fine.
      expect((await veil(env, ['admin', 'create', '--upn', 'later@contoso.com'])).code).toBe(0)
      expect((await veil(env, ['governance', 'verify', '--checkpoint', checkpoint])).code).toBe(0)

      // Cut the last records off: every remaining link still holds, only the checkpoint tells.
      await tamper(`delete from governance where seq >= ${seq - 1}`)
      const chainOnly = await veil(env, ['governance', 'verify'])
      expect(chainOnly.code, chainOnly.stderr).toBe(0)
      const truncated = await veil(env, ['governance', 'verify', '--checkpoint', checkpoint])
      expect(truncated.code).toBe(1)
      expect(truncated.stderr).toContain(`governance log TRUNCATED: the checkpoint is at seq ${seq} but the chain ends at seq ${seq - 2}`)

      const malformed = await veil(env, ['governance', 'verify', '--checkpoint', 'yesterday'])
      expect(malformed.code).toBe(2)
      expect(malformed.stderr).toContain('--checkpoint must be SEQ:HASH')
    })

    maybe('should detect a tail rebuilt with the key, which the chain alone cannot', async () => {
      const checkpoint = (await veil(env, ['governance', 'checkpoint'])).stdout.trim()
      const seq = Number(checkpoint.split(':')[0])
      // Whoever holds the key can rewrite the last record and re-seal it: the chain verifies, the checkpoint does not.
      const rows = await readRecord(env.VEIL_DATABASE_URL, seq)
      const previous = seq > 1 ? { seq: seq - 1, hash: rows.prev_hash } : null
      const forged = sealGovernanceRecord(
        deriveSecrets(Buffer.from(SECRET_KEY, 'hex')).governanceKey,
        { action: rows.action as GovernanceAction, target: 'mallory@contoso.com', initiator: rows.initiator, app: rows.app, ip: rows.ip, status: rows.status as GovernanceStatus, justification: rows.justification, details: JSON.parse(rows.details) as Record<string, unknown> },
        previous,
        Number(rows.time),
      )
      await tamper(`update governance set target = 'mallory@contoso.com', hash = '${forged.hash}' where seq = ${seq}`)
      expect((await veil(env, ['governance', 'verify'])).code).toBe(0)
      const rewritten = await veil(env, ['governance', 'verify', '--checkpoint', checkpoint])
      expect(rewritten.code).toBe(1)
      expect(rewritten.stderr).toContain(`governance log REWRITTEN: the record at seq ${seq} has hash ${forged.hash}`)
    })
  })
}

interface GovernanceRow {
  time: number | string
  action: string
  initiator: string
  app: string
  ip: string | null
  status: string
  justification: string | null
  details: string
  prev_hash: string
}

async function readRecord(url: string, seq: number): Promise<GovernanceRow> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true })
    const row = db.prepare('select * from governance where seq = ?').get(seq) as GovernanceRow
    db.close()
    return row
  }
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const { rows } = await client.query<GovernanceRow>('select * from governance where seq = $1', [seq])
  await client.end()
  return rows[0] as GovernanceRow
}
