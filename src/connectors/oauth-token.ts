/**
 * OAuth 2.0 access tokens for connectors (RFC 6749 section 4.4 client credentials, RFC 7523 JWT bearer
 * assertion): a form POST to the provider's token endpoint, cached until shortly before it expires. A
 * token endpoint that refuses (`invalid_client`, `invalid_grant`, `unauthorized_client`) is a
 * credentials error naming the provider's own description.
 *
 * @module
 */

import { ConnectorError } from './connector-error.js'
import { providerSummary, type ConnectorHttp } from './connector-http.js'
import { objectOf } from './connector-kind.js'

/** Renew a token this long before it expires, so a page never starts with one about to lapse. */
const EXPIRY_MARGIN_MS = 60_000

export class OAuthToken {
  readonly #http: ConnectorHttp
  readonly #tokenUrl: string
  readonly #form: () => Promise<Record<string, string>> | Record<string, string>
  readonly #now: () => number
  #token: { readonly value: string; readonly expiresAt: number } | null = null

  /** `form` builds the token request's fields each time a token is needed (a JWT assertion is signed anew). */
  constructor(http: ConnectorHttp, tokenUrl: string, form: () => Promise<Record<string, string>> | Record<string, string>, now: () => number) {
    this.#http = http
    this.#tokenUrl = tokenUrl
    this.#form = form
    this.#now = now
  }

  /** A valid access token, from the cache or the token endpoint. */
  async get(): Promise<string> {
    if (this.#token && this.#token.expiresAt - EXPIRY_MARGIN_MS > this.#now()) {
      return this.#token.value
    }
    const response = await this.#http.send({
      url: this.#tokenUrl,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(await this.#form()).toString(),
      what: 'an access token',
    })
    const provider = this.#http.provider
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      const summary = providerSummary(response.body)
      throw new ConnectorError('credentials', `${provider} refused to issue an access token (${response.status})${summary ? `: ${summary}` : ''}. Check the connector's credentials.`)
    }
    if (response.status < 200 || response.status >= 300) {
      throw new ConnectorError('protocol', `${provider} answered ${response.status} to the token request: ${providerSummary(response.body)}`)
    }
    let body: Readonly<Record<string, unknown>> | null = null
    try {
      body = objectOf(JSON.parse(response.body))
    } catch {
      body = null
    }
    const value = body?.access_token
    if (typeof value !== 'string' || value === '') {
      throw new ConnectorError('protocol', `${provider}'s token endpoint answered without an access_token`)
    }
    const expiresIn = Number(body?.expires_in ?? 3600)
    this.#token = { value, expiresAt: this.#now() + (Number.isFinite(expiresIn) ? expiresIn : 3600) * 1000 }
    return value
  }

  /** Forget the cached token (the API refused it before it was due to expire). */
  invalidate(): void {
    this.#token = null
  }
}
