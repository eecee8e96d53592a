import { describe, expect, it } from 'vitest'
import { scrubSecrets, serializeError } from './error-serializer.js'
import { createLogger } from './logger.js'

const SHA = `${'a'.repeat(40)}0123456789abcdef0123456789`
const SCRYPT = 'scrypt$32768$8$1$CmpmrDX7Zhn3xNd6GFwOPg$ZZIU4fo30DJM4l_3TgUyfp9BcFNoOXs2LiDCkRZVr6Y'

/** Shaped like the drivers' errors: PGlite's enumerable params, postgres.js's parameters, both drivers' detail. */
function databaseError(): Error {
  return Object.assign(new Error('new row for relation "users" violates check constraint "c"'), {
    code: '23514',
    severity: 'ERROR',
    table: 'users',
    constraint: 'c',
    routine: 'ExecConstraints',
    detail: `Failing row contains (1, bob, ${SCRYPT}).`,
    where: `key ${SHA}`,
    query: 'update "users" set "password_hash" = $1 where "id" = $2',
    params: [SCRYPT, 1],
    parameters: [SHA, 1],
    args: [SHA],
    queryOptions: { rowMode: 'object' },
  })
}

describe('serializeError', () => {
  it('keeps what identifies the fault and drops parameters, detail and query', () => {
    const out = serializeError(databaseError())
    expect(out).toMatchObject({
      type: 'Error',
      message: 'new row for relation "users" violates check constraint "c"',
      code: '23514',
      table: 'users',
      constraint: 'c',
      routine: 'ExecConstraints',
    })
    expect(Object.keys(out).sort()).toEqual(
      ['code', 'constraint', 'message', 'routine', 'severity', 'stack', 'table', 'type'].sort(),
    )
  })

  it('follows the cause chain, a wrapped database error included', () => {
    const wrapped = new Error('write failed', { cause: databaseError() })
    const out = serializeError(wrapped)
    expect(out.cause).toMatchObject({ code: '23514' })
    expect(JSON.stringify(out)).not.toContain(SCRYPT)
    expect(JSON.stringify(out)).not.toContain(SHA)
  })

  it('scrubs secret-shaped text from messages and stacks', () => {
    const key = `kg_${'0123456789abcdef'}_${'f'.repeat(32)}`
    const out = serializeError(
      new Error(`bad ${key} ${SCRYPT} ${SHA} eyJhbGciOi.eyJzdWIiOjF9.c2ln`),
    )
    const text = JSON.stringify(out)
    for (const secret of [key, SCRYPT, SHA, 'eyJhbGciOi.eyJzdWIiOjF9.c2ln']) {
      expect(text).not.toContain(secret)
    }
    expect(scrubSecrets('plain words, id 42, uuid 6f7fb30e-8b84-4852-b351-181583aa60b2')).toBe(
      'plain words, id 42, uuid 6f7fb30e-8b84-4852-b351-181583aa60b2',
    )
  })

  it('handles values that are not errors', () => {
    expect(serializeError('boom')).toEqual({ type: 'string', message: 'boom' })
    expect(serializeError(Object.create(null))).toEqual({ type: 'Object' })
  })

  it('is the logger’s err serializer, on child loggers too', () => {
    const lines: string[] = []
    const logger = createLogger('info', { write: (l: string) => lines.push(l) })
    logger.child({ requestId: 'r' }).error({ err: databaseError() }, 'request failed')
    expect(lines[0]).toContain('"code":"23514"')
    expect(lines[0]).not.toContain('scrypt$')
    expect(lines[0]).not.toContain(SHA)
  })
})
