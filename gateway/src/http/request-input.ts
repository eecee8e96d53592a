import type { Context } from 'hono'
import type { z } from 'zod'
import type { AppEnv } from './app-env.js'
import { GatewayError } from './gateway-error.js'
import { checkInput, type InputCheck } from './input-check.js'

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

/** The JSON body, or 400 invalid_request when it is not JSON at all (an empty body included). */
export async function readJsonBody(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text()
  try {
    return JSON.parse(text)
  } catch {
    throw new GatewayError('invalid_request', { message: 'The request body is not valid JSON.' })
  }
}

/** A urlencoded or multipart form (as an HTML form posts it), else the JSON body. */
export async function readJsonOrForm(c: Context<AppEnv>): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').toLowerCase()
  if (
    type.startsWith('application/x-www-form-urlencoded') ||
    type.startsWith('multipart/form-data')
  ) {
    return c.req.parseBody()
  }
  return readJsonBody(c)
}
