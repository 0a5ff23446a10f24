import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { blindIndex, newDataKey, openRecord, sealRecord, sealedKeyId, unwrapDataKey, wrapDataKey } from './envelope.js'

describe('envelope encryption', () => {
  const dataKey = newDataKey('dk-1')
  const plaintext = Buffer.from(JSON.stringify({ actor: 'ceo@contoso.com', ip: '203.0.113.9' }))

  it('should seal and open a record for its row only', () => {
    const sealed = sealRecord(dataKey, plaintext, 'activity-1')
    expect(sealed.includes(Buffer.from('ceo@contoso.com'))).toBe(false)
    expect(sealedKeyId(sealed)).toBe('dk-1')
    expect(openRecord(dataKey.key, sealed, 'activity-1').equals(plaintext)).toBe(true)
    expect(() => openRecord(dataKey.key, sealed, 'activity-2')).toThrow()
  })

  it('should use a fresh nonce for every record', () => {
    expect(sealRecord(dataKey, plaintext, 'a').equals(sealRecord(dataKey, plaintext, 'a'))).toBe(false)
  })

  it('should detect any changed byte and a wrong key', () => {
    const sealed = sealRecord(dataKey, plaintext, 'a')
    for (const position of [5, 20, 40, sealed.length - 1]) {
      const tampered = Buffer.from(sealed)
      tampered[position] = (tampered[position] as number) ^ 1
      expect(() => openRecord(dataKey.key, tampered, 'a')).toThrow()
    }
    expect(() => openRecord(randomBytes(32), sealed, 'a')).toThrow()
  })

  it('should wrap and unwrap data keys under the key-encryption key, bound to their id', () => {
    const kek = randomBytes(32)
    const wrapped = wrapDataKey(kek, dataKey)
    expect(unwrapDataKey(kek, 'dk-1', wrapped).key.equals(dataKey.key)).toBe(true)
    expect(() => unwrapDataKey(kek, 'dk-2', wrapped)).toThrow()
    expect(() => unwrapDataKey(randomBytes(32), 'dk-1', wrapped)).toThrow()
  })

  it('should compute case-insensitive, field-separated, keyed blind indexes', () => {
    const key = randomBytes(32)
    expect(blindIndex(key, 'actorUpn', 'CEO@contoso.com')).toBe(blindIndex(key, 'actorUpn', 'ceo@contoso.com'))
    expect(blindIndex(key, 'actorUpn', 'x')).not.toBe(blindIndex(key, 'app', 'x'))
    expect(blindIndex(key, 'actorUpn', 'x')).not.toBe(blindIndex(randomBytes(32), 'actorUpn', 'x'))
    expect(blindIndex(key, 'ip', '203.0.113.9')).toMatch(/^[0-9a-f]{32}$/)
  })
})
