import { randomUUID } from 'node:crypto'

/** A client's id is kept when it is short and plain, so it cannot inject into logs or upstream headers. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The request's id: the client's `x-request-id` when it is safe to reuse, else a fresh UUID. */
export function acceptRequestId(given: string | undefined): string {
  return given !== undefined && SAFE_REQUEST_ID.test(given) ? given : randomUUID()
}
