import type { ReactNode } from 'react'

/** One term and its value in a details list (`<dl>`) of a drawer or panel. */
export function FieldRow({ term, value }: { readonly term: string; readonly value: ReactNode }) {
  return (
    <div className="field-row">
      <dt>{term}</dt>
      <dd>
        <span className="field-value">{value}</span>
      </dd>
    </div>
  )
}
