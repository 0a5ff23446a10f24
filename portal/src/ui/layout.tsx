/**
 * The signed-in frame: a skip link, the top bar (account, sign out), the navigation built from the
 * route registry (only the pages the viewer's roles allow), the reveal banner while private
 * activities are shown, and the page. A sidebar from laptop width up; above the page on narrow screens.
 */
import type { ReactNode } from 'react'
import type { NavSection, PortalRoute } from '../routes.js'
import { Link } from '../router.js'
import { RevealBanner } from '../session/reveal-banner.js'
import { useMe, useSession } from '../session/session.js'

export interface LayoutProps {
  readonly current: PortalRoute | null
  readonly navigation: ReadonlyArray<{ readonly section: NavSection; readonly routes: readonly PortalRoute[] }>
  readonly children: ReactNode
}

export function Layout({ current, navigation, children }: LayoutProps) {
  const me = useMe()
  const { signOut } = useSession()
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Veil home">
          Veil
        </Link>
        <div className="topbar-account">
          <span className="topbar-user" title={me.roles.join(', ') || 'no admin role'}>
            {me.upn}
          </span>
          <button type="button" className="button button-quiet" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <div className="shell">
        <nav className="nav" aria-label="Main">
          {navigation.map(({ section, routes }) => (
            <div key={section} className="nav-section">
              <div className="nav-heading">{section}</div>
              <ul>
                {routes.map((route) => (
                  <li key={route.path}>
                    <Link to={route.path} aria-current={route === current || current?.navUnder === route.path ? 'page' : undefined}>
                      {route.nav?.label ?? route.title}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </nav>
        <main id="main" className="main" tabIndex={-1}>
          <RevealBanner />
          {children}
        </main>
      </div>
    </div>
  )
}

/** A page's heading row: the title and the page's main actions. */
export function PageHeader({ title, children }: { readonly title: string; readonly children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children ? <div className="page-actions">{children}</div> : null}
    </div>
  )
}
