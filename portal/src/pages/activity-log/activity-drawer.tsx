/**
 * The activity drawer: every normalized field of one activity, its raw event as pretty JSON, "add to
 * filter" on the fields the filters know, and pivots (same user, same IP, same app, ±48 hours). While
 * private activities are shown, opening one is a revealing request like any page.
 */
import type { ReactNode } from 'react'
import { getActivity } from '../../api/activities.js'
import type { Activity, RevealParameters } from '../../api/types.js'
import { Banner, ErrorBanner } from '../../ui/banner.js'
import { Drawer } from '../../ui/drawer.js'
import { formatTime, orDash } from '../../ui/format.js'
import { useAsync } from '../../ui/use-async.js'
import type { Pivot } from './activity-filters.js'

export interface ActivityDrawerProps {
  readonly id: string
  readonly reveal: RevealParameters | null
  readonly groupName: (id: string) => string
  readonly onClose: () => void
  readonly onAddFilter: (field: string, value: string) => void
  readonly onPivot: (pivot: Pivot, activity: Activity) => void
}

export function ActivityDrawer({ id, reveal, groupName, onClose, onAddFilter, onPivot }: ActivityDrawerProps) {
  const { data: activity, error, loading } = useAsync((signal) => getActivity(id, reveal, signal), [id, reveal?.justification])

  const row = (label: string, value: ReactNode, filter?: { field: string; value: string | null }) => (
    <div className="field-row" key={label}>
      <dt>{label}</dt>
      <dd>
        <span className="field-value">{value}</span>
        {filter && filter.value ? (
          <button type="button" className="button button-small button-quiet" onClick={() => onAddFilter(filter.field, filter.value ?? '')} aria-label={`Add ${label} ${filter.value} to the filter`}>
            + filter
          </button>
        ) : null}
      </dd>
    </div>
  )

  return (
    <Drawer title="Activity details" onClose={onClose}>
      <ErrorBanner error={error} />
      {loading && !activity ? <p role="status">Loading…</p> : null}
      {activity ? (
        <>
          {activity.private ? (
            <Banner tone="warning" label="Private activity">
              <strong>Private activity</strong>
              {activity.privateBecause ? ` — private because its user is in the privacy group ${groupName(activity.privateBecause)}.` : '.'} Viewing it is recorded in the governance log.
            </Banner>
          ) : null}
          <div className="pivots" role="group" aria-label="Pivots">
            <button type="button" className="button button-small" disabled={!activity.actor.upn} onClick={() => onPivot('user', activity)}>
              Same user
            </button>
            <button type="button" className="button button-small" disabled={!activity.ip} onClick={() => onPivot('ip', activity)}>
              Same IP
            </button>
            <button type="button" className="button button-small" onClick={() => onPivot('app', activity)}>
              Same app
            </button>
            <button type="button" className="button button-small" onClick={() => onPivot('around', activity)}>
              ±48 hours
            </button>
          </div>
          <dl className="fields">
            {row('Time', formatTime(activity.time))}
            {row('Recorded', formatTime(activity.receivedAt))}
            {row('Activity type', activity.action.type, { field: 'actionType', value: activity.action.type })}
            {row('Source activity name', activity.action.name, { field: 'activity.eventActionType', value: activity.action.name })}
            {row('Result', activity.result, { field: 'activity.result', value: activity.result })}
            {row('Description', orDash(activity.description))}
            {row('User', orDash(activity.actor.upn), { field: 'user.username', value: activity.actor.upn })}
            {row('Display name', orDash(activity.actor.displayName))}
            {row('User type', activity.actor.type, { field: 'user.type', value: activity.actor.type })}
            {row('Source user id', orDash(activity.actor.sourceId))}
            {row('Groups when recorded', activity.actorGroups.length > 0 ? activity.actorGroups.map(groupName).join(', ') : '—')}
            {row('App', activity.app, { field: 'app', value: activity.app })}
            {row('IP address', orDash(activity.ip), { field: 'ip.address', value: activity.ip })}
            {row('Country', orDash(activity.location.country), { field: 'location.country', value: activity.location.country })}
            {row('City', orDash(activity.location.city))}
            {row('Device type', orDash(activity.device.type), { field: 'device.type', value: activity.device.type })}
            {row('User agent', orDash(activity.device.userAgent))}
            {row('Target', [activity.target.type, activity.target.name ?? activity.target.id].filter(Boolean).join(': ') || '—')}
            {row('Target id', orDash(activity.target.id))}
            {row('Source format', activity.source, { field: 'source', value: activity.source })}
            {row('Activity id', <code>{activity.id}</code>)}
          </dl>
          <h3>Raw event</h3>
          <pre className="raw-json" tabIndex={0} aria-label="Raw event as JSON">
            {JSON.stringify(activity.rawDataJson ?? null, null, 2)}
          </pre>
        </>
      ) : null}
    </Drawer>
  )
}
