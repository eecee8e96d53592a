import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ProxyFixture, startProxyFixture } from '../support/proxy-fixture.js'
import { seedKey, seedModel, seedUser } from '../support/seed.js'
import { dbTargets } from '../support/test-db.js'

/**
 * Hostile and malformed input on every route that takes text: NUL and lone surrogates (which Postgres cannot store),
 * invalid UTF-8, and bodies that are not JSON by their content type. Each is a 4xx in the envelope, changes nothing,
 * and logs no error.
 */

interface Sent {
  body?: string | Uint8Array
  /** null: no Content-Type header at all. */
  type?: string | null
  key?: string | null
}

type Envelope = { error: { code: string; param: string | null; message: string; type: string } }

const NUL = '\u0000'
const LONE = '\ud800'

describe.each(dbTargets())('hostile input on %s', (target) => {
  let f: ProxyFixture
  let adminKey: string
  let keyId: number
  let userId: number
  let modelId: number

  async function send(method: string, path: string, sent: Sent = {}): Promise<Response> {
    const headers: Record<string, string> = {}
    const key = sent.key === undefined ? adminKey : sent.key
    if (key !== null) {
      headers.authorization = `Bearer ${key}`
    }
    const type = sent.type === undefined ? 'application/json' : sent.type
    if (type !== null) {
      headers['content-type'] = type
    }
    const body = typeof sent.body === 'string' ? sent.body : sent.body && Buffer.from(sent.body)
    return fetch(`${f.gw.url}${path}`, { method, headers, body })
  }

  /** Row counts of every table a refused request could have written to. */
  async function counts(): Promise<Record<string, number>> {
    const db = f.gw.database.db
    const out: Record<string, number> = {}
    for (const table of ['api_keys', 'users', 'models', 'model_instances', 'audit_events']) {
      const r = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db)
      out[table] = Number(r.rows[0]?.n)
    }
    return out
  }

  function errorLines(): Record<string, unknown>[] {
    return f.logs.filter((l) => typeof l.level === 'number' && l.level >= 50)
  }

  beforeAll(async () => {
    f = await startProxyFixture(target)
    const db = f.gw.database.db
    const admin = await db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'admin')
      .executeTakeFirstOrThrow()
    adminKey = (await seedKey(db, { userId: admin.id, scope: ['management', 'inference'] })).value
    keyId = (await seedKey(db, { userId: admin.id, name: 'target-key' })).id
    userId = (await seedUser(db, { username: 'bob' })).id
    modelId = (await seedModel(db, { name: 'target-model' })).id
    await f.gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await f?.close()
  })

  describe('NUL and lone surrogates', () => {
    const bodies = (bad: string): [string, string, Record<string, unknown>, string][] => [
      ['POST', '/v2/api-keys', { name: `a${bad}` }, 'name'],
      ['POST', '/v2/api-keys', { name: 'k', description: bad }, 'description'],
      [
        'POST',
        '/v2/api-keys',
        { name: 'k', allowed_model_names: ['m', bad] },
        'allowed_model_names.1',
      ],
      ['POST', '/v2/api-keys', { name: 'k', custom: `Zq8Lm0pW-x7Yt2Rv${bad}` }, 'custom'],
      ['PUT', '/v2/api-keys/:key', { description: bad }, 'description'],
      ['PUT', '/v2/api-keys/:key', { allowed_model_names: [bad] }, 'allowed_model_names.0'],
      [
        'POST',
        '/v2/users',
        { username: 'carol', password: 'password-1', full_name: bad },
        'full_name',
      ],
      ['PUT', '/v2/users/:user', { full_name: `x${bad}` }, 'full_name'],
      ['PUT', '/v2/users/:user', { password: `password-${bad}` }, 'password'],
      ['POST', '/v2/models', { name: 'm-new', description: bad }, 'description'],
      ['POST', '/v2/models', { name: 'm-new', upstream_model_name: bad }, 'upstream_model_name'],
      [
        'POST',
        '/v2/models',
        { name: 'm-new', instances: [{ url: 'http://127.0.0.1:9', worker: bad }] },
        'instances.0.worker',
      ],
      [
        'POST',
        '/v2/models',
        { name: 'm-new', instances: [{ url: 'http://127.0.0.1:9', api_key: `k${bad}` }] },
        'instances.0.api_key',
      ],
      ['PUT', '/v2/models/:model', { description: bad }, 'description'],
      ['POST', '/auth/login', { username: `admin${bad}`, password: 'whatever' }, 'username'],
      [
        'POST',
        '/auth/update-password',
        { current_password: bad, new_password: 'a-new-password' },
        'current_password',
      ],
    ]

    for (const [label, bad] of [
      ['NUL', NUL],
      ['a lone surrogate', LONE],
    ] as const) {
      it(`refuses ${label} in every text field of a body with 422 naming the field, changing nothing`, async () => {
        const before = await counts()
        for (const [method, template, body, param] of bodies(bad)) {
          const path = template
            .replace(':key', String(keyId))
            .replace(':user', String(userId))
            .replace(':model', String(modelId))
          const res = await send(method, path, { body: JSON.stringify(body) })
          const json = (await res.json()) as Envelope
          expect([method, path, res.status, json.error.code, json.error.param]).toEqual([
            method,
            path,
            422,
            'validation_error',
            param,
          ])
          expect(json.error.message).toContain(param)
        }
        expect(await counts()).toEqual(before)
        expect(errorLines()).toEqual([])
      })
    }

    it('refuses NUL in every query filter with 422 naming it', async () => {
      for (const [path, param] of [
        ['/v2/api-keys?search=%00', 'search'],
        ['/v2/users?search=a%00', 'search'],
        ['/v2/models?search=%00', 'search'],
        ['/v2/audit-events?action=%00', 'action'],
        ['/v2/audit-events?target_type=x%00', 'target_type'],
        ['/v2/audit-events?target_id=%00', 'target_id'],
        ['/v2/usage?model=%00', 'model'],
      ] as const) {
        const res = await send('GET', path)
        const json = (await res.json()) as Envelope
        expect([path, res.status, json.error.param]).toEqual([path, 422, param])
      }
      expect(errorLines()).toEqual([])
    })

    it('refuses NUL in a login form field, and a JSON escape of NUL in the login username', async () => {
      const form = await send('POST', '/auth/login', {
        key: null,
        type: 'application/x-www-form-urlencoded',
        body: 'username=admin%00&password=x',
      })
      expect(form.status).toBe(422)
      expect(((await form.json()) as Envelope).error.param).toBe('username')
      const escaped = await send('POST', '/auth/login', {
        key: null,
        body: '{"username":"\\u0000","password":"x"}',
      })
      expect(escaped.status).toBe(422)
      expect(errorLines()).toEqual([])
    })
  })

  describe('invalid UTF-8', () => {
    const invalid = (prefix: string, suffix: string) =>
      Buffer.concat([Buffer.from(prefix), Buffer.from([0xff, 0xfe]), Buffer.from(suffix)])

    it('refuses a body that is not UTF-8 on every JSON route with 400, storing nothing', async () => {
      const before = await counts()
      for (const [method, path, body] of [
        ['POST', '/v2/api-keys', invalid('{"name":"x', '"}')],
        ['PUT', `/v2/api-keys/${keyId}`, invalid('{"description":"', '"}')],
        [
          'POST',
          '/v2/users',
          invalid('{"username":"dave","password":"password-1","full_name":"', '"}'),
        ],
        ['PUT', `/v2/users/${userId}`, invalid('{"full_name":"', '"}')],
        ['POST', '/v2/models', invalid('{"name":"m-utf","description":"', '"}')],
        ['POST', '/auth/login', invalid('{"username":"admin', '","password":"x"}')],
        ['POST', '/v1/chat/completions', invalid('{"model":"chat-vllm","messages":"', '"}')],
      ] as const) {
        const res = await send(method, path, { body })
        const json = (await res.json()) as Envelope
        expect([path, res.status, json.error.code, json.error.message]).toEqual([
          path,
          400,
          'invalid_request',
          'The request body is not valid UTF-8.',
        ])
      }
      expect(await counts()).toEqual(before)
      expect(f.vllm.requests.filter((r) => r.method === 'POST')).toEqual([])
    })

    it('refuses invalid UTF-8 percent-escapes in a form and in a query string with 400', async () => {
      const form = await send('POST', '/auth/login', {
        key: null,
        type: 'application/x-www-form-urlencoded',
        body: 'username=admin%FF&password=x',
      })
      expect(form.status).toBe(400)
      for (const path of ['/v2/api-keys?search=%FF', '/v2/users?search=%ED%A0%80']) {
        const res = await send('GET', path)
        expect([path, res.status]).toEqual([path, 400])
      }
    })
  })

  describe('content types', () => {
    const body = JSON.stringify({ name: 'typed' })

    it('refuses a JSON body sent as anything but application/json with 415, acting on nothing', async () => {
      const before = await counts()
      for (const type of [
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        'application/merge-patch+json',
        'application/json; charset=iso-8859-1',
        null,
      ]) {
        for (const [method, path] of [
          ['POST', '/v2/api-keys'],
          ['PUT', `/v2/api-keys/${keyId}`],
          ['POST', '/v2/users'],
          ['PUT', `/v2/models/${modelId}`],
        ] as const) {
          const res = await send(method, path, { body, type })
          const json = (await res.json()) as Envelope
          expect([type, path, res.status, json.error.code]).toEqual([
            type,
            path,
            415,
            'unsupported_media_type',
          ])
        }
      }
      expect(await counts()).toEqual(before)
    })

    it('refuses a non-JSON content type on the proxied routes before anything reaches the engine', async () => {
      const res = await send('POST', '/v1/chat/completions', {
        key: f.key,
        type: 'text/plain',
        body: JSON.stringify({ model: 'chat-vllm', messages: [] }),
      })
      expect(res.status).toBe(415)
      expect(((await res.json()) as Envelope).error.code).toBe('unsupported_media_type')
      expect(f.vllm.requests.filter((r) => r.method === 'POST')).toEqual([])
    })

    it('accepts application/json with a UTF-8 charset', async () => {
      const res = await send('POST', '/v2/api-keys', {
        body: JSON.stringify({ name: 'charset-ok' }),
        type: 'Application/JSON; charset=UTF-8',
      })
      expect(res.status).toBe(201)
    })

    it('keeps the documented login forms, urlencoded and multipart', async () => {
      const urlencoded = await send('POST', '/auth/login', {
        key: null,
        type: 'application/x-www-form-urlencoded',
        body: 'username=bob&password=wrong',
      })
      expect(urlencoded.status).toBe(401) // parsed and checked: wrong password
      const form = new FormData()
      form.set('username', 'admin')
      form.set('password', 'admin-password-for-tests')
      const multipart = await fetch(`${f.gw.url}/auth/login`, { method: 'POST', body: form })
      expect(multipart.status).toBe(200)
    })

    it('needs no content type on requests without a body (logout, DELETE)', async () => {
      const logout = await send('POST', '/auth/logout', { key: null, type: null })
      expect(logout.status).toBe(204)
      const doomed = await seedKey(f.gw.database.db, { userId, name: 'doomed' })
      await f.gw.deps.changes.catchUp()
      const del = await send('DELETE', `/v2/api-keys/${doomed.id}`, { type: null })
      expect(del.status).toBe(204)
    })
  })
})
