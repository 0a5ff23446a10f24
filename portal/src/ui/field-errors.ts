/**
 * A form's share of an API refusal: the problems the API named by field (`settings.port`) go under
 * the field that sent them; the rest (and the message) stay in the form's error banner.
 */
import { ApiError } from '../api/client.js'

export interface FieldErrors {
  /** The reason for one field of the request body, by its dotted path; null when the API named none. */
  readonly of: (field: string) => string | null
  /** The error to show above the form: the refusal itself, with only the details no field showed. */
  readonly banner: unknown
}

/** `fields`: the dotted paths the form shows; a problem with a deeper path (`tls.ca`) goes to its nearest shown parent. */
export function fieldErrorsOf(error: unknown, fields: readonly string[]): FieldErrors {
  if (!(error instanceof ApiError) || error.details.length === 0) {
    return { of: () => null, banner: error }
  }
  const byField = new Map<string, string>()
  const rest: ApiError['details'][number][] = []
  for (const detail of error.details) {
    const field = detail.field ? fields.find((f) => detail.field === f || detail.field?.startsWith(`${f}.`)) : undefined
    if (field === undefined) {
      rest.push(detail)
    } else {
      const reason = detail.field === field ? detail.reason : `${detail.field?.slice(field.length + 1)} ${detail.reason}`
      byField.set(field, byField.has(field) ? `${byField.get(field)}; ${reason}` : reason)
    }
  }
  return {
    of: (field) => byField.get(field) ?? null,
    banner: new ApiError(error.code, error.message, error.status, rest),
  }
}
