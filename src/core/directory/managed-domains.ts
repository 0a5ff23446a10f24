/**
 * Managed domains: the organization's own email/UPN domains. An actor whose domain is not managed is an
 * external user (built-in group **External users**).
 *
 * Subdomains: a managed domain covers itself and every subdomain below it — managing `contoso.com`
 * makes `eu.contoso.com` and `mail.eu.contoso.com` managed too, but not `notcontoso.com` or
 * `contoso.com.evil.example`. To manage only a subdomain, list just that subdomain.
 *
 * @module
 */

const DOMAIN_PATTERN = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/

/** Lower-cased domain without a leading `@` or trailing dot, or null when it is not a domain name. */
export function normalizeDomain(value: string): string | null {
  const domain = value.trim().toLowerCase().replace(/^@/, '').replace(/\.$/, '')
  return DOMAIN_PATTERN.test(domain) ? domain : null
}

/** The domain part of a UPN or email, lower-cased; null when there is none. */
export function domainOf(upn: string | null): string | null {
  if (!upn) {
    return null
  }
  const at = upn.lastIndexOf('@')
  return at >= 0 && at < upn.length - 1 ? upn.slice(at + 1).toLowerCase() : null
}

/** Whether `domain` is one of `managed` or a subdomain of one of them. */
export function isManagedDomain(domain: string, managed: ReadonlySet<string>): boolean {
  let candidate = domain.toLowerCase()
  for (;;) {
    if (managed.has(candidate)) {
      return true
    }
    const dot = candidate.indexOf('.')
    if (dot < 0) {
      return false
    }
    candidate = candidate.slice(dot + 1)
  }
}
