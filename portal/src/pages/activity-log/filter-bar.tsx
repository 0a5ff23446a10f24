/**
 * The activity log's filter bar: the basic filters (app, user name, IP, activity type, location), the
 * time range, and the advanced conditions (every filter field of the API, combined with AND, with NOT
 * where the API has it). Edits are a draft until Apply (or Enter), so typing does not query.
 */
import { useState, type FormEvent } from 'react'
import { CheckboxField, SelectField, TextField } from '../../ui/fields.js'
import { isoToLocalInput, localInputToIso } from '../../ui/format.js'
import {
  BASIC_FIELDS,
  DEFAULT_STATE,
  FILTER_FIELDS,
  OPERATORS,
  TIME_PRESETS,
  fieldOf,
  operatorOf,
  type ActivityFilterState,
  type Condition,
  type ConditionOperator,
  type TimeRange,
} from './activity-filters.js'

export interface FilterBarProps {
  readonly state: ActivityFilterState
  readonly onApply: (state: ActivityFilterState) => void
  /** Values seen on the current page, offered as suggestions. */
  readonly suggestions: { readonly apps: readonly string[]; readonly actionTypes: readonly string[] }
}

const timeValue = (time: TimeRange): string => (time.kind === 'last' ? `${time.days}d` : time.kind)

function timeFrom(value: string, previous: TimeRange): TimeRange {
  const days = /^(\d+)d$/.exec(value)
  if (days) {
    return { kind: 'last', days: Number(days[1]) }
  }
  if (value === 'between') {
    return previous.kind === 'between' ? previous : { kind: 'between', from: null, to: null }
  }
  return { kind: 'all' }
}

export function FilterBar({ state, onApply, suggestions }: FilterBarProps) {
  const [draft, setDraft] = useState<ActivityFilterState>(state)
  const [showAdvanced, setShowAdvanced] = useState(state.advanced.length > 0)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    onApply(draft)
  }
  const setCondition = (index: number, change: Partial<Condition>) =>
    setDraft((d) => ({ ...d, advanced: d.advanced.map((c, i) => (i === index ? { ...c, ...change } : c)) }))

  return (
    <form className="filter-bar" onSubmit={submit} aria-label="Filters">
      <div className="filter-row">
        {BASIC_FIELDS.map((b) => (
          <TextField
            key={b.key}
            label={b.label}
            value={draft.basic[b.key]}
            onChange={(value) => setDraft((d) => ({ ...d, basic: { ...d.basic, [b.key]: value } }))}
            list={b.key === 'app' ? 'suggest-apps' : b.key === 'actionType' ? 'suggest-action-types' : undefined}
            className="filter-field"
          />
        ))}
        <SelectField
          label="Time range"
          value={timeValue(draft.time)}
          onChange={(value) => setDraft((d) => ({ ...d, time: timeFrom(value, d.time) }))}
          options={TIME_PRESETS}
          className="filter-field"
        />
        {draft.time.kind === 'between' ? (
          <>
            <TextField
              label="From"
              type="datetime-local"
              value={draft.time.from ? isoToLocalInput(draft.time.from) : ''}
              onChange={(value) => setDraft((d) => ({ ...d, time: { kind: 'between', from: localInputToIso(value), to: d.time.kind === 'between' ? d.time.to : null } }))}
              className="filter-field"
            />
            <TextField
              label="To"
              type="datetime-local"
              value={draft.time.to ? isoToLocalInput(draft.time.to) : ''}
              onChange={(value) => setDraft((d) => ({ ...d, time: { kind: 'between', from: d.time.kind === 'between' ? d.time.from : null, to: localInputToIso(value) } }))}
              className="filter-field"
            />
          </>
        ) : null}
      </div>
      <datalist id="suggest-apps">
        {suggestions.apps.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <datalist id="suggest-action-types">
        {suggestions.actionTypes.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>

      <div className="filter-actions">
        <button type="button" className="button button-quiet" aria-expanded={showAdvanced} aria-controls="advanced-filters" onClick={() => setShowAdvanced((s) => !s)}>
          Advanced filters{draft.advanced.length > 0 ? ` (${draft.advanced.length})` : ''}
        </button>
        <span className="spacer" />
        <button
          type="button"
          className="button"
          onClick={() => {
            setDraft({ ...DEFAULT_STATE, pageSize: state.pageSize })
            onApply({ ...DEFAULT_STATE, pageSize: state.pageSize })
          }}
        >
          Clear
        </button>
        <button type="submit" className="button button-primary">
          Apply
        </button>
      </div>

      {showAdvanced ? (
        <fieldset id="advanced-filters" className="advanced">
          <legend>Advanced filters: all conditions must hold</legend>
          {draft.advanced.length === 0 ? <p className="muted">No conditions yet.</p> : null}
          {draft.advanced.map((condition, index) => (
            <ConditionRow key={index} index={index} condition={condition} onChange={(change) => setCondition(index, change)} onRemove={() => setDraft((d) => ({ ...d, advanced: d.advanced.filter((_, i) => i !== index) }))} />
          ))}
          <button type="button" className="button" onClick={() => setDraft((d) => ({ ...d, advanced: [...d.advanced, { field: 'user.username', operator: 'eq', value: '', not: false }] }))}>
            + Add condition
          </button>
        </fieldset>
      ) : null}
    </form>
  )
}

function ConditionRow({ index, condition, onChange, onRemove }: { readonly index: number; readonly condition: Condition; readonly onChange: (change: Partial<Condition>) => void; readonly onRemove: () => void }) {
  const field = fieldOf(condition.field)
  const choices = field ? OPERATORS[field.kind] : []
  const choice = operatorOf(condition.field, condition.operator)
  const n = index + 1
  return (
    <div className="condition" role="group" aria-label={`Condition ${n}`}>
      <SelectField
        label={`Field ${n}`}
        value={condition.field}
        options={FILTER_FIELDS.map((f) => ({ value: f.field, label: f.label }))}
        onChange={(value) => {
          const kind = fieldOf(value)?.kind ?? 'string'
          const keep = OPERATORS[kind].some((o) => o.operator === condition.operator)
          onChange({ field: value, operator: keep ? condition.operator : (OPERATORS[kind][0]?.operator ?? 'eq'), value: keep ? condition.value : '', not: false })
        }}
      />
      <SelectField
        label={`Operator ${n}`}
        value={condition.operator}
        options={choices.map((o) => ({ value: o.operator, label: o.label }))}
        onChange={(value) => {
          const next = operatorOf(condition.field, value as ConditionOperator)
          onChange({ operator: value as ConditionOperator, not: next?.negated ? condition.not : false })
        }}
      />
      <CheckboxField
        label="NOT"
        checked={condition.not}
        disabled={!choice?.negated}
        title={choice?.negated ? `Negate: ${choice.negated}` : 'The API has no negation of this operator'}
        onChange={(not) => onChange({ not })}
      />
      {choice?.value === 'none' ? null : choice?.value === 'time' ? (
        <TextField label={`Value ${n}`} type="datetime-local" value={condition.value ? isoToLocalInput(condition.value) : ''} onChange={(value) => onChange({ value: localInputToIso(value) ?? '' })} />
      ) : (
        <TextField
          label={`Value ${n}`}
          value={condition.value}
          onChange={(value) => onChange({ value })}
          placeholder={choice?.value === 'days' ? 'days' : choice?.value === 'list' ? 'one, or several separated by commas' : ''}
          hint={field?.hint}
        />
      )}
      <button type="button" className="button button-quiet condition-remove" onClick={onRemove} aria-label={`Remove condition ${n}`}>
        Remove
      </button>
    </div>
  )
}
