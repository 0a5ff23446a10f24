/**
 * Password hashing with scrypt from Node's own crypto (memory-hard, no native addon to build), stored
 * in a PHC-like string so parameters can be raised later without breaking existing hashes.
 *
 * @module
 */

import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    scryptCallback(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key)))
  })

/** N=2^15, r=8, p=1: OWASP's scrypt recommendation; ~32 MiB and ~50 ms per hash on this class of machine. */
const DEFAULT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const
const KEY_LENGTH = 32
export const MIN_PASSWORD_LENGTH = 12

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const { N, r, p } = DEFAULT_PARAMS
  const key = await scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r })
  return `$scrypt$ln=${Math.log2(N)},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

/** Constant-time check of a password against a stored hash; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored)
  if (!match) {
    return false
  }
  const [, ln, r, p, salt, hash] = match as unknown as [string, string, string, string, string, string]
  const N = 2 ** Number(ln)
  const expected = Buffer.from(hash, 'base64url')
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N, r: Number(r), p: Number(p), maxmem: 256 * N * Number(r) })
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** A random password for accounts created without one (printed once by the CLI). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url')
}
