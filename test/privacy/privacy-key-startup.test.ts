/**
 * Where the key-encryption key of private activities comes from when Veil starts: created (mode 0600)
 * beside the master key on the first start of a new installation, read afterwards, taken from
 * `VEIL_PRIVACY_KEY` when set, never re-created when the database already holds data keys, and refused
 * when it does not open them.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { loadConfig } from '../../src/config/config.js'
import { deriveSecrets } from '../../src/config/secrets.js'
import type { Disclosure } from '../../src/core/privacy/decide-disclosure.js'
import { startRuntime, type RuntimeOptions } from '../../src/runtime.js'
import { buildActivity } from '../helpers/factories.js'

const REVEAL: Disclosure = { includePrivate: true, justification: 'key startup test' }
const SECRETS = deriveSecrets(Buffer.alloc(32, 4))

describe('the privacy key at startup', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veil-privacy-key-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const env = { VEIL_DATABASE_URL: `sqlite:${join(dir, 'veil.db')}`, VEIL_LOG_LEVEL: 'silent' }
  const keyFile = join(dir, 'privacy.key')
  const activity = buildActivity({ description: 'sealed at first start' })

  const start = (extra: Record<string, string> = {}, options: RuntimeOptions = {}) => startRuntime(loadConfig({ ...env, ...extra }), { secrets: SECRETS, ...options })

  it('should default to privacy.key beside the master key file', () => {
    expect(loadConfig(env).privacyKeyFile).toBe(join(dir, 'privacy.key'))
    expect(loadConfig({ ...env, VEIL_KEY_FILE: '/etc/veil/veil.key' }).privacyKeyFile).toBe('/etc/veil/privacy.key')
    expect(loadConfig({ ...env, VEIL_PRIVACY_KEY_FILE: '/run/secrets/kek' }).privacyKeyFile).toBe('/run/secrets/kek')
    expect(() => loadConfig({ ...env, VEIL_PRIVACY_KEY: 'abc' })).toThrow(/VEIL_PRIVACY_KEY/)
  })

  it('should create the key file with mode 0600 on the first start, and read it afterwards', async () => {
    const first = await start()
    try {
      expect(first.privacyKeys).toMatchObject({ origin: 'file', file: keyFile, previous: null })
      await first.store.activities.insert([await first.vault.sealActivity(activity, 'hr')])
    } finally {
      await first.close()
    }
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    const key = readFileSync(keyFile, 'utf8')
    const second = await start()
    try {
      expect(readFileSync(keyFile, 'utf8')).toBe(key)
      const stored = await second.store.activities.get(activity.id, REVEAL)
      expect(stored ? (await second.vault.open(stored)).activity : null).toEqual(activity)
    } finally {
      await second.close()
    }
  })

  it('should refuse to start without the key file once data keys exist, and not make a new one', async () => {
    renameSync(keyFile, `${keyFile}.away`)
    try {
      await expect(start()).rejects.toThrow(/No privacy key: the database holds data keys/)
      expect(() => statSync(keyFile)).toThrow()
      // Commands that do not need the key still run (e.g. `governance verify`).
      const tolerant = await start({}, { createKeyIfMissing: false })
      try {
        expect(tolerant.privacyKeys).toBeNull()
        const stored = await tolerant.store.activities.get(activity.id, REVEAL)
        await expect(stored ? tolerant.vault.open(stored) : Promise.resolve(null)).rejects.toThrow(/No privacy key/)
      } finally {
        await tolerant.close()
      }
    } finally {
      renameSync(`${keyFile}.away`, keyFile)
    }
  })

  it('should refuse to start with a key that does not open the data keys', async () => {
    const right = readFileSync(keyFile, 'utf8')
    writeFileSync(keyFile, `${'ab'.repeat(32)}\n`, { mode: 0o600 })
    try {
      await expect(start()).rejects.toThrow(/does not open the data keys/)
    } finally {
      writeFileSync(keyFile, right, { mode: 0o600 })
    }
  })

  it('should take VEIL_PRIVACY_KEY instead of the file', async () => {
    const hex = readFileSync(keyFile, 'utf8').trim()
    const runtime = await start({ VEIL_PRIVACY_KEY: hex, VEIL_PRIVACY_KEY_FILE: join(dir, 'absent.key') })
    try {
      expect(runtime.privacyKeys).toMatchObject({ origin: 'env', file: null })
      const stored = await runtime.store.activities.get(activity.id, REVEAL)
      expect(stored ? (await runtime.vault.open(stored)).activity : null).toEqual(activity)
    } finally {
      await runtime.close()
    }
    expect(() => statSync(join(dir, 'absent.key'))).toThrow()
  })
})
