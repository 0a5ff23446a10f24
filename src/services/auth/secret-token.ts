/**
 * API tokens and session ids: high-entropy random secrets, stored only as SHA-256 hashes (a slow hash
 * adds nothing for 256-bit random values and would slow every request).
 *
 * Token format: `veil_<id>_<secret>`; the id is public (shown in lists and the governance log) and
 * lets the server find the row, the secret proves possession.
 *
 * @module
 */

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

export interface IssuedToken {
  readonly id: string
  /** The whole token, shown to the user once. */
  readonly token: string
  readonly secretHash: string
}

export function issueApiToken(): IssuedToken {
  const id = randomBytes(6).toString('hex')
  const token = `veil_${id}_${randomBytes(32).toString('base64url')}`
  return { id, token, secretHash: sha256Hex(token) }
}

/** Split a presented token into its id, or null when it is not of Veil's form. */
export function parseApiToken(token: string): { id: string } | null {
  const match = /^veil_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/.exec(token)
  return match ? { id: match[1] as string } : null
}

export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && timingSafeEqual(x, y)
}

export function issueSessionSecret(): { secret: string; idHash: string; csrfToken: string } {
  const secret = randomBytes(32).toString('base64url')
  return { secret, idHash: sha256Hex(secret), csrfToken: randomBytes(24).toString('base64url') }
}
