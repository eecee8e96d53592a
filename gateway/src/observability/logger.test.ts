import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Logger, pino } from 'pino'
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

describe('pretty logs', () => {
  /** Ends the transport's worker and waits until pino-pretty has written everything. */
  async function close(logger: Logger): Promise<void> {
    const stream = (logger as unknown as Record<symbol, NodeJS.WritableStream>)[
      pino.symbols.streamSym
    ]
    stream?.end()
    await once(stream as NodeJS.EventEmitter, 'close')
  }

  it('prints readable lines through pino-pretty, redacted like the JSON ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-log-'))
    try {
      const file = join(dir, 'out.log')
      const logger = createLogger('info', { pretty: file })
      logger.info(
        {
          password: 'hunter22',
          value: 'kg_0123456789abcdef_secret',
          headers: { authorization: 'Bearer kg_x', accept: '*/*' },
          keyId: 7,
        },
        'request done',
      )
      logger.child({ requestId: 'r1' }).warn({ token: 'jwt-abc' }, 'child line')
      await close(logger)
      const lines = readFileSync(file, 'utf8').trim().split('\n')
      expect(lines).toHaveLength(2)
      expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request done /)
      expect(() => JSON.parse(lines[0] ?? '')).toThrow()
      expect(lines[0]).toContain('"keyId":7')
      expect(lines[0]).toContain('"accept":"*/*"')
      expect(lines[1]).toMatch(/WARN: child line .*"requestId":"r1"/)
      const text = lines.join('\n')
      expect(text.match(/\[redacted\]/g)).toHaveLength(4)
      for (const secret of ['hunter22', 'kg_0123456789abcdef_secret', 'Bearer kg_x', 'jwt-abc']) {
        expect(text).not.toContain(secret)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
