/**
 * Secrets at rest in the database: a JSON value sealed with AES-256-GCM under a key derived from the
 * master secret (never in the database), with a label as additional data. The label names what the
 * value belongs to (`connector:<id>`), so a sealed blob copied onto another row does not open.
 *
 * Layout: version (1 byte, 1) | IV (12 bytes) | tag (16 bytes) | ciphertext. A later layout gets a new
 * version byte; {@link openJson} reads every version it knows.
 *
 * @example
 * const sealed = sealJson(secrets.connectorCredentialsKey, `connector:${id}`, { apiToken })
 * const { apiToken } = openJson(secrets.connectorCredentialsKey, `connector:${id}`, sealed) as { apiToken: string }
 *
 * @module
 */

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const VERSION = 1
const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_BYTES = 32

/** A sealed value that does not open: wrong key (another master secret), wrong label, or a damaged blob. */
export class SecretBoxError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SecretBoxError'
  }
}

function additionalData(label: string): Buffer {
  return Buffer.from(`veil:secret-box:v${VERSION}:${label}`, 'utf8')
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) {
    throw new SecretBoxError(`A secret box key is ${KEY_BYTES} bytes, not ${key.length}`)
  }
}

/** Seal `value` (anything JSON can hold) for `label`. Every call uses a fresh IV, so equal values seal differently. */
export function sealJson(key: Buffer, label: string, value: unknown): Buffer {
  checkKey(key)
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(additionalData(label))
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()])
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext])
}

/** The value {@link sealJson} sealed for `label`; throws {@link SecretBoxError} when the key, label or blob is not the one it was sealed with. */
export function openJson(key: Buffer, label: string, sealed: Uint8Array): unknown {
  checkKey(key)
  const box = Buffer.isBuffer(sealed) ? sealed : Buffer.from(sealed)
  if (box.length < 1 + IV_BYTES + TAG_BYTES || box[0] !== VERSION) {
    throw new SecretBoxError(`The sealed value of ${label} is not in a known format`)
  }
  const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(1, 1 + IV_BYTES))
  decipher.setAAD(additionalData(label))
  decipher.setAuthTag(box.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES))
  let plaintext: Buffer
  try {
    plaintext = Buffer.concat([decipher.update(box.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()])
  } catch (error) {
    throw new SecretBoxError(`The sealed value of ${label} does not open with this master secret (VEIL_SECRET_KEY / key file)`, { cause: error })
  }
  return JSON.parse(plaintext.toString('utf8')) as unknown
}
