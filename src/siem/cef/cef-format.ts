/**
 * One activity as an ArcSight Common Event Format (CEF) line, with the header and extension keys of
 * Defender for Cloud Apps' SIEM agent:
 *
 * `CEF:0|Vendor|Product|Version|EVENT_CATEGORY_X|<action name>|0|externalId=… rt=… start=… end=… msg=…
 * suser=… destinationServiceName=… dvc=… requestClientApplication=… cs1Label=portalURL cs1=…
 * cs2Label=uniqueServiceAppIds cs2=… cs3Label=targetObjects cs3=… cs4Label=policyIDs cs4=
 * c6a1Label="Device IPv6 Address" c6a1=…`
 *
 * Escaping follows the CEF specification: in header fields `\` and `|` are escaped with `\`; in
 * extension values `\` and `=` are escaped and line breaks become `\n` / `\r`; keys are never escaped.
 * Header fields cannot carry a line break, so one becomes a space. The mapping is documented in
 * `docs/siem-cef.md`.
 *
 * @module
 */

import { isIP } from 'node:net'
import type { Activity } from '../../core/activity/activity.js'
import { cefEventCategory } from './cef-event-category.js'

export interface CefFormatOptions {
  readonly vendor: string
  readonly product: string
  /** Veil's version (Device Version). */
  readonly version: string
  /** Base URL of the portal; cs1 links to the activity there. */
  readonly portalUrl: string
  /**
   * Longest line in UTF-8 bytes. A longer line is shortened by {@link fitCef}: the longest of msg,
   * requestClientApplication and cs3 lose their ends (marked `…`), and only then is the line cut.
   */
  readonly maxBytes?: number
}

/** The extension keys, in the order Veil writes them (the agent's order). */
export const CEF_EXTENSION_KEYS = [
  'externalId',
  'rt',
  'start',
  'end',
  'msg',
  'suser',
  'destinationServiceName',
  'dvc',
  'requestClientApplication',
  'cs1Label',
  'cs1',
  'cs2Label',
  'cs2',
  'cs3Label',
  'cs3',
  'cs4Label',
  'cs4',
  'c6a1Label',
  'c6a1',
] as const

export type CefExtensionKey = (typeof CEF_EXTENSION_KEYS)[number]

/** Escape a header field: `\` → `\\`, `|` → `\|`; a line break (not allowed in the header) → a space. */
export function escapeCefHeaderField(value: string): string {
  return value.replace(/\r\n|[\r\n]/g, ' ').replace(/[\\|]/g, (c) => `\\${c}`)
}

/** Escape an extension value: `\` → `\\`, `=` → `\=`, LF → `\n`, CR → `\r`. */
export function escapeCefExtensionValue(value: string): string {
  return value.replace(/[\\=\r\n]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`))
}

/** The portal link of an activity (cs1). */
export function cefPortalUrl(portalUrl: string, id: string): string {
  return `${portalUrl.replace(/\/+$/, '')}/#/activities/${encodeURIComponent(id)}`
}

/** Defender's `APPID_<APP>` form of an app name (cs2): upper case, runs of other characters → `_`. */
export function cefAppId(app: string): string {
  const name = app.toUpperCase().replace(/[^\p{L}\p{N}]+/gu, '_').replace(/^_+|_+$/g, '')
  return name === '' ? '' : `APPID_${name}`
}

/** The extension values of an activity, unescaped, in {@link CEF_EXTENSION_KEYS} order. */
export function cefExtension(activity: Activity, portalUrl: string): Array<readonly [CefExtensionKey, string]> {
  const { actor, target, device } = activity
  const time = Number.isFinite(activity.time) ? String(Math.trunc(activity.time)) : ''
  const { ipv4, ipv6 } = splitIp(activity.ip)
  return [
    ['externalId', activity.id],
    // Like the agent: rt, start and end all carry the activity's time (ms since the epoch).
    ['rt', time],
    ['start', time],
    ['end', time],
    ['msg', message(activity)],
    ['suser', actor.upn ?? actor.sourceId ?? actor.displayName ?? ''],
    ['destinationServiceName', activity.app],
    ['dvc', ipv4],
    ['requestClientApplication', device.userAgent ?? ''],
    ['cs1Label', 'portalURL'],
    ['cs1', cefPortalUrl(portalUrl, activity.id)],
    ['cs2Label', 'uniqueServiceAppIds'],
    ['cs2', cefAppId(activity.app)],
    ['cs3Label', 'targetObjects'],
    ['cs3', targetObjects(target)],
    ['cs4Label', 'policyIDs'],
    // Veil has no policies; the key stays so parsers built for the agent find it.
    ['cs4', ''],
    ['c6a1Label', '"Device IPv6 Address"'],
    ['c6a1', ipv6],
  ]
}

/**
 * Format one activity as a CEF line.
 *
 * @example
 * formatCef(activity, { vendor: 'Veil', product: 'Veil', version: '0.1.0', portalUrl: 'https://veil.example.com' })
 * // 'CEF:0|Veil|Veil|0.1.0|EVENT_CATEGORY_DOWNLOAD_FILE|FileDownloaded|0|externalId=a1 rt=1714564800000 ...'
 */
export function formatCef(activity: Activity, options: CefFormatOptions): string {
  const header = ['CEF:0', escapeCefHeaderField(options.vendor), escapeCefHeaderField(options.product), escapeCefHeaderField(options.version), cefEventCategory(activity), escapeCefHeaderField(activity.action.name), '0'].join('|')
  const values = cefExtension(activity, options.portalUrl).map(([key, value]) => [key, escapeCefExtensionValue(value)] as const)
  return options.maxBytes === undefined ? join(header, values) : fitCef(header, values, options.maxBytes)
}

function join(header: string, values: ReadonlyArray<readonly [string, string]>): string {
  return `${header}|${values.map(([key, value]) => `${key}=${value}`).join(' ')}`
}

/** The free-text fields, which give up their ends when a line is too long. */
const FREE_TEXT: readonly string[] = ['msg', 'requestClientApplication', 'cs3']
const ELLIPSIS = '…'

/**
 * A line of at most `maxBytes` UTF-8 bytes. The free-text values (msg, requestClientApplication, cs3)
 * are shortened first, the longest ones to a common length so that a short one stays whole, each ending
 * in `…`; only when the fixed fields alone are too long is the line itself cut. A cut never splits a
 * character or an escape sequence.
 */
export function fitCef(header: string, escapedValues: ReadonlyArray<readonly [string, string]>, maxBytes: number): string {
  const full = join(header, escapedValues)
  const total = Buffer.byteLength(full)
  if (total <= maxBytes) {
    return full
  }
  const free = escapedValues.filter(([key]) => FREE_TEXT.includes(key)).map(([, value]) => Buffer.byteLength(value))
  const budget = maxBytes - (total - free.reduce((sum, bytes) => sum + bytes, 0))
  const level = budget <= 0 ? 0 : waterLevel(free, budget)
  const values = escapedValues.map(([key, value]): [string, string] => {
    if (!FREE_TEXT.includes(key) || Buffer.byteLength(value) <= level) {
      return [key, value]
    }
    const keep = level - Buffer.byteLength(ELLIPSIS)
    return [key, keep > 0 ? cutEscaped(value, keep) + ELLIPSIS : '']
  })
  const line = join(header, values)
  return Buffer.byteLength(line) <= maxBytes ? line : cutEscaped(line, maxBytes)
}

/** The largest length L such that the sizes, each capped at L, add up to at most `budget`. */
function waterLevel(sizes: readonly number[], budget: number): number {
  const sorted = [...sizes].sort((a, b) => a - b)
  let remaining = budget
  for (let i = 0; i < sorted.length; i += 1) {
    const size = sorted[i] as number
    const share = Math.floor(remaining / (sorted.length - i))
    if (size > share) {
      return share
    }
    remaining -= size
  }
  return Number.POSITIVE_INFINITY
}

/** The longest prefix of at most `maxBytes` UTF-8 bytes that ends neither inside a character nor inside a `\x` escape. */
export function cutEscaped(text: string, maxBytes: number): string {
  let bytes = 0
  let end = 0
  for (const char of text) {
    const size = Buffer.byteLength(char)
    if (bytes + size > maxBytes) {
      break
    }
    bytes += size
    end += char.length
  }
  let prefix = text.slice(0, end)
  // An odd run of trailing backslashes is an escape whose second character was cut off.
  const trailing = /\\*$/.exec(prefix)?.[0].length ?? 0
  if (trailing % 2 === 1) {
    prefix = prefix.slice(0, -1)
  }
  return prefix
}

function message(activity: Activity): string {
  if (activity.description !== null && activity.description !== '') {
    return activity.description
  }
  // The agent's msg reads "Download file: file name.xlsx"; without a description Veil says the same with its names.
  const target = activity.target.name ?? activity.target.id
  return target === null || target === '' ? activity.action.name : `${activity.action.name}: ${target}`
}

function targetObjects(target: Activity['target']): string {
  const parts = [target.name, target.id, target.type].filter((part): part is string => part !== null && part !== '')
  return [...new Set(parts)].join(',')
}

function splitIp(ip: string | null): { ipv4: string; ipv6: string } {
  if (ip === null) {
    return { ipv4: '', ipv6: '' }
  }
  const address = ip.trim()
  const family = isIP(address)
  if (family === 4) {
    return { ipv4: address, ipv6: '' }
  }
  if (family === 6) {
    // An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is an IPv4 client.
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)
    return mapped?.[1] !== undefined ? { ipv4: mapped[1], ipv6: '' } : { ipv4: '', ipv6: address }
  }
  return { ipv4: '', ipv6: '' }
}
