/**
 * `veil groups import` and `veil groups list` end to end: a real process on a real SQLite file and on
 * PostgreSQL, as an operator runs them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { veil } from '../helpers/cli.js'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, postgresReachable, selectedStores } from '../helpers/pg.js'



const dir = mkdtempSync(join(tmpdir(), 'veil-groups-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

for (const engine of selectedStores()) {
  describe(`${engine}: veil groups`, async () => {
    const runs = engine === 'sqlite' || (await postgresReachable())
    const database = runs && engine === 'postgres' ? await createTestDatabase() : null
    afterAll(async () => database?.drop())
    const env = { VEIL_DATABASE_URL: database?.url ?? `sqlite:${join(dir, 'veil.db')}`, VEIL_KEY_FILE: join(dir, `${engine}.key`) }
    const maybe = runs ? it : it.skip
    const file = (name: string, content: string) => {
      const path = join(dir, `${engine}-${name}`)
      writeFileSync(path, content)
      return path
    }

    maybe('should import a CSV, list rejected rows by number on stderr and exit 3, then list the groups', async () => {
      const csv = file('groups.csv', '\ufeffgroup,upn,displayName\r\nHuman Resources,ann@contoso.com,Ann\r\nHuman Resources,not-a-upn,\r\n"Works Council",ann@contoso.com,\r\nWorks Council,cem@contoso.com,Cem\r\n')
      const res = await veil(env, ['groups', 'import', csv])
      expect(res.code, res.stderr).toBe(3)
      expect(res.stderr).toMatch(/^row 2: upn: "not-a-upn" is not a UPN or email address$/m)
      expect(res.stdout).toContain('applied (delta, csv): groups created 2, users created 2, memberships added 3, memberships ended 0, rejected 1')
      const list = await veil(env, ['groups', 'list'])
      expect(list.code, list.stderr).toBe(0)
      expect(list.stdout).toContain('builtin:application\tApplication\t(computed)')
      expect(list.stdout).toContain('human-resources\tHuman Resources\t1')
      expect(list.stdout).toContain('works-council\tWorks Council\t2')
    })

    maybe('should import JSON in full mode from stdin and exit 0', async () => {
      const json = JSON.stringify([{ group: 'works-council', upn: 'cem@contoso.com' }, { group: 'Works Council', upn: 'dora@contoso.com', displayName: 'Dora' }])
      const res = await veil(env, ['groups', 'import', '-', '--mode', 'full', '--format', 'json'], json)
      expect(res.code, res.stderr).toBe(0)
      expect(res.stdout).toContain('applied (full, json): groups created 0, users created 1, memberships added 1, memberships ended 1, rejected 0')
      expect((await veil(env, ['groups', 'list'])).stdout).toContain('works-council\tWorks Council\t2')
    })

    maybe('should apply nothing of an atomic import with a rejected row, and refuse a wrong header with exit 2', async () => {
      const atomic = await veil(env, ['groups', 'import', file('atomic.csv', 'group,upn\nAtomic,a@contoso.com\nAtomic,b@\n'), '--atomic'])
      expect(atomic.code).toBe(3)
      expect(atomic.stdout).toContain('NOT applied')
      expect((await veil(env, ['groups', 'list'])).stdout).not.toContain('Atomic')
      const header = await veil(env, ['groups', 'import', file('header.csv', 'team,mail\nA,a@contoso.com\n')])
      expect(header.code).toBe(2)
      expect(header.stderr).toContain('group,upn[,displayName][,externalId][,action]; found team,mail')
      const missing = await veil(env, ['groups', 'import', join(dir, 'does-not-exist.csv')])
      expect(missing.code).toBe(2)
      expect(missing.stderr).toContain('cannot read')
    })
  })
}
