import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordChange } from '../../src/changes/change-feed.js'
import type { AdminModelJson } from '../../src/models/model-view.js'
import { ModelSpec } from '../../src/models/models-file.js'
import { applyModelsFile } from '../../src/models/models-file-sync.js'
import type { UsageReport } from '../../src/routes/v2/usage.js'
import { parseCsv } from '../support/csv.js'
import { type SeededKey, seedKey, seedModel, seedUser } from '../support/seed.js'
import { startTestGateway } from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

const DAY_MS = 24 * 3600 * 1000
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)

describe.each(dbTargets())('usage cost, prices and CSV on %s', (target) => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>
  let admin: SeededKey
  let alice: SeededKey
  let aliceOdd: SeededKey
  let pricedId = 0
  const today = isoDay(Date.now())
  // Last month: a day well before today, the price set below was in force on it.
  const lastMonth = isoDay(Date.now() - 35 * DAY_MS)

  async function call(key: SeededKey, method: string, path: string, body?: unknown) {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key.value}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return res
  }
  async function report(key: SeededKey, query: string): Promise<UsageReport> {
    const res = await call(key, 'GET', `/v2/usage${query}`)
    expect(res.status).toBe(200)
    return (await res.json()) as UsageReport
  }

  beforeAll(async () => {
    gw = await startTestGateway(target)
    const db = gw.database.db
    const root = await seedUser(db, { username: 'root', isAdmin: true })
    const a = await seedUser(db, { username: 'alice' })
    const both: ('inference' | 'management')[] = ['inference', 'management']
    admin = await seedKey(db, { userId: root.id, name: 'ops', scope: both })
    alice = await seedKey(db, { userId: a.id, name: 'main', scope: both })
    aliceOdd = await seedKey(db, { userId: a.id, name: 'say "hi", then\nleave', scope: both })
    await seedKey(db, { userId: a.id, name: '=HYPERLINK("x")', scope: both }).then((k) =>
      db
        .insertInto('usage_daily')
        .values({ api_key_id: k.id, model: 'free', day: today, requests: 1 })
        .execute(),
    )
    pricedId = (await seedModel(db, { name: 'priced', instances: [] })).id
    await seedModel(db, { name: 'free', instances: [] })
    // The price of last month, as if set 40 days ago.
    await db
      .insertInto('model_prices')
      .values({
        model_id: pricedId,
        effective_from: new Date(Date.now() - 40 * DAY_MS),
        input_price_per_mtok: 2,
        output_price_per_mtok: 6,
      })
      .execute()
    // As the API would: a cache event, so the registry shows the price.
    await recordChange(db, 'model', String(pricedId))
    const usage = (keyId: number, model: string, day: string, p: number, c: number) => ({
      api_key_id: keyId,
      model,
      day,
      requests: 3,
      prompt_tokens: p,
      completion_tokens: c,
      errors: 1,
    })
    await db
      .insertInto('usage_daily')
      .values([
        usage(alice.id, 'priced', lastMonth, 1_000_000, 500_000),
        usage(alice.id, 'priced', today, 250_000, 100_000),
        usage(alice.id, 'free', lastMonth, 7, 9),
        usage(aliceOdd.id, 'priced', today, 1000, 0),
      ])
      .execute()
    await gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await gw?.close()
  })

  describe('happy', () => {
    it('shows a model’s price on get, and null where it has none', async () => {
      const res = await call(admin, 'GET', `/v2/models/${pricedId}`)
      expect(await res.json()).toMatchObject({ input_price_per_mtok: 2, output_price_per_mtok: 6 })
      const created = await call(admin, 'POST', '/v2/models', { name: 'made' })
      expect(created.status).toBe(201)
      expect(await created.json()).toMatchObject({
        input_price_per_mtok: null,
        output_price_per_mtok: null,
      })
      const priced = await call(admin, 'POST', '/v2/models', {
        name: 'made-priced',
        input_price_per_mtok: 0.15,
        output_price_per_mtok: 0,
      })
      expect(priced.status).toBe(201)
      const body = (await priced.json()) as AdminModelJson
      expect(body).toMatchObject({ input_price_per_mtok: 0.15, output_price_per_mtok: 0 })
      const read = await call(alice, 'GET', `/v2/models/${body.id}`)
      expect(await read.json()).toMatchObject({ input_price_per_mtok: 0.15 })
    })

    it('charges each day at the price in force on it, and a new price leaves last month’s cost unchanged', async () => {
      const before = await report(
        alice,
        `?group_by=day,api_key,model&from=${lastMonth}&to=${today}`,
      )
      expect(before.currency).toBe('USD')
      const line = (r: UsageReport, day: string, model: string, keyId = alice.id) =>
        r.items.find((i) => i.day === day && i.model === model && i.api_key_id === keyId)
      // 1M prompt at 2 + 0.5M completion at 6 per million.
      expect(line(before, lastMonth, 'priced')?.cost).toBe(5)
      expect(line(before, today, 'priced')?.cost).toBeCloseTo(0.25 * 2 + 0.1 * 6, 6)
      expect(line(before, lastMonth, 'free')?.cost).toBeNull()

      const put = await call(admin, 'PUT', `/v2/models/${pricedId}`, { input_price_per_mtok: 10 })
      expect(put.status).toBe(200)
      // Only the side sent changes; the other keeps its price.
      expect(await put.json()).toMatchObject({ input_price_per_mtok: 10, output_price_per_mtok: 6 })
      const after = await report(alice, `?group_by=day,api_key,model&from=${lastMonth}&to=${today}`)
      expect(line(after, lastMonth, 'priced')?.cost).toBe(5)
      expect(line(after, today, 'priced')?.cost).toBeCloseTo(0.25 * 10 + 0.1 * 6, 6)
      expect(line(after, today, 'priced', aliceOdd.id)?.cost).toBeCloseTo(0.01, 6)

      // The sum over the range is the sum of its days; a line with an unpriced model has no cost.
      const byModel = await report(alice, `?group_by=model&from=${lastMonth}&to=${today}`)
      expect(byModel.items.find((i) => i.model === 'priced')?.cost).toBeCloseTo(5 + 3.1 + 0.01, 6)
      expect(byModel.items.find((i) => i.model === 'free')?.cost).toBeNull()

      const rows = await gw.database.db
        .selectFrom('model_prices')
        .select(['effective_from'])
        .where('model_id', '=', pricedId)
        .execute()
      expect(rows).toHaveLength(2)
      // The same price again adds no history row.
      await call(admin, 'PUT', `/v2/models/${pricedId}`, { input_price_per_mtok: 10 })
      const again = await gw.database.db
        .selectFrom('model_prices')
        .select('id')
        .where('model_id', '=', pricedId)
        .execute()
      expect(again).toHaveLength(2)
    })

    it('takes prices from KEYGATE_MODELS_FILE, the file being the whole truth for its models', async () => {
      const db = gw.database.db
      const apply = (price?: number) =>
        applyModelsFile(db, [
          ModelSpec.parse({
            name: 'file-priced',
            ...(price === undefined
              ? {}
              : { input_price_per_mtok: price, output_price_per_mtok: 2 }),
          }),
        ])
      expect((await apply(1)).created).toEqual(['file-priced'])
      expect((await apply(1)).updated).toEqual([])
      expect((await apply(3)).updated).toEqual(['file-priced'])
      expect((await apply()).updated).toEqual(['file-priced'])
      const history = await db
        .selectFrom('model_prices')
        .innerJoin('models', 'models.id', 'model_prices.model_id')
        .select(['input_price_per_mtok', 'output_price_per_mtok'])
        .where('models.name', '=', 'file-priced')
        .orderBy('model_prices.id')
        .execute()
      expect(history.map((r) => [r.input_price_per_mtok, r.output_price_per_mtok])).toEqual([
        ['1', '2'],
        ['3', '2'],
        [null, null],
      ])
    })

    it('takes the currency from the settings table', async () => {
      const put = (currency: unknown) =>
        fetch(`${gw.url}/v2/settings`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${admin.value}`, 'content-type': 'application/json' },
          body: JSON.stringify({ currency }),
        })
      expect((await put('EUR')).status).toBe(200)
      expect((await report(alice, '')).currency).toBe('EUR')
      const refused = await put('euro')
      expect(refused.status).toBe(422)
      expect(((await refused.json()) as { error: { param: string } }).error.param).toBe('currency')
      expect((await report(alice, '')).currency).toBe('EUR')
      expect((await put('USD')).status).toBe(200)
      expect((await report(alice, '')).currency).toBe('USD')
    })

    it('answers format=csv with exactly the JSON’s lines, quoted, in the order asked for', async () => {
      for (const query of [
        `?group_by=day,api_key,model&from=${lastMonth}&to=${today}&sort_by=-prompt_tokens`,
        '?group_by=model&sort_by=model',
        '?group_by=api_key',
        '?group_by=day&from=2020-01-01&to=2020-01-02',
      ]) {
        const json = await report(alice, query)
        const res = await call(alice, 'GET', `/v2/usage${query}&format=csv`)
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
        expect(res.headers.get('content-disposition')).toBe(
          `attachment; filename="usage-${json.from}-${json.to}.csv"`,
        )
        const [header, ...lines] = parseCsv(await res.text())
        const columns = header ?? []
        expect(columns).toEqual(
          json.items[0] === undefined
            ? expect.arrayContaining(['requests'])
            : Object.keys(json.items[0]),
        )
        const fromJson = json.items.map((item) =>
          columns.map((c) => {
            const v = (item as unknown as Record<string, unknown>)[c]
            if (v === null || v === undefined) {
              return ''
            }
            return typeof v === 'string' && /^[=+\-@]/.test(v) ? `'${v}` : String(v)
          }),
        )
        expect(lines).toEqual(fromJson)
      }
    })

    it('is described in the OpenAPI document as JSON and text/csv', async () => {
      const doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as {
        paths: Record<string, { get?: { responses: Record<string, { content?: object }> } }>
      }
      const content = doc.paths['/v2/usage']?.get?.responses['200']?.content ?? {}
      expect(Object.keys(content).sort()).toEqual(['application/json', 'text/csv'])
    })

    it('quotes a field with a quote, comma or newline and defuses a formula', async () => {
      const res = await call(
        alice,
        'GET',
        '/v2/usage?group_by=api_key&format=csv&sort_by=api_key_id',
      )
      const text = await res.text()
      expect(text).toContain('"say ""hi"", then\nleave"')
      expect(text).toContain(`"'=HYPERLINK(""x"")"`)
      expect(text.endsWith('\r\n')).toBe(true)
      const names = parseCsv(text)
        .slice(1)
        .map((r) => r[1])
      expect(names).toEqual(['main', 'say "hi", then\nleave', `'=HYPERLINK("x")`])
    })

    it('sorts by a metric, descending, nulls last', async () => {
      const r = await report(alice, `?group_by=model&from=${lastMonth}&to=${today}&sort_by=-cost`)
      expect(r.items.map((i) => i.model)).toEqual(['priced', 'free'])
      const asc = await report(alice, `?group_by=model&from=${lastMonth}&to=${today}&sort_by=cost`)
      expect(asc.items.map((i) => i.model)).toEqual(['priced', 'free'])
    })
  })

  describe('errors', () => {
    it.each([
      [{ input_price_per_mtok: -1 }, 'input_price_per_mtok'],
      [{ output_price_per_mtok: -0.01 }, 'output_price_per_mtok'],
      [{ input_price_per_mtok: '1.5' }, 'input_price_per_mtok'],
      [{ output_price_per_mtok: true }, 'output_price_per_mtok'],
      [{ input_price_per_mtok: 1e12 }, 'input_price_per_mtok'],
    ])('refuses the price %o with 422 on create and update', async (price, param) => {
      const create = await call(admin, 'POST', '/v2/models', { name: 'bad-price', ...price })
      expect(create.status).toBe(422)
      expect(await create.json()).toMatchObject({ error: { code: 'validation_error', param } })
      const update = await call(admin, 'PUT', `/v2/models/${pricedId}`, price)
      expect(update.status).toBe(422)
      expect(await update.json()).toMatchObject({ error: { code: 'validation_error', param } })
    })

    it.each([
      ['?format=xml', 'format'],
      ['?sort_by=password', 'sort_by'],
    ])('refuses %s with 422 naming %s', async (query, param) => {
      const res = await call(alice, 'GET', `/v2/usage${query}`)
      expect(res.status).toBe(422)
      expect(await res.json()).toMatchObject({ error: { code: 'validation_error', param } })
    })
  })

  describe('security', () => {
    it('lets only an admin set a price', async () => {
      const res = await call(alice, 'PUT', `/v2/models/${pricedId}`, { input_price_per_mtok: 0 })
      expect(res.status).toBe(403)
      const [row] = (
        await sql<{
          n: number
        }>`select count(*)::int as n from model_prices where model_id = ${pricedId}`.execute(
          gw.database.db,
        )
      ).rows
      expect(row?.n).toBe(2)
    })

    it('shows a user only their own keys in the CSV too', async () => {
      const res = await call(alice, 'GET', '/v2/usage?group_by=api_key&user_id=*&format=csv')
      expect(res.status).toBe(403)
      expect(res.headers.get('content-type')).toContain('application/json')
    })
  })
})
