import { type FakeEngine, startFakeEngine } from '../../../gateway/test/support/fake-engine.js'
import { type SeededUser, seedModel, seedUser } from '../../../gateway/test/support/seed.js'
import { startTestGateway, type TestGateway } from '../../../gateway/test/support/test-app.js'
import type { TestDatabase } from '../../../gateway/test/support/test-db.js'

export const MODEL_A = 'model-a'
export const MODEL_B = 'model-b'

export interface E2eEnv {
  gw: TestGateway & { testDb: TestDatabase }
  engine: FakeEngine
  alice: SeededUser
  bob: SeededUser
  close(): Promise<void>
}

/**
 * The real gateway (embedded PGlite, serving the built admin-ui/dist) in front of a fake vLLM engine, with two
 * models on it and two regular users. `admin` / ADMIN_PASSWORD is the bootstrap admin.
 */
export async function startE2eEnv(
  env: (engineUrl: string) => Record<string, string> = () => ({}),
): Promise<E2eEnv> {
  const engine = await startFakeEngine({ flavour: 'vllm' })
  const gw = await startTestGateway('pglite', {
    env: { KEYGATE_HEALTH_INTERVAL_MS: '200', ...env(engine.url) },
  })
  const db = gw.database.db
  await seedModel(db, { name: MODEL_A, instances: [{ url: engine.url }] })
  await seedModel(db, { name: MODEL_B, instances: [{ url: engine.url }] })
  const alice = await seedUser(db, { username: 'alice' })
  const bob = await seedUser(db, { username: 'bob' })
  await gw.deps.changes.catchUp()
  return {
    gw,
    engine,
    alice,
    bob,
    close: async () => {
      await gw.close()
      await engine.close()
    },
  }
}

/** The bootstrap admin's user id. */
export async function adminId(gw: TestGateway): Promise<number> {
  const row = await gw.database.db
    .selectFrom('users')
    .select('id')
    .where('username', '=', 'admin')
    .executeTakeFirstOrThrow()
  return row.id
}

/** What a program with curl would do: one chat completion with a bearer key. */
export async function chat(baseUrl: string, key: string, model: string): Promise<Response> {
  return fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello!' }] }),
  })
}

export async function errorCode(res: Response): Promise<string | null> {
  const body = (await res.json()) as { error?: { code?: string | null } }
  return body.error?.code ?? null
}
