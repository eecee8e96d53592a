import { GatewayError } from './gateway-error.js'

/** Fatal: a body that is not UTF-8 is refused, never silently "repaired" with U+FFFD and then stored. */
const UTF8 = new TextDecoder('utf-8', { fatal: true })

/** The body as text, or 400 invalid_request when it is not valid UTF-8. */
export function decodeUtf8Body(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes)
  } catch {
    throw new GatewayError('invalid_request', { message: 'The request body is not valid UTF-8.' })
  }
}

/** The JSON body as a value, or 400 invalid_request (an empty body included). */
export function parseJsonBody(bytes: Uint8Array): unknown {
  const text = decodeUtf8Body(bytes)
  try {
    return JSON.parse(text)
  } catch {
    throw new GatewayError('invalid_request', { message: 'The request body is not valid JSON.' })
  }
}

function badForm(message: string, param: string | null = null): GatewayError {
  return new GatewayError('invalid_request', { message, param })
}

/** Fields of an `application/x-www-form-urlencoded` body; percent-escapes must decode to UTF-8. */
export function parseUrlEncodedForm(bytes: Uint8Array): Record<string, string> {
  const fields = new Map<string, string>()
  const text = decodeUtf8Body(bytes)
  for (const pair of text.split('&')) {
    if (pair === '') {
      continue
    }
    const eq = pair.indexOf('=')
    const name = decodeFormComponent(eq < 0 ? pair : pair.slice(0, eq))
    addField(fields, name, decodeFormComponent(eq < 0 ? '' : pair.slice(eq + 1)))
  }
  return Object.fromEntries(fields)
}

/** Fields of a `multipart/form-data` body: text fields only (no route here takes a file). */
export async function parseMultipartForm(
  bytes: Uint8Array<ArrayBuffer>,
  contentType: string,
): Promise<Record<string, string>> {
  decodeUtf8Body(bytes) // the whole body: a text-only form is UTF-8 throughout
  let form: FormData
  try {
    form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData()
  } catch {
    throw badForm('The request body is not a valid multipart form.')
  }
  const fields = new Map<string, string>()
  for (const [name, value] of form) {
    if (typeof value !== 'string') {
      throw badForm(`The form field ${name} must be text, not a file.`, name)
    }
    addField(fields, name, value)
  }
  return Object.fromEntries(fields)
}

function decodeFormComponent(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '))
  } catch {
    throw badForm('The form is not valid UTF-8 percent-encoding.')
  }
}

/** A repeated field is refused: which of two usernames or passwords was meant is not ours to guess. */
function addField(fields: Map<string, string>, name: string, value: string): void {
  if (fields.has(name)) {
    throw badForm(`The form field ${name} is repeated.`, name)
  }
  fields.set(name, value)
}
