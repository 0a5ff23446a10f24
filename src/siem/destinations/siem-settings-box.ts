/**
 * SIEM destination settings at rest. The settings hold secrets (a webhook's HMAC key and header values,
 * a TLS client key), so the database keeps two copies: the settings with every secret redacted, for
 * listing, and the full settings sealed by the one sealing helper, `config/secret-box.ts` (AES-256-GCM
 * under `Secrets.siemSettingsKey`, derived from the master secret and never in the database). The label
 * `siem-destination:<id>` is the additional data, so a sealed blob copied onto another destination does
 * not open.
 *
 * @module
 */

import { openJson, sealJson } from '../../config/secret-box.js'

function label(destinationId: string): string {
  return `siem-destination:${destinationId}`
}

/** Seal a destination's full settings. */
export function sealSiemSettings(key: Buffer, destinationId: string, settings: unknown): Buffer {
  return sealJson(key, label(destinationId), settings)
}

/** The settings sealed by {@link sealSiemSettings}; throws `SecretBoxError` when the key, the id or the blob is not the one they were sealed with. */
export function openSiemSettings(key: Buffer, destinationId: string, sealed: Buffer): unknown {
  return openJson(key, label(destinationId), sealed)
}
