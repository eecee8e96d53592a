import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { migrate } from '../../src/db/migrate.js'
import { seedKey, seedModel, seedUser } from '../support/seed.js'
import { startGateway, type TestGateway } from '../support/test-app.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

type Json = Record<string, unknown> & { error?: { code: string; message: string } }

const FILE_V1 = `
models:
  - name: file-llama
    description: from the file
    backend: llama.cpp
    upstream_model_name: llama-3.1-8b
    routes: [/v1/embeddings, /v1/chat/completions]
    instances:
      - url: http://10.1.0.1:8080/
        worker: gpu-a
        api_key: file-engine-secret
      - url: http://10.1.0.2:8080
        weight: 3
  - name: file-private
    access_policy: allowed_users
    allowed_users: [carol, nobody-by-this-name]
  - name: file-doomed
`

const FILE_V2 = `
models:
  - name: file-llama
    description: changed
    backend: llama.cpp
    instances:
      - url: http://10.1.0.2:8080
        weight: 1
  - name: file-private
    access_policy: allowed_users
    allowed_users: [carol]
  - name: taken-over
`

describe.each(dbTargets())('KEYGATE_MODELS_FILE on %s', (target) => {
  let testDb: TestDatabase
  let dir: string
  let carol: { id: number }
  let adminKey: string
  const running: TestGateway[] = []

  function writeModelsFile(name: string, text: string): string {
    const path = join(dir, name)
    writeFileSync(path, text)
    return path
  }

  async function start(file: string, logLines?: string[]): Promise<TestGateway> {
    const logDestination =
      logLines === undefined ? undefined : { write: (line: string) => void logLines.push(line) }
    const gw = await startGateway(testDb, { env: { KEYGATE_MODELS_FILE: file }, logDestination })
    running.push(gw)
    return gw
  }

  async function call(gw: TestGateway, method: string, path: string, body?: unknown) {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, text, json: (text === '' ? {} : JSON.parse(text)) as Json }
  }

  const modelRows = (gw: TestGateway) =>
    gw.database.db
      .selectFrom('models')
      .select(['id', 'name', 'managed_by', 'description', 'updated_at'])
      .orderBy('name')
      .execute()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keygate-models-file-'))
    testDb = await createTestDatabase(target)
    // Users exist before the first start, as they would when the file is applied to a running installation.
    const database = await testDb.open()
    await migrate(database)
    carol = await seedUser(database.db, { username: 'carol' })
    const admin = await seedUser(database.db, { isAdmin: true })
    adminKey = (await seedKey(database.db, { userId: admin.id, scope: ['management'] })).value
    await seedModel(database.db, { name: 'api-made' })
    await seedModel(database.db, { name: 'taken-over' })
    if (target === 'postgres') {
      await database.close()
    }
  })
  afterEach(async () => {
    for (const gw of running.splice(0)) {
      await gw.close()
    }
  })
  afterAll(async () => {
    await testDb?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('applies the file at start: models, instances and grants, managed by the file', async () => {
    const logLines: string[] = []
    const gw = await start(writeModelsFile('v1.yaml', FILE_V1), logLines)
    const log = logLines.join('')
    expect(log).toContain('file-private: nobody-by-this-name')
    expect(log).not.toContain('file-engine-secret')
    expect((await modelRows(gw)).map((m) => [m.name, m.managed_by])).toEqual([
      ['api-made', 'api'],
      ['file-doomed', 'file'],
      ['file-llama', 'file'],
      ['file-private', 'file'],
      ['taken-over', 'api'],
    ])
    const llama = gw.deps.models.findById(
      (await modelRows(gw)).find((m) => m.name === 'file-llama')?.id ?? 0,
    )
    expect(llama).toMatchObject({
      backend: 'llama.cpp',
      upstreamModelName: 'llama-3.1-8b',
      managedBy: 'file',
      ownRoutes: ['/v1/chat/completions', '/v1/embeddings'],
    })
    expect(llama?.routes.list).toEqual(['/v1/chat/completions', '/v1/embeddings'])
    expect(llama?.instances.map((i) => [i.url, i.weight, i.worker, i.apiKey])).toEqual([
      ['http://10.1.0.1:8080', 1, 'gpu-a', 'file-engine-secret'],
      ['http://10.1.0.2:8080', 3, '', null],
    ])
    const list = await call(gw, 'GET', '/v2/models?search=file-')
    expect(list.text).not.toContain('file-engine-secret')
    const priv = (list.json.items as Json[]).find((m) => m.name === 'file-private')
    // The unknown username was skipped with a warning; the gateway started anyway.
    expect(priv).toMatchObject({ managed_by: 'file', allowed_user_ids: [carol.id] })
  })

  it('keeps file models read-only through the API with 409', async () => {
    const gw = await start(writeModelsFile('v1.yaml', FILE_V1))
    const id = (await modelRows(gw)).find((m) => m.name === 'file-llama')?.id
    for (const method of ['PUT', 'DELETE']) {
      const res = await call(gw, method, `/v2/models/${id}`, { description: 'nope' })
      expect(res.status).toBe(409)
      expect(res.json.error?.code).toBe('conflict')
      expect(res.json.error?.message).toContain('KEYGATE_MODELS_FILE')
    }
    const create = await call(gw, 'POST', '/v2/models', { name: 'file-llama' })
    expect(create.status).toBe(409)
    expect((await modelRows(gw)).find((m) => m.name === 'file-llama')?.description).toBe(
      'from the file',
    )
  })

  it('changes nothing when started again with the same file', async () => {
    const first = await start(writeModelsFile('v1.yaml', FILE_V1))
    const before = await modelRows(first)
    const instancesBefore = await first.database.db
      .selectFrom('model_instances')
      .select(['id', 'url', 'updated_at'])
      .orderBy('id')
      .execute()
    const second = await start(writeModelsFile('v1.yaml', FILE_V1))
    expect(await modelRows(second)).toEqual(before)
    expect(
      await second.database.db
        .selectFrom('model_instances')
        .select(['id', 'url', 'updated_at'])
        .orderBy('id')
        .execute(),
    ).toEqual(instancesBefore)
  })

  it('applies safely when two replicas start at once', async () => {
    const file = writeModelsFile('v1.yaml', FILE_V1)
    const [a, b] = await Promise.all([start(file), start(file)])
    const names = (await modelRows(a)).map((m) => m.name)
    expect(names).toEqual(['api-made', 'file-doomed', 'file-llama', 'file-private', 'taken-over'])
    expect(b.deps.models.listFor(adminPrincipal()).map((m) => m.name)).toEqual(names)
  })

  it('on the next start updates changed entries, deletes removed ones, takes over same-named API models and leaves others alone', async () => {
    await start(writeModelsFile('v1.yaml', FILE_V1))
    const gw = await start(writeModelsFile('v2.yaml', FILE_V2))
    const rows = await modelRows(gw)
    expect(rows.map((m) => [m.name, m.managed_by])).toEqual([
      ['api-made', 'api'],
      ['file-llama', 'file'],
      ['file-private', 'file'],
      ['taken-over', 'file'],
    ])
    const llama = gw.deps.models.resolve(adminPrincipal(), 'file-llama')
    expect(llama).toMatchObject({
      description: 'changed',
      upstreamModelName: null,
      ownRoutes: null,
    })
    // Without its own list the model serves what its backend does by default.
    expect(llama?.routes.list).toContain('/v1/messages')
    expect(llama?.routes.list).not.toContain('/v1/embeddings')
    expect(llama?.instances.map((i) => [i.url, i.weight])).toEqual([['http://10.1.0.2:8080', 1]])
    expect(gw.deps.models.resolve(adminPrincipal(), 'file-doomed')).toBeUndefined()
  })

  it('refuses to start with an invalid file, listing every problem', async () => {
    const bad = writeModelsFile(
      'bad.yaml',
      `models:\n  - name: "has space"\n    backend: triton\n  - name: ok\n    routes: [/v1/tokenize]\n    instances: [{ url: "ftp://x" }]\n`,
    )
    const failure = await startGateway(testDb, { env: { KEYGATE_MODELS_FILE: bad } }).catch(
      (err: unknown) => err,
    )
    expect(failure).toBeInstanceOf(Error)
    const message = (failure as Error).message
    expect(message).toContain('KEYGATE_MODELS_FILE is invalid')
    expect(message).toContain('models.0.name')
    expect(message).toContain('models.0.backend')
    expect(message).toContain('models.1.instances.0.url')
    expect(message).toContain('models.1.routes.0')
  })
})

function adminPrincipal() {
  return {
    userId: 0,
    username: 'test-admin',
    isAdmin: true,
    keyId: null,
    scope: new Set(['management', 'inference'] as const),
    allowedModelNames: null,
    limits: [],
    allowedAddresses: null,
  }
}
