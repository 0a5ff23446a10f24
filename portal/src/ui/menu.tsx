/**
 * A menu button (Table settings, Export): the button says whether the menu is open, arrow keys move
 * between items, Escape closes and gives focus back to the button, a click outside closes.
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'

export interface MenuItem {
  readonly label: string
  readonly onSelect: () => void
  readonly disabled?: boolean
}

export interface MenuButtonProps {
  readonly label: string
  readonly items: readonly MenuItem[]
  readonly className?: string
}

export function MenuButton({ label, items, className }: MenuButtonProps) {
  const [open, setOpen] = useState(false)
  const buttonRef = useRef<HTMLButtonElement>(null)
  const menuRef = useRef<HTMLUListElement>(null)
  const menuId = useId()

  useEffect(() => {
    if (!open) {
      return
    }
    menuRef.current?.querySelector<HTMLElement>('[role="menuitem"]:not([aria-disabled="true"])')?.focus()
    const onPointer = (event: PointerEvent) => {
      if (!menuRef.current?.contains(event.target as Node) && !buttonRef.current?.contains(event.target as Node)) {
        setOpen(false)
      }
    }
    document.addEventListener('pointerdown', onPointer)
    return () => document.removeEventListener('pointerdown', onPointer)
  }, [open])

  const onMenuKey = (event: KeyboardEvent<HTMLUListElement>) => {
    const entries = Array.from(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])
    const at = entries.indexOf(document.activeElement as HTMLElement)
    if (event.key === 'Escape') {
      event.preventDefault()
      event.stopPropagation()
      setOpen(false)
      buttonRef.current?.focus()
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      const next = entries[(at + (event.key === 'ArrowDown' ? 1 : entries.length - 1)) % entries.length]
      next?.focus()
    } else if (event.key === 'Tab') {
      setOpen(false)
    }
  }

  return (
    <div className={`menu ${className ?? ''}`}>
      <button ref={buttonRef} type="button" className="button" aria-haspopup="menu" aria-expanded={open} aria-controls={open ? menuId : undefined} onClick={() => setOpen((o) => !o)}>
        {label} ▾
      </button>
      {open ? (
        <ul ref={menuRef} id={menuId} role="menu" aria-label={label} className="menu-list" onKeyDown={onMenuKey}>
          {items.map((item) => (
            <li
              key={item.label}
              role="menuitem"
              tabIndex={-1}
              aria-disabled={item.disabled ? true : undefined}
              onClick={() => {
                if (!item.disabled) {
                  setOpen(false)
                  item.onSelect()
                }
              }}
              onKeyDown={(event) => {
                if ((event.key === 'Enter' || event.key === ' ') && !item.disabled) {
                  event.preventDefault()
                  setOpen(false)
                  item.onSelect()
                }
              }}
            >
              {item.label}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  )
}
