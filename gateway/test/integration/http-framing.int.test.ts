import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ProxyFixture, startProxyFixture } from '../support/proxy-fixture.js'
import { seedKey } from '../support/seed.js'
import { dbTargets } from '../support/test-db.js'

interface RawAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

/** Writes `request` on a fresh socket and reads until the server closes it (every request here closes). */
function rawRequest(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (d: Buffer) => chunks.push(d))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const [head = '', ...rest] = text.split('\r\n\r\n')
      const [statusLine = '', ...lines] = head.split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
      }
      const raw = rest.join('\r\n\r\n')
      const body = headers['transfer-encoding'] === 'chunked' ? dechunk(raw) : raw
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body })
    })
    socket.write(request)
  })
}

function dechunk(raw: string): string {
  let out = ''
  let rest = raw
  for (;;) {
    const eol = rest.indexOf('\r\n')
    const size = Number.parseInt(rest.slice(0, eol), 16)
    if (!(size > 0)) {
      return out
    }
    out += rest.slice(eol + 2, eol + 2 + size)
    rest = rest.slice(eol + 2 + size + 2)
  }
}

const CHAT = JSON.stringify({ model: 'chat-vllm', messages: [{ role: 'user', content: 'hi' }] })

describe.each(dbTargets())('HTTP framing on %s', (target) => {
  let f: ProxyFixture
  let key: string

  beforeAll(async () => {
    f = await startProxyFixture(target)
    const owner = await f.gw.database.db
      .selectFrom('api_keys')
      .select('user_id')
      .executeTakeFirstOrThrow()
    key = (
      await seedKey(f.gw.database.db, { userId: owner.user_id, scope: ['management', 'inference'] })
    ).value
    await f.gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await f?.close()
  })

  const onBoth = (authLines: string) => ({
    control: `GET /v2/users/me HTTP/1.1\r\nHost: x\r\n${authLines}Connection: close\r\n\r\n`,
    proxy:
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${CHAT.length}\r\n${authLines}Connection: close\r\n\r\n${CHAT}`,
  })

  describe('ambiguous credentials', () => {
    const cases = {
      'two Authorization headers (a valid key first)': () =>
        `Authorization: Bearer ${key}\r\nAuthorization: Bearer kg_someone_else_entirely_0000\r\n`,
      'one Authorization header listing two keys': () =>
        `Authorization: Bearer ${key}, Bearer kg_someone_else_entirely_0000\r\n`,
      'a bearer key and a different x-api-key': () =>
        `Authorization: Bearer ${key}\r\nX-Api-Key: kg_someone_else_entirely_0000\r\n`,
    }
    for (const [label, lines] of Object.entries(cases)) {
      it(`refuses ${label} with the same 400 on the Hono and the proxied routes`, async () => {
        const { control, proxy } = onBoth(lines())
        for (const request of [control, proxy]) {
          const res = await rawRequest(f.gw.server.port, request)
          expect(res.status).toBe(400)
          expect(JSON.parse(res.body)).toEqual({
            error: {
              message:
                'Send exactly one credential: one Authorization header with one Bearer key, or the same key in x-api-key.',
              type: 'invalid_request_error',
              param: 'authorization',
              code: 'invalid_request',
            },
          })
          expect(res.headers['x-request-id']).toBeTruthy()
        }
        expect(f.vllm.requests.filter((r) => r.method === 'POST')).toEqual([])
      })
    }

    it('still serves one key, and the same key sent both as bearer and x-api-key', async () => {
      for (const lines of [
        `Authorization: Bearer ${key}\r\n`,
        `Authorization: Bearer ${key}\r\nX-Api-Key: ${key}\r\n`,
      ]) {
        const { control, proxy } = onBoth(lines)
        expect((await rawRequest(f.gw.server.port, control)).status).toBe(200)
        expect((await rawRequest(f.gw.server.port, proxy)).status).toBe(200)
      }
    })
  })

  describe('requests the HTTP parser refuses', () => {
    it('answers oversized headers with 431 in the envelope, with a request id, and closes', async () => {
      const res = await rawRequest(
        f.gw.server.port,
        `GET /v2/users/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      )
      expect(res.status).toBe(431)
      expect(res.headers['content-type']).toBe('application/json')
      expect(res.headers.connection).toBe('close')
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
      expect(JSON.parse(res.body)).toEqual({
        error: {
          message: 'The request headers are too large.',
          type: 'invalid_request_error',
          param: null,
          code: 'request_headers_too_large',
        },
      })
    })

    it('answers a malformed request with 400 in the envelope', async () => {
      const res = await rawRequest(f.gw.server.port, 'GET /x HTTP/1.1\r\nHost x\r\n\r\n')
      expect(res.status).toBe(400)
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid_request' } })
    })

    it('keeps serving after refusing them', async () => {
      const res = await fetch(`${f.gw.url}/healthz`)
      expect(res.status).toBe(200)
    })
  })
})
