import { describe, expect, it } from 'vitest'
import { createLogger } from './logger.js'

function capture() {
  const lines: Record<string, unknown>[] = []
  const logger = createLogger('info', {
    write(line: string) {
      lines.push(JSON.parse(line) as Record<string, unknown>)
    },
  })
  return { logger, lines }
}

describe('logger redaction', () => {
  it('removes secret-named fields, credentials in headers, and prompts', () => {
    const { logger, lines } = capture()
    logger.info(
      {
        password: 'hunter22',
        token: 'jwt',
        value: 'kg_0123456789abcdef_secret',
        messages: [{ role: 'user', content: 'private' }],
        headers: { authorization: 'Bearer kg_x', cookie: 'keygate_session=abc', accept: '*/*' },
        err: { message: 'boom', api_key: 'engine-secret' },
        keyId: 7,
      },
      'x',
    )
    const text = JSON.stringify(lines[0])
    for (const secret of [
      'hunter22',
      'jwt',
      'kg_0123456789abcdef_secret',
      'private',
      'Bearer kg_x',
      'abc',
      'engine-secret',
    ]) {
      expect(text).not.toContain(secret)
    }
    expect(lines[0]).toMatchObject({
      keyId: 7,
      headers: { accept: '*/*' },
      err: { message: 'boom' },
    })
  })

  it('redacts the same fields in child loggers', () => {
    const { logger, lines } = capture()
    logger.child({ requestId: 'r1' }).warn({ password: 'pw-123456' }, 'y')
    expect(lines[0]).toMatchObject({ requestId: 'r1', password: '[redacted]' })
  })
})
