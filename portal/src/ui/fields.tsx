/** Labelled form fields: every input has a visible label, an optional hint and an error tied to it. */
import { useId, type ReactNode } from 'react'

interface FieldFrameProps {
  readonly id: string
  readonly label: string
  readonly hint?: ReactNode
  readonly error?: string | null
  readonly children: ReactNode
  readonly className?: string
}

function FieldFrame({ id, label, hint, error, children, className }: FieldFrameProps) {
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? (
        <div className="field-hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
      {error ? (
        <div className="field-error" id={`${id}-error`} role="alert">
          {error}
        </div>
      ) : null}
    </div>
  )
}

const describedBy = (id: string, hint: unknown, error: unknown) => [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined

export interface TextFieldProps {
  readonly label: string
  readonly value: string
  readonly onChange: (value: string) => void
  readonly type?: 'text' | 'password' | 'email' | 'search' | 'datetime-local'
  readonly placeholder?: string
  readonly hint?: ReactNode
  readonly error?: string | null
  readonly required?: boolean
  readonly autoComplete?: string
  readonly autoFocus?: boolean
  readonly name?: string
  readonly list?: string
  readonly className?: string
}

export function TextField({ label, value, onChange, type = 'text', placeholder, hint, error, required, autoComplete, autoFocus, name, list, className }: TextFieldProps) {
  const id = useId()
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error} className={className}>
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        placeholder={placeholder}
        required={required}
        autoComplete={autoComplete}
        data-autofocus={autoFocus ? '' : undefined}
        autoFocus={autoFocus}
        list={list}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        onChange={(event) => onChange(event.target.value)}
      />
    </FieldFrame>
  )
}

export interface TextAreaFieldProps {
  readonly label: string
  readonly value: string
  readonly onChange: (value: string) => void
  readonly hint?: ReactNode
  readonly error?: string | null
  readonly required?: boolean
  readonly rows?: number
  readonly maxLength?: number
  readonly autoFocus?: boolean
}

export function TextAreaField({ label, value, onChange, hint, error, required, rows = 3, maxLength, autoFocus }: TextAreaFieldProps) {
  const id = useId()
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error}>
      <textarea
        id={id}
        value={value}
        rows={rows}
        required={required}
        maxLength={maxLength}
        data-autofocus={autoFocus ? '' : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        onChange={(event) => onChange(event.target.value)}
      />
    </FieldFrame>
  )
}

export interface SelectOption {
  readonly value: string
  readonly label: string
  readonly disabled?: boolean
}

export interface SelectFieldProps {
  readonly label: string
  readonly value: string
  readonly onChange: (value: string) => void
  readonly options: readonly SelectOption[]
  readonly hint?: ReactNode
  readonly className?: string
}

export function SelectField({ label, value, onChange, options, hint, className }: SelectFieldProps) {
  const id = useId()
  return (
    <FieldFrame id={id} label={label} hint={hint} className={className}>
      <select id={id} value={value} aria-describedby={describedBy(id, hint, null)} onChange={(event) => onChange(event.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  )
}

export interface CheckboxFieldProps {
  readonly label: ReactNode
  readonly checked: boolean
  readonly onChange: (checked: boolean) => void
  readonly disabled?: boolean
  readonly title?: string
}

export function CheckboxField({ label, checked, onChange, disabled, title }: CheckboxFieldProps) {
  const id = useId()
  return (
    <div className="checkbox" title={title}>
      <input id={id} type="checkbox" checked={checked} disabled={disabled} onChange={(event) => onChange(event.target.checked)} />
      <label htmlFor={id}>{label}</label>
    </div>
  )
}
