/**
 * Managed domains: the organization's own domains (a domain covers its subdomains). People whose
 * domain is not one of them are in the built-in group External users; the server decides that, at
 * ingest, from this list.
 */
import { useState } from 'react'
import { addManagedDomain, listManagedDomains, removeManagedDomain } from '../../api/settings.js'
import { hasPermission, useMe } from '../../session/session.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { Dialog, DialogButtons } from '../../ui/dialog.js'
import { TextField } from '../../ui/fields.js'
import { DataTable } from '../../ui/table.js'
import { TabHeader } from '../../ui/tabs.js'
import { useAsync } from '../../ui/use-async.js'

export function ManagedDomainsTab() {
  const me = useMe()
  const canManage = hasPermission(me, 'settings.manage')
  const domains = useAsync((signal) => listManagedDomains(signal), [])
  const [adding, setAdding] = useState(false)
  const [removing, setRemoving] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [notice, setNotice] = useState<string | null>(null)

  const remove = (domain: string) => {
    setRemoving(null)
    setError(null)
    removeManagedDomain(domain).then(() => {
      setNotice(`${domain} is no longer a managed domain. Its people count as external users in activities recorded from now on.`)
      domains.reload()
    }, setError)
  }

  return (
    <>
      <TabHeader title="Managed domains">
        {canManage ? (
          <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
            + Add domain
          </button>
        ) : null}
      </TabHeader>
      <p className="lead">
        The organization&apos;s own domains. A domain covers its subdomains. People whose domain is not managed are in the built-in group{' '}
        <strong>External users</strong>, which scope rules and privacy groups can name. A change applies to activities recorded from now on.
      </p>
      <ErrorBanner error={domains.error ?? error} />
      {notice ? <Banner tone="success">{notice}</Banner> : null}
      <DataTable
        caption="Managed domains"
        rows={(domains.data ?? []).map((domain) => ({ domain }))}
        rowKey={(d) => d.domain}
        loading={domains.loading}
        empty="No managed domains: every person counts as an external user."
        columns={[
          { key: 'domain', header: 'Domain', render: (d) => d.domain },
          { key: 'covers', header: 'Covers', render: (d) => <span className="muted">{d.domain} and *.{d.domain}</span> },
          {
            key: 'actions',
            header: 'Actions',
            render: (d) =>
              canManage ? (
                <button type="button" className="button button-small" onClick={() => setRemoving(d.domain)} aria-label={`Remove ${d.domain}`}>
                  Remove
                </button>
              ) : null,
          },
        ]}
      />
      {adding ? (
        <AddDomainDialog
          onCancel={() => setAdding(false)}
          onAdded={(domain) => {
            setAdding(false)
            setNotice(`${domain} is a managed domain. Its people are no longer external users in activities recorded from now on.`)
            domains.reload()
          }}
        />
      ) : null}
      {removing ? (
        <Dialog
          title="Remove managed domain"
          onClose={() => setRemoving(null)}
          footer={<DialogButtons onCancel={() => setRemoving(null)} action="Remove" tone="danger" onAction={() => remove(removing)} />}
        >
          <p>
            Remove <strong>{removing}</strong>? Its people will count as external users in activities recorded from now on. The change is recorded in
            the governance log.
          </p>
        </Dialog>
      ) : null}
    </>
  )
}

function AddDomainDialog({ onCancel, onAdded }: { readonly onCancel: () => void; readonly onAdded: (domain: string) => void }) {
  const [domain, setDomain] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const add = () => {
    setBusy(true)
    setError(null)
    addManagedDomain(domain.trim()).then(
      () => onAdded(domain.trim().toLowerCase()),
      (failure: unknown) => {
        setError(failure)
        setBusy(false)
      },
    )
  }
  return (
    <Dialog
      title="Add managed domain"
      onClose={onCancel}
      footer={<DialogButtons onCancel={onCancel} action="Add" disabled={!domain.trim() || busy} onAction={add} />}
    >
      <ErrorBanner error={error} />
      <TextField label="Domain" value={domain} onChange={setDomain} autoFocus autoComplete="off" placeholder="contoso.com" hint="Its subdomains are covered too." />
    </Dialog>
  )
}
