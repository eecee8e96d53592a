import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartType,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js'
import { useEffect, useRef } from 'preact/hooks'

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
)

export interface ChartSeries {
  label: string
  data: number[]
  /** Drawn as a line over the bars (e.g. errors over requests). */
  line?: boolean
}

interface ChartProps {
  /** The accessible name of the chart, and its caption. */
  title: string
  labels: string[]
  series: ChartSeries[]
  stacked?: boolean
  horizontal?: boolean
  height?: number
  /** Shown under the title when every value is zero. */
  empty?: string
}

/** A qualitative palette that stays apart for the first eight series. */
const COLORS = [
  '#2563eb',
  '#f59e0b',
  '#10b981',
  '#ef4444',
  '#8b5cf6',
  '#06b6d4',
  '#ec4899',
  '#84cc16',
]

/**
 * One Chart.js chart. What it draws is also on the element as `data-chart` (labels and each series' label and
 * numbers, JSON), so a test or a screen reader's user can read the same numbers without the canvas.
 */
export function ChartView({
  title,
  labels,
  series,
  stacked,
  horizontal,
  height = 240,
  empty,
}: ChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null)
  const chart = useRef<Chart | null>(null)
  useEffect(() => {
    const el = canvas.current
    if (el === null) {
      return
    }
    const datasets = series.map((s, n) => ({
      type: (s.line ? 'line' : 'bar') as ChartType,
      label: s.label,
      data: s.data,
      backgroundColor: COLORS[n % COLORS.length],
      borderColor: COLORS[n % COLORS.length],
    }))
    chart.current?.destroy()
    chart.current = new Chart(el, {
      type: 'bar',
      data: { labels, datasets: datasets as never },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: horizontal ? 'y' : 'x',
        scales: {
          x: { stacked: stacked === true },
          y: { stacked: stacked === true, beginAtZero: true },
        },
        plugins: { legend: { display: series.length > 1 || stacked === true } },
      },
    })
    return () => {
      chart.current?.destroy()
      chart.current = null
    }
  }, [labels, series, stacked, horizontal])
  const allZero = series.every((s) => s.data.every((v) => v === 0))
  const data = JSON.stringify({
    labels,
    datasets: series.map((s) => ({ label: s.label, data: s.data })),
  })
  return (
    <figure class="chart" data-chart={data} aria-label={title}>
      <figcaption>
        {title}
        {allZero && empty !== undefined && <span class="muted small"> — {empty}</span>}
      </figcaption>
      <div class="chart-canvas" style={{ height: `${height}px` }}>
        <canvas ref={canvas} role="img" aria-label={title} />
      </div>
    </figure>
  )
}
