import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { seedKey } from '../support/seed.js'
import { startTestGateway, type TestGateway } from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

/** Sends the head and part of a body on a raw socket, then resets it: a client that left mid-upload. */
async function abandonUpload(port: number, head: string, partial: string): Promise<void> {
  const socket = connect(port, '127.0.0.1')
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  socket.write(head + partial)
  // Let the gateway start reading the body before the client disappears.
  await new Promise((resolve) => setTimeout(resolve, 150))
  socket.resetAndDestroy()
}

describe.each(dbTargets())('a client that leaves mid-upload on %s', (target) => {
  let gw: TestGateway
  let key: string
  const logs: Record<string, unknown>[] = []

  beforeAll(async () => {
    gw = await startTestGateway(target, {
      logDestination: { write: (line: string) => logs.push(JSON.parse(line)) },
    })
    const admin = await gw.database.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'admin')
      .executeTakeFirstOrThrow()
    key = (await seedKey(gw.database.db, { userId: admin.id, scope: ['management'] })).value
    await gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await gw?.close()
  })

  for (const framing of ['content-length', 'chunked'] as const) {
    it(`records 499 at info, not a database outage, when a ${framing} /v2 upload is abandoned`, async () => {
      const requestId = `gone-${framing}`
      const length = framing === 'chunked' ? 'Transfer-Encoding: chunked' : 'Content-Length: 1000'
      const partial = framing === 'chunked' ? '9\r\n{"name":"\r\n' : '{"name":"'
      await abandonUpload(
        gw.server.port,
        'POST /v2/api-keys HTTP/1.1\r\nHost: x\r\n' +
          `Authorization: Bearer ${key}\r\nContent-Type: application/json\r\n` +
          `X-Request-Id: ${requestId}\r\n${length}\r\n\r\n`,
        partial,
      )
      const mine = () => logs.filter((l) => l.requestId === requestId)
      await vi.waitFor(() => expect(mine().some((l) => l.msg === 'request done')).toBe(true))
      const access = mine().find((l) => l.msg === 'request done')
      expect(access).toMatchObject({ status: 499, level: 30 })
      expect(mine().filter((l) => Number(l.level) >= 40)).toEqual([])

      const metrics = await (await fetch(`${gw.url}/metrics`)).text()
      expect(metrics).toMatch(/keygate_requests_total\{[^}]*status="499"[^}]*\} 1/)
      expect(metrics).not.toMatch(/keygate_requests_total\{[^}]*status="503"/)
    })
  }
})
