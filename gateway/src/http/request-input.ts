import type { Context } from 'hono'
import type { z } from 'zod'
import type { AppEnv } from './app-env.js'
import { parseJsonBody, parseMultipartForm, parseUrlEncodedForm } from './body-text.js'
import { GatewayError } from './gateway-error.js'
import { checkInput, type InputCheck } from './input-check.js'
import { mediaTypeOf, requireJsonContentType } from './media-type.js'

/** A failed check becomes 422 validation_error naming the field. */
export function unwrapInput<T>(checked: InputCheck<T>): T {
  if (!checked.ok) {
    throw new GatewayError('validation_error', { message: checked.message, param: checked.param })
  }
  return checked.value
}

/** Parses outside input with `schema`, or throws 422 validation_error naming the first offending field. */
export function parseInput<T>(schema: z.ZodType<T>, raw: unknown): T {
  return unwrapInput(checkInput(schema, raw))
}

/**
 * The query parameters, or 400 invalid_request when the query string is not valid UTF-8 percent-encoding (Hono
 * would leave such an escape undecoded and filter on `%FF` literally).
 */
export function readQuery(c: Context<AppEnv>): Record<string, string> {
  const url = c.req.url
  const mark = url.indexOf('?')
  if (mark >= 0) {
    try {
      decodeURIComponent(url.slice(mark + 1))
    } catch {
      throw new GatewayError('invalid_request', {
        message: 'The query string is not valid UTF-8 percent-encoding.',
      })
    }
  }
  return c.req.query()
}

/** The body's bytes. A client that leaves mid-body fails the read with the request's own error (see on-error.ts). */
async function readBytes(c: Context<AppEnv>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await c.req.arrayBuffer())
}

/**
 * The JSON body: 415 unless the content type is `application/json` (http/media-type.ts), 400 invalid_request when
 * it is not UTF-8 or not JSON at all (an empty body included).
 */
export async function readJsonBody(c: Context<AppEnv>): Promise<unknown> {
  requireJsonContentType(c.req.header('content-type'))
  return parseJsonBody(await readBytes(c))
}

/** The JSON body, or `{}` when the request has none at all (no Content-Type and no bytes): optional-body routes. */
export async function readOptionalJsonBody(c: Context<AppEnv>): Promise<unknown> {
  if (c.req.header('content-type') === undefined) {
    const bytes = await readBytes(c)
    if (bytes.length === 0) {
      return {}
    }
    requireJsonContentType(undefined)
    return parseJsonBody(bytes)
  }
  return readJsonBody(c)
}

/** A urlencoded or multipart form (as an HTML form posts it), else the JSON body. */
export async function readJsonOrForm(c: Context<AppEnv>): Promise<unknown> {
  const contentType = c.req.header('content-type')
  const type = mediaTypeOf(contentType)
  if (type === 'application/x-www-form-urlencoded') {
    return parseUrlEncodedForm(await readBytes(c))
  }
  if (type === 'multipart/form-data' && contentType !== undefined) {
    return parseMultipartForm(await readBytes(c), contentType)
  }
  return readJsonBody(c)
}
