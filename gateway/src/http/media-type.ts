import { GatewayError } from './gateway-error.js'

/**
 * What a request body says it is. JSON routes take `application/json` only (parameters allowed; a charset, if
 * given, must be UTF-8, the only encoding JSON has: RFC 8259 §8.1). `application/*+json` types are refused too:
 * they promise semantics (merge-patch, problem details) that these routes do not implement. A body whose type is
 * missing or different is refused before it is read, so a form or text post cannot be acted on as JSON.
 */

/** The media type without parameters, lowercased (`Application/JSON; charset=UTF-8` → `application/json`). */
export function mediaTypeOf(value: string | undefined): string {
  if (value === undefined) {
    return ''
  }
  const semi = value.indexOf(';')
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase()
}

/** The `charset` parameter, lowercased and unquoted, or undefined when there is none. */
function charsetOf(value: string): string | undefined {
  for (const part of value.split(';').slice(1)) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim().toLowerCase() === 'charset') {
      return part
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase()
    }
  }
  return undefined
}

/** Throws 415 unsupported_media_type unless `value` is a UTF-8 `application/json` content type. */
export function requireJsonContentType(value: string | undefined): void {
  if (value === 'application/json') {
    return // what every SDK sends: no parsing on the hot path
  }
  if (mediaTypeOf(value) !== 'application/json') {
    throw new GatewayError('unsupported_media_type', {
      message: "Unsupported media type: send the body as 'Content-Type: application/json'.",
    })
  }
  const charset = charsetOf(value ?? '')
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new GatewayError('unsupported_media_type', {
      message: 'Unsupported charset: JSON bodies are UTF-8 (charset=utf-8, or no charset).',
    })
  }
}
