/**
 * The portal: session and reveal state, then either the sign-in page or the signed-in layout around
 * the page the route registry names for the current path.
 */
import { useEffect } from 'react'
import { LoginPage } from './pages/login/login-page.js'
import { HOME_PATH, NAV_SECTIONS, ROUTES, routeFor } from './routes.js'
import { navigate, useLocation } from './router.js'
import { RevealProvider } from './session/reveal.js'
import { SessionProvider, hasPermission, useSession } from './session/session.js'
import { Banner } from './ui/banner.js'
import { Layout, PageHeader } from './ui/layout.js'

export function App() {
  return (
    <SessionProvider>
      <RevealProvider>
        <Portal />
      </RevealProvider>
    </SessionProvider>
  )
}

function Portal() {
  const { state } = useSession()
  const location = useLocation()
  const route = routeFor(location.pathname)
  const signedIn = state.status === 'signed-in'

  useEffect(() => {
    if (signedIn && (location.pathname === '/' || location.pathname === '/login')) {
      const next = location.search.get('next')
      navigate(next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : HOME_PATH, { replace: true })
    }
  }, [signedIn, location])

  useEffect(() => {
    document.title = state.status === 'signed-in' ? `${route?.title ?? 'Not found'} · Veil` : 'Sign in · Veil'
  }, [state.status, route])

  if (state.status === 'loading') {
    return (
      <div className="loading-screen" role="status">
        Loading…
      </div>
    )
  }
  if (state.status === 'signed-out') {
    return <LoginPage notice={state.notice} />
  }
  const me = state.me
  const navigation = NAV_SECTIONS.map((section) => ({ section, routes: ROUTES.filter((r) => r.nav?.section === section && hasPermission(me, r.requires)) })).filter((s) => s.routes.length > 0)
  const Page = route?.page
  return (
    <Layout current={route} navigation={navigation}>
      {!route || !Page ? (
        location.pathname === '/' || location.pathname === '/login' ? null : (
          <>
            <PageHeader title="Page not found" />
            <p>There is no page at {location.pathname}.</p>
          </>
        )
      ) : !hasPermission(me, route.requires) ? (
        <>
          <PageHeader title={route.title} />
          <Banner tone="info">Your role does not give access to this page (it needs {route.requires}).</Banner>
        </>
      ) : (
        <Page key={route.path} />
      )}
    </Layout>
  )
}
