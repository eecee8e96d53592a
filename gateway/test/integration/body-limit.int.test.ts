import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SeededKey, seedKey, seedUser } from '../support/seed.js'
import { startTestGateway, type TestGateway } from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

/** Sends `body` with Transfer-Encoding: chunked (no Content-Length), in pieces, over real HTTP. */
function postChunked(
  url: string,
  key: string,
  pieces: string[],
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => {
          body += d
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    for (const piece of pieces) {
      req.write(piece)
    }
    req.end()
  })
}

describe.each(dbTargets())('request body limit on %s', (target) => {
  let gw: TestGateway
  let key: SeededKey
  beforeAll(async () => {
    gw = await startTestGateway(target, { env: { KEYGATE_MAX_BODY_BYTES: '1024' } })
    const user = await seedUser(gw.database.db)
    key = await seedKey(gw.database.db, { userId: user.id, scope: ['inference', 'management'] })
    await gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await gw?.close()
  })

  it('answers 413 request_too_large to a chunked body that grows past the limit', async () => {
    const filler = 'x'.repeat(600)
    const res = await postChunked(`${gw.url}/v1/chat/completions`, key.value, [
      `{"model":"m","pad":"${filler}`,
      `${filler}"}`,
    ])
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'request_too_large' } })
  })

  it('reads a chunked body within the limit and hands it to the route', async () => {
    const res = await postChunked(`${gw.url}/v1/chat/completions`, key.value, [
      '{"model":"no-such',
      '-model","messages":[]}',
    ])
    // The route parsed the whole body: it looked the model up and found nothing.
    expect(res.status).toBe(404)
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'model_not_found' } })
  })

  it('answers 413 from the declared Content-Length before reading the body, and keeps serving', async () => {
    const res = await fetch(`${gw.url}/v2/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.value}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(2000) }),
    })
    expect(res.status).toBe(413)
    const health = await fetch(`${gw.url}/healthz`)
    expect(health.status).toBe(200)
  })
})
