export interface Summary {
  n: number
  mean: number
  p50: number
  p90: number
  p99: number
  max: number
}
export function percentile(sorted: ArrayLike<number>, p: number): number
export function summarize(values: readonly number[]): Summary
export function fmt(v: unknown, digits?: number): string
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string
