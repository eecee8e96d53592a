/**
 * A tiny RFC 4180 reader (quoted fields, doubled quotes, CRLF), enough to read back what the gateway writes.
 * Text after the last CRLF is an error: the gateway ends every row with one.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') {
        quoted = false
      } else {
        field += ch
      }
    } else if (ch === '"') {
      quoted = true
    } else if (ch === ',') {
      row.push(field)
      field = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i++
    } else {
      field += ch
    }
  }
  if (field !== '' || row.length > 0) {
    throw new Error(`CSV text after the last CRLF: ${JSON.stringify([...row, field])}`)
  }
  return rows
}
