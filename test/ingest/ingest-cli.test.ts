/**
 * `veil ingest` with native files, as a user runs it (a real process on a real SQLite file): a
 * pretty-printed CloudTrail log file, and a gzipped NDJSON file whose first line is truncated.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { veil } from '../helpers/cli.js'
import { cloudTrailEvent, GITHUB_CLONE, OKTA_LOGIN } from './native-events.js'

const dir = mkdtempSync(join(tmpdir(), 'veil-ingest-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const env = { VEIL_DATABASE_URL: `sqlite:${join(dir, 'veil.db')}`, VEIL_KEY_FILE: join(dir, 'veil.key') }

describe('veil ingest with native formats', () => {
  it('should read a pretty-printed CloudTrail log file as one record of several events', async () => {
    const file = join(dir, 'cloudtrail.json')
    writeFileSync(file, JSON.stringify({ Records: [cloudTrailEvent('cli-1'), cloudTrailEvent('cli-2'), cloudTrailEvent('cli-3', { eventName: undefined })] }, null, 2))
    const res = await veil(env, ['ingest', file, '--format', 'cloudtrail'])
    expect(res.stdout).toContain('accepted 2, duplicates 0, rejected 1')
    expect(res.stderr).toContain('record 0: /Records/2/eventName: required')
    expect(res.code).toBe(3)
  })

  it('should gunzip a .gz file and keep the good lines of NDJSON whose first line is truncated', async () => {
    const file = join(dir, 'events.ndjson.gz')
    writeFileSync(file, gzipSync([JSON.stringify(OKTA_LOGIN).slice(0, 60), JSON.stringify(GITHUB_CLONE), JSON.stringify(cloudTrailEvent('cli-4'))].join('\n')))
    const res = await veil(env, ['ingest', file])
    expect(res.stdout).toContain('accepted 2, duplicates 0, rejected 1')
    expect(res.stderr).toMatch(/^record 0: line 1 is not valid JSON/m)
  })
})
