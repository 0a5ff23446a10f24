/** Where a destination sends, in one line: `tcp://siem.example.com:514 (CEF, RFC 5424)` or the webhook URL. */
import type { DestinationSettings } from '../../api/siem.js'

export function targetOf(settings: DestinationSettings): string {
  if (settings.kind === 'syslog') {
    return `${settings.transport}://${settings.host}:${settings.port} (CEF over syslog ${settings.syslogFormat === 'rfc3164' ? 'RFC 3164' : 'RFC 5424'})`
  }
  return `${settings.url} (webhook)`
}
