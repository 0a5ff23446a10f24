/**
 * Reading SCIM JSON: attribute names are case-insensitive (RFC 7643 §2.1), booleans may arrive as the
 * strings "True"/"False" (Entra ID sends them so), and every type error is a 400 `invalidValue` that
 * names the attribute.
 *
 * @module
 */

import { badRequest } from './scim-error.js'

/** A parsed JSON object, before its attributes are checked. */
export type JsonObject = { readonly [key: string]: unknown }

/** Whether a JSON value is an object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * An object's entries keyed by lower-cased name. Two keys that differ only in case are ambiguous and
 * rejected (`invalidSyntax`).
 */
export function entriesByName(object: JsonObject, where: string): Map<string, { readonly key: string; readonly value: unknown }> {
  const entries = new Map<string, { key: string; value: unknown }>()
  for (const [key, value] of Object.entries(object)) {
    const lower = key.toLowerCase()
    if (entries.has(lower)) {
      throw badRequest('invalidSyntax', `${where} has both "${entries.get(lower)?.key}" and "${key}"; attribute names are case-insensitive`)
    }
    entries.set(lower, { key, value })
  }
  return entries
}

/** The value of `name` in `object`, found case-insensitively (undefined when absent). */
export function attributeOf(object: JsonObject, name: string): unknown {
  const lower = name.toLowerCase()
  for (const [key, value] of Object.entries(object)) {
    if (key.toLowerCase() === lower) {
      return value
    }
  }
  return undefined
}

/** A boolean; `"true"`/`"false"` in any case count (Entra ID sends `"False"`). */
export function readBoolean(value: unknown, name: string): boolean {
  if (typeof value === 'boolean') {
    return value
  }
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) {
    return value.toLowerCase() === 'true'
  }
  throw badRequest('invalidValue', `${name} must be true or false`)
}

/** A non-empty string (trimmed), for required attributes. */
export function readRequiredString(value: unknown, name: string): string {
  if (typeof value !== 'string') {
    throw badRequest('invalidValue', value === undefined || value === null ? `${name} is required` : `${name} must be a string`)
  }
  const trimmed = value.trim()
  if (trimmed === '') {
    throw badRequest('invalidValue', `${name} must not be empty`)
  }
  return trimmed
}

/** A string or null; an empty string counts as null (unassigned). */
export function readOptionalString(value: unknown, name: string): string | null {
  if (value === undefined || value === null) {
    return null
  }
  if (typeof value !== 'string') {
    throw badRequest('invalidValue', `${name} must be a string`)
  }
  const trimmed = value.trim()
  return trimmed === '' ? null : trimmed
}

/** The request body as an object, or a 400 `invalidSyntax`. */
export function readBodyObject(body: unknown): JsonObject {
  if (!isObject(body)) {
    throw badRequest('invalidSyntax', 'The request body must be a JSON object')
  }
  return body
}

/** Check that a resource body's `schemas` lists `schema` (RFC 7643 §3: `schemas` is required). */
export function requireSchema(body: JsonObject, schema: string): void {
  const schemas = attributeOf(body, 'schemas')
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === schema.toLowerCase())) {
    throw badRequest('invalidSyntax', `schemas must be an array containing "${schema}"`)
  }
}
