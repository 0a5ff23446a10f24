/**
 * The condition of something that runs on its own (a SIEM destination, a pull connector) as a badge
 * with words, never colour alone, and lags in words a person reads at a glance. The condition itself
 * is the server's answer; this only names it.
 */
import './status.css'

type Tone = 'good' | 'busy' | 'warn' | 'bad' | 'off'

const CONDITIONS: Readonly<Record<string, { readonly label: string; readonly tone: Tone }>> = {
  up_to_date: { label: 'Up to date', tone: 'good' },
  ok: { label: 'OK', tone: 'good' },
  delivering: { label: 'Delivering', tone: 'busy' },
  backfilling: { label: 'Back-filling', tone: 'busy' },
  running: { label: 'Running', tone: 'busy' },
  waiting: { label: 'Waiting for first run', tone: 'busy' },
  behind: { label: 'Behind', tone: 'warn' },
  paused: { label: 'Paused', tone: 'warn' },
  failing: { label: 'Failing', tone: 'bad' },
  disabled: { label: 'Disabled', tone: 'off' },
}

export function conditionLabel(condition: string | null | undefined): string {
  return condition ? (CONDITIONS[condition]?.label ?? condition) : 'Unknown'
}

export function ConditionBadge({ condition }: { readonly condition: string | null | undefined }) {
  const tone = (condition && CONDITIONS[condition]?.tone) || 'off'
  return <span className={`condition-badge condition-badge-${tone}`}>{conditionLabel(condition)}</span>
}

/** 0 → "none", 75 → "1 min 15 s", 7300 → "2 h 1 min", 200000 → "2 d 7 h"; null → "—". */
export function formatLag(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) {
    return '—'
  }
  if (seconds <= 0) {
    return 'none'
  }
  const s = Math.round(seconds)
  if (s < 60) {
    return `${s} s`
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`
  }
  if (s < 86_400) {
    const minutes = Math.floor((s % 3600) / 60)
    return `${Math.floor(s / 3600)} h${minutes ? ` ${minutes} min` : ''}`
  }
  const hours = Math.floor((s % 86_400) / 3600)
  return `${Math.floor(s / 86_400)} d${hours ? ` ${hours} h` : ''}`
}
