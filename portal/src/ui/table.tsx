/**
 * A data table: a real `<table>` with a caption for screen readers, rows that can be opened with the
 * mouse or the keyboard (Tab to a row, Enter or Space to open, arrow keys to move between rows), and
 * messages for loading and for no rows.
 */
import type { KeyboardEvent, ReactNode } from 'react'

export interface Column<T> {
  readonly key: string
  readonly header: string
  readonly render: (row: T) => ReactNode
  readonly className?: string
}

export interface DataTableProps<T> {
  /** What the table lists (read by screen readers). */
  readonly caption: string
  readonly columns: readonly Column<T>[]
  readonly rows: readonly T[]
  readonly rowKey: (row: T) => string
  /** Makes rows interactive. */
  readonly onRowActivate?: (row: T) => void
  readonly selectedKey?: string | null
  readonly rowClassName?: (row: T) => string | undefined
  readonly rowLabel?: (row: T) => string
  readonly loading?: boolean
  readonly empty?: ReactNode
}

function moveFocus(event: KeyboardEvent<HTMLTableRowElement>, step: 1 | -1): void {
  const target = step === 1 ? event.currentTarget.nextElementSibling : event.currentTarget.previousElementSibling
  if (target instanceof HTMLElement) {
    event.preventDefault()
    target.focus()
  }
}

export function DataTable<T>({ caption, columns, rows, rowKey, onRowActivate, selectedKey, rowClassName, rowLabel, loading, empty }: DataTableProps<T>) {
  return (
    <div className="table-wrap" aria-busy={loading ? true : undefined}>
      <table className="table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.className}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const key = rowKey(row)
            const classes = [onRowActivate ? 'row-interactive' : '', key === selectedKey ? 'row-selected' : '', rowClassName?.(row) ?? ''].filter(Boolean).join(' ')
            return (
              <tr
                key={key}
                className={classes || undefined}
                tabIndex={onRowActivate ? 0 : undefined}
                aria-selected={onRowActivate ? key === selectedKey : undefined}
                aria-label={rowLabel?.(row)}
                onClick={onRowActivate ? () => onRowActivate(row) : undefined}
                onKeyDown={
                  onRowActivate
                    ? (event) => {
                        if (event.key === 'Enter' || event.key === ' ') {
                          event.preventDefault()
                          onRowActivate(row)
                        } else if (event.key === 'ArrowDown') {
                          moveFocus(event, 1)
                        } else if (event.key === 'ArrowUp') {
                          moveFocus(event, -1)
                        }
                      }
                    : undefined
                }
              >
                {columns.map((c) => (
                  <td key={c.key} className={c.className}>
                    {c.render(row)}
                  </td>
                ))}
              </tr>
            )
          })}
        </tbody>
      </table>
      {rows.length === 0 ? <div className="table-empty">{loading ? 'Loading…' : (empty ?? 'Nothing to show.')}</div> : null}
    </div>
  )
}
