/**
 * The providers Veil pulls from, by `kind`: the one list the API, the CLI and the scheduler read.
 *
 * @module
 */

import type { ConnectorKind } from './connector-kind.js'
import { gitHubConnector } from './github/github-connector.js'
import { googleWorkspaceConnector } from './google-workspace/google-workspace-connector.js'
import { o365Connector } from './o365/o365-connector.js'
import { oktaConnector } from './okta/okta-connector.js'

// Each kind is generic in its settings and credentials; the registry holds them as opaque values that
// only the kind itself reads back (`readSettings` / `readCredentials` produce what `pull` takes).
export const CONNECTOR_KINDS: Readonly<Record<string, ConnectorKind>> = Object.freeze({
  o365: o365Connector as unknown as ConnectorKind,
  okta: oktaConnector as unknown as ConnectorKind,
  'google-workspace': googleWorkspaceConnector as unknown as ConnectorKind,
  github: gitHubConnector as unknown as ConnectorKind,
})

export const CONNECTOR_KIND_NAMES = Object.freeze(Object.keys(CONNECTOR_KINDS))

/** The kind named `name`, or null. */
export function connectorKindOf(name: string): ConnectorKind | null {
  return Object.hasOwn(CONNECTOR_KINDS, name) ? (CONNECTOR_KINDS[name] ?? null) : null
}
