import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedKey } from '../../gateway/test/support/seed.js'
import { launchBrowser, logInAndWait, newContext, screenshots } from './support/browser.js'
import { chat, type E2eEnv, MODEL_A, startE2eEnv } from './support/e2e-env.js'

/** A regular user sees and touches only their own keys, and reads models without editing them. */
describe('a regular user in the browser', () => {
  let browser: Browser
  let env: E2eEnv
  let context: BrowserContext
  let page: Page
  let aliceKey: { id: number; value: string }
  const shot = screenshots('user-isolation')

  beforeAll(async () => {
    browser = await launchBrowser()
    env = await startE2eEnv()
    aliceKey = await seedKey(env.gw.database.db, { userId: env.alice.id, name: 'alice-secret-key' })
    await env.gw.deps.changes.catchUp()
    context = await newContext(browser, env.gw.url)
    page = await context.newPage()
    await logInAndWait(page, env.gw.url, env.bob.username, env.bob.password)
  })

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await env?.close()
  })

  it("lists only the user's own keys, with no All users switch and no Users page", async () => {
    await page.getByRole('button', { name: 'Add API Key' }).click()
    const form = page.getByRole('dialog', { name: 'Add API Key' })
    await form.getByLabel('Name', { exact: true }).fill('bob-key')
    await form.getByRole('button', { name: 'Save' }).click()
    await page
      .getByRole('dialog', { name: 'API key created' })
      .getByRole('button', { name: 'Done' })
      .click()
    await page.getByRole('row').filter({ hasText: 'bob-key' }).waitFor()
    const body = await page.locator('body').textContent()
    expect(body).not.toContain('alice-secret-key')
    expect(await page.getByRole('button', { name: 'All users' }).count()).toBe(0)
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0)
    await shot(page, 'own-keys-only')

    await page.goto(`${env.gw.url}/users`)
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor()
    expect(await page.getByRole('heading', { name: 'Users' }).count()).toBe(0)
  })

  it("cannot read, edit or delete another user's key through the session", async () => {
    const results = await page.evaluate(async (id) => {
      const put = await fetch(`/v2/api-keys/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ is_active: false }),
      })
      const del = await fetch(`/v2/api-keys/${id}`, { method: 'DELETE' })
      const get = await fetch(`/v2/api-keys/${id}`)
      const all = await fetch('/v2/api-keys?user_id=*')
      const other = await fetch('/v2/api-keys?search=alice')
      return {
        put: put.status,
        del: del.status,
        get: get.status,
        all: all.status,
        other: ((await other.json()) as { items: unknown[] }).items.length,
      }
    }, aliceKey.id)
    expect(results).toEqual({ put: 404, del: 404, get: 404, all: 403, other: 0 })
    expect((await chat(env.gw.url, aliceKey.value, MODEL_A)).status).toBe(200)
  })

  it('reads the models it may use, without admin controls', async () => {
    await page.getByRole('link', { name: 'Models' }).click()
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor()
    await page.getByRole('row').filter({ hasText: MODEL_A }).waitFor()
    expect(await page.getByRole('button', { name: 'Add model' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(0)
    await shot(page, 'models-read-only')
  })
})
