/**
 * The overview's charts as plain SVG (no charting library: three simple shapes do not need one, and
 * the Content-Security-Policy allows no inline style, which SVG attributes are not). Each chart is an
 * image with a text alternative, every bar carries its figure as a tooltip, and the same figures are
 * one click away as a table.
 */
import { formatCount } from '../../ui/format.js'

export interface Bar {
  readonly label: string
  /** The tooltip and the table's first column (e.g. the full date). */
  readonly title: string
  readonly value: number
}

/** 0, then up to four round steps at or above `max`. */
export function niceTicks(max: number): number[] {
  if (max <= 0) {
    return [0, 1]
  }
  const rough = max / 4
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude
  const ticks: number[] = []
  for (let t = 0; t < max + step; t += step) {
    ticks.push(Math.round(t * 1000) / 1000)
  }
  return ticks
}

const COLUMN_WIDTH = 1100
const COLUMN_HEIGHT = 210
const PAD = { top: 12, right: 12, bottom: 40, left: 56 }

/** Vertical bars over time (activities per day). */
export function ColumnChart({ bars, label, unit }: { readonly bars: readonly Bar[]; readonly label: string; readonly unit: string }) {
  const ticks = niceTicks(Math.max(0, ...bars.map((b) => b.value)))
  const top = ticks[ticks.length - 1] ?? 1
  const plotWidth = COLUMN_WIDTH - PAD.left - PAD.right
  const plotHeight = COLUMN_HEIGHT - PAD.top - PAD.bottom
  const slot = plotWidth / Math.max(1, bars.length)
  const barWidth = Math.max(1, slot * 0.72)
  const y = (v: number) => PAD.top + plotHeight - (v / top) * plotHeight
  // About eight labels on the time axis, whatever the number of days.
  const labelEvery = Math.max(1, Math.ceil(bars.length / 8))
  const total = bars.reduce((sum, b) => sum + b.value, 0)
  const peak = bars.reduce<Bar | null>((best, b) => (best === null || b.value > best.value ? b : best), null)
  const summary = `${label}: ${formatCount(total)} ${unit} over ${bars.length} days${peak && peak.value > 0 ? `, most on ${peak.title} (${formatCount(peak.value)})` : ''}.`
  return (
    <svg className="chart chart-columns" viewBox={`0 0 ${COLUMN_WIDTH} ${COLUMN_HEIGHT}`} role="img" aria-label={summary}>
      {ticks.map((t) => (
        <g key={t} className="chart-grid">
          <line x1={PAD.left} x2={COLUMN_WIDTH - PAD.right} y1={y(t)} y2={y(t)} />
          <text x={PAD.left - 8} y={y(t)} dy="0.32em" textAnchor="end">
            {formatCount(t)}
          </text>
        </g>
      ))}
      {bars.map((b, i) => {
        const x = PAD.left + i * slot + (slot - barWidth) / 2
        return (
          <g key={`${b.label}-${i}`}>
            <rect className="chart-bar" data-value={b.value} x={x} y={y(b.value)} width={barWidth} height={Math.max(0, PAD.top + plotHeight - y(b.value))}>
              <title>{`${b.title}: ${formatCount(b.value)} ${unit}`}</title>
            </rect>
            {i % labelEvery === 0 ? (
              <text className="chart-axis-label" x={x + barWidth / 2} y={COLUMN_HEIGHT - PAD.bottom + 16} textAnchor="middle">
                {b.label}
              </text>
            ) : null}
          </g>
        )
      })}
      <line className="chart-axis" x1={PAD.left} x2={COLUMN_WIDTH - PAD.right} y1={PAD.top + plotHeight} y2={PAD.top + plotHeight} />
    </svg>
  )
}

const ROW_HEIGHT = 22
const BAR_WIDTH = 1100
const LABEL_WIDTH = 190
const VALUE_WIDTH = 80

/** Horizontal bars, largest first (activities per app). */
export function BarList({ bars, label, unit }: { readonly bars: readonly Bar[]; readonly label: string; readonly unit: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value))
  const plot = BAR_WIDTH - LABEL_WIDTH - VALUE_WIDTH
  const height = Math.max(ROW_HEIGHT, bars.length * ROW_HEIGHT)
  const summary = `${label}: ${bars
    .slice(0, 5)
    .map((b) => `${b.label} ${formatCount(b.value)}`)
    .join(', ')}${bars.length > 5 ? `, and ${bars.length - 5} more` : ''}.`
  return (
    <svg className="chart chart-bars" viewBox={`0 0 ${BAR_WIDTH} ${height}`} role="img" aria-label={summary}>
      {bars.map((b, i) => (
        <g key={`${b.label}-${i}`} transform={`translate(0 ${i * ROW_HEIGHT})`}>
          <text className="chart-bar-label" x={LABEL_WIDTH - 10} y={ROW_HEIGHT / 2} dy="0.32em" textAnchor="end">
            {b.label.length > 26 ? `${b.label.slice(0, 25)}…` : b.label}
          </text>
          <rect className="chart-bar" data-value={b.value} x={LABEL_WIDTH} y={4} width={Math.max(b.value > 0 ? 2 : 0, (b.value / max) * plot)} height={ROW_HEIGHT - 8}>
            <title>{`${b.title}: ${formatCount(b.value)} ${unit}`}</title>
          </rect>
          <text className="chart-bar-value" x={LABEL_WIDTH + (b.value / max) * plot + 6} y={ROW_HEIGHT / 2} dy="0.32em">
            {formatCount(b.value)}
          </text>
        </g>
      ))}
    </svg>
  )
}

const SPARK_WIDTH = 240
const SPARK_HEIGHT = 48

/** A small line of per-minute counts; minutes without a figure leave a gap. */
export function Sparkline({ values, label }: { readonly values: ReadonlyArray<number | null>; readonly label: string }) {
  const max = Math.max(1, ...values.map((v) => v ?? 0))
  const step = SPARK_WIDTH / Math.max(1, values.length - 1)
  const segments: string[] = []
  let current = ''
  values.forEach((v, i) => {
    if (v === null) {
      if (current) {
        segments.push(current)
      }
      current = ''
      return
    }
    const point = `${(i * step).toFixed(1)},${(SPARK_HEIGHT - 2 - (v / max) * (SPARK_HEIGHT - 4)).toFixed(1)}`
    current = current ? `${current} L${point}` : `M${point}`
  })
  if (current) {
    segments.push(current)
  }
  return (
    <svg className="chart chart-spark" viewBox={`0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`} role="img" aria-label={label}>
      <line className="chart-axis" x1={0} x2={SPARK_WIDTH} y1={SPARK_HEIGHT - 1} y2={SPARK_HEIGHT - 1} />
      {segments.map((d, i) => (
        <path key={i} className="chart-line" d={d} />
      ))}
    </svg>
  )
}

/** The figures of a chart as a table, behind a disclosure. */
export function ChartTable({ bars, caption, labelHeader, valueHeader }: { readonly bars: readonly Bar[]; readonly caption: string; readonly labelHeader: string; readonly valueHeader: string }) {
  return (
    <details className="chart-table">
      <summary>Show as a table</summary>
      <table className="table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{labelHeader}</th>
            <th scope="col" className="numeric">
              {valueHeader}
            </th>
          </tr>
        </thead>
        <tbody>
          {bars.map((b, i) => (
            <tr key={`${b.title}-${i}`}>
              <td>{b.title}</td>
              <td className="numeric">{formatCount(b.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  )
}
