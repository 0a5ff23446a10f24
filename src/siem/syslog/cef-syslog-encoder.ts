/**
 * Activities as syslog messages carrying CEF: the syslog header from the destination's settings, the
 * CEF line shortened to fit `maxMessageBytes` (the header counts too).
 *
 * @module
 */

import type { Activity } from '../../core/activity/activity.js'
import { formatCef } from '../cef/cef-format.js'
import type { ResolvedSyslogSettings } from '../siem-destination-settings.js'
import { SYSLOG_SEVERITY, syslogHeader, type SyslogHeaderOptions } from './syslog-message.js'

export interface CefSyslogEncoderContext {
  readonly portalUrl: string
  readonly hostname: string
  readonly version: string
  /** Used when an activity's own time cannot be written. */
  readonly clock: () => number
}

/** The encoder of one destination: an activity in, the syslog message's bytes (unframed) out. */
export function createCefSyslogEncoder(settings: ResolvedSyslogSettings, context: CefSyslogEncoderContext): (activity: Activity) => Buffer {
  const header: SyslogHeaderOptions = {
    format: settings.syslogFormat,
    includePri: settings.includePri,
    includeHostname: settings.includeHostname,
    facility: settings.facility,
    appName: settings.appName,
    hostname: context.hostname,
  }
  return (activity) => {
    // The syslog TIMESTAMP is the activity's time, as in the agent's lines, so a SIEM sorts by when it happened.
    const time = Number.isFinite(activity.time) ? activity.time : context.clock()
    const severity = activity.result === 'failure' ? SYSLOG_SEVERITY.notice : SYSLOG_SEVERITY.informational
    const prefix = syslogHeader(header, time, severity)
    const cef = formatCef(activity, {
      vendor: settings.cef.vendor,
      product: settings.cef.product,
      version: context.version,
      portalUrl: context.portalUrl,
      maxBytes: Math.max(0, settings.maxMessageBytes - Buffer.byteLength(prefix)),
    })
    return Buffer.from(prefix + cef, 'utf8')
  }
}
