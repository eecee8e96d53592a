import type { UsageItem } from './usage-report.js'

/**
 * /v2/usage as CSV (RFC 4180): a header of the JSON items' field names, one line per item in the same order, CRLF
 * line ends, a field quoted when it holds a quote, comma, CR or LF (quotes doubled); null is an empty field.
 * A text field that a spreadsheet would run as a formula (starting with = + - @, a tab or CR) gets a leading
 * apostrophe, so a key named `=HYPERLINK(…)` opens as text.
 */
export function usageCsv(items: readonly UsageItem[], fallbackColumns: readonly string[]): string {
  const first = items[0]
  const columns = first === undefined ? fallbackColumns : Object.keys(first)
  const lines = [columns.map(quote).join(',')]
  for (const item of items) {
    const values = item as unknown as Record<string, unknown>
    lines.push(columns.map((c) => cell(values[c])).join(','))
  }
  return `${lines.join('\r\n')}\r\n`
}

function cell(value: unknown): string {
  if (value === null || value === undefined) {
    return ''
  }
  if (typeof value === 'number') {
    return String(value)
  }
  const text = String(value)
  return quote(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text)
}

function quote(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}
