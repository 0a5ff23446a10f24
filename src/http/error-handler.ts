/**
 * Turns errors into responses. Domain errors carry a stable code that maps to a status here; Fastify's
 * own errors (bad JSON, body too large, schema validation) are translated into the same body shape;
 * anything else is logged and becomes a generic 500 whose message is never forwarded, because an
 * unexpected error's text could carry data the caller may not see.
 *
 * Body: `{ error: code, message, status, details? }`.
 *
 * @module
 */

import { Type } from '@sinclair/typebox'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError, QueryTextError, type ErrorCode, type ErrorDetail, type TextPosition } from '../core/errors.js'

export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = Object.freeze({
  validation_failed: 400,
  unknown_filter_field: 400,
  unknown_filter_operator: 400,
  invalid_cursor: 400,
  not_found: 404,
  unauthenticated: 401,
  forbidden: 403,
  invalid_credentials: 401,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  rate_limited: 429,
  reveal_denied: 403,
  governance_unavailable: 503,
  unsupported_media_type: 415,
  hunting_query_invalid: 400,
  hunting_query_too_expensive: 400,
  hunting_busy: 503,
  internal_error: 500,
})

export interface ErrorBody {
  readonly error: ErrorCode
  readonly message: string
  readonly status: number
  readonly details?: ErrorDetail[]
  /** Where in a query text the problem is (hunting queries). */
  readonly position?: TextPosition
}

export function errorBody(code: ErrorCode, message: string, details: readonly ErrorDetail[] = []): ErrorBody {
  const status = STATUS_BY_CODE[code]
  return details.length > 0 ? { error: code, message, status, details: [...details] } : { error: code, message, status }
}

function fromFastifyError(error: FastifyError): ErrorBody | null {
  if (error.validation) {
    const details = error.validation.map((v) => ({
      field: `${error.validationContext ?? 'body'}${v.instancePath || ''}${v.keyword === 'required' ? `/${String((v.params as { missingProperty?: string }).missingProperty)}` : ''}`,
      reason: v.message ?? 'is not valid',
    }))
    return errorBody('validation_failed', 'The request is not valid', details)
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errorBody('payload_too_large', 'The request body is over the size limit')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errorBody('unsupported_media_type', 'Send application/json (or application/x-ndjson for ingest)')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errorBody('validation_failed', 'The request body is empty', [{ field: 'body', reason: 'must be JSON' }])
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return errorBody('validation_failed', 'The request body is not valid JSON', [{ field: 'body', reason: error.message }])
    case 'FST_ERR_RATE_LIMIT_EXCEEDED':
      return errorBody('rate_limited', 'Too many requests; retry after the time in Retry-After')
    default:
      break
  }
  if (error.statusCode === 400 && error.message.includes('JSON')) {
    return errorBody('validation_failed', 'The request body is not valid JSON', [{ field: 'body', reason: error.message }])
  }
  return null
}

export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let body: ErrorBody | null = null
  if (error instanceof DomainError) {
    body = errorBody(error.code, error.message, error.details)
    if (error instanceof QueryTextError && error.position !== null) {
      body = { ...body, position: error.position }
    }
  } else if ('statusCode' in error || 'validation' in error || 'code' in error) {
    body = fromFastifyError(error as FastifyError)
  }
  if (!body) {
    request.log.error({ err: error }, 'unexpected error')
    body = errorBody('internal_error', 'Something went wrong inside Veil; the server log has the details')
  } else if (body.status >= 500) {
    request.log.error({ err: error }, body.message)
  }
  return reply.status(body.status).send(body)
}

/** The error body as a schema, for route documentation in the OpenAPI document. */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.String({ description: 'Stable error code (docs/errors.md)' }),
    message: Type.String(),
    status: Type.Integer(),
    details: Type.Optional(Type.Array(Type.Object({ index: Type.Optional(Type.Integer()), field: Type.Optional(Type.String()), reason: Type.String() }))),
    position: Type.Optional(Type.Object({ line: Type.Integer(), column: Type.Integer(), offset: Type.Integer() }, { description: 'Where in the query text the problem is' })),
  },
  { additionalProperties: true },
)
