import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD } from '../../gateway/test/support/test-app.js'
import { launchBrowser, logInAndWait, newContext, screenshots } from './support/browser.js'
import { type E2eEnv, startE2eEnv } from './support/e2e-env.js'

/** The API reference page renders the gateway's own /openapi.json. */
describe('API reference page', () => {
  let browser: Browser
  let env: E2eEnv
  let context: BrowserContext
  let page: Page
  const shot = screenshots('api-docs')

  beforeAll(async () => {
    browser = await launchBrowser()
    env = await startE2eEnv()
    context = await newContext(browser, env.gw.url)
    page = await context.newPage()
    await logInAndWait(page, env.gw.url, 'admin', ADMIN_PASSWORD)
  })

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await env?.close()
  })

  it('lists every operation of the document by tag, with a request body’s fields', async () => {
    await page.getByRole('link', { name: 'API reference' }).click()
    await page.getByRole('heading', { name: 'API reference', level: 1 }).waitFor()
    const doc = (await (await fetch(`${env.gw.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>
    }
    const count = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0)
    await expect.poll(() => page.locator('details.api-op').count()).toBe(count)
    const keys = page.getByRole('region', { name: 'API keys' })
    const create = keys.locator('details.api-op', { hasText: 'Create a key for the caller' })
    await create.locator('summary').click()
    const body = create.getByRole('table').filter({ hasText: 'JSON body' })
    await expect
      .poll(() => body.getByRole('row').filter({ hasText: 'allowed_model_names' }).count())
      .toBe(1)
    expect(await body.getByRole('row').filter({ hasText: 'name' }).first().textContent()).toContain(
      'yes',
    )
    await shot(page, 'api-reference')
  })
})
