/**
 * A small history router: the path is the page (see routes.tsx), the query string is the page's own
 * state (filters), so a URL can be shared and the back button works. No dependency needed for this.
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react'

const listeners = new Set<() => void>()

function notify(): void {
  for (const listener of listeners) {
    listener()
  }
}

window.addEventListener('popstate', notify)

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

const snapshot = (): string => window.location.pathname + window.location.search

export interface PortalLocation {
  readonly pathname: string
  readonly search: URLSearchParams
}

/** The current location; re-renders on navigation. */
export function useLocation(): PortalLocation {
  const href = useSyncExternalStore(subscribe, snapshot)
  const url = new URL(href, window.location.origin)
  return { pathname: url.pathname, search: url.searchParams }
}

/** Go to a path of the portal (`/activity?user=...`). */
export function navigate(to: string, options: { readonly replace?: boolean } = {}): void {
  if (to === snapshot()) {
    return
  }
  if (options.replace) {
    window.history.replaceState(null, '', to)
  } else {
    window.history.pushState(null, '', to)
  }
  notify()
}

/** An in-portal link: a real `<a href>` (open in a new tab works), navigated without a reload. */
export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { readonly to: string }) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event)
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return
    }
    event.preventDefault()
    navigate(to)
  }
  return <a href={to} onClick={handle} {...rest} />
}
