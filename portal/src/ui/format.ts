/** Display formats shared by the pages. Times are shown in the viewer's time zone, with the zone. */

const TIME_FORMAT = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' })

export function formatTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') {
    return '—'
  }
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? String(value) : TIME_FORMAT.format(date)
}

export function formatCount(value: number): string {
  return new Intl.NumberFormat().format(value)
}

/** A `datetime-local` input value (local time, no zone) as an ISO 8601 instant, or null when empty or invalid. */
export function localInputToIso(value: string): string | null {
  if (!value) {
    return null
  }
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? null : date.toISOString()
}

/** An instant as a `datetime-local` input value in local time. */
export function isoToLocalInput(value: string | number): string {
  const date = new Date(value)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`
}

export function orDash(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? '—' : value
}
