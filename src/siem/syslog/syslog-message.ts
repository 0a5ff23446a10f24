/**
 * Syslog message headers: RFC 5424 (`<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`) and the
 * older BSD format of RFC 3164 (`<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: MSG`), each with the PRI and the
 * host name optional (some receivers want neither).
 *
 * Written here rather than taken from a library: the npm syslog clients format one fixed header and
 * own their sockets, while Veil needs the header alone (its transports do octet counting, replay and
 * back-pressure themselves), and the whole format is a few lines.
 *
 * @module
 */

export type SyslogFormat = 'rfc5424' | 'rfc3164'

/** RFC 5424 severities Veil uses: failures are notices, everything else informational. */
export const SYSLOG_SEVERITY = Object.freeze({ notice: 5, informational: 6 })

export interface SyslogHeaderOptions {
  readonly format: SyslogFormat
  readonly includePri: boolean
  readonly includeHostname: boolean
  /** 0..23 (RFC 5424 table 1). */
  readonly facility: number
  readonly appName: string
  readonly hostname: string
}

/** Everything before MSG, ending with the separating space. */
export function syslogHeader(options: SyslogHeaderOptions, time: number, severity: number): string {
  const pri = options.includePri ? `<${options.facility * 8 + severity}>` : ''
  if (options.format === 'rfc3164') {
    const host = options.includeHostname ? `${printable(options.hostname, 255) || '-'} ` : ''
    return `${pri}${bsdTimestamp(time)} ${host}${bsdTag(options.appName)}: `
  }
  const host = options.includeHostname ? printable(options.hostname, 255) || '-' : '-'
  // PROCID, MSGID and STRUCTURED-DATA are NILVALUE; the CEF line carries everything.
  return `${pri}1 ${isoTimestamp(time)} ${host} ${printable(options.appName, 48) || '-'} - - - `
}

/** A whole syslog message. MSG is written without a UTF-8 BOM: CEF parsers expect `CEF:` at its start. */
export function formatSyslogMessage(options: SyslogHeaderOptions, time: number, severity: number, message: string): string {
  return syslogHeader(options, time, severity) + message
}

/** RFC 5424 TIMESTAMP (UTC, milliseconds), or NILVALUE when the time cannot be written. */
function isoTimestamp(time: number): string {
  const date = new Date(time)
  const year = date.getUTCFullYear()
  return Number.isNaN(date.getTime()) || year < 0 || year > 9999 ? '-' : date.toISOString()
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const

/** RFC 3164 TIMESTAMP `Mmm dd hh:mm:ss`, day padded with a space; in UTC since the format has no zone. */
function bsdTimestamp(time: number): string {
  const date = new Date(Number.isNaN(new Date(time).getTime()) ? 0 : time)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`
}

/** RFC 3164 TAG: at most 32 characters, none of which ends the tag (`:`, `[`, `]`, space). */
function bsdTag(appName: string): string {
  return appName.replace(/[^\x21-\x7e]|[:[\]]/g, '').slice(0, 32) || 'veil'
}

/** PRINTUSASCII (33..126) only, for header fields that a space or a control character would break. */
function printable(value: string, maxLength: number): string {
  return value.replace(/[^\x21-\x7e]/g, '').slice(0, maxLength)
}
