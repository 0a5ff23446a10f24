/** Permissions: the tabs of the page, each a route (routes.tsx) with the permission it needs. */
import type { TabLink } from '../../ui/tabs.js'

export const PERMISSIONS_TITLE = 'Permissions'

export const PERMISSIONS_TABS: readonly TabLink[] = [
  { id: 'activity-privacy', label: 'Activity privacy permissions', path: '/permissions/activity-privacy', requires: 'privacy.read' },
  { id: 'roles', label: 'Roles', path: '/permissions/roles', requires: 'accounts.read' },
]
