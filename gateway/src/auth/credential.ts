/** What the request's credential headers say, before anything is verified. */
export type Credential =
  | { kind: 'none' }
  | { kind: 'key'; token: string }
  | { kind: 'malformed' }
  | { kind: 'ambiguous' }

const NONE: Credential = { kind: 'none' }
const MALFORMED: Credential = { kind: 'malformed' }
const AMBIGUOUS: Credential = { kind: 'ambiguous' }

/**
 * The one place credentials are read from headers. Keys never contain whitespace, so whitespace inside the token
 * means more than one value: both servers join a repeated header with ", " (server.ts sets joinDuplicateHeaders so
 * node:http does what Hono's Headers do), and a client may also send a list itself. Which of two keys was meant is
 * not ours to guess, so the request is refused rather than served with the first (RFC 6750 §3.1: 400).
 * `x-api-key` (what Anthropic's SDKs send; llama.cpp accepts it too) is a credential on its own, on every route;
 * beside a bearer key it must be the same key, or the request is ambiguous.
 */
export function readCredential(
  authorization: string | undefined,
  apiKeyHeader: string | undefined,
): Credential {
  if (authorization === undefined) {
    return apiKeyHeader === undefined ? NONE : fromApiKeyHeader(apiKeyHeader)
  }
  const space = authorization.indexOf(' ')
  if (space < 0 || authorization.slice(0, space).toLowerCase() !== 'bearer') {
    return /,\s*bearer\s/i.test(authorization) ? AMBIGUOUS : MALFORMED
  }
  const token = authorization.slice(space + 1).trim()
  if (token === '') {
    return MALFORMED
  }
  if (/\s/.test(token)) {
    return /,\s/.test(token) ? AMBIGUOUS : MALFORMED
  }
  if (apiKeyHeader !== undefined && apiKeyHeader.trim() !== token) {
    return AMBIGUOUS
  }
  return { kind: 'key', token }
}

/** `x-api-key` alone: one key, no whitespace (a repeated header arrives joined with ", "). */
function fromApiKeyHeader(value: string): Credential {
  const token = value.trim()
  if (token === '') {
    return MALFORMED
  }
  if (/\s/.test(token)) {
    return /,\s/.test(token) ? AMBIGUOUS : MALFORMED
  }
  return { kind: 'key', token }
}
