/**
 * `veil keys status` and `veil keys rotate` as an operator runs them, on a real SQLite file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { veil } from '../helpers/cli.js'
import { afterAll, describe, expect, it } from 'vitest'

import { loadConfig } from '../../src/config/config.js'
import { kekFingerprint } from '../../src/config/privacy-key.js'
import type { Disclosure } from '../../src/core/privacy/decide-disclosure.js'
import { startRuntime } from '../../src/runtime.js'
import { buildActivity } from '../helpers/factories.js'

const REVEAL: Disclosure = { includePrivate: true, justification: 'keys CLI test' }


describe('veil keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veil-keys-cli-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const env = { VEIL_DATABASE_URL: `sqlite:${join(dir, 'veil.db')}`, VEIL_KEY_FILE: join(dir, 'veil.key') }
  const keyFile = join(dir, 'privacy.key')
  const fingerprint = () => kekFingerprint(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex'))
  const activity = buildActivity({ description: 'sealed before the rotation' })

  it('should show the key in use, rotate it, and keep every private activity readable', async () => {
    // A first start creates both key files; one private activity is sealed under the first key.
    const runtime = await startRuntime(loadConfig(env))
    try {
      await runtime.store.activities.insert([await runtime.vault.sealActivity(activity, 'hr')])
    } finally {
      await runtime.close()
    }
    const before = fingerprint()

    const status = await veil(env, ['keys', 'status'])
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toContain(`${keyFile}, fingerprint ${before}`)
    expect(status.stdout).toMatch(new RegExp(`data keys: 1\\n  dk_[0-9a-f]{16} \\(active\\): wrapped under ${before} \\(current\\)`))
    expect(status.stdout).not.toContain(readFileSync(keyFile, 'utf8').trim())

    const rotated = await veil(env, ['keys', 'rotate'])
    expect(rotated.code, rotated.stderr).toBe(0)
    const after = fingerprint()
    expect(after).not.toBe(before)
    expect(rotated.stdout).toContain(`rotated: 1 data key(s) re-wrapped; key-encryption key fingerprint now ${after}`)
    expect((await veil(env, ['keys', 'status'])).stdout).toContain(`wrapped under ${after} (current)`)

    const again = await startRuntime(loadConfig(env))
    try {
      const stored = await again.store.activities.get(activity.id, REVEAL)
      expect(stored ? (await again.vault.open(stored)).activity : null).toEqual(activity)
    } finally {
      await again.close()
    }
    expect((await veil(env, ['governance', 'verify'])).code).toBe(0)
  })

  it('should explain what is missing when the key comes from VEIL_PRIVACY_KEY without a new one', async () => {
    const hex = readFileSync(keyFile, 'utf8').trim()
    const res = await veil({ ...env, VEIL_PRIVACY_KEY: hex }, ['keys', 'rotate'])
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('VEIL_PRIVACY_KEY_NEW')
    const bad = await veil({ ...env, VEIL_PRIVACY_KEY: hex, VEIL_PRIVACY_KEY_NEW: 'nope' }, ['keys', 'rotate'])
    expect(bad.code).toBe(2)
    expect((await veil(env, ['keys', 'rotate', '--help'])).stdout).toContain('VEIL_PRIVACY_KEY=<old> VEIL_PRIVACY_KEY_NEW=<new> veil keys rotate')
  })
})
