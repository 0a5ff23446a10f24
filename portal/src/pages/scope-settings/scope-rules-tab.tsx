/**
 * The Include or the Exclude tab: the scoped-deployment rules of that kind (name, groups, apps), + Add
 * rule, edit and remove. What the rules mean — exclude wins; an app some include rule covers monitors
 * only those rules' groups; an app no include rule covers monitors everybody not excluded — is decided
 * by the server at ingest (`isMonitored`); the page says it in words.
 */
import { useMemo, useState } from 'react'
import { listAllGroups } from '../../api/privacy.js'
import { changeScope, getScope, type ScopeRule } from '../../api/settings.js'
import { hasPermission, useMe } from '../../session/session.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { Dialog, DialogButtons } from '../../ui/dialog.js'
import { DataTable } from '../../ui/table.js'
import { TabHeader } from '../../ui/tabs.js'
import { useAsync } from '../../ui/use-async.js'
import { ScopeRuleDialog } from './scope-rule-dialog.js'

const KIND_TEXT = {
  include: {
    title: 'Include rules',
    lead: 'In the apps an include rule covers, only members of the groups of the include rules that cover that app are monitored. Apps that no include rule covers monitor everybody who is not excluded.',
    empty: 'No include rules: everybody who is not excluded is monitored in every app.',
  },
  exclude: {
    title: 'Exclude rules',
    lead: 'Members of an exclude rule’s groups are not monitored in the apps it covers, even when an include rule names them: exclude wins.',
    empty: 'No exclude rules: nobody is excluded.',
  },
} as const

export function ScopeRulesTab({ kind }: { readonly kind: ScopeRule['kind'] }) {
  const me = useMe()
  const canManage = hasPermission(me, 'settings.manage')
  const scope = useAsync((signal) => getScope(signal), [])
  const groups = useAsync(() => listAllGroups(), [])
  const groupNames = useMemo(() => new Map((groups.data ?? []).map((g) => [g.id, g.displayName])), [groups.data])
  const [editing, setEditing] = useState<{ rule: ScopeRule | null } | null>(null)
  const [removing, setRemoving] = useState<ScopeRule | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const text = KIND_TEXT[kind]
  const rules = (scope.data?.rules ?? []).filter((r) => r.kind === kind)
  const groupLabel = (id: string) => groupNames.get(id) ?? id

  const remove = (rule: ScopeRule) => {
    setRemoving(null)
    setError(null)
    changeScope((current) => current.filter((r) => r.name !== rule.name)).then(() => {
      setNotice(`Removed the ${kind} rule “${rule.name}”. Activities recorded from now on follow the remaining rules.`)
      scope.reload()
    }, setError)
  }

  return (
    <>
      <TabHeader title={text.title}>
        {canManage ? (
          <button type="button" className="button button-primary" onClick={() => setEditing({ rule: null })}>
            + Add {kind} rule
          </button>
        ) : null}
      </TabHeader>
      <p className="lead">{text.lead}</p>
      <Banner tone="info">Activities of people out of scope are not recorded at all. A change applies to activities recorded from now on.</Banner>
      <ErrorBanner error={scope.error ?? groups.error ?? error} />
      {notice ? <Banner tone="success">{notice}</Banner> : null}
      <DataTable
        caption={text.title}
        rows={rules}
        rowKey={(r) => r.name}
        loading={scope.loading}
        empty={text.empty}
        columns={[
          { key: 'name', header: 'Rule', render: (r) => r.name },
          { key: 'groups', header: 'Groups', render: (r) => r.groups.map(groupLabel).join(', ') },
          { key: 'apps', header: 'Apps', render: (r) => (r.apps === 'all' ? 'All apps' : r.apps.join(', ')) },
          {
            key: 'actions',
            header: 'Actions',
            render: (r) =>
              canManage ? (
                <span className="row-actions">
                  <button type="button" className="button button-small" onClick={() => setEditing({ rule: r })} aria-label={`Edit ${r.name}`}>
                    Edit
                  </button>
                  <button type="button" className="button button-small" onClick={() => setRemoving(r)} aria-label={`Remove ${r.name}`}>
                    Remove
                  </button>
                </span>
              ) : null,
          },
        ]}
      />
      {editing ? (
        <ScopeRuleDialog
          kind={kind}
          rule={editing.rule}
          groups={groups.data ?? []}
          onCancel={() => setEditing(null)}
          onSave={async (rule) => {
            const original = editing.rule
            await changeScope((current) => {
              if (original === null) {
                return [...current, rule]
              }
              if (!current.some((r) => r.name === original.name)) {
                throw new Error(`The rule “${original.name}” was removed meanwhile; close this form to see the rules as they are now.`)
              }
              return current.map((r) => (r.name === original.name ? rule : r))
            })
            setEditing(null)
            setNotice(`${original ? 'Saved' : 'Added'} the ${kind} rule “${rule.name}”. Activities recorded from now on follow it.`)
            scope.reload()
          }}
        />
      ) : null}
      {removing ? (
        <Dialog
          title={`Remove ${kind} rule`}
          onClose={() => setRemoving(null)}
          footer={<DialogButtons onCancel={() => setRemoving(null)} action="Remove" tone="danger" onAction={() => remove(removing)} />}
        >
          <p>
            Remove the {kind} rule <strong>{removing.name}</strong>? Activities recorded from now on follow the remaining rules. The change is recorded in
            the governance log.
          </p>
        </Dialog>
      ) : null}
    </>
  )
}
