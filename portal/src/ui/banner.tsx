/** A message across the page: information, a warning that something sensitive is on, or an error. */
import type { ReactNode } from 'react'
import { ApiError } from '../api/client.js'

export interface BannerProps {
  readonly tone: 'info' | 'warning' | 'error' | 'success'
  readonly children: ReactNode
  /** Buttons at the end of the banner. */
  readonly actions?: ReactNode
  readonly label?: string
}

export function Banner({ tone, children, actions, label }: BannerProps) {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'error' ? 'alert' : 'status'} aria-label={label}>
      <div className="banner-text">{children}</div>
      {actions ? <div className="banner-actions">{actions}</div> : null}
    </div>
  )
}

/** An error answered by the API, shown as the API worded it (message, code, and each named problem). */
export function ErrorBanner({ error }: { readonly error: unknown }) {
  if (error === null || error === undefined) {
    return null
  }
  if (error instanceof ApiError) {
    return (
      <Banner tone="error">
        <strong>{error.message}</strong> <span className="error-code">({error.code})</span>
        {error.details.length > 0 ? (
          <ul className="error-details">
            {error.details.map((d, i) => (
              <li key={i}>
                {d.field ? <code>{d.field}</code> : null} {d.reason}
              </li>
            ))}
          </ul>
        ) : null}
      </Banner>
    )
  }
  return <Banner tone="error">{error instanceof Error ? error.message : String(error)}</Banner>
}
