/**
 * "Show private activities": the reveal state of this browser tab. It holds only what the API wants
 * with every revealing request (acknowledgement and justification) and when the reveal ends; the
 * server decides what is visible and records each revealing request in the governance log. The state
 * is in memory only: it ends on sign-out, when the session ends, on a reload, or after its time.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import type { RevealParameters } from '../api/types.js'
import { useSession } from './session.js'

/** How long a reveal lasts when the server does not say (it does: `revealTtlSeconds` of /me, VEIL_REVEAL_MINUTES). */
export const DEFAULT_REVEAL_SECONDS = 15 * 60

export interface RevealState {
  readonly justification: string
  readonly startedAt: number
  readonly until: number
}

export interface Reveal {
  readonly active: RevealState | null
  /** The parameters every revealing request carries, or null when not revealing. */
  readonly parameters: RevealParameters | null
  start(justification: string, seconds: number): void
  end(): void
}

const RevealContext = createContext<Reveal | null>(null)

export function RevealProvider({ children }: { readonly children: ReactNode }) {
  const [active, setActive] = useState<RevealState | null>(null)
  const { state } = useSession()
  const signedIn = state.status === 'signed-in'
  const end = useCallback(() => setActive(null), [])

  // Ends with the session (sign-out, expiry, a 401).
  useEffect(() => {
    if (!signedIn) {
      setActive(null)
    }
  }, [signedIn])

  // Ends after its time.
  useEffect(() => {
    if (!active) {
      return
    }
    const timer = window.setTimeout(() => setActive(null), Math.max(0, active.until - Date.now()))
    return () => window.clearTimeout(timer)
  }, [active])

  const reveal = useMemo<Reveal>(
    () => ({
      active,
      parameters: active ? { includePrivate: true, acknowledgeAudit: true, justification: active.justification } : null,
      start(justification, seconds) {
        const now = Date.now()
        setActive({ justification, startedAt: now, until: now + seconds * 1000 })
      },
      end,
    }),
    [active, end],
  )
  return <RevealContext.Provider value={reveal}>{children}</RevealContext.Provider>
}

export function useReveal(): Reveal {
  const reveal = useContext(RevealContext)
  if (!reveal) {
    throw new Error('useReveal outside RevealProvider')
  }
  return reveal
}
