export interface WrkResult {
  rps: number
  requests: number
  seconds: number
  /** Milliseconds by percentile name: p50, p75, p90, p99. */
  latency: Record<string, number>
  non2xx: number
  socketErrors: number
}
export function parseDuration(text: string): number
export function parseWrkOutput(text: string): WrkResult
