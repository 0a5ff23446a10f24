import { describe, expect, it } from 'vitest'

import { keyEncryptionKey, type PrivacyKeys } from '../../config/privacy-key.js'
import { blindIndex, openRecord, sealRecord, sealedKeyId } from '../../core/privacy/envelope.js'
import type { DataKeyRepository, NewSealedActivity, StoredDataKey } from '../../storage/store.js'
import { BASE_TIME, buildActivity, buildClassified } from '../../../test/helpers/factories.js'
import { PrivacyKeyError, PrivacyKeyring } from './privacy-keyring.js'
import { PAD_BYTES, PrivacyVault } from './privacy-vault.js'

const KEYS: PrivacyKeys = { origin: 'env', current: keyEncryptionKey(Buffer.alloc(32, 1)), previous: null, file: null }
const BLIND_KEY = Buffer.alloc(32, 2)

/** The data-key table of one database, shared by the "nodes" that use it. */
function memoryDataKeys(): DataKeyRepository & { readonly rows: StoredDataKey[] } {
  const rows: StoredDataKey[] = []
  return {
    rows,
    list: async () => [...rows],
    get: async (id) => rows.find((r) => r.id === id) ?? null,
    active: async () => rows.find((r) => r.active) ?? null,
    createActive: async (key) => {
      if (!rows.some((r) => r.active)) {
        rows.push({ ...key, active: true, rewrappedAt: null })
      }
      return rows.find((r) => r.active) as StoredDataKey
    },
    rewrap: async () => false,
  }
}

function vaultOver(keys: DataKeyRepository, kek: PrivacyKeys | null = KEYS): PrivacyVault {
  return new PrivacyVault(new PrivacyKeyring(keys, kek, () => BASE_TIME), BLIND_KEY)
}

describe('PrivacyVault', () => {
  it('should pass public activities through and seal private ones with their blind indexes', async () => {
    const vault = vaultOver(memoryDataKeys())
    const open = buildClassified({ app: 'Open App' })
    const hidden = buildClassified({ isPrivate: true, privateBecause: 'hr', ip: null, app: 'Secret App', actor: { upn: 'hr.person@contoso.com' } })
    const [first, second] = await vault.seal([open, hidden])
    expect(first).toEqual({ isPrivate: false, activity: open.activity })
    const sealed = second as NewSealedActivity
    expect(sealed).toMatchObject({ isPrivate: true, id: hidden.activity.id, time: hidden.activity.time })
    expect(sealed.blindIndexes).toEqual({
      actorUpn: blindIndex(BLIND_KEY, 'actorUpn', 'hr.person@contoso.com'),
      ip: null,
      app: blindIndex(BLIND_KEY, 'app', 'secret app'),
      actionType: blindIndex(BLIND_KEY, 'actionType', 'login'),
    })
    expect(JSON.stringify(sealed.blindIndexes)).not.toContain('Secret')
    expect(sealed.sealed.toString('latin1')).not.toContain('hr.person')
    expect(await vault.open(sealed)).toEqual({ isPrivate: true, activity: hidden.activity, privateBecause: 'hr' })
  })

  it('should pad sealed details so their length says little about the details', async () => {
    const vault = vaultOver(memoryDataKeys())
    const short = await vault.sealActivity(buildActivity({ description: 'x' }), 'hr')
    const longer = await vault.sealActivity(buildActivity({ description: 'x'.repeat(100) }), 'hr')
    expect(short.sealed.length).toBe(longer.sealed.length)
    const overhead = 2 + sealedKeyId(short.sealed).length + 12 + 16
    expect((short.sealed.length - overhead) % PAD_BYTES).toBe(0)
  })

  it('should refuse to seal a private activity that does not say why it is private', async () => {
    const vault = vaultOver(memoryDataKeys())
    await expect(vault.seal([{ ...buildClassified({ isPrivate: true }), privateBecause: null }])).rejects.toThrow(/privacy group/)
  })

  it('should not open a sealed record moved to another row or another time', async () => {
    const vault = vaultOver(memoryDataKeys())
    const sealed = await vault.sealActivity(buildActivity(), 'hr')
    await expect(vault.open({ ...sealed, id: 'another-id' })).rejects.toThrow()
    await expect(vault.open({ ...sealed, time: sealed.time + 1 })).rejects.toThrow(/do not match/)
    const tampered = Buffer.from(sealed.sealed)
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1
    await expect(vault.open({ ...sealed, sealed: tampered })).rejects.toThrow()
  })

  it('should give the blind indexes of eq values on user, IP, app and action type only', () => {
    const vault = vaultOver(memoryDataKeys())
    const match = vault.privateMatch([
      { field: 'actorUpn', op: 'eq', values: ['ann@contoso.com', 'bob@contoso.com'] },
      { field: 'app', op: 'contains', values: ['teams'] },
      { field: 'country', op: 'eq', values: ['de'] },
      { field: 'time', op: 'range', gte: 1, lte: null },
      { field: 'actionType', op: 'eq', values: ['login'] },
    ])
    expect(Object.keys(match).sort()).toEqual(['actionType', 'actorUpn'])
    expect(match.actorUpn?.get('bob@contoso.com')).toBe(blindIndex(BLIND_KEY, 'actorUpn', 'bob@contoso.com'))
    expect(match.actionType?.get('login')).toBe(blindIndex(BLIND_KEY, 'actionType', 'login'))
  })
})

describe('PrivacyKeyring', () => {
  it('should create one active data key on first need, stored only wrapped, and share it between nodes', async () => {
    const table = memoryDataKeys()
    const [a, b] = [vaultOver(table), vaultOver(table)]
    const sealed = await Promise.all([a.sealActivity(buildActivity(), 'hr'), b.sealActivity(buildActivity(), 'hr'), a.sealActivity(buildActivity(), 'hr')])
    expect(table.rows).toHaveLength(1)
    expect(new Set(sealed.map((s) => sealedKeyId(s.sealed)))).toEqual(new Set([table.rows[0]?.id]))
    expect(table.rows[0]?.kekFingerprint).toBe(KEYS.current.fingerprint)
    // Each node opens what the other sealed.
    for (const s of sealed) {
      expect((await b.open(s)).isPrivate).toBe(true)
      expect((await a.open(s)).isPrivate).toBe(true)
    }
  })

  it('should open records sealed under an older data key', async () => {
    const table = memoryDataKeys()
    const vault = vaultOver(table)
    const sealed = await vault.sealActivity(buildActivity({ time: BASE_TIME }), 'hr')
    // A later key became active; the first still opens what it sealed.
    const first = table.rows[0] as StoredDataKey
    table.rows[0] = { ...first, active: false }
    const fresh = vaultOver(table)
    const later = await fresh.sealActivity(buildActivity(), 'legal')
    expect(sealedKeyId(later.sealed)).not.toBe(first.id)
    expect((await fresh.open(sealed)).privateBecause).toBe('hr')
  })

  it('should fail with a clear error without a key, or with a key that does not open the data keys', async () => {
    const table = memoryDataKeys()
    await expect(vaultOver(table, null).sealActivity(buildActivity(), 'hr')).rejects.toBeInstanceOf(PrivacyKeyError)
    const sealed = await vaultOver(table).sealActivity(buildActivity(), 'hr')
    const other: PrivacyKeys = { ...KEYS, current: keyEncryptionKey(Buffer.alloc(32, 7)) }
    await expect(vaultOver(table, other).open(sealed)).rejects.toThrow(/not configured/)
    await expect(new PrivacyKeyring(table, other, () => 0).verify()).rejects.toThrow(/does not open the data keys/)
    await expect(new PrivacyKeyring(table, null, () => 0).verify()).rejects.toThrow(/No privacy key/)
  })

  it('should seal with the envelope format: the data key id in the clear, the activity id as additional data', async () => {
    const table = memoryDataKeys()
    const vault = vaultOver(table)
    const activity = buildActivity()
    const sealed = await vault.sealActivity(activity, 'hr')
    const keyring = new PrivacyKeyring(table, KEYS, () => 0)
    const key = await keyring.key(sealedKeyId(sealed.sealed))
    expect(JSON.parse(openRecord(key.key, sealed.sealed, activity.id).toString('utf8'))).toEqual({ v: 1, activity, privateBecause: 'hr' })
    expect(() => openRecord(key.key, sealRecord(key, Buffer.from('x'), 'a'), 'b')).toThrow()
  })
})
