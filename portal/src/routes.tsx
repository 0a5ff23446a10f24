/**
 * The route registry: every page of the portal, where it appears in the navigation and what it
 * needs. To add a page: create `pages/<page>/<page>-page.tsx` exporting a component, and add one
 * entry here (docs/portal.md).
 */
import type { ComponentType } from 'react'
import type { Permission } from './api/types.js'
import { ActivityLogPage } from './pages/activity-log/activity-log-page.js'
import { ConnectorsPage } from './pages/connectors/connectors-page.js'
import { GovernanceLogPage } from './pages/governance-log/governance-log-page.js'
import { OverviewPage } from './pages/overview/overview-page.js'
import { PrivacyPermissionsPage } from './pages/privacy-permissions/privacy-permissions-page.js'
import { RolesPage } from './pages/roles/roles-page.js'
import { ActivityPrivacySettingsPage, ExcludeRulesPage, IncludeRulesPage, ManagedDomainsPage, SCOPE_SETTINGS_TITLE } from './pages/scope-settings/scope-settings-page.js'
import { SiemDestinationsPage } from './pages/siem-destinations/siem-destinations-page.js'
import { UserGroupsPage } from './pages/user-groups/user-groups-page.js'

/** The navigation's sections, in order. */
export const NAV_SECTIONS = ['Investigate', 'Settings', 'Permissions'] as const
export type NavSection = (typeof NAV_SECTIONS)[number]

export interface PortalRoute {
  /** The URL path (exact match; the query string is the page's own state). */
  readonly path: string
  /** The page's title (document title and heading). */
  readonly title: string
  /** Where the page is listed in the navigation; absent: not listed. */
  readonly nav?: { readonly section: NavSection; readonly label: string }
  /** A tab of the page listed at this path: that entry of the navigation is marked current. */
  readonly navUnder?: string
  /** The permission the page needs: without it the page is not listed and says so when opened. */
  readonly requires?: Permission
  readonly page: ComponentType
}

export const ROUTES: readonly PortalRoute[] = [
  { path: '/overview', title: 'Overview', nav: { section: 'Investigate', label: 'Overview' }, requires: 'activities.read', page: OverviewPage },
  { path: '/activity', title: 'Activity log', nav: { section: 'Investigate', label: 'Activity log' }, requires: 'activities.read', page: ActivityLogPage },
  { path: '/governance', title: 'Governance log', nav: { section: 'Investigate', label: 'Governance log' }, requires: 'governance.read', page: GovernanceLogPage },
  { path: '/settings/scope/include', title: `Include · ${SCOPE_SETTINGS_TITLE}`, nav: { section: 'Settings', label: SCOPE_SETTINGS_TITLE }, requires: 'settings.read', page: IncludeRulesPage },
  { path: '/settings/scope/exclude', title: `Exclude · ${SCOPE_SETTINGS_TITLE}`, navUnder: '/settings/scope/include', requires: 'settings.read', page: ExcludeRulesPage },
  { path: '/settings/activity-privacy', title: `Activity privacy · ${SCOPE_SETTINGS_TITLE}`, navUnder: '/settings/scope/include', requires: 'settings.read', page: ActivityPrivacySettingsPage },
  { path: '/settings/managed-domains', title: `Managed domains · ${SCOPE_SETTINGS_TITLE}`, navUnder: '/settings/scope/include', requires: 'settings.read', page: ManagedDomainsPage },
  { path: '/settings/user-groups', title: 'User groups', nav: { section: 'Settings', label: 'User groups' }, requires: 'directory.read', page: UserGroupsPage },
  { path: '/settings/siem-destinations', title: 'SIEM destinations', nav: { section: 'Settings', label: 'SIEM destinations' }, requires: 'siem.read', page: SiemDestinationsPage },
  { path: '/settings/connectors', title: 'Connectors', nav: { section: 'Settings', label: 'Connectors' }, requires: 'connectors.read', page: ConnectorsPage },
  { path: '/permissions/activity-privacy', title: 'Activity privacy permissions', nav: { section: 'Permissions', label: 'Activity privacy permissions' }, requires: 'privacy.read', page: PrivacyPermissionsPage },
  { path: '/permissions/roles', title: 'Roles', nav: { section: 'Permissions', label: 'Roles' }, requires: 'accounts.read', page: RolesPage },
]

/** Where `/` and the sign-in page lead by default. */
export const HOME_PATH = '/activity'

export function routeFor(pathname: string): PortalRoute | null {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname
  return ROUTES.find((r) => r.path === path) ?? null
}
