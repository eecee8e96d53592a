import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UsageItem, UsageReport } from '../../gateway/src/routes/v2/usage.js'
import { parseCsv } from '../../gateway/test/support/csv.js'
import { seedKey } from '../../gateway/test/support/seed.js'
import { ADMIN_PASSWORD } from '../../gateway/test/support/test-app.js'
import { launchBrowser, logInAndWait, newContext, screenshots } from './support/browser.js'
import { adminId, chat, type E2eEnv, MODEL_A, MODEL_B, startE2eEnv } from './support/e2e-env.js'

interface ChartData {
  labels: string[]
  datasets: { label: string; data: number[] }[]
}

const tokens = (i: UsageItem) => i.prompt_tokens + i.completion_tokens
const today = () => new Date().toISOString().slice(0, 10)

/** The Usage page against real proxied requests: charts, totals, filters, table and CSV agree with /v2/usage. */
describe('Usage page', () => {
  let browser: Browser
  let env: E2eEnv
  let context: BrowserContext
  let page: Page
  let adminKey = ''
  let aliceKey = ''
  let aliceKeyId = 0
  const shot = screenshots('usage')

  async function api(path: string, init: { method?: string; body?: unknown; key?: string } = {}) {
    const res = await fetch(`${env.gw.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${init.key ?? adminKey}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    })
    expect(res.status).toBeLessThan(300)
    return res.json() as Promise<unknown>
  }
  const report = (query: string, key?: string) =>
    api(`/v2/usage${query}`, key === undefined ? {} : { key }) as Promise<UsageReport>

  /** The chart's numbers, from its data-chart attribute, once it has them. */
  async function chart(title: string): Promise<ChartData> {
    const figure = page.locator(`figure.chart[aria-label="${title}"]`)
    await figure.waitFor()
    return JSON.parse((await figure.getAttribute('data-chart')) ?? '{}') as ChartData
  }
  async function total(name: string): Promise<string> {
    return (await page.locator(`[data-total="${name}"]`).textContent()) ?? ''
  }
  /** Waits until the page shows `expected` requests in total (the filters' answer has arrived). */
  async function waitForTotal(expected: number) {
    await page
      .locator(`[data-total="requests"]`, { hasText: new RegExp(`^${expected}$`) })
      .waitFor()
  }
  async function tableCells(): Promise<string[][]> {
    const table = page.getByRole('table', { name: 'Usage lines' })
    return table
      .locator('tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      )
  }

  beforeAll(async () => {
    browser = await launchBrowser()
    env = await startE2eEnv()
    const db = env.gw.database.db
    const both: ('inference' | 'management')[] = ['inference', 'management']
    adminKey = (await seedKey(db, { userId: await adminId(env.gw), name: 'ops', scope: both }))
      .value
    const alice = await seedKey(db, { userId: env.alice.id, name: 'alice-main', scope: both })
    aliceKey = alice.value
    aliceKeyId = alice.id
    await env.gw.deps.changes.catchUp()
    // Prices for model-a only, through the API: cost appears for its lines alone.
    const models = (await api('/v2/models')) as { items: { id: number; name: string }[] }
    const modelA = models.items.find((m) => m.name === MODEL_A)
    await api(`/v2/models/${modelA?.id}`, {
      method: 'PUT',
      body: { input_price_per_mtok: 1000, output_price_per_mtok: 3000 },
    })
    // Real proxied requests to the fake engine.
    for (const [key, model] of [
      [aliceKey, MODEL_A],
      [aliceKey, MODEL_A],
      [aliceKey, MODEL_A],
      [aliceKey, MODEL_B],
      [adminKey, MODEL_B],
      [adminKey, MODEL_B],
    ] as const) {
      expect((await chat(env.gw.url, key, model)).status).toBe(200)
    }
    context = await newContext(browser, env.gw.url)
    page = await context.newPage()
    await logInAndWait(page, env.gw.url, 'admin', ADMIN_PASSWORD)
    await page.getByRole('link', { name: 'Usage' }).click()
    await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor()
  })

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await env?.close()
  })

  it('draws tokens per day by model and requests per day exactly as /v2/usage reports them', async () => {
    await waitForTotal(6)
    const api30 = await report('?group_by=day,model&user_id=*')
    const tokensChart = await chart('Tokens per day by model')
    expect(tokensChart.labels).toHaveLength(30)
    expect(tokensChart.labels.at(-1)).toBe(today())
    expect(tokensChart.datasets.map((d) => d.label)).toEqual([MODEL_A, MODEL_B])
    for (const dataset of tokensChart.datasets) {
      const line = api30.items.find((i) => i.model === dataset.label && i.day === today())
      expect(dataset.data.at(-1)).toBe(line === undefined ? 0 : tokens(line))
      expect(dataset.data.slice(0, -1).every((v) => v === 0)).toBe(true)
    }
    const requests = await chart('Requests and errors per day')
    expect(requests.datasets.map((d) => [d.label, d.data.at(-1)])).toEqual([
      ['Requests', 6],
      ['Errors', 0],
    ])
    // The page's totals equal the API's sums for the same filters.
    const byDay = await report('?group_by=day&user_id=*')
    expect(await total('requests')).toBe(String(byDay.items.reduce((n, i) => n + i.requests, 0)))
    expect(await total('tokens')).toBe(String(byDay.items.reduce((n, i) => n + tokens(i), 0)))
    expect(Number(await total('cost'))).toBeCloseTo(
      byDay.items.reduce((n, i) => n + (i.cost ?? 0), 0),
      6,
    )
    expect(byDay.items[0]?.cost).toBeGreaterThan(0)
    const cost = await chart('Cost per day by model (USD)')
    expect(cost.datasets.find((d) => d.label === MODEL_B)?.data.at(-1)).toBe(0)
    await shot(page, 'admin-all-users')
  })

  it('shows the top keys and, for an admin, the top users by tokens', async () => {
    const byKey = await report('?group_by=api_key&user_id=*')
    const keys = await chart('Top keys by tokens')
    const expected = byKey.items
      .map((i) => ({ label: `${i.api_key_name} #${i.api_key_id}`, value: tokens(i) }))
      .sort((a, b) => b.value - a.value)
    expect(keys.labels).toEqual(expected.map((e) => e.label))
    expect(keys.datasets[0]?.data).toEqual(expected.map((e) => e.value))
    const users = await chart('Top users by tokens')
    expect(users.labels.sort()).toEqual(['admin', 'alice'])
  })

  it('filters by user and by model, and the charts and totals follow', async () => {
    await page.getByLabel('User', { exact: true }).selectOption({ label: 'alice' })
    await waitForTotal(4)
    const alice = await report(`?group_by=day&user_id=${env.alice.id}`)
    expect(await total('tokens')).toBe(String(alice.items.reduce((n, i) => n + tokens(i), 0)))
    expect((await chart('Top keys by tokens')).labels).toEqual([`alice-main #${aliceKeyId}`])

    await page.getByLabel('Model', { exact: true }).selectOption(MODEL_A)
    await waitForTotal(3)
    const tokensChart = await chart('Tokens per day by model')
    expect(tokensChart.datasets.map((d) => d.label)).toEqual([MODEL_A])
    await page.getByLabel('Model', { exact: true }).selectOption({ label: 'All models' })
    await page.getByLabel('User', { exact: true }).selectOption({ label: 'All users' })
    await waitForTotal(6)

    // A custom range without today shows nothing.
    await page.getByLabel('Time range').selectOption({ label: 'Custom (UTC days)' })
    await page.getByLabel('From (UTC)').fill('2020-01-01')
    await page.getByLabel('To (UTC)').fill('2020-01-31')
    await waitForTotal(0)
    expect((await chart('Tokens per day by model')).labels).toHaveLength(31)
    await page.getByLabel('Time range').selectOption({ label: 'Last 7 days' })
    await waitForTotal(6)
    expect((await chart('Tokens per day by model')).labels).toHaveLength(7)
  })

  it('lists the same numbers in a sortable table, and the CSV download is exactly the table', async () => {
    await page.getByLabel('Group by').selectOption({ label: 'Day, key and model' })
    await page.getByRole('button', { name: 'Prompt tokens' }).click()
    await page
      .getByRole('columnheader', { name: /Prompt tokens/ })
      .and(page.locator('[aria-sort="descending"]'))
      .waitFor()
    const cells = await tableCells()
    const api = await report(
      '?group_by=day,api_key,model&user_id=*&from=' +
        (await rangeFrom()) +
        '&sort_by=-prompt_tokens',
    )
    expect(cells).toHaveLength(api.items.length)
    expect(cells.map((r) => Number(r[8]))).toEqual(api.items.map((i) => i.prompt_tokens))

    const href = (await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')) ?? ''
    expect(href).toContain('format=csv')
    const csv = await page.evaluate(async (url) => {
      const res = await fetch(url)
      return { type: res.headers.get('content-type'), text: await res.text() }
    }, href)
    expect(csv.type).toBe('text/csv; charset=utf-8')
    const [header, ...rows] = parseCsv(csv.text)
    expect(header).toEqual([
      'day',
      'api_key_id',
      'api_key_name',
      'user_id',
      'username',
      'api_key_deleted',
      'model',
      'requests',
      'prompt_tokens',
      'completion_tokens',
      'errors',
      'refused',
      'cost',
    ])
    expect(rows).toEqual(cells)
    await shot(page, 'table')
  })

  it('opens a key’s last 30 days and last use from the API Keys page', async () => {
    await page.getByRole('link', { name: 'API Keys' }).click()
    await page.getByRole('button', { name: 'All users' }).click()
    const row = page.getByRole('row').filter({ hasText: 'alice-main' })
    await row.getByRole('button', { name: 'Usage' }).click()
    const dialog = page.getByRole('dialog', { name: 'Usage of “alice-main”' })
    await dialog.getByText('Last used:').waitFor()
    expect(await dialog.textContent()).not.toContain('Never')
    const mine = await report(`?group_by=day&api_key_id=${aliceKeyId}&user_id=${env.alice.id}`)
    const small = JSON.parse(
      (await dialog.locator('figure.chart').getAttribute('data-chart')) ?? '{}',
    ) as ChartData
    expect(small.labels).toHaveLength(30)
    expect(small.datasets[0]?.data.at(-1)).toBe(tokens(mine.items[0] as UsageItem))
    expect(await dialog.locator('[data-slot="key-limits"]').count()).toBe(1)
    await shot(page, 'key-usage')
    await dialog.getByRole('link', { name: 'Open in Usage' }).click()
    await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor()
    await waitForTotal(4)
    expect(await page.getByLabel('API key', { exact: true }).inputValue()).toBe(String(aliceKeyId))
  })

  it('edits a model’s prices in the Models dialog, and today’s cost follows', async () => {
    await page.getByRole('link', { name: 'Models' }).click()
    const row = page.getByRole('row').filter({ hasText: MODEL_B })
    await row.getByRole('button', { name: 'Edit' }).click()
    const form = page.getByRole('dialog', { name: /Edit model/ })
    await form.getByLabel('Input price per 1M tokens').fill('-2')
    await form.getByRole('button', { name: 'Save' }).click()
    await form.getByText('The price is a number of at least 0, or blank for none.').waitFor()
    await form.getByLabel('Input price per 1M tokens').fill('500')
    await form.getByLabel('Output price per 1M tokens').fill('0')
    await form.getByRole('button', { name: 'Save' }).click()
    await page.getByText('The change is in force immediately.').waitFor()
    const models = (await api('/v2/models')) as {
      items: { name: string; input_price_per_mtok: number | null }[]
    }
    expect(models.items.find((m) => m.name === MODEL_B)?.input_price_per_mtok).toBe(500)
    await row.getByText('500 / 0').waitFor()

    await page.getByRole('link', { name: 'Usage' }).click()
    await page.getByLabel('API key', { exact: true }).selectOption({ label: 'All keys' })
    await waitForTotal(6)
    const byModel = await report('?group_by=model&user_id=*')
    const b = byModel.items.find((i) => i.model === MODEL_B)
    expect(b?.cost).toBeCloseTo(((b?.prompt_tokens ?? 0) * 500) / 1e6, 6)
    const cost = await chart('Cost per day by model (USD)')
    expect(cost.datasets.find((d) => d.label === MODEL_B)?.data.at(-1)).toBeCloseTo(
      b?.cost ?? -1,
      6,
    )
  })

  it('shows a user only their own usage, with no user filter', async () => {
    const own = await browser.newContext({ viewport: { width: 1360, height: 900 } })
    try {
      const p = await own.newPage()
      await logInAndWait(p, env.gw.url, 'alice', env.alice.password)
      await p.getByRole('link', { name: 'Usage' }).click()
      await p.locator('[data-total="requests"]', { hasText: /^4$/ }).waitFor()
      expect(await p.getByLabel('User', { exact: true }).count()).toBe(0)
      expect(await p.locator('figure.chart[aria-label="Top users by tokens"]').count()).toBe(0)
      const mine = await report('?group_by=day', aliceKey)
      expect(mine.items.reduce((n, i) => n + i.requests, 0)).toBe(4)
    } finally {
      await own.close()
    }
  })

  async function rangeFrom(): Promise<string> {
    const text = (await page.getByTestId('usage-range').textContent()) ?? ''
    return text.slice(0, 10)
  }
})
