/**
 * Settings → Scoped deployment and privacy: one page of four tabs, each a route of its own —
 * **Include** and **Exclude** (the scoped-deployment rules), **Activity privacy** (the privacy groups,
 * pages/privacy-settings) and **Managed domains**. Who is monitored, who is private and who is external
 * are the server's decisions; these tabs show and change the settings it decides by.
 */
import { ActivityPrivacyTab } from '../privacy-settings/privacy-settings-page.js'
import { TabbedPage, type TabLink } from '../../ui/tabs.js'
import { ManagedDomainsTab } from './managed-domains-tab.js'
import { ScopeRulesTab } from './scope-rules-tab.js'

export const SCOPE_SETTINGS_TITLE = 'Scoped deployment and privacy'

/** The tabs, in order, with their routes (routes.tsx lists the same paths). */
export const SCOPE_SETTINGS_TABS: readonly TabLink[] = [
  { id: 'include', label: 'Include', path: '/settings/scope/include', requires: 'settings.read' },
  { id: 'exclude', label: 'Exclude', path: '/settings/scope/exclude', requires: 'settings.read' },
  { id: 'activity-privacy', label: 'Activity privacy', path: '/settings/activity-privacy', requires: 'settings.read' },
  { id: 'managed-domains', label: 'Managed domains', path: '/settings/managed-domains', requires: 'settings.read' },
]

type ScopeSettingsTab = 'include' | 'exclude' | 'activity-privacy' | 'managed-domains'

function ScopeSettingsPage({ tab }: { readonly tab: ScopeSettingsTab }) {
  return (
    <TabbedPage title={SCOPE_SETTINGS_TITLE} tabs={SCOPE_SETTINGS_TABS} selected={tab}>
      {tab === 'include' || tab === 'exclude' ? <ScopeRulesTab kind={tab} /> : tab === 'activity-privacy' ? <ActivityPrivacyTab /> : <ManagedDomainsTab />}
    </TabbedPage>
  )
}

export function IncludeRulesPage() {
  return <ScopeSettingsPage tab="include" />
}

export function ExcludeRulesPage() {
  return <ScopeSettingsPage tab="exclude" />
}

export function ActivityPrivacySettingsPage() {
  return <ScopeSettingsPage tab="activity-privacy" />
}

export function ManagedDomainsPage() {
  return <ScopeSettingsPage tab="managed-domains" />
}
