/**
 * A modal dialog on the native `<dialog>` (`showModal()` makes the rest of the page inert), with focus
 * kept inside (Tab and Shift+Tab wrap), Escape to cancel, and focus given back to where it was.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react'

export interface DialogProps {
  readonly title: string
  readonly onClose: () => void
  readonly children: ReactNode
  /** The buttons: most dialogs pass `<DialogButtons>` (Cancel, then the one action). */
  readonly footer: ReactNode
  /** Wider dialogs for lists. */
  readonly wide?: boolean
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

/** Keep Tab inside `container`: from the last focusable element to the first and back. */
export function trapTab(event: KeyboardEvent, container: HTMLElement): void {
  if (event.key !== 'Tab') {
    return
  }
  const focusable = Array.from(container.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.offsetParent !== null || el === document.activeElement)
  const first = focusable[0]
  const last = focusable[focusable.length - 1]
  if (!first || !last) {
    event.preventDefault()
    return
  }
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault()
    last.focus()
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault()
    first.focus()
  }
}

export function Dialog({ title, onClose, children, footer, wide }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const close = useRef(onClose)
  close.current = onClose

  useEffect(() => {
    const dialog = ref.current
    if (!dialog) {
      return
    }
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    dialog.showModal()
    const first = dialog.querySelector<HTMLElement>('[data-autofocus]') ?? dialog.querySelector<HTMLElement>(FOCUSABLE)
    first?.focus()
    const onKey = (event: KeyboardEvent) => trapTab(event, dialog)
    const onCancel = (event: Event) => {
      event.preventDefault() // closed by the owner, so its state stays the truth
      close.current()
    }
    dialog.addEventListener('keydown', onKey)
    dialog.addEventListener('cancel', onCancel)
    return () => {
      dialog.removeEventListener('keydown', onKey)
      dialog.removeEventListener('cancel', onCancel)
      dialog.close()
      opener?.focus()
    }
  }, [])

  return (
    <dialog ref={ref} className={wide ? 'dialog dialog-wide' : 'dialog'} aria-labelledby={titleId}>
      <h2 id={titleId} className="dialog-title">
        {title}
      </h2>
      <div className="dialog-body">{children}</div>
      <div className="dialog-footer">{footer}</div>
    </dialog>
  )
}

export interface DialogButtonsProps {
  readonly onCancel: () => void
  /** The action's label, e.g. `busy ? 'Saving…' : 'Save'`. */
  readonly action: ReactNode
  readonly onAction: () => void
  readonly disabled?: boolean
  /** `danger` for an action that removes or deletes. */
  readonly tone?: 'primary' | 'danger'
  readonly cancelLabel?: string
}

/**
 * Every dialog's footer is the same: Cancel, then the one action. One component for it keeps the
 * buttons, their order and their classes the same in every dialog.
 */
export function DialogButtons({ onCancel, action, onAction, disabled, tone = 'primary', cancelLabel = 'Cancel' }: DialogButtonsProps) {
  return (
    <>
      <button type="button" className="button" onClick={onCancel}>
        {cancelLabel}
      </button>
      <button type="button" className={`button button-${tone}`} disabled={disabled} onClick={onAction}>
        {action}
      </button>
    </>
  )
}
