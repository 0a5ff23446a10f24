/**
 * What every use case gets: the store, the clock and the secrets. Passed explicitly so services stay
 * testable without globals.
 *
 * @module
 */

import type { Secrets } from '../config/secrets.js'
import type { Store } from '../storage/store.js'

export interface ServiceContext {
  readonly store: Store
  /** ms since the epoch; tests pass a fixed clock. */
  readonly clock: () => number
  readonly secrets: Secrets
}

/** Who performs an administrative action, for the governance log. */
export interface Initiator {
  /** UPN of the authenticated account, or `cli` for a local operator at the command line. */
  readonly upn: string
  readonly ip: string | null
  /** How the action arrived: the HTTP API (token or portal session) or the command line. */
  readonly channel: 'api' | 'portal' | 'cli'
}

export const CLI_INITIATOR: Initiator = Object.freeze({ upn: 'cli', ip: null, channel: 'cli' })
