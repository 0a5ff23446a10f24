/** A titled box of a page (a chart, a status, a short list): a labelled region with its heading. */
import { useId, type ReactNode } from 'react'
import './panel.css'

export interface PanelProps {
  readonly title: string
  /** A line under the title. */
  readonly note?: ReactNode
  readonly children: ReactNode
}

export function Panel({ title, note, children }: PanelProps) {
  const headingId = useId()
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {note ? <p className="panel-note muted">{note}</p> : null}
      {children}
    </section>
  )
}
