/**
 * The governance log's chain status and export. Export: the log as the filters show it, as CSV or
 * NDJSON, streamed by the server (`GET /api/v1/governance/export`, which records the export as
 * `governance.export`) with no row cap; the browser only saves the file it was answered.
 */
import { useState } from 'react'
import { exportGovernance, type GovernanceExportFormat, type GovernanceFilters } from '../../api/governance.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { MenuButton } from '../../ui/menu.js'
import { saveFile } from '../../ui/save-file.js'
import { ChainStatus } from './chain-status.js'
import './governance-tools.css'

/** The tools above the governance log: its chain status, and Export of the current filter. */
export function GovernanceTools({ filters }: { readonly filters: GovernanceFilters }) {
  const [state, setState] = useState<{ tone: 'info' | 'success'; message: string } | null>(null)
  const [error, setError] = useState<unknown>(null)

  const run = async (format: GovernanceExportFormat) => {
    setError(null)
    setState({ tone: 'info', message: `Exporting the governance log as ${format.toUpperCase()}…` })
    try {
      const file = await exportGovernance(format, filters)
      saveFile(file.blob, file.fileName)
      setState({ tone: 'success', message: `Exported ${file.fileName}.` })
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
            { label: 'Export as NDJSON', onSelect: () => void run('ndjson') },
          ]}
        />
      </div>
      <ErrorBanner error={error} />
      {state ? <Banner tone={state.tone}>{state.message}</Banner> : null}
    </>
  )
}
