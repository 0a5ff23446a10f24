/**
 * Key material. Veil's secrets live outside the database (a copy of the database alone must not be
 * enough to forge the governance chain or, later, to read private activities): in `VEIL_SECRET_KEY` or
 * a key file that `veil` creates with mode 0600 on first start.
 *
 * @module
 */

import { randomBytes, hkdfSync } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Config } from './config.js'

export interface Secrets {
  /** HMAC key of the governance hash chain. */
  readonly governanceKey: Buffer
  /**
   * HMAC key of the blind indexes of private activities (`envelope.ts` `blindIndex`). Not in the
   * database, so a copy of it cannot test guesses of a private activity's user, IP, app or action.
   */
  readonly blindIndexKey: Buffer
  /** AES-256-GCM key of SIEM destination settings at rest (they hold webhook secrets and TLS client keys). */
  readonly siemSettingsKey: Buffer
  /** AES-256-GCM key of pull connector credentials at rest (`secret-box.ts`; client secrets, API tokens, service-account keys). */
  readonly connectorCredentialsKey: Buffer
}

/** Derive purpose-specific keys from the master secret, so one leaked derived key exposes nothing else. */
export function deriveSecrets(master: Buffer): Secrets {
  const derive = (purpose: string): Buffer => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `veil:${purpose}:v1`, 32))
  return Object.freeze({ governanceKey: derive('governance-chain'), blindIndexKey: derive('blind-index'), siemSettingsKey: derive('siem-settings'), connectorCredentialsKey: derive('connector-credentials') })
}

/**
 * Load the master secret from the configuration or the key file. With `createIfMissing`, a missing key
 * file is created (first start of a new installation); otherwise a missing key is an error, because
 * running with a new key would make the existing governance chain unverifiable.
 */
export function loadSecrets(config: Pick<Config, 'secretKeyHex' | 'keyFile'>, options: { createIfMissing: boolean }): Secrets {
  if (config.secretKeyHex) {
    return deriveSecrets(Buffer.from(config.secretKeyHex, 'hex'))
  }
  if (!existsSync(config.keyFile)) {
    if (!options.createIfMissing) {
      throw new Error(`No secret key: set VEIL_SECRET_KEY or provide the key file ${config.keyFile}`)
    }
    mkdirSync(dirname(config.keyFile), { recursive: true })
    writeFileSync(config.keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  }
  const hex = readFileSync(config.keyFile, 'utf8').trim()
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new Error(`The key file ${config.keyFile} must hold 64 hexadecimal characters`)
  }
  return deriveSecrets(Buffer.from(hex, 'hex'))
}
