/**
 * Envelope encryption of private activity details (privacy rule 2): each record is sealed with
 * AES-256-GCM under a data key, with a fresh 96-bit nonce per record and the activity id as additional
 * authenticated data (a sealed blob moved to another row does not open). Data keys are themselves
 * wrapped (AES-256-GCM) by a key-encryption key that is never in the database, so rotating the KEK only
 * re-wraps data keys.
 *
 * Blind indexes (HMAC-SHA-256 under a separate key, also never in the database) let a *revealing* query
 * filter private activities by user, IP, app or action without decrypting every row. Non-revealing
 * queries never look at them (rule 4).
 *
 * Pure: keys are passed in.
 *
 * @module
 */

import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'

const VERSION = 1
const NONCE_BYTES = 12
const TAG_BYTES = 16

export interface DataKey {
  /** Stable id stored in every sealed record, to find the key again. */
  readonly id: string
  /** 32 bytes. */
  readonly key: Buffer
}

function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer): { nonce: Buffer; tag: Buffer; ciphertext: Buffer } {
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(aad)
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return { nonce, tag: cipher.getAuthTag(), ciphertext }
}

function decrypt(key: Buffer, nonce: Buffer, tag: Buffer, ciphertext: Buffer, aad: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce)
  decipher.setAAD(aad)
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(ciphertext), decipher.final()])
}

/**
 * Seal `plaintext` for the row identified by `aad` (the activity id).
 * Layout: version (1) | key id length (1) | key id | nonce (12) | tag (16) | ciphertext.
 */
export function sealRecord(dataKey: DataKey, plaintext: Buffer, aad: string): Buffer {
  const keyId = Buffer.from(dataKey.id, 'utf8')
  if (keyId.length > 255) {
    throw new Error('data key id too long')
  }
  const header = Buffer.concat([Buffer.from([VERSION, keyId.length]), keyId])
  // The header (version, key id) is authenticated together with the row id, so no byte can change unnoticed.
  const { nonce, tag, ciphertext } = encrypt(dataKey.key, plaintext, Buffer.concat([header, Buffer.from(aad, 'utf8')]))
  return Buffer.concat([header, nonce, tag, ciphertext])
}

/** The id of the data key a sealed record needs. */
export function sealedKeyId(sealed: Buffer): string {
  if (sealed.length < 2 || sealed[0] !== VERSION) {
    throw new Error('not a sealed record of a known version')
  }
  return sealed.subarray(2, 2 + (sealed[1] as number)).toString('utf8')
}

/** Open a sealed record; throws when the key, the row (`aad`) or any byte is wrong. */
export function openRecord(key: Buffer, sealed: Buffer, aad: string): Buffer {
  const idLength = sealed[1] as number
  const start = 2 + idLength
  const nonce = sealed.subarray(start, start + NONCE_BYTES)
  const tag = sealed.subarray(start + NONCE_BYTES, start + NONCE_BYTES + TAG_BYTES)
  const ciphertext = sealed.subarray(start + NONCE_BYTES + TAG_BYTES)
  if (sealed[0] !== VERSION || nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) {
    throw new Error('not a sealed record of a known version')
  }
  return decrypt(key, nonce, tag, ciphertext, Buffer.concat([sealed.subarray(0, start), Buffer.from(aad, 'utf8')]))
}

/** Wrap a data key under the key-encryption key; `keyId` is bound as additional data. */
export function wrapDataKey(kek: Buffer, dataKey: DataKey): Buffer {
  const { nonce, tag, ciphertext } = encrypt(kek, dataKey.key, Buffer.from(dataKey.id, 'utf8'))
  return Buffer.concat([Buffer.from([VERSION]), nonce, tag, ciphertext])
}

export function unwrapDataKey(kek: Buffer, id: string, wrapped: Buffer): DataKey {
  if (wrapped[0] !== VERSION) {
    throw new Error('not a wrapped key of a known version')
  }
  const nonce = wrapped.subarray(1, 1 + NONCE_BYTES)
  const tag = wrapped.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES)
  return { id, key: decrypt(kek, nonce, tag, wrapped.subarray(1 + NONCE_BYTES + TAG_BYTES), Buffer.from(id, 'utf8')) }
}

export function newDataKey(id: string): DataKey {
  return { id, key: randomBytes(32) }
}

/** Fields of a private activity that revealing queries may filter on through blind indexes. */
export const BLIND_INDEX_FIELDS = ['actorUpn', 'ip', 'app', 'actionType'] as const
export type BlindIndexField = (typeof BLIND_INDEX_FIELDS)[number]

/**
 * Keyed hash of a lower-cased field value; the field name is part of the input so equal values of
 * different fields do not collide. 128 bits, hex.
 */
export function blindIndex(key: Buffer, field: BlindIndexField, value: string): string {
  return createHmac('sha256', key).update(field).update('\u0000').update(value.toLowerCase()).digest('hex').slice(0, 32)
}
