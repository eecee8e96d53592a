import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { type FakeEngine, startFakeEngine } from './fake-engine.js'
import { seedKey, seedModel, seedUser } from './seed.js'
import { startTestGateway, type TestGateway } from './test-app.js'
import type { DbTarget, TestDatabase } from './test-db.js'

/** The instance key the fake vLLM demands; the gateway must send it, the client never sees it. */
export const ENGINE_API_KEY = 'engine-secret-for-tests'

/**
 * A gateway on a fresh database, a fake vLLM (with an API key) and a fake llama.cpp, and these models:
 * `chat-vllm` (upstream name `org/vllm-8b`), `chat-llama` (llama.cpp), `plain` (vLLM, no upstream name),
 * `refused` (nothing listens there), `empty` (no instances), `wrong-key` (vLLM, wrong instance key).
 * `key` may use every model; `limitedKey` only `chat-vllm`.
 */
export interface ProxyFixture {
  gw: TestGateway & { testDb: TestDatabase }
  vllm: FakeEngine
  llama: FakeEngine
  key: string
  limitedKey: string
  /** The gateway's JSON log lines (info and up), parsed. */
  logs: Record<string, unknown>[]
  close(): Promise<void>
}

/** A URL on which nothing listens (a port we bound and released). */
async function refusedUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

export async function startProxyFixture(
  target: DbTarget,
  env: Record<string, string> = {},
): Promise<ProxyFixture> {
  const vllm = await startFakeEngine({ flavour: 'vllm', apiKey: ENGINE_API_KEY })
  const llama = await startFakeEngine({ flavour: 'llamacpp' })
  const logs: Record<string, unknown>[] = []
  const gw = await startTestGateway(target, {
    env,
    logDestination: { write: (line: string) => logs.push(JSON.parse(line)) },
  })
  const db = gw.database.db
  const user = await seedUser(db)
  const key = await seedKey(db, { userId: user.id })
  const limitedKey = await seedKey(db, { userId: user.id, allowedModelNames: ['chat-vllm'] })
  await seedModel(db, {
    name: 'chat-vllm',
    upstreamModelName: 'org/vllm-8b',
    instances: [{ url: vllm.url, apiKey: ENGINE_API_KEY }],
  })
  await seedModel(db, { name: 'chat-llama', backend: 'llama.cpp', instances: [{ url: llama.url }] })
  await seedModel(db, { name: 'plain', instances: [{ url: vllm.url, apiKey: ENGINE_API_KEY }] })
  await seedModel(db, { name: 'refused', instances: [{ url: await refusedUrl() }] })
  await seedModel(db, { name: 'empty', instances: [] })
  await seedModel(db, { name: 'wrong-key', instances: [{ url: vllm.url, apiKey: 'not-the-key' }] })
  await gw.deps.changes.catchUp()
  return {
    gw,
    vllm,
    llama,
    key: key.value,
    limitedKey: limitedKey.value,
    logs,
    close: async () => {
      await gw.close()
      await vllm.close()
      await llama.close()
    },
  }
}

/** POSTs JSON (or raw text) to the gateway with a bearer key. */
export function post(
  f: ProxyFixture,
  path: string,
  body: unknown,
  init: { key?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  return fetch(`${f.gw.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${init.key ?? f.key}`,
      'content-type': 'application/json',
      ...init.headers,
    },
    body:
      typeof body === 'string'
        ? body
        : body instanceof Uint8Array
          ? Buffer.from(body)
          : JSON.stringify(body),
    signal: init.signal,
  })
}

/** Reads a response body as the separate chunks the client received. */
export async function readChunks(res: Response): Promise<string[]> {
  const reader = res.body?.getReader()
  if (reader === undefined) {
    return []
  }
  const decoder = new TextDecoder()
  const chunks: string[] = []
  for (;;) {
    const { done, value } = await reader.read()
    if (done) {
      return chunks
    }
    chunks.push(decoder.decode(value, { stream: true }))
  }
}

/** A key of its own for a test's usage rows, and a vLLM model that serves chat only. */
export async function addUsageKeyAndChatOnlyModel(
  f: ProxyFixture,
): Promise<{ value: string; id: number }> {
  const db = f.gw.database.db
  const user = await seedUser(db)
  const key = await seedKey(db, { userId: user.id })
  await seedModel(db, {
    name: 'chat-only',
    routes: ['/v1/chat/completions'],
    instances: [{ url: f.vllm.url, apiKey: ENGINE_API_KEY }],
  })
  await f.gw.deps.changes.catchUp()
  return key
}

/** What `promise` rejects with, when it is an instance of `type` (an SDK's error class); else the test fails. */
export async function rejectionOf<C extends abstract new (...args: never[]) => unknown>(
  type: C,
  promise: Promise<unknown>,
): Promise<InstanceType<C>> {
  try {
    await promise
  } catch (err) {
    if (err instanceof type) {
      return err as InstanceType<C>
    }
    throw err
  }
  throw new Error(`expected a ${type.name}`)
}
