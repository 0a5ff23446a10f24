/**
 * SCIM errors (RFC 7644 §3.12): the error body identity providers read, and the conversion of every
 * error a SCIM request can meet — SCIM protocol errors, Veil's domain errors from the directory
 * service, Fastify's body and validation errors — into that body. Unknown errors become a generic 500
 * whose detail never carries the original message (the same rule as `http/error-handler.ts`).
 *
 * @module
 */

import type { FastifyError } from 'fastify'
import { DomainError } from '../core/errors.js'
import { STATUS_BY_CODE } from '../http/error-handler.js'

/** The schema URN of every SCIM error body. */
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'

/** The `scimType` values of RFC 7644 Table 9 that Veil uses. */
export const SCIM_TYPES = ['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive'] as const
export type ScimType = (typeof SCIM_TYPES)[number]

/** The body of a SCIM error response. `status` is a string, as RFC 7644 §3.12 says. */
export interface ScimErrorBody {
  readonly schemas: readonly [typeof SCIM_ERROR_SCHEMA]
  readonly status: string
  readonly scimType?: ScimType
  readonly detail: string
}

/**
 * A protocol error raised by the SCIM layer itself (bad filter, bad PATCH, schema violation). The
 * detail is shown to the caller, so it names the attribute and never carries stored data.
 *
 * @example
 * throw new ScimError(400, 'invalidFilter', 'Operator "co" is not supported; use eq')
 */
export class ScimError extends Error {
  readonly status: number
  readonly scimType: ScimType | null

  constructor(status: number, scimType: ScimType | null, detail: string) {
    super(detail)
    this.name = 'ScimError'
    this.status = status
    this.scimType = scimType
  }
}

/** 400 with `scimType` (the common case): `badRequest('invalidValue', 'active must be a boolean')`. */
export function badRequest(scimType: ScimType, detail: string): ScimError {
  return new ScimError(400, scimType, detail)
}

/** A SCIM error body; `scimType` is left out when null (401, 403, 404, 5xx). */
export function scimErrorBody(status: number, scimType: ScimType | null, detail: string): ScimErrorBody {
  return scimType === null ? { schemas: [SCIM_ERROR_SCHEMA], status: String(status), detail } : { schemas: [SCIM_ERROR_SCHEMA], status: String(status), scimType, detail }
}

/** Directory field names as SCIM calls them, for details coming from `ValidationError`s. */
const SCIM_NAME_OF_FIELD: Readonly<Record<string, string>> = Object.freeze({ upn: 'userName', memberIds: 'members', userIds: 'members' })

function detailOf(error: DomainError): string {
  if (error.details.length === 0) {
    return error.message
  }
  const parts = error.details.map((d) => (d.field ? `${SCIM_NAME_OF_FIELD[d.field] ?? d.field}: ${d.reason}` : d.reason))
  return `${error.message} (${parts.join('; ')})`
}

function fromDomainError(error: DomainError): ScimErrorBody {
  const status = STATUS_BY_CODE[error.code]
  switch (error.code) {
    case 'conflict':
      return scimErrorBody(status, 'uniqueness', detailOf(error))
    case 'validation_failed':
      return scimErrorBody(status, 'invalidValue', detailOf(error))
    case 'unknown_filter_field':
    case 'unknown_filter_operator':
      return scimErrorBody(status, 'invalidFilter', detailOf(error))
    default:
      return scimErrorBody(status, null, detailOf(error))
  }
}

function fromFastifyError(error: FastifyError): ScimErrorBody | null {
  if (error.validation) {
    const first = error.validation[0]
    const where = `${error.validationContext ?? 'body'}${first?.instancePath ?? ''}`
    return scimErrorBody(400, 'invalidValue', `${where} ${first?.message ?? 'is not valid'}`)
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return scimErrorBody(413, null, 'The request body is over the size limit')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return scimErrorBody(415, null, 'Send application/scim+json or application/json')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return scimErrorBody(400, 'invalidSyntax', 'The request body is empty; send a JSON object')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return scimErrorBody(400, 'invalidSyntax', 'The request body is not valid JSON')
    case 'FST_ERR_RATE_LIMIT_EXCEEDED':
      return scimErrorBody(429, null, 'Too many requests; retry after the time in Retry-After')
    default:
      break
  }
  if (error.statusCode === 400 && error.message.includes('JSON')) {
    return scimErrorBody(400, 'invalidSyntax', 'The request body is not valid JSON')
  }
  return null
}

/** The internal-error body: nothing of the original error reaches the caller. */
export const INTERNAL_ERROR_BODY: ScimErrorBody = Object.freeze(scimErrorBody(500, null, 'Something went wrong inside Veil; the server log has the details'))

/**
 * The SCIM body for any error, or null when the error is unexpected (the caller logs it and answers
 * `INTERNAL_ERROR_BODY`).
 */
export function toScimErrorBody(error: unknown): ScimErrorBody | null {
  if (error instanceof ScimError) {
    return scimErrorBody(error.status, error.scimType, error.message)
  }
  if (error instanceof DomainError) {
    return fromDomainError(error)
  }
  if (error instanceof Error && ('statusCode' in error || 'validation' in error || 'code' in error)) {
    return fromFastifyError(error as FastifyError)
  }
  return null
}
