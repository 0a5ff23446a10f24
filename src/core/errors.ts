/**
 * Domain errors: one catalog of stable snake_case codes, no HTTP knowledge. The HTTP layer maps codes
 * to statuses (`http/error-handler.ts`); the CLI prints them. `docs/errors.md` lists the same codes
 * (a test keeps them in sync).
 *
 * @module
 */

export const ERROR_CODES = {
  validation_failed: 'The request is not valid; details name each problem.',
  unknown_filter_field: 'A filter names a field that does not exist.',
  unknown_filter_operator: 'A filter uses an operator the field does not support.',
  invalid_cursor: 'The paging cursor is malformed or belongs to another sort.',
  not_found: 'The resource does not exist (or is not visible to the caller).',
  unauthenticated: 'No valid session or token was presented.',
  forbidden: 'The caller is authenticated but their role does not allow this.',
  invalid_credentials: 'The user name or password is wrong.',
  conflict: 'The resource already exists or was changed concurrently.',
  precondition_failed: 'The resource changed since the version the request names; read it again and retry.',
  payload_too_large: 'The request body or a record in it is over the size limit.',
  rate_limited: 'Too many requests; retry after the time given.',
  reveal_denied: 'Revealing private activities needs an admin role, the activity privacy permission, an acknowledgement and a justification.',
  governance_unavailable: 'The governance log could not be written, so the action was not performed.',
  unsupported_media_type: 'The request body is not in a supported format.',
  hunting_query_invalid: 'The hunting query is not valid (syntax, table, column, function, operator or types); the position says where.',
  hunting_query_too_expensive: 'The hunting query is over a limit: its length, its size, or the time limit.',
  hunting_busy: 'Every hunting slot was taken for the whole time limit; retry later.',
  internal_error: 'Something went wrong inside Veil; the log has the details.',
} as const

export type ErrorCode = keyof typeof ERROR_CODES

/** One problem in a request: which record (when a batch), which field (a JSON pointer or name), why. */
export interface ErrorDetail {
  readonly index?: number
  readonly field?: string
  readonly reason: string
}

/**
 * Base class of every error Veil raises on purpose. The message is safe to show to the caller: it
 * must never contain a private detail (privacy rule 4: error messages are a side channel too).
 */
export class DomainError extends Error {
  readonly code: ErrorCode
  readonly details: readonly ErrorDetail[]

  constructor(code: ErrorCode, message: string = ERROR_CODES[code], details: readonly ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DomainError'
    this.code = code
    this.details = details
  }
}

/** Thrown by query parsing and request validation. */
export class ValidationError extends DomainError {
  constructor(message: string, details: readonly ErrorDetail[], code: ErrorCode = 'validation_failed') {
    super(code, message, details)
    this.name = 'ValidationError'
  }
}

export class NotFoundError extends DomainError {
  constructor(what = 'Not found') {
    super('not_found', what)
    this.name = 'NotFoundError'
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string = ERROR_CODES.forbidden) {
    super('forbidden', message)
    this.name = 'ForbiddenError'
  }
}

export class ConflictError extends DomainError {
  constructor(message: string) {
    super('conflict', message)
    this.name = 'ConflictError'
  }
}

/** Where in a query text something is: 1-based line and column, and the 0-based offset (UTF-16 code units, as JavaScript indexes strings) for a caret. */
export interface TextPosition {
  readonly line: number
  readonly column: number
  readonly offset: number
}

/** A problem at a place in a query text (the hunting language); the HTTP body carries the position. */
export class QueryTextError extends DomainError {
  readonly position: TextPosition | null

  constructor(code: ErrorCode, message: string, position: TextPosition | null) {
    super(code, message)
    this.name = 'QueryTextError'
    this.position = position
  }
}
