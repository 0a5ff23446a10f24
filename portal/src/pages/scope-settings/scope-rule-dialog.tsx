/** Add or edit one scoped-deployment rule: its name, its groups (search over imported and built-in groups) and its apps. */
import { useState } from 'react'
import type { ScopeRule } from '../../api/settings.js'
import type { DirectoryGroup } from '../../api/types.js'
import { ErrorBanner } from '../../ui/banner.js'
import { Dialog, DialogButtons } from '../../ui/dialog.js'
import { CheckboxField, SelectField, TextField } from '../../ui/fields.js'

export interface ScopeRuleDialogProps {
  readonly kind: ScopeRule['kind']
  /** The rule to edit; null to add one. */
  readonly rule: ScopeRule | null
  readonly groups: readonly DirectoryGroup[]
  readonly onCancel: () => void
  readonly onSave: (rule: ScopeRule) => Promise<void>
}

const splitApps = (value: string): string[] =>
  value
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '')

export function ScopeRuleDialog({ kind, rule, groups, onCancel, onSave }: ScopeRuleDialogProps) {
  const [name, setName] = useState(rule?.name ?? '')
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set(rule?.groups ?? []))
  const [query, setQuery] = useState('')
  const [appsMode, setAppsMode] = useState<'all' | 'some'>(rule && rule.apps !== 'all' ? 'some' : 'all')
  const [apps, setApps] = useState(rule && rule.apps !== 'all' ? rule.apps.join(', ') : '')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const needle = query.trim().toLowerCase()
  // Groups of the rule that the directory no longer has are still listed, so they can be taken out.
  const known = new Set(groups.map((g) => g.id))
  const choices = [...groups, ...[...selected].filter((id) => !known.has(id)).map((id) => ({ id, displayName: id, builtin: false, description: null, memberCount: null }))]
  const shown = choices.filter((g) => !needle || g.displayName.toLowerCase().includes(needle) || g.id.toLowerCase().includes(needle))

  const toggle = (id: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s)
      if (on) {
        next.add(id)
      } else {
        next.delete(id)
      }
      return next
    })

  const save = () => {
    setBusy(true)
    setError(null)
    onSave({ name: name.trim(), kind, groups: [...selected], apps: appsMode === 'all' ? 'all' : splitApps(apps) }).catch((failure: unknown) => {
      setError(failure)
      setBusy(false)
    })
  }

  return (
    <Dialog
      title={`${rule ? 'Edit' : 'Add'} ${kind} rule`}
      wide
      onClose={onCancel}
      footer={
        <DialogButtons
          onCancel={onCancel}
          action={rule ? 'Save' : 'Add rule'}
          disabled={busy || !name.trim() || selected.size === 0 || (appsMode === 'some' && splitApps(apps).length === 0)}
          onAction={save}
        />
      }
    >
      <ErrorBanner error={error} />
      <TextField label="Rule name" value={name} onChange={setName} autoFocus autoComplete="off" placeholder={kind === 'include' ? 'e.g. Pilot: Sales' : 'e.g. Works council'} />
      <TextField label="Search groups" type="search" value={query} onChange={setQuery} placeholder="Name or id" hint={`${selected.size} selected. The rule applies to members of any of them.`} />
      <div className="choice-list" role="group" aria-label="Groups of the rule">
        {groups.length === 0 && selected.size === 0 ? <p role="status">Loading groups…</p> : null}
        {shown.map((g) => (
          <CheckboxField
            key={g.id}
            checked={selected.has(g.id)}
            onChange={(on) => toggle(g.id, on)}
            label={
              <>
                {g.displayName} <span className="muted">{g.builtin ? 'built-in' : known.has(g.id) ? `${g.memberCount ?? 0} members` : 'not in the directory'}</span>
              </>
            }
          />
        ))}
      </div>
      <SelectField
        label="Apps"
        value={appsMode}
        onChange={(value) => setAppsMode(value === 'some' ? 'some' : 'all')}
        options={[
          { value: 'all', label: 'All apps' },
          { value: 'some', label: 'Only the apps listed' },
        ]}
      />
      {appsMode === 'some' ? <TextField label="App names" value={apps} onChange={setApps} placeholder="Okta, Microsoft Exchange Online" hint="Separated by commas, as the activity log names them." /> : null}
    </Dialog>
  )
}
