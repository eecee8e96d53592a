import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeEngine, startFakeEngine } from '../support/fake-engine.js'
import { type SeededKey, seedKey, seedModel, seedUser } from '../support/seed.js'
import { startTestGateway } from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

describe.each(dbTargets())('draining on %s', (target) => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>
  let engine: FakeEngine
  let key: SeededKey

  beforeAll(async () => {
    engine = await startFakeEngine({
      flavour: 'vllm',
      script: { kind: 'slow', gapMs: 100, tokens: ['a', 'b', 'c', 'd', 'e', 'f'] },
    })
    gw = await startTestGateway(target)
    const user = await seedUser(gw.database.db)
    key = await seedKey(gw.database.db, { userId: user.id })
    await seedModel(gw.database.db, { name: 'slow', instances: [{ url: engine.url }] })
    await gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await gw?.close()
    await engine?.close()
  })

  /** A connection that sends a slow stream request, then `next` pipelined behind it once its answer began. */
  function pipelined(next: string) {
    const body = JSON.stringify({
      model: 'slow',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    })
    const socket = connect(gw.server.port, '127.0.0.1')
    let received = ''
    const ended = new Promise<string>((done) => socket.on('close', () => done(received)))
    const firstBytes = new Promise<void>((done) => socket.once('data', () => done()))
    socket.on('data', (d: Buffer) => {
      received += d.toString()
    })
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${key.value}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
    return { firstBytes, ended, sendNext: () => socket.write(next) }
  }

  it('answers /readyz 503 and closes every connection after its answer (proxy and Hono routes alike)', async () => {
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200)
    const chat = JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'hi' }] })
    const auth = `Authorization: Bearer ${key.value}\r\n`
    const readyz = pipelined('GET /readyz HTTP/1.1\r\nHost: gw\r\n\r\n')
    const proxied = pipelined(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n${auth}Content-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(chat)}\r\n\r\n${chat}`,
    )
    const models = pipelined(`GET /v1/models HTTP/1.1\r\nHost: gw\r\n${auth}\r\n`)
    const all = [readyz, proxied, models]
    await Promise.all(all.map((c) => c.firstBytes))
    const stopped = gw.server.stop(10_000)
    expect(gw.server.isDraining()).toBe(true)
    for (const c of all) {
      c.sendNext() // answered once the stream ahead of it is done
    }
    const [r, p, m] = await Promise.all(all.map((c) => c.ended))
    await stopped
    const second = (text: string | undefined) => {
      const answers = (text ?? '').split(/(?=HTTP\/1\.1 \d{3})/)
      expect(answers).toHaveLength(2)
      expect(answers[0]).toMatch(/^HTTP\/1\.1 200/)
      expect(answers[0]).toContain('data: [DONE]')
      return answers[1] ?? ''
    }
    const afterReadyz = second(r)
    expect(afterReadyz).toMatch(/^HTTP\/1\.1 503/)
    expect(afterReadyz.toLowerCase()).toContain('connection: close')
    expect(afterReadyz).toContain('"status":"draining"')
    for (const answer of [second(p), second(m)]) {
      expect(answer).toMatch(/^HTTP\/1\.1 200/)
      expect(answer.toLowerCase()).toContain('connection: close')
    }
  })
})
