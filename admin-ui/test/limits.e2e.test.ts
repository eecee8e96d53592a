import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UNSHARED_WARNING } from '../../gateway/src/limits/replica-heartbeat.js'
import { seedKey } from '../../gateway/test/support/seed.js'
import {
  ADMIN_PASSWORD,
  startGateway,
  type TestGateway,
} from '../../gateway/test/support/test-app.js'
import { launchBrowser, logInAndWait, newContext, screenshots } from './support/browser.js'
import { chat, type E2eEnv, errorCode, MODEL_A, startE2eEnv } from './support/e2e-env.js'

/** Limits in the browser, as the admin: set on a key and a user, in force at once, and their use in the table. */
describe('Limits (admin)', () => {
  let browser: Browser
  let env: E2eEnv
  let context: BrowserContext
  let page: Page
  const shot = screenshots('limits')
  const row = (name: string) => page.getByRole('row').filter({ hasText: name })
  let value = ''

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

  it('refuses a limit of 0 beside its field, then creates a key with rpm and a budget', async () => {
    await page.getByRole('button', { name: 'Add API Key' }).click()
    const form = page.getByRole('dialog', { name: 'Add API Key' })
    await form.getByLabel('Name', { exact: true }).fill('limited-bot')
    await form.getByLabel('Parallel requests').fill('0')
    await form.getByRole('button', { name: 'Save' }).click()
    await form.getByText('Enter a whole number of at least 1').waitFor()
    await form.getByLabel('Parallel requests').fill('')
    await form.getByLabel('Requests per minute').fill('1')
    await form.getByLabel('Token budget').fill('5000')
    await form.getByLabel('Budget period').selectOption('day')
    await shot(page, 'add-key-limits')
    await form.getByRole('button', { name: 'Save' }).click()
    const shown = page.getByRole('dialog', { name: 'API key created' })
    await shown.waitFor()
    value = ((await shown.getByTestId('new-key-value').textContent()) ?? '').trim()
    await shown.getByRole('button', { name: 'Done' }).click()
    await row('limited-bot').getByText('1 rpm · 5,000 tokens/day').waitFor()

    expect((await chat(env.gw.url, value, MODEL_A)).status).toBe(200)
    const refused = await chat(env.gw.url, value, MODEL_A)
    expect(refused.status).toBe(429)
    expect(await errorCode(refused)).toBe('rate_limit_exceeded')

    await page.reload()
    const use = row('limited-bot').getByTestId('budget-use')
    await use.waitFor()
    expect(await use.textContent()).toMatch(
      /^[1-9][\d,]* of 5,000 tokens used this day, 1 refused$/,
    )
    await shot(page, 'keys-table-use')

    // The key's usage dialog shows the same limits and their use in this period.
    await row('limited-bot').getByRole('button', { name: 'Usage' }).click()
    const dialog = page.getByRole('dialog', { name: 'Usage of “limited-bot”' })
    const inDialog = dialog.getByTestId('key-limit-use')
    await inDialog.waitFor()
    expect(await dialog.locator('[data-slot="key-limits"]').textContent()).toContain(
      '1 rpm · 5,000 tokens/day',
    )
    expect(await inDialog.textContent()).toMatch(
      /^This day \(since \d{4}-\d{2}-\d{2}\): 1 requests, [1-9][\d,]* of 5,000 tokens, 1 refused by a limit\.$/,
    )
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
  })

  it('Edit key changes a limit; the next request passes it', async () => {
    await row('limited-bot').getByRole('button', { name: 'Edit' }).click()
    const edit = page.getByRole('dialog', { name: /Edit API Key/ })
    expect(await edit.getByLabel('Requests per minute').inputValue()).toBe('1')
    await edit.getByLabel('Requests per minute').fill('100')
    await edit.getByRole('button', { name: 'Save' }).click()
    await row('limited-bot').getByText('100 rpm · 5,000 tokens/day').waitFor()
    // Refused a moment ago at 1 rpm; within the minute, 100 rpm lets it through.
    expect((await chat(env.gw.url, value, MODEL_A)).status).toBe(200)
  })

  it("Edit user sets the user's limits over all of their keys", async () => {
    const key = await seedKey(env.gw.database.db, { userId: env.alice.id })
    await env.gw.deps.changes.catchUp()
    await page.getByRole('link', { name: 'Users' }).click()
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor()
    await row('alice').getByRole('button', { name: 'Edit' }).click()
    const edit = page.getByRole('dialog', { name: /Edit user/ })
    await edit.getByLabel('Requests per minute').fill('1')
    await shot(page, 'edit-user-limits')
    await edit.getByRole('button', { name: 'Save' }).click()
    await edit.waitFor({ state: 'detached' })
    expect((await chat(env.gw.url, key.value, MODEL_A)).status).toBe(200)
    expect((await chat(env.gw.url, key.value, MODEL_A)).status).toBe(429)
  })

  it('warns admins while a second replica counts limits in its own memory', async () => {
    let second: TestGateway | undefined
    try {
      second = await startGateway(env.gw.testDb)
      await env.gw.deps.heartbeat.beat()
      await page.reload()
      await page.getByRole('alert').filter({ hasText: UNSHARED_WARNING }).waitFor()
      await shot(page, 'unshared-banner')
    } finally {
      await second?.close()
    }
  })
})
