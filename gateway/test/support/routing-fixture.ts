import type { ResolveHost } from '../../src/upstream/host-resolver.js'
import type { FakeEngine } from './fake-engine.js'
import { seedKey, seedModel, seedUser } from './seed.js'
import { startTestGateway, type TestGateway } from './test-app.js'
import type { DbTarget, TestDatabase } from './test-db.js'

/**
 * A gateway for engine-routing tests (issue 4: health, failover, discovery, timeouts): an inference key, an
 * admin management key, helpers to declare a model over some fake engines and to call it.
 */
export interface RoutingFixture {
  gw: TestGateway & { testDb: TestDatabase }
  key: string
  adminKey: string
  /** Declares a model served by these instance URLs (or engines) and waits until the gateway serves it. */
  addModel(
    name: string,
    instances: (FakeEngine | string)[],
    backend?: 'vllm' | 'llama.cpp',
  ): Promise<void>
  chat(
    model: string,
    init?: { stream?: boolean; signal?: AbortSignal; extra?: object },
  ): Promise<Response>
  /** GET with the admin's management key. */
  adminGet(path: string): Promise<Response>
  /** The value of keygate_upstream_up for this model and instance, or undefined when there is no series. */
  upValue(model: string, instance: string): Promise<number | undefined>
  close(): Promise<void>
}

export const CHAT_MESSAGES = [{ role: 'user', content: 'hi' }]

export async function startRoutingFixture(
  target: DbTarget,
  options: { env?: Record<string, string>; resolveHost?: ResolveHost } = {},
): Promise<RoutingFixture> {
  const gw = await startTestGateway(target, {
    env: options.env,
    ...(options.resolveHost === undefined ? {} : { resolveHost: options.resolveHost }),
  })
  const db = gw.database.db
  const user = await seedUser(db)
  const key = await seedKey(db, { userId: user.id })
  const admin = await seedUser(db, { isAdmin: true })
  const adminKey = await seedKey(db, { userId: admin.id, scope: ['management'] })
  await gw.deps.changes.catchUp()
  const f: RoutingFixture = {
    gw,
    key: key.value,
    adminKey: adminKey.value,
    async addModel(name, instances, backend = 'vllm') {
      await seedModel(db, {
        name,
        backend,
        instances: instances.map((i) => ({ url: typeof i === 'string' ? i : i.url })),
      })
      await gw.deps.changes.catchUp()
    },
    chat(model, init = {}) {
      return fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.value}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model,
          stream: init.stream ?? false,
          messages: CHAT_MESSAGES,
          ...init.extra,
        }),
        signal: init.signal,
      })
    },
    adminGet(path) {
      return fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${adminKey.value}` } })
    },
    async upValue(model, instance) {
      const text = await (await fetch(`${gw.url}/metrics`)).text()
      for (const line of text.split('\n')) {
        if (
          line.startsWith('keygate_upstream_up{') &&
          line.includes(`model="${model}"`) &&
          line.includes(`instance="${instance}"`)
        ) {
          return Number(line.slice(line.lastIndexOf(' ') + 1))
        }
      }
      return undefined
    },
    close: () => gw.close(),
  }
  return f
}

/** Runs `count` calls with at most `concurrency` at a time, in order of start. */
export async function runConcurrently<T>(
  count: number,
  concurrency: number,
  call: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count)
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      results[i] = await call(i)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return results
}
