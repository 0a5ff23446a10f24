/**
 * Who is signed in. On load the portal asks `/api/v1/me`; a 401 there means "sign in". Once signed
 * in, any 401 (the session expired or was ended elsewhere) and the session's own end time send the
 * user to the sign-in page with a message. The CSRF token lives in memory only.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import { api } from '../api/client.js'
import { fetchMe, fetchSession, login, logout } from '../api/session.js'
import type { Me, Permission } from '../api/types.js'
import { navigate } from '../router.js'

export type SessionState =
  | { readonly status: 'loading' }
  | { readonly status: 'signed-out'; readonly notice: string | null }
  | { readonly status: 'signed-in'; readonly me: Me }

export interface Session {
  readonly state: SessionState
  signIn(upn: string, password: string): Promise<void>
  signOut(): Promise<void>
  /** Re-read `/me` (e.g. after a grant changed what the viewer may do). */
  refresh(): Promise<void>
}

const SessionContext = createContext<Session | null>(null)

export const SESSION_ENDED_NOTICE = 'Your session has ended. Sign in again to continue.'

function toSignIn(notice: string | null): SessionState {
  const here = window.location.pathname + window.location.search
  if (window.location.pathname !== '/login') {
    navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true })
  }
  return { status: 'signed-out', notice }
}

export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' })

  const end = useCallback((notice: string | null) => {
    api.setCsrfToken(null)
    setState(toSignIn(notice))
  }, [])

  useEffect(() => {
    api.onSessionEnded(() => end(SESSION_ENDED_NOTICE))
    let cancelled = false
    fetchSession().then(
      (me) => {
        if (!cancelled) {
          api.setCsrfToken(me?.csrfToken ?? null)
          setState(me ? { status: 'signed-in', me } : toSignIn(null))
        }
      },
      (error: unknown) => {
        if (!cancelled) {
          setState(toSignIn(error instanceof Error ? error.message : null))
        }
      },
    )
    return () => {
      cancelled = true
      api.onSessionEnded(null)
    }
  }, [end])

  // The session's own end: sign-in page with a message, without waiting for the next request to fail.
  const expiresAt = state.status === 'signed-in' ? (state.me.sessionExpiresAt ?? null) : null
  useEffect(() => {
    if (expiresAt === null) {
      return
    }
    const timer = window.setTimeout(() => end(SESSION_ENDED_NOTICE), Math.max(0, Math.min(expiresAt - Date.now(), 2_147_000_000)))
    return () => window.clearTimeout(timer)
  }, [expiresAt, end])

  const session = useMemo<Session>(
    () => ({
      state,
      async signIn(upn, password) {
        const answer = await login(upn, password)
        api.setCsrfToken(answer.csrfToken)
        const me = await fetchMe()
        setState({ status: 'signed-in', me })
      },
      async signOut() {
        try {
          await logout()
        } finally {
          end('You have signed out.')
        }
      },
      async refresh() {
        const me = await fetchMe()
        setState({ status: 'signed-in', me })
      },
    }),
    [state, end],
  )
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>
}

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (!session) {
    throw new Error('useSession outside SessionProvider')
  }
  return session
}

/** The signed-in account; only for pages rendered inside the signed-in layout. */
export function useMe(): Me {
  const { state } = useSession()
  if (state.status !== 'signed-in') {
    throw new Error('useMe while not signed in')
  }
  return state.me
}

export function hasPermission(me: Me, permission: Permission | undefined): boolean {
  return permission === undefined || me.permissions.includes(permission)
}
