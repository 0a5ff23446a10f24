/**
 * Rotating the key-encryption key (`veil keys rotate`) on both engines: every data key is re-wrapped,
 * every private activity stays readable under the new key, the old key opens nothing any more, and a
 * rotation interrupted or failed at any point loses no key.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'

import { afterAll, beforeAll, expect, it } from 'vitest'

import {
  createPrivacyKeyFile,
  keyEncryptionKey,
  previousKeyFile,
  readPrivacyKeys,
  stageKeyFileRotation,
  type PrivacyKeys,
} from '../../src/config/privacy-key.js'
import type { Activity } from '../../src/core/activity/activity.js'
import type { Disclosure } from '../../src/core/privacy/decide-disclosure.js'
import { unwrapDataKey } from '../../src/core/privacy/envelope.js'
import { PrivacyKeyError, PrivacyKeyring, rotatePrivacyKey } from '../../src/services/privacy/privacy-keyring.js'
import { CLI_INITIATOR } from '../../src/services/service-context.js'
import type { Store, StoreTransaction } from '../../src/storage/store.js'
import { BASE_TIME, buildActivity } from '../helpers/factories.js'
import { createTestVault } from '../helpers/privacy.js'
import { describeStores } from '../helpers/test-store.js'

const REVEAL: Disclosure = { includePrivate: true, justification: 'key rotation test' }
const clock = (): number => BASE_TIME

/** Every private activity of the store, opened with `keys`. */
async function openedWith(store: Store, keys: PrivacyKeys): Promise<Activity[]> {
  const page = await store.activities.list({ conditions: [], sort: { field: 'time', direction: 'asc' }, limit: 1000, skip: 0, after: null, countLimit: 1000 }, REVEAL)
  const vault = createTestVault(store, keys)
  return (await vault.openAll(page.items.filter((i) => i.isPrivate))).map((o) => o.activity)
}

/** A store whose transactions fail, as a database that goes away during the re-wrap would. */
function failingTransactions(store: Store): Store {
  const failing = Object.create(store) as Store
  Object.defineProperty(failing, 'transaction', { value: <T>(_work: (tx: StoreTransaction) => Promise<T>): Promise<T> => Promise.reject(new Error('database went away')) })
  return failing
}

describeStores('privacy key rotation', (s) => {
  const dir = mkdtempSync(join(tmpdir(), 'veil-keys-'))
  const file = join(dir, 'privacy.key')
  const config = { privacyKeyHex: null, privacyKeyFile: file }
  let original: PrivacyKeys
  const activities = Array.from({ length: 12 }, (_, i) => buildActivity({ time: BASE_TIME + i, description: `private ${i}`, raw: { n: i, secret: randomBytes(4).toString('hex') } }))

  beforeAll(async () => {
    original = createPrivacyKeyFile(file)
    const vault = createTestVault(s.store(), original, clock)
    const sealed = await Promise.all(activities.map((a) => vault.sealActivity(a, 'hr')))
    expect(await s.store().activities.insert(sealed)).toEqual(sealed.map(() => 'inserted'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('should create the key file with mode 0600 and one wrapped data key under its fingerprint', async () => {
    expect(readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/)
    if (process.platform !== 'win32') {
      expect((await import('node:fs')).statSync(file).mode & 0o777).toBe(0o600)
    }
    const keys = await s.store().dataKeys.list()
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatchObject({ active: true, kekFingerprint: original.current.fingerprint })
    // Only the wrapped key is stored: it is not the data key, and the KEK is nowhere.
    expect(keys[0]?.wrapped.includes(original.current.key)).toBe(false)
    expect(await openedWith(s.store(), original)).toEqual(activities)
  })

  it('should re-wrap every data key under a new key without touching the activities', async () => {
    const before = await s.store().activities.list({ conditions: [], sort: { field: 'time', direction: 'asc' }, limit: 1000, skip: 0, after: null, countLimit: 1000 }, REVEAL)
    const report = await rotatePrivacyKey(s.store(), original, CLI_INITIATOR, clock)
    expect(report).toMatchObject({ rewrapped: 1, resumed: false })
    expect(report.fingerprint).not.toBe(original.current.fingerprint)
    expect(existsSync(previousKeyFile(file))).toBe(false)

    const rotated = readPrivacyKeys(config)
    expect(rotated?.current.fingerprint).toBe(report.fingerprint)
    expect(rotated?.previous).toBeNull()
    const after = await s.store().activities.list({ conditions: [], sort: { field: 'time', direction: 'asc' }, limit: 1000, skip: 0, after: null, countLimit: 1000 }, REVEAL)
    // The sealed records are byte for byte what they were: only the data key's wrapping changed.
    expect(after.items).toEqual(before.items)
    expect(await openedWith(s.store(), rotated as PrivacyKeys)).toEqual(activities)

    // The old key opens no wrapped key any more.
    const [stored] = await s.store().dataKeys.list()
    expect(stored?.kekFingerprint).toBe(report.fingerprint)
    expect(() => unwrapDataKey(original.current.key, stored?.id ?? '', stored?.wrapped ?? Buffer.alloc(0))).toThrow()
    await expect(openedWith(s.store(), original)).rejects.toBeInstanceOf(PrivacyKeyError)
    await expect(new PrivacyKeyring(s.store().dataKeys, original, clock).verify()).rejects.toThrow(/does not open the data keys/)

    const [record] = await s.store().governance.list({ limit: 1, action: 'privacy_key.rotate' })
    expect(record).toMatchObject({ action: 'privacy_key.rotate', initiator: 'cli', details: { fingerprint: report.fingerprint, previousFingerprints: [original.current.fingerprint], rewrapped: 1 } })
    original = rotated as PrivacyKeys
  })

  it('should open every data key during an interrupted rotation, and finish it when run again', async () => {
    const next = randomBytes(32)
    // Interrupted after the new key took the file's place, before the database commit.
    stageKeyFileRotation(file, next)
    const midway = readPrivacyKeys(config) as PrivacyKeys
    expect(midway.current.fingerprint).toBe(keyEncryptionKey(next).fingerprint)
    expect(midway.previous?.fingerprint).toBe(original.current.fingerprint)
    await new PrivacyKeyring(s.store().dataKeys, midway, clock).verify()
    expect(await openedWith(s.store(), midway)).toEqual(activities)

    const report = await rotatePrivacyKey(s.store(), midway, CLI_INITIATOR, clock)
    expect(report).toEqual({ rewrapped: 1, fingerprint: midway.current.fingerprint, resumed: true })
    expect(existsSync(previousKeyFile(file))).toBe(false)
    const finished = readPrivacyKeys(config) as PrivacyKeys
    expect(finished.previous).toBeNull()
    expect(await openedWith(s.store(), finished)).toEqual(activities)
    original = finished
  })

  it('should put the old key back when the database refuses the re-wrap', async () => {
    const before = readFileSync(file, 'utf8')
    await expect(rotatePrivacyKey(failingTransactions(s.store()), original, CLI_INITIATOR, clock)).rejects.toThrow('database went away')
    expect(readFileSync(file, 'utf8')).toBe(before)
    expect(existsSync(previousKeyFile(file))).toBe(false)
    expect(await openedWith(s.store(), readPrivacyKeys(config) as PrivacyKeys)).toEqual(activities)
  })

  it('should rotate a key given by VEIL_PRIVACY_KEY to the one in VEIL_PRIVACY_KEY_NEW, touching no file', async () => {
    const fromEnv: PrivacyKeys = { origin: 'env', current: original.current, previous: null, file: null }
    await expect(rotatePrivacyKey(s.store(), fromEnv, CLI_INITIATOR, clock)).rejects.toThrow(/VEIL_PRIVACY_KEY_NEW/)
    await expect(rotatePrivacyKey(s.store(), fromEnv, CLI_INITIATOR, clock, { next: original.current.key })).rejects.toThrow(/in use/)
    const next = randomBytes(32)
    const fileBefore = readFileSync(file, 'utf8')
    const report = await rotatePrivacyKey(s.store(), fromEnv, CLI_INITIATOR, clock, { next })
    expect(report).toMatchObject({ rewrapped: 1, fingerprint: keyEncryptionKey(next).fingerprint })
    expect(readFileSync(file, 'utf8')).toBe(fileBefore)
    expect(await openedWith(s.store(), { origin: 'env', current: keyEncryptionKey(next), previous: null, file: null })).toEqual(activities)
    await expect(openedWith(s.store(), fromEnv)).rejects.toBeInstanceOf(PrivacyKeyError)
  })
})
