/**
 * A side panel over the page (the activity drawer): labelled, focus moved into it when it opens and
 * given back when it closes, Escape closes it. Not modal: the table behind stays usable.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react'

export interface DrawerProps {
  readonly title: string
  readonly onClose: () => void
  readonly children: ReactNode
}

export function Drawer({ title, onClose, children }: DrawerProps) {
  const ref = useRef<HTMLElement>(null)
  const titleId = useId()
  const close = useRef(onClose)
  close.current = onClose

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    ref.current?.focus()
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !document.querySelector('dialog[open]')) {
        close.current()
      }
    }
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('keydown', onKey)
      if (opener?.isConnected) {
        opener.focus()
      }
    }
  }, [])

  return (
    <aside ref={ref} className="drawer" role="dialog" aria-modal="false" aria-labelledby={titleId} tabIndex={-1}>
      <header className="drawer-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="button button-quiet" onClick={onClose} aria-label="Close details">
          ✕
        </button>
      </header>
      <div className="drawer-body">{children}</div>
    </aside>
  )
}
