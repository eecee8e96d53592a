import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI_ACTOR } from '../../gateway/src/audit/audit-log.js'
import { unlockLogins } from '../../gateway/src/auth/login-unlock.js'
import { ADMIN_PASSWORD } from '../../gateway/test/support/test-app.js'
import { launchBrowser, logInAndWait, newContext, screenshots } from './support/browser.js'
import { type E2eEnv, MODEL_A, startE2eEnv } from './support/e2e-env.js'

type Api = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>

/** The admin's session through the real API, as another browser tab or a script would change things. */
async function adminApi(baseUrl: string): Promise<Api> {
  const login = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  })
  expect(login.status).toBe(200)
  const cookie = login.headers.getSetCookie()[0]?.split(';')[0] ?? ''
  return async (method, path, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        cookie,
        'sec-fetch-site': 'same-origin',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    expect(res.status, `${method} ${path}`).toBeLessThan(300)
    const text = await res.text()
    return text === '' ? {} : JSON.parse(text)
  }
}

/** The Audit log page: changes made through the API appear with old → new values, and the filters narrow them. */
describe('Audit log page (admin)', () => {
  let browser: Browser
  let env: E2eEnv
  let context: BrowserContext
  let page: Page
  let keyId = 0
  let keyValue = ''
  const shot = screenshots('audit-log')
  const entries = () => page.getByTestId('audit-entry')
  const entry = (text: string) => entries().filter({ hasText: text })

  /** Waits until the list shows exactly `n` entries, each containing `text`. */
  async function expectEntries(n: number, text?: string) {
    await page.waitForFunction(
      ([count, needle]) => {
        if (document.querySelector('[aria-busy="true"]') !== null) {
          return false
        }
        const rows = [...document.querySelectorAll('[data-testid="audit-entry"]')]
        return (
          rows.length === count &&
          rows.every((r) => needle === '' || r.textContent?.includes(needle))
        )
      },
      [n, text ?? ''] as const,
    )
  }

  beforeAll(async () => {
    browser = await launchBrowser()
    env = await startE2eEnv()
    const api = await adminApi(env.gw.url)
    await api('PUT', `/v2/users/${env.alice.id}`, { full_name: 'Alice Liddell', is_admin: true })
    const created = await api('POST', '/v2/api-keys', { name: 'audited-key', scope: ['inference'] })
    keyId = Number(created.id)
    keyValue = String(created.value)
    await api('PUT', `/v2/api-keys/${keyId}`, {
      description: 'for the nightly job',
      allowed_model_names: [MODEL_A],
    })
    const models = (await api('GET', '/v2/models')) as { items: { id: number; name: string }[] }
    const modelA = models.items.find((m) => m.name === MODEL_A)
    await api('PUT', `/v2/models/${modelA?.id}`, { description: 'the first model' })
    // What `keygate unlock --user bob` records.
    await unlockLogins(env.gw.database.db, { username: 'bob' }, CLI_ACTOR)
    await env.gw.deps.changes.catchUp()

    context = await newContext(browser, env.gw.url)
    page = await context.newPage()
    await logInAndWait(page, env.gw.url, 'admin', ADMIN_PASSWORD)
    await page.getByRole('link', { name: 'Audit log' }).click()
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor()
  })

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await env?.close()
  })

  it('shows who changed what, with old → new values, and never the key', async () => {
    await expectEntries(6)
    const user = entry('user.update')
    expect(await user.textContent()).toContain('admin')
    expect(await user.locator('li', { hasText: 'full_name' }).textContent()).toBe(
      'full_name none → Alice Liddell',
    )
    expect(await user.locator('li', { hasText: 'is_admin' }).textContent()).toBe(
      'is_admin no → yes',
    )
    const key = entry('api_key.update')
    expect(await key.textContent()).toContain('API key “audited-key”')
    expect(await key.locator('li', { hasText: 'description' }).textContent()).toBe(
      'description none → for the nightly job',
    )
    expect(await key.locator('li', { hasText: 'allowed_model_names' }).textContent()).toBe(
      `allowed_model_names none → ${MODEL_A}`,
    )
    expect(await entry('model.update').locator('li').textContent()).toBe(
      'description none → the first model',
    )
    const cli = entry('login.unlock')
    expect(await cli.locator('.badge').textContent()).toBe('CLI')
    const html = await page.content()
    expect(html).not.toContain(keyValue)
    expect(html).not.toContain(keyValue.slice(20))
    await shot(page, 'all-entries')
  })

  it('filters by action', async () => {
    await page.getByLabel('Action').selectOption('api_key.update')
    await expectEntries(1, 'api_key.update')
    expect(page.url()).toContain('action=api_key.update')
    await shot(page, 'filter-action')
    await page.getByLabel('Action').selectOption('')
    await expectEntries(6)
  })

  it('filters by actor: the CLI, or one user', async () => {
    await page.getByLabel('Actor').selectOption('kind:cli')
    await expectEntries(1, 'login.unlock')
    await shot(page, 'filter-actor-cli')
    await page.getByLabel('Actor').selectOption({ label: 'admin' })
    await expectEntries(4, 'admin')
    await page.getByLabel('Actor').selectOption('')
    await expectEntries(6)
  })

  it('filters by target type and id', async () => {
    await page.getByLabel('Target type').selectOption('api_key')
    await expectEntries(2, 'audited-key')
    await page.getByLabel('Target id').fill(String(keyId + 1000))
    await page.getByRole('button', { name: 'Apply' }).click()
    await expectEntries(0)
    await page.getByText('No audit entries match.').waitFor()
    await page.getByLabel('Target id').fill(String(keyId))
    await page.getByRole('button', { name: 'Apply' }).click()
    await expectEntries(2, `#${keyId}`)
    await shot(page, 'filter-target')
    await page.getByRole('button', { name: 'Clear filters' }).click()
    await expectEntries(6)
  })

  it('filters by days, and says so when To is before From', async () => {
    const day = (offset: number) =>
      new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)
    await page.getByLabel('From').fill(day(-1))
    await page.getByLabel('To', { exact: true }).fill(day(1))
    await expectEntries(6)
    await page.getByLabel('From').fill(day(2))
    await page.getByLabel('To', { exact: true }).fill('')
    await expectEntries(0)
    await page.getByLabel('To', { exact: true }).fill(day(1))
    await page.getByRole('alert').filter({ hasText: 'must not be before from' }).waitFor()
    await shot(page, 'filter-bad-range')
    await page.getByRole('button', { name: 'Clear filters' }).click()
    await expectEntries(6)
    expect(await page.getByRole('alert').count()).toBe(0)
  })

  it('keeps the filters in the address bar: reload and Back show the same list', async () => {
    await page.getByLabel('Action').selectOption('user.update')
    await expectEntries(1, 'user.update')
    await page.reload()
    await expectEntries(1, 'user.update')
    expect(await page.getByLabel('Action').inputValue()).toBe('user.update')
    await page.goBack()
    await expectEntries(6)
  })

  it('is for administrators only: a user is shown the API Keys page', async () => {
    const other = await (await browser.newContext()).newPage()
    await logInAndWait(other, env.gw.url, env.bob.username, env.bob.password)
    expect(await other.getByRole('link', { name: 'Audit log' }).count()).toBe(0)
    await other.goto(`${env.gw.url}/audit-log`)
    await other.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor()
    await other.context().close()
  })
})
