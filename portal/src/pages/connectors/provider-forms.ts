/**
 * The add form's fields per provider: which settings and credentials each asks for, labelled as the
 * provider's console names them. This is only the form's layout; the server checks every value and
 * names each field at fault (docs/connectors.md has every setting).
 */

export interface ProviderField {
  /** The request body's dotted path: `settings.baseUrl`, `credentials.apiToken`. */
  readonly path: string
  readonly label: string
  readonly kind: 'text' | 'secret' | 'json'
  readonly required: boolean
  readonly placeholder?: string
  readonly hint?: string
}

export interface ProviderForm {
  readonly kind: string
  readonly label: string
  readonly fields: readonly ProviderField[]
}

export const PROVIDER_FORMS: readonly ProviderForm[] = [
  {
    kind: 'o365',
    label: 'Microsoft 365 (Office 365 Management Activity API)',
    fields: [
      { path: 'settings.tenantId', label: 'Tenant id', kind: 'text', required: true, placeholder: '00000000-0000-0000-0000-000000000000', hint: "The tenant's directory id." },
      { path: 'settings.clientId', label: 'Application (client) id', kind: 'text', required: true, hint: 'Of the app registration with ActivityFeed.Read.' },
      { path: 'credentials.clientSecret', label: 'Client secret', kind: 'secret', required: true, hint: 'Write-only.' },
    ],
  },
  {
    kind: 'okta',
    label: 'Okta (System Log)',
    fields: [
      { path: 'settings.baseUrl', label: 'Okta org URL', kind: 'text', required: true, placeholder: 'https://acme.okta.com' },
      { path: 'credentials.apiToken', label: 'API token', kind: 'secret', required: true, hint: 'Of an admin who may read the System Log. Write-only.' },
    ],
  },
  {
    kind: 'google-workspace',
    label: 'Google Workspace (Reports API)',
    fields: [
      { path: 'settings.subject', label: 'Super admin email', kind: 'text', required: true, hint: 'The admin the service account acts for (domain-wide delegation).' },
      { path: 'settings.customerId', label: 'Customer id (optional)', kind: 'text', required: false },
      { path: 'credentials.serviceAccountKey', label: 'Service account key (JSON)', kind: 'json', required: true, hint: 'Paste the JSON key file. Write-only.' },
    ],
  },
  {
    kind: 'github',
    label: 'GitHub (audit log)',
    fields: [
      { path: 'settings.org', label: 'Organization', kind: 'text', required: false, hint: 'An organization or an enterprise, not both.' },
      { path: 'settings.enterprise', label: 'Enterprise', kind: 'text', required: false },
      { path: 'settings.baseUrl', label: 'API URL (optional)', kind: 'text', required: false, placeholder: 'https://api.github.com', hint: 'For GitHub Enterprise Server.' },
      { path: 'credentials.token', label: 'Token', kind: 'secret', required: true, hint: 'With read:audit_log. Write-only.' },
    ],
  },
]

/** The label of a provider kind (`okta` → `Okta (System Log)`), or the kind itself. */
export function providerLabel(kind: string): string {
  return PROVIDER_FORMS.find((p) => p.kind === kind)?.label ?? kind
}
