/**
 * The portal's one way to the API: same-origin `fetch` with the session cookie, the `X-CSRF-Token`
 * header on state-changing requests, and errors in the shape of docs/errors.md turned into
 * {@link ApiError}s the pages show as they are. A 401 on any request but the sign-in itself means the
 * session ended: the client tells the session layer, which sends the user to the sign-in page.
 */

/** One problem of a request (`details` of the error body). */
export interface ApiErrorDetail {
  readonly index?: number
  readonly field?: string
  readonly reason: string
}

/** An error answered by the API: `{ error, message, status, details? }`. */
export class ApiError extends Error {
  readonly code: string
  readonly status: number
  readonly details: readonly ApiErrorDetail[]

  constructor(code: string, message: string, status: number, details: readonly ApiErrorDetail[] = []) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.status = status
    this.details = details
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD'])

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Sent as JSON. */
  readonly body?: unknown
  /** Sent as it is, with its own content type (an uploaded file), instead of `body`. */
  readonly rawBody?: { readonly text: string; readonly contentType: string }
  /** Query parameters; undefined values are left out. */
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>
  /** A 401 here is an answer, not an ended session (the sign-in form). */
  readonly unauthenticatedIsAnswer?: boolean
  readonly signal?: AbortSignal
}

/** A file answered by the API (exports). */
export interface DownloadedFile {
  readonly blob: Blob
  readonly fileName: string
  readonly headers: Headers
}

class ApiClient {
  #csrfToken: string | null = null
  #onSessionEnded: (() => void) | null = null

  /** Set after sign-in (and from `/me` after a reload); cleared on sign-out. */
  setCsrfToken(token: string | null): void {
    this.#csrfToken = token
  }

  /** Called once per ended session when a request is answered 401. */
  onSessionEnded(handler: (() => void) | null): void {
    this.#onSessionEnded = handler
  }

  async json<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.#send(path, options, 'application/json')
    if (response.status === 204) {
      return undefined as T
    }
    return (await response.json()) as T
  }

  /** A streamed answer read whole into a Blob, with the file name of its Content-Disposition. */
  async download(path: string, options: RequestOptions = {}): Promise<DownloadedFile> {
    const response = await this.#send(path, options, '*/*')
    const disposition = response.headers.get('content-disposition') ?? ''
    const fileName = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'download'
    return { blob: await response.blob(), fileName, headers: response.headers }
  }

  async #send(path: string, options: RequestOptions, accept: string): Promise<Response> {
    const method = options.method ?? 'GET'
    const headers: Record<string, string> = { accept }
    if (options.rawBody !== undefined) {
      headers['content-type'] = options.rawBody.contentType
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json'
    }
    if (!SAFE_METHODS.has(method) && this.#csrfToken) {
      headers['x-csrf-token'] = this.#csrfToken
    }
    let response: Response
    try {
      response = await fetch(withQuery(path, options.query), {
        method,
        headers,
        body: options.rawBody?.text ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
        credentials: 'same-origin',
        cache: 'no-store',
        signal: options.signal,
      })
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') {
        throw error
      }
      throw new ApiError('network_error', 'Veil could not be reached. Check your connection and try again.', 0)
    }
    if (response.ok) {
      return response
    }
    const failure = await errorOf(response)
    if (response.status === 401 && !options.unauthenticatedIsAnswer) {
      this.#csrfToken = null
      this.#onSessionEnded?.()
    }
    throw failure
  }
}

function withQuery(path: string, query: RequestOptions['query']): string {
  if (!query) {
    return path
  }
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) {
      params.set(key, String(value))
    }
  }
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: unknown; message?: unknown; details?: unknown }
    if (typeof body.error === 'string' && typeof body.message === 'string') {
      return new ApiError(body.error, body.message, response.status, Array.isArray(body.details) ? (body.details as ApiErrorDetail[]) : [])
    }
  } catch {
    // not JSON: fall through to a generic message
  }
  return new ApiError('http_error', `The server answered ${response.status} ${response.statusText}`.trim(), response.status)
}

/** The portal's API client (one per page load). */
export const api = new ApiClient()
