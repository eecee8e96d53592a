/**
 * A duration the way OpenAI writes `x-ratelimit-reset-*` (Go's time.Duration format): `0s`, `250ms`, `1s`,
 * `8.64s`, `6m0s`, `1h2m3s`. Sub-second values are whole milliseconds; seconds keep up to three decimals.
 */
export function formatResetDuration(ms: number): string {
  if (!(ms > 0)) {
    return '0s'
  }
  const whole = Math.ceil(ms)
  if (whole < 1000) {
    return `${whole}ms`
  }
  const hours = Math.floor(whole / 3_600_000)
  const minutes = Math.floor((whole % 3_600_000) / 60_000)
  const seconds = (whole % 60_000) / 1000
  const s = `${Number(seconds.toFixed(3))}s`
  if (hours > 0) {
    return `${hours}h${minutes}m${s}`
  }
  return minutes > 0 ? `${minutes}m${s}` : s
}
