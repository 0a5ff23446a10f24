/**
 * The governance log's chain status and export. Export: the log as the filters show it, as CSV or JSON. The API has no export of its
 * own for this log, so the portal reads every page of the current filter (`GET /api/v1/governance`,
 * newest first — each page read is itself recorded by the server, as any reading) and writes the
 * records it was answered, unchanged, into the file.
 */
import { useState } from 'react'
import { listGovernance, type GovernanceFilters } from '../../api/governance.js'
import type { GovernanceRecord } from '../../api/types.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { MenuButton } from '../../ui/menu.js'
import { ChainStatus } from './chain-status.js'
import './governance-tools.css'

const PAGE = 1000
/** Most records one export reads (a page of the API is 1000 at most): beyond it the filters must narrow. */
export const MAX_EXPORT_RECORDS = 100_000

const COLUMNS = ['seq', 'time', 'action', 'target', 'initiator', 'app', 'ip', 'status', 'justification', 'details'] as const

/** A CSV cell: quoted when needed, and a leading = + - @ (a spreadsheet formula) neutralized with a quote, as Veil's activity export does. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export function governanceCsv(records: readonly GovernanceRecord[]): string {
  const rows = records.map((r) =>
    [String(r.seq), new Date(r.time).toISOString(), r.action, r.target, r.initiator, r.app, r.ip ?? '', r.status, r.justification ?? '', JSON.stringify(r.details)].map(csvCell).join(','),
  )
  return [COLUMNS.join(','), ...rows].join('\r\n') + '\r\n'
}

function save(text: string, type: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  document.body.append(link)
  link.click()
  link.remove()
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** The tools above the governance log: its chain status, and Export of the current filter. */
export function GovernanceTools({ filters }: { readonly filters: GovernanceFilters }) {
  const [state, setState] = useState<{ tone: 'info' | 'success'; message: string } | null>(null)
  const [error, setError] = useState<unknown>(null)

  const run = async (format: 'csv' | 'json') => {
    setError(null)
    setState({ tone: 'info', message: `Exporting the governance log as ${format.toUpperCase()}…` })
    try {
      const records: GovernanceRecord[] = []
      let beforeSeq: number | null = null
      let truncated = false
      for (;;) {
        const page = await listGovernance(filters, PAGE, beforeSeq)
        records.push(...page.data)
        if (!page.hasNext || page.nextBeforeSeq === null) {
          break
        }
        if (records.length >= MAX_EXPORT_RECORDS) {
          truncated = true
          break
        }
        beforeSeq = page.nextBeforeSeq
      }
      const stamp = new Date().toISOString().replace(/[:.]/g, '-')
      if (format === 'csv') {
        save(governanceCsv(records), 'text/csv;charset=utf-8', `veil-governance-${stamp}.csv`)
      } else {
        save(JSON.stringify({ filters, exportedAt: new Date().toISOString(), records }, null, 2), 'application/json', `veil-governance-${stamp}.json`)
      }
      setState({ tone: 'success', message: `Exported ${records.length} record${records.length === 1 ? '' : 's'}${truncated ? ` (the newest ${records.length}: narrow the filters for older records)` : ''}.` })
    } catch (failure) {
      setState(null)
      setError(failure)
    }
  }

  return (
    <>
      <div className="governance-tools">
        <div className="governance-chain">
          <ChainStatus />
        </div>
        <MenuButton
        label="Export"
          items={[
            { label: 'Export as CSV', onSelect: () => void run('csv') },
            { label: 'Export as JSON', onSelect: () => void run('json') },
          ]}
        />
      </div>
      <ErrorBanner error={error} />
      {state ? <Banner tone={state.tone}>{state.message}</Banner> : null}
    </>
  )
}
