/**
 * SIEM destination settings at rest. The settings hold secrets (a webhook's HMAC key and header values,
 * a TLS client key), so the database keeps two copies: the settings with every secret redacted, for
 * listing, and the full settings sealed with AES-256-GCM under a key derived from the master secret
 * (`Secrets.siemSettingsKey`), which is never in the database. The destination id is the additional
 * data, so a sealed blob copied onto another destination does not open.
 *
 * Layout: version (1 byte, 1) | IV (12 bytes) | tag (16 bytes) | ciphertext.
 *
 * @module
 */

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const VERSION = 1
const IV_BYTES = 12
const TAG_BYTES = 16

function aad(destinationId: string): Buffer {
  return Buffer.from(`veil:siem-destination:${destinationId}`, 'utf8')
}

/** Seal a destination's full settings. */
export function sealSiemSettings(key: Buffer, destinationId: string, settings: unknown): Buffer {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(aad(destinationId))
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(settings), 'utf8'), cipher.final()])
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext])
}

/** The settings sealed by {@link sealSiemSettings}; throws when the key, the id or the blob is not the one they were sealed with. */
export function openSiemSettings(key: Buffer, destinationId: string, sealed: Buffer): unknown {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
    throw new Error(`The sealed settings of SIEM destination ${destinationId} are not in a known format`)
  }
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 1 + IV_BYTES))
  decipher.setAAD(aad(destinationId))
  decipher.setAuthTag(sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES))
  try {
    const plaintext = Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()])
    return JSON.parse(plaintext.toString('utf8')) as unknown
  } catch (error) {
    throw new Error(`The settings of SIEM destination ${destinationId} do not open with this master secret (VEIL_SECRET_KEY / key file)`, { cause: error })
  }
}
