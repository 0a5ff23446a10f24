/** The SCIM provisioning status: the last call the identity provider made, the last change it made, the last failure. */
import type { ScimCall, ScimStatus } from '../../api/directory.js'
import { formatTime } from '../../ui/format.js'
import { Panel } from '../../ui/panel.js'

function describe(call: ScimCall): string {
  const operation = call.operation.replace(/_/g, ' ')
  return `${operation} (${call.method} ${call.route}) → ${call.status}`
}

function CallRow({ term, call, empty }: { readonly term: string; readonly call: ScimCall | null; readonly empty: string }) {
  return (
    <div className="field-row">
      <dt>{term}</dt>
      <dd>
        {call ? (
          <span className="field-value">
            <span className={call.outcome === 'failed' ? 'status-failed' : 'status-succeeded'}>{call.outcome === 'failed' ? 'Failed' : 'Succeeded'}</span> · {formatTime(call.at)} · {describe(call)} · by {call.initiator}
          </span>
        ) : (
          <span className="muted">{empty}</span>
        )}
      </dd>
    </div>
  )
}

export function ScimStatusPanel({ status }: { readonly status: ScimStatus }) {
  return (
    <Panel title="SCIM provisioning" note="The identity provider's calls to /scim/v2.">
      {status.lastCall === null ? (
        <p className="muted">No SCIM provisioning call yet. Point your identity provider at <code>/scim/v2</code> with an API token of a directory admin.</p>
      ) : null}
      <dl className="fields">
        <CallRow term="Last call" call={status.lastCall} empty="None yet" />
        <CallRow term="Last change" call={status.lastChange} empty="None yet" />
        <CallRow term="Last failure" call={status.lastFailure} empty="None" />
      </dl>
    </Panel>
  )
}
