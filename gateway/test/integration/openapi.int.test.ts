import { Ajv2020 } from 'ajv/dist/2020.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.js'
import { proxyRouteFor } from '../../src/proxy/proxy-routes.js'
import { ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

type Json = Record<string, unknown>

interface Doc {
  openapi: string
  paths: Record<string, Record<string, { responses: Record<string, Json> }>>
  components: { schemas: Record<string, Json> }
}

/** Hono's `:id` and `:model{.+}` as OpenAPI's `{id}`, `{model}`. */
function toOpenApiPath(path: string): string {
  return path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')
}

describe.each(dbTargets())('OpenAPI document on %s', (target) => {
  let gw: TestGateway
  let doc: Doc
  let cookie: string
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  ajv.addFormat('date-time', true)
  ajv.addFormat('date', true)
  ajv.addFormat('uri', true)

  beforeAll(async () => {
    gw = await startTestGateway(target)
    const res = await fetch(`${gw.url}/openapi.json`)
    expect(res.status).toBe(200)
    doc = (await res.json()) as Doc
    ajv.addSchema({ $id: 'doc', components: doc.components })
    const login = await fetch(`${gw.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    })
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  })
  afterAll(async () => {
    await gw?.close()
  })

  /** Validates a real answer against the document's schema for that operation and status. */
  async function expectDocumented(method: string, path: string, res: Response): Promise<unknown> {
    const response = doc.paths[path]?.[method]?.responses[String(res.status)]
    expect(response, `${method} ${path} ${res.status} is documented`).toBeDefined()
    const body: unknown = await res.json()
    const content = response?.content as Record<string, { schema: Json }> | undefined
    const schema = content?.['application/json']?.schema
    expect(schema, `${method} ${path} ${res.status} has a JSON schema`).toBeDefined()
    const validate = ajv.compile(
      JSON.parse(JSON.stringify(schema).replaceAll('#/components/', 'doc#/components/')) as Json,
    )
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true)
    return body
  }

  function call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${gw.url}${path}`, {
      method,
      headers: {
        cookie,
        'sec-fetch-site': 'same-origin',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  }

  it('is OpenAPI 3.1 whose every schema compiles as JSON Schema 2020-12', () => {
    expect(doc.openapi).toBe('3.1.0')
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const text = JSON.stringify(op).replaceAll('#/components/', 'doc#/components/')
        expect(
          () => ajv.compile({ $defs: { op: JSON.parse(text) } }),
          `${method} ${path}`,
        ).not.toThrow()
      }
    }
  })

  it('describes exactly the routes the gateway serves', () => {
    const served = new Set<string>()
    const anyMethod = new Set<string>()
    for (const r of createApp(gw.deps).routes) {
      if (r.path === '*' || r.path.endsWith('/*')) {
        continue
      }
      if (r.method === 'ALL') {
        anyMethod.add(toOpenApiPath(r.path))
      } else {
        served.add(`${r.method.toLowerCase()} ${toOpenApiPath(r.path)}`)
      }
    }
    const documented = new Set<string>()
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const proxied = method === 'post' && proxyRouteFor('POST', path) !== undefined
        if (anyMethod.has(path)) {
          anyMethod.delete(path) // a route for every method, documented once
        } else if (!proxied) {
          documented.add(`${method} ${path}`)
        }
      }
    }
    expect([...documented].sort()).toEqual([...served].sort())
    expect([...anyMethod], 'routes for every method that are not documented').toEqual([])
  })

  it('documents every proxied route', () => {
    for (const path of [
      '/v1/chat/completions',
      '/v1/completions',
      '/v1/embeddings',
      '/v1/rerank',
    ]) {
      expect(proxyRouteFor('POST', path)).toBeDefined()
      expect(doc.paths[path]?.post, path).toBeDefined()
    }
  })

  it('matches what the API really answers, successes and errors alike', async () => {
    const created = (await expectDocumented(
      'post',
      '/v2/api-keys',
      await call('POST', '/v2/api-keys', { name: 'doc-key', scope: ['inference'] }),
    )) as { id: number }
    await expectDocumented('get', '/v2/api-keys', await call('GET', '/v2/api-keys'))
    await expectDocumented(
      'get',
      '/v2/api-keys/{id}',
      await call('GET', `/v2/api-keys/${created.id}`),
    )
    await expectDocumented(
      'put',
      '/v2/api-keys/{id}',
      await call('PUT', `/v2/api-keys/${created.id}`, { description: 'documented' }),
    )
    await expectDocumented('get', '/v2/api-keys/{id}', await call('GET', '/v2/api-keys/999999'))
    await expectDocumented(
      'get',
      '/v2/api-keys/{id}/limits',
      await call('GET', `/v2/api-keys/${created.id}/limits`),
    )
    await expectDocumented(
      'put',
      '/v2/api-keys/{id}',
      await call('PUT', `/v2/api-keys/${created.id}`, { rpm_limit: 0 }),
    )
    await expectDocumented('post', '/v2/api-keys', await call('POST', '/v2/api-keys', { nme: 'x' }))
    await expectDocumented(
      'post',
      '/v2/api-keys/{id}/rotate',
      await call('POST', `/v2/api-keys/${created.id}/rotate`, { grace_seconds: 60 }),
    )
    await expectDocumented(
      'post',
      '/v2/api-keys/{id}/rotate',
      await call('POST', `/v2/api-keys/${created.id}/rotate`, { grace_seconds: 604_801 }),
    )
    await expectDocumented(
      'put',
      '/v2/api-keys/{id}',
      await call('PUT', `/v2/api-keys/${created.id}`, { metadata: { team: 'doc' } }),
    )
    await expectDocumented('get', '/v2/settings', await call('GET', '/v2/settings'))
    await expectDocumented(
      'put',
      '/v2/settings',
      await call('PUT', '/v2/settings', { allow_never_expiring: true }),
    )
    await expectDocumented(
      'put',
      '/v2/settings',
      await call('PUT', '/v2/settings', { max_key_lifetime_days: -1 }),
    )

    const model = (await expectDocumented(
      'post',
      '/v2/models',
      await call('POST', '/v2/models', {
        name: 'doc-model',
        instances: [{ url: 'http://127.0.0.1:9', weight: 2 }],
      }),
    )) as { id: number }
    await expectDocumented('get', '/v2/models', await call('GET', '/v2/models'))
    await expectDocumented('get', '/v2/models/{id}', await call('GET', `/v2/models/${model.id}`))
    await expectDocumented(
      'get',
      '/v2/models/{id}/key-allowlists',
      await call('GET', `/v2/models/${model.id}/key-allowlists`),
    )

    const user = (await expectDocumented(
      'post',
      '/v2/users',
      await call('POST', '/v2/users', { username: 'doc-user', password: 'doc-password-1' }),
    )) as { id: number }
    await expectDocumented('get', '/v2/users', await call('GET', '/v2/users'))
    await expectDocumented('get', '/v2/users/me', await call('GET', '/v2/users/me'))
    await expectDocumented(
      'put',
      '/v2/users/{id}',
      await call('PUT', `/v2/users/${user.id}`, { full_name: 'Doc User' }),
    )

    await expectDocumented('get', '/v2/usage', await call('GET', '/v2/usage?group_by=api_key,day'))
    await expectDocumented('get', '/v2/audit-events', await call('GET', '/v2/audit-events'))
    await expectDocumented('get', '/v2/status', await call('GET', '/v2/status'))
    await expectDocumented('get', '/v2/usage', await call('GET', '/v2/usage?from=nope'))
    await expectDocumented('get', '/v1/models', await call('GET', '/v1/models'))
    await expectDocumented('get', '/v1/models/{model}', await call('GET', '/v1/models/doc-model'))
    await expectDocumented('get', '/v1/models/{model}', await call('GET', '/v1/models/missing'))
    await expectDocumented('get', '/v2/api-keys', await fetch(`${gw.url}/v2/api-keys`))
  })
})
