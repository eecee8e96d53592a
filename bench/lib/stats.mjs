// Percentiles and markdown tables: the pure helpers every scenario shares.

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

/** n, mean, p50, p90, p99, max of a list of numbers (milliseconds in practice). */
export function summarize(values) {
  const s = Float64Array.from(values).sort()
  const n = s.length
  let sum = 0
  for (const v of s) sum += v
  return {
    n,
    mean: n ? sum / n : Number.NaN,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: n ? s[n - 1] : Number.NaN,
  }
}

/** A fixed-precision cell: numbers are rounded, NaN/undefined become "–". */
export function fmt(v, digits = 2) {
  if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))) return '–'
  if (typeof v !== 'number') return String(v)
  return v.toFixed(digits)
}

/** A GitHub markdown table from a header row and rows of cells. */
export function markdownTable(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}
