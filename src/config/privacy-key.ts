/**
 * The key-encryption key (KEK) of private activities: `VEIL_PRIVACY_KEY`, or a key file (default
 * `privacy.key` beside the master key file) created with mode 0600 on the first start of a new
 * installation. It wraps the data keys that seal private activities; only wrapped data keys and the
 * KEK's fingerprint are in the database, so a copy of the database alone opens nothing (privacy rule 2).
 *
 * Rotating a key file (`veil keys rotate`) keeps the old key as `<file>.previous` until the database
 * holds every data key re-wrapped under the new one: a rotation interrupted at any point leaves a pair
 * of files that still opens every data key, and running the rotation again finishes it.
 *
 * @module
 */

import { createHash, randomBytes } from 'node:crypto'
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

import type { Config } from './config.js'

/** A key-encryption key and its fingerprint (what the database stores beside each wrapped data key). */
export interface KeyEncryptionKey {
  /** 32 bytes. */
  readonly key: Buffer
  /** 16 hex characters of a hash of the key: names the key, reveals nothing of it. */
  readonly fingerprint: string
}

/** Where the KEK came from and, after an interrupted file rotation, the key it replaced. */
export interface PrivacyKeys {
  readonly origin: 'env' | 'file'
  readonly current: KeyEncryptionKey
  /** `<file>.previous` of an unfinished rotation: it may still wrap some data keys. */
  readonly previous: KeyEncryptionKey | null
  /** The key file, when the key came from one. */
  readonly file: string | null
}

const KEY_PATTERN = /^[0-9a-fA-F]{64}$/

/** The fingerprint of a KEK. */
export function kekFingerprint(key: Buffer): string {
  return createHash('sha256').update('veil:privacy-kek-fingerprint:v1\u0000').update(key).digest('hex').slice(0, 16)
}

/** A KEK from its 32 bytes. */
export function keyEncryptionKey(key: Buffer): KeyEncryptionKey {
  if (key.length !== 32) {
    throw new Error('A privacy key must be 32 bytes (64 hexadecimal characters)')
  }
  return Object.freeze({ key, fingerprint: kekFingerprint(key) })
}

/** A KEK from 64 hexadecimal characters; `name` says where they came from, for the error. */
export function parsePrivacyKeyHex(hex: string, name: string): KeyEncryptionKey {
  const trimmed = hex.trim()
  if (!KEY_PATTERN.test(trimmed)) {
    throw new Error(`${name} must hold 64 hexadecimal characters (32 bytes); make one with: openssl rand -hex 32`)
  }
  return keyEncryptionKey(Buffer.from(trimmed, 'hex'))
}

/** The file that keeps the old key during a rotation. */
export function previousKeyFile(file: string): string {
  return `${file}.previous`
}

function readKeyFile(file: string): KeyEncryptionKey {
  return parsePrivacyKeyHex(readFileSync(file, 'utf8'), `The privacy key file ${file}`)
}

/**
 * The configured KEK: `VEIL_PRIVACY_KEY`, else the key file (with `<file>.previous` when a rotation was
 * interrupted). Null when neither is there; the caller decides whether to create the file.
 */
export function readPrivacyKeys(config: Pick<Config, 'privacyKeyHex' | 'privacyKeyFile'>): PrivacyKeys | null {
  if (config.privacyKeyHex) {
    return { origin: 'env', current: parsePrivacyKeyHex(config.privacyKeyHex, 'VEIL_PRIVACY_KEY'), previous: null, file: null }
  }
  const file = config.privacyKeyFile
  if (!existsSync(file)) {
    return null
  }
  const previous = previousKeyFile(file)
  return { origin: 'file', current: readKeyFile(file), previous: existsSync(previous) ? readKeyFile(previous) : null, file }
}

/** Write `key` to `file` (mode 0600) and make it durable: the data it protects depends on it. */
function writeKeyFile(file: string, key: Buffer, flag: 'wx' | 'w'): void {
  mkdirSync(dirname(file), { recursive: true })
  const fd = openSync(file, flag, 0o600)
  try {
    writeSync(fd, `${key.toString('hex')}\n`)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Make a rename or a new file durable: sync the directory that holds it. */
function syncDirectory(file: string): void {
  try {
    const fd = openSync(dirname(file), 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // Not every platform can open a directory; the file itself is synced.
  }
}

/** Create the key file of a new installation (mode 0600); fails if it exists. */
export function createPrivacyKeyFile(file: string): PrivacyKeys {
  const key = randomBytes(32)
  writeKeyFile(file, key, 'wx')
  syncDirectory(file)
  return { origin: 'file', current: keyEncryptionKey(key), previous: null, file }
}

/**
 * Put `next` in `file`, keeping the key it holds now as `<file>.previous`. Both files are complete and
 * synced at every step, and the new key takes the file's place by an atomic rename, so at any moment
 * the pair of files opens every data key, whether the database was re-wrapped yet or not.
 */
export function stageKeyFileRotation(file: string, next: Buffer): void {
  const current = readFileSync(file, 'utf8')
  const previous = previousKeyFile(file)
  if (existsSync(previous)) {
    throw new Error(`${previous} exists: a rotation was interrupted; run \`veil keys rotate\` again to finish it first`)
  }
  writeKeyFile(previous, Buffer.from(current.trim(), 'hex'), 'wx')
  const staged = `${file}.next`
  writeKeyFile(staged, next, 'w')
  renameSync(staged, file)
  syncDirectory(file)
}

/** The database kept the old wrapping: put the old key back in the file and drop `.previous`. */
export function abortKeyFileRotation(file: string): void {
  renameSync(previousKeyFile(file), file)
  syncDirectory(file)
}

/** The database committed the new wrapping: the old key opens nothing any more and is removed. */
export function finishKeyFileRotation(file: string): void {
  rmSync(previousKeyFile(file), { force: true })
  syncDirectory(file)
}
