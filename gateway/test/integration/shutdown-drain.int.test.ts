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

  it('answers /readyz 503 on a connection still open during the drain, and closes it after', async () => {
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200)
    const body = JSON.stringify({
      model: 'slow',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    })
    const socket = connect(gw.server.port, '127.0.0.1')
    let received = ''
    const ended = new Promise<void>((done) => socket.on('close', () => done()))
    const firstBytes = new Promise<void>((done) => socket.once('data', () => done()))
    socket.on('data', (d: Buffer) => {
      received += d.toString()
    })
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${key.value}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
    await firstBytes
    const stopped = gw.server.stop(10_000)
    expect(gw.server.isDraining()).toBe(true)
    // A second request pipelined on the same connection, answered once the stream ahead of it is done.
    socket.write('GET /readyz HTTP/1.1\r\nHost: gw\r\n\r\n')
    await ended
    await stopped
    const [stream, readyz] = received.split(/(?=HTTP\/1\.1 503)/)
    expect(stream).toMatch(/^HTTP\/1\.1 200/)
    expect(stream).toContain('data: [DONE]')
    expect(readyz).toMatch(/^HTTP\/1\.1 503/)
    expect(readyz?.toLowerCase()).toContain('connection: close')
    expect(readyz).toContain('"status":"draining"')
  })
})
