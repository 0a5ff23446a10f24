/**
 * The values of the connector form: what it starts with (a new connector: nothing; an edit: the
 * stored settings, never credentials, which the API does not return) and the body it sends.
 *
 * Editing keeps what is not shown: settings the form has no field for (a page size, an overlap) are
 * sent back as they were, and a credential left empty is left out of the change, which keeps the
 * stored one. Values are sent as typed, so the server names what is wrong with them.
 */
import type { Connector } from '../../api/connectors.js'
import type { ProviderField } from './provider-forms.js'

/** A whole number when it is one; otherwise as typed, so the server says what is wrong with it. */
export function integerOf(text: string): number | string {
  const trimmed = text.trim()
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed
}

/** A credential field: write-only, so an edit starts it empty. */
export function isCredential(field: ProviderField): boolean {
  return field.path.startsWith('credentials.')
}

/**
 * `{ 'settings.baseUrl': 'x', 'credentials.apiToken': 'y' }` → the two objects, over `base` (the
 * stored settings when editing). An empty optional setting is removed; an empty credential is left out
 * (when editing: kept as stored).
 */
export function connectorBody(fields: readonly ProviderField[], values: Readonly<Record<string, string>>, base: Readonly<Record<string, unknown>>, editing: boolean): { settings: Record<string, unknown>; credentials: Record<string, unknown> } {
  const settings: Record<string, unknown> = { ...base }
  const credentials: Record<string, unknown> = {}
  for (const field of fields) {
    const value = field.kind === 'secret' || field.kind === 'json' ? (values[field.path] ?? '') : (values[field.path] ?? '').trim()
    const [part, key] = field.path.split('.') as [string, string]
    if (value === '' && (!field.required || (editing && part === 'credentials'))) {
      if (part === 'settings') {
        delete settings[key]
      }
      continue
    }
    ;(part === 'settings' ? settings : credentials)[key] = value
  }
  return { settings, credentials }
}

/** The connector's settings as the API shows them, as an object ({} for a new connector). */
export function storedSettings(connector: Connector | undefined): Record<string, unknown> {
  const settings = connector?.settings
  return typeof settings === 'object' && settings !== null && !Array.isArray(settings) ? { ...(settings as Record<string, unknown>) } : {}
}

/** The form's first values: empty for a new connector; the stored settings (not credentials) for an edit. */
export function initialValues(connector: Connector | undefined, fields: readonly ProviderField[]): Record<string, string> {
  const settings = storedSettings(connector)
  const values: Record<string, string> = {}
  for (const field of fields) {
    const [part, key] = field.path.split('.') as [string, string]
    const value = settings[key]
    if (part === 'settings' && value !== undefined && value !== null) {
      values[field.path] = typeof value === 'string' ? value : JSON.stringify(value)
    }
  }
  return values
}

