/**
 * A page made of tabs, each tab a route of its own (so a tab can be linked, Back works, and each tab
 * has the permission its route needs): the page heading, a WAI-ARIA tab list (arrow keys, Home and End
 * move between tabs and open them; only the selected tab is in the Tab order), and the selected tab's
 * panel. Tabs the viewer's roles do not allow are not shown.
 */
import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react'
import type { Permission } from '../api/types.js'
import { navigate } from '../router.js'
import { hasPermission, useMe } from '../session/session.js'
import { PageHeader } from './layout.js'
import './tabs.css'

export interface TabLink {
  /** Unique within the page; used for element ids. */
  readonly id: string
  readonly label: string
  /** The route the tab opens. */
  readonly path: string
  readonly requires?: Permission
}

/**
 * The tab to focus once the next page is mounted: opening a tab changes the route, which mounts the
 * page anew, and the keyboard user must stay on the tab they chose.
 */
let focusAfterNavigation: string | null = null

export interface TabbedPageProps {
  /** The page heading (h1). */
  readonly title: string
  readonly tabs: readonly TabLink[]
  readonly selected: string
  readonly children: ReactNode
}

export function TabbedPage({ title, tabs, selected, children }: TabbedPageProps) {
  const me = useMe()
  const shown = tabs.filter((t) => hasPermission(me, t.requires))
  const selectedRef = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    if (focusAfterNavigation === selected) {
      focusAfterNavigation = null
      selectedRef.current?.focus()
    }
  }, [selected])

  const open = (tab: TabLink) => {
    focusAfterNavigation = tab.id
    if (tab.id === selected) {
      selectedRef.current?.focus()
      return
    }
    navigate(tab.path)
  }

  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const last = shown.length - 1
    const target = event.key === 'ArrowRight' ? (index === last ? 0 : index + 1) : event.key === 'ArrowLeft' ? (index === 0 ? last : index - 1) : event.key === 'Home' ? 0 : event.key === 'End' ? last : null
    const tab = target === null ? undefined : shown[target]
    if (tab) {
      event.preventDefault()
      open(tab)
    }
  }

  return (
    <div className="page">
      <PageHeader title={title} />
      <div className="tabs" role="tablist" aria-label={title}>
        {shown.map((tab, index) => {
          const isSelected = tab.id === selected
          return (
            <button
              key={tab.id}
              ref={isSelected ? selectedRef : undefined}
              type="button"
              role="tab"
              id={`tab-${tab.id}`}
              className="tab"
              aria-selected={isSelected}
              aria-controls={isSelected ? `tabpanel-${tab.id}` : undefined}
              tabIndex={isSelected ? 0 : -1}
              onClick={() => open(tab)}
              onKeyDown={(event) => onKeyDown(event, index)}
            >
              {tab.label}
            </button>
          )
        })}
      </div>
      <div className="tab-panel page" role="tabpanel" id={`tabpanel-${selected}`} aria-labelledby={`tab-${selected}`}>
        {children}
      </div>
    </div>
  )
}

/** The heading row of a tab's panel: its title (h2) and its actions. */
export function TabHeader({ title, children }: { readonly title: string; readonly children?: ReactNode }) {
  return (
    <div className="page-header tab-header">
      <h2>{title}</h2>
      {children ? <div className="page-actions">{children}</div> : null}
    </div>
  )
}
