/**
 * The data keys of private activities: one active key seals new records, created on first need;
 * older keys still open the records they sealed. Keys are stored only wrapped under the
 * key-encryption key (KEK), with the KEK's fingerprint, and unwrapped keys are kept in memory only.
 *
 * Rotating the KEK (`veil keys rotate`) re-wraps every data key in one transaction; the activities
 * themselves are not touched, because they are sealed under the data keys, which do not change.
 *
 * @module
 */

import { randomBytes } from 'node:crypto'

import {
  abortKeyFileRotation,
  finishKeyFileRotation,
  keyEncryptionKey,
  stageKeyFileRotation,
  type KeyEncryptionKey,
  type PrivacyKeys,
} from '../../config/privacy-key.js'
import { newDataKey, unwrapDataKey, wrapDataKey, type DataKey } from '../../core/privacy/envelope.js'
import type { DataKeyRepository, Store, StoredDataKey } from '../../storage/store.js'
import type { Initiator } from '../service-context.js'

/** Why the keyring cannot open or create a data key; the message says what the operator should do. */
export class PrivacyKeyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PrivacyKeyError'
  }
}

/** What `veil keys status` shows; fingerprints only, never a key. */
export interface KeyringStatus {
  readonly origin: 'env' | 'file' | 'none'
  readonly file: string | null
  readonly kekFingerprint: string | null
  /** The fingerprint of `<file>.previous`, present while a rotation is unfinished. */
  readonly previousFingerprint: string | null
  readonly dataKeys: ReadonlyArray<{
    readonly id: string
    readonly active: boolean
    readonly createdAt: number
    readonly rewrappedAt: number | null
    readonly kekFingerprint: string
    /** Which configured KEK opens it: `current`, `previous`, or `unknown` (none: data loss unless the right key is found). */
    readonly wrappedUnder: 'current' | 'previous' | 'unknown'
  }>
}

/** Finds, creates and unwraps data keys; one per process, shared by ingest and reads. */
export class PrivacyKeyring {
  readonly #keys: DataKeyRepository
  readonly #kek: PrivacyKeys | null
  readonly #clock: () => number
  readonly #unwrapped = new Map<string, DataKey>()
  #active: Promise<DataKey> | null = null

  /** `kek` null: no key configured; every use fails with a {@link PrivacyKeyError} that says so. */
  constructor(keys: DataKeyRepository, kek: PrivacyKeys | null, clock: () => number) {
    this.#keys = keys
    this.#kek = kek
    this.#clock = clock
  }

  /** The key that seals new records, created (and wrapped under the current KEK) on first need. */
  activeKey(): Promise<DataKey> {
    this.#active ??= this.#loadActive().catch((error: unknown) => {
      this.#active = null
      throw error
    })
    return this.#active
  }

  /** The data key `id` (the one a sealed record names). */
  async key(id: string): Promise<DataKey> {
    const known = this.#unwrapped.get(id)
    if (known) {
      return known
    }
    const stored = await this.#keys.get(id)
    if (!stored) {
      throw new PrivacyKeyError(`The data key ${id} is not in the database`)
    }
    return this.#unwrap(stored)
  }

  /** Check that the configured KEK opens every data key; throws a {@link PrivacyKeyError} naming what is wrong. */
  async verify(): Promise<void> {
    const keys = await this.#keys.list()
    if (keys.length === 0) {
      return
    }
    const kek = this.#requireKek()
    const unknown = keys.filter((k) => this.#kekFor(k.kekFingerprint) === null)
    if (unknown.length > 0) {
      const fingerprints = [...new Set(unknown.map((k) => k.kekFingerprint))].join(', ')
      throw new PrivacyKeyError(
        `The privacy key (fingerprint ${kek.current.fingerprint}) does not open the data keys of private activities, which are wrapped under fingerprint ${fingerprints}: configure the key they were wrapped with (VEIL_PRIVACY_KEY or ${kek.file ?? 'the key file'}).`,
      )
    }
  }

  async status(): Promise<KeyringStatus> {
    const keys = await this.#keys.list()
    return {
      origin: this.#kek?.origin ?? 'none',
      file: this.#kek?.file ?? null,
      kekFingerprint: this.#kek?.current.fingerprint ?? null,
      previousFingerprint: this.#kek?.previous?.fingerprint ?? null,
      dataKeys: keys.map((k) => ({
        id: k.id,
        active: k.active,
        createdAt: k.createdAt,
        rewrappedAt: k.rewrappedAt,
        kekFingerprint: k.kekFingerprint,
        wrappedUnder:
          k.kekFingerprint === this.#kek?.current.fingerprint ? 'current' : k.kekFingerprint === this.#kek?.previous?.fingerprint ? 'previous' : 'unknown',
      })),
    }
  }

  async #loadActive(): Promise<DataKey> {
    const stored = await this.#keys.active()
    if (stored) {
      return this.#unwrap(stored)
    }
    const kek = this.#requireKek().current
    const key = newDataKey(`dk_${randomBytes(8).toString('hex')}`)
    const winner = await this.#keys.createActive({ id: key.id, wrapped: wrapDataKey(kek.key, key), kekFingerprint: kek.fingerprint, createdAt: this.#clock() })
    // Another node may have created its key first; everybody uses the one that won.
    return winner.id === key.id ? this.#remember(key) : this.#unwrap(winner)
  }

  #unwrap(stored: StoredDataKey): DataKey {
    const kek = this.#kekFor(stored.kekFingerprint)
    if (!kek) {
      this.#requireKek()
      throw new PrivacyKeyError(
        `The data key ${stored.id} is wrapped under the privacy key with fingerprint ${stored.kekFingerprint}, which is not configured (configured: ${this.#kek?.current.fingerprint}). Configure that key (VEIL_PRIVACY_KEY or the key file).`,
      )
    }
    return this.#remember(unwrapDataKey(kek.key, stored.id, stored.wrapped))
  }

  #remember(key: DataKey): DataKey {
    this.#unwrapped.set(key.id, key)
    return key
  }

  #kekFor(fingerprint: string): KeyEncryptionKey | null {
    if (!this.#kek) {
      return null
    }
    if (this.#kek.current.fingerprint === fingerprint) {
      return this.#kek.current
    }
    return this.#kek.previous?.fingerprint === fingerprint ? this.#kek.previous : null
  }

  #requireKek(): PrivacyKeys {
    if (!this.#kek) {
      throw new PrivacyKeyError('No privacy key is configured: set VEIL_PRIVACY_KEY or provide the key file (VEIL_PRIVACY_KEY_FILE).')
    }
    return this.#kek
  }
}

/** What a rotation did. */
export interface RotationReport {
  /** Data keys re-wrapped by this run. */
  readonly rewrapped: number
  /** The KEK every data key is now wrapped under. */
  readonly fingerprint: string
  /** True when this run finished a rotation that had been interrupted (no new key was made). */
  readonly resumed: boolean
}

export interface RotationOptions {
  /** The new KEK; required when the key comes from `VEIL_PRIVACY_KEY`, made at random for a key file. */
  readonly next?: Buffer
}

/**
 * Re-wrap every data key under `to`, in one transaction, and record it in the governance log in the
 * same transaction. Each key is unwrapped with the KEK among `from` whose fingerprint it carries.
 */
export async function rewrapDataKeys(
  store: Store,
  from: readonly KeyEncryptionKey[],
  to: KeyEncryptionKey,
  initiator: Initiator,
  at: number,
): Promise<number> {
  return store.transaction(async (tx) => {
    const keys = await tx.dataKeys.list()
    let rewrapped = 0
    for (const stored of keys) {
      if (stored.kekFingerprint === to.fingerprint) {
        continue
      }
      const kek = from.find((k) => k.fingerprint === stored.kekFingerprint)
      if (!kek) {
        throw new PrivacyKeyError(
          `The data key ${stored.id} is wrapped under the privacy key with fingerprint ${stored.kekFingerprint}, which is not configured; nothing was changed.`,
        )
      }
      const key = unwrapDataKey(kek.key, stored.id, stored.wrapped)
      if (!(await tx.dataKeys.rewrap(stored.id, wrapDataKey(to.key, key), to.fingerprint, stored.kekFingerprint, at))) {
        throw new PrivacyKeyError(`The data key ${stored.id} changed during the rotation; nothing was changed, run it again.`)
      }
      rewrapped += 1
    }
    await tx.governance.append(
      {
        action: 'privacy_key.rotate',
        target: to.fingerprint,
        initiator: initiator.upn,
        app: 'Veil',
        ip: initiator.ip,
        status: 'succeeded',
        justification: null,
        details: { fingerprint: to.fingerprint, previousFingerprints: [...new Set(from.map((k) => k.fingerprint))], rewrapped, dataKeys: keys.length },
      },
      at,
    )
    return rewrapped
  })
}

/**
 * `veil keys rotate`. With a key file: the new key goes into the file and the old one into
 * `<file>.previous` (see `stageKeyFileRotation`), every data key is re-wrapped in one transaction, and
 * only after that commit is `.previous` removed; if the transaction fails the old key is put back. A
 * `.previous` found at the start means an earlier run was interrupted: this run finishes it instead of
 * making another key. With `VEIL_PRIVACY_KEY`: only the database changes; the operator then replaces
 * `VEIL_PRIVACY_KEY` with the new key on every node.
 */
export async function rotatePrivacyKey(
  store: Store,
  keys: PrivacyKeys,
  initiator: Initiator,
  clock: () => number,
  options: RotationOptions = {},
): Promise<RotationReport> {
  if (keys.origin === 'env' || keys.file === null) {
    if (!options.next) {
      throw new PrivacyKeyError('The privacy key comes from VEIL_PRIVACY_KEY: give the new key in VEIL_PRIVACY_KEY_NEW (make one with: openssl rand -hex 32).')
    }
    const next = keyEncryptionKey(options.next)
    if (next.fingerprint === keys.current.fingerprint) {
      throw new PrivacyKeyError('VEIL_PRIVACY_KEY_NEW is the key in use; make a new one with: openssl rand -hex 32')
    }
    const rewrapped = await rewrapDataKeys(store, [keys.current], next, initiator, clock())
    return { rewrapped, fingerprint: next.fingerprint, resumed: false }
  }
  const file = keys.file
  if (keys.previous) {
    const rewrapped = await rewrapDataKeys(store, [keys.previous], keys.current, initiator, clock())
    finishKeyFileRotation(file)
    return { rewrapped, fingerprint: keys.current.fingerprint, resumed: true }
  }
  const next = keyEncryptionKey(options.next ?? randomBytes(32))
  if (next.fingerprint === keys.current.fingerprint) {
    throw new PrivacyKeyError('The new privacy key is the key in use; give another one.')
  }
  stageKeyFileRotation(file, next.key)
  let rewrapped: number
  try {
    rewrapped = await rewrapDataKeys(store, [keys.current], next, initiator, clock())
  } catch (error) {
    if (await restoreIfUnchanged(store, file, next)) {
      throw error
    }
    throw new PrivacyKeyError(
      `The rotation was interrupted (${error instanceof Error ? error.message : String(error)}); both keys are kept (${file} and ${file}.previous) and Veil opens every data key with them: run \`veil keys rotate\` again to finish.`,
    )
  }
  finishKeyFileRotation(file)
  return { rewrapped, fingerprint: next.fingerprint, resumed: false }
}

/**
 * After a failed re-wrap: put the old key back only when the database certainly kept the old wrapping
 * (no data key under the new KEK). A commit whose answer was lost must not lose the key it needs.
 */
async function restoreIfUnchanged(store: Store, file: string, next: KeyEncryptionKey): Promise<boolean> {
  try {
    const keys = await store.dataKeys.list()
    if (keys.some((k) => k.kekFingerprint === next.fingerprint)) {
      return false
    }
  } catch {
    return false
  }
  abortKeyFileRotation(file)
  return true
}
