/**
 * Privacy plumbing for tests that work on a store directly: a vault over the store's data keys with the
 * test key-encryption key and a fixed blind-index key.
 */
import type { PrivacyKeys } from '../../src/config/privacy-key.js'
import { deriveSecrets } from '../../src/config/secrets.js'
import { PrivacyKeyring } from '../../src/services/privacy/privacy-keyring.js'
import { PrivacyVault } from '../../src/services/privacy/privacy-vault.js'
import type { Store } from '../../src/storage/store.js'
import { TEST_PRIVACY_KEYS } from './test-app.js'

/** The blind-index key of test apps (their secrets are `deriveSecrets(Buffer.alloc(32, 3))`). */
export const TEST_BLIND_INDEX_KEY = deriveSecrets(Buffer.alloc(32, 3)).blindIndexKey

/** A vault over `store`'s data keys. */
export function createTestVault(store: Store, keys: PrivacyKeys = TEST_PRIVACY_KEYS, clock: () => number = Date.now): PrivacyVault {
  return new PrivacyVault(new PrivacyKeyring(store.dataKeys, keys, clock), TEST_BLIND_INDEX_KEY)
}
