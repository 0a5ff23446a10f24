/**
 * The native audit formats Veil reads besides its own generic JSON, in the order auto-detection tries
 * them. Each detects only its own source's events (a test runs every sample of every source through
 * every detector), so the order matters only for records no real source writes.
 *
 * @module
 */

import type { IngestFormat } from '../ingest-format.js'
import { cloudTrailFormat } from './cloudtrail/cloudtrail-format.js'
import { entraAuditFormat } from './entra/entra-audit-format.js'
import { entraSignInFormat } from './entra/entra-signin-format.js'
import { gitHubFormat } from './github/github-format.js'
import { googleWorkspaceFormat } from './google-workspace/google-workspace-format.js'
import { o365Format } from './o365/o365-format.js'
import { oktaFormat } from './okta/okta-format.js'

/** Microsoft 365, Entra ID sign-ins and audits, Google Workspace, Okta, GitHub, AWS CloudTrail. */
export const NATIVE_FORMATS: readonly IngestFormat[] = Object.freeze([o365Format, entraSignInFormat, entraAuditFormat, googleWorkspaceFormat, oktaFormat, gitHubFormat, cloudTrailFormat])

/** Every format name `--format` and `?format=` accept, besides `auto`. */
export const INGEST_FORMAT_NAMES: readonly string[] = Object.freeze(['veil', ...NATIVE_FORMATS.map((f) => f.name)])
