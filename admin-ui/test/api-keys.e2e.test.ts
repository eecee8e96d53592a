import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedKey } from '../../gateway/test/support/seed.js'
import { ADMIN_PASSWORD } from '../../gateway/test/support/test-app.js'
import {
  launchBrowser,
  logInAndWait,
  newContext,
  pageTextAndValues,
  screenshots,
} from './support/browser.js'
import {
  adminId,
  chat,
  type E2eEnv,
  errorCode,
  MODEL_A,
  MODEL_B,
  startE2eEnv,
} from './support/e2e-env.js'

/** GPUStack's API-key lifecycle in the browser, as the admin: add, shown once, use, edit, delete, list. */
describe('API Keys page (admin)', () => {
  let browser: Browser
  let env: E2eEnv
  let context: BrowserContext
  let page: Page
  let ciBotValue = ''
  let customValue = ''
  const shot = screenshots('api-keys')
  const row = (name: string) => page.getByRole('row').filter({ hasText: name })

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

  it('creates a key for one model; the full key is shown once, then only masked', async () => {
    await shot(page, 'empty-list')
    await page.getByRole('button', { name: 'Add API Key' }).click()
    const form = page.getByRole('dialog', { name: 'Add API Key' })
    await form.getByLabel('Name', { exact: true }).fill('ci-bot')
    await form.getByLabel('Description').fill('nightly runs')
    await form.getByLabel('Expiration', { exact: true }).selectOption({ label: '1 month' })
    expect(await form.getByRole('radio', { name: 'Auto-generated' }).isChecked()).toBe(true)
    expect(await form.getByRole('checkbox', { name: 'Model Access' }).isChecked()).toBe(true)
    await form.getByRole('radio', { name: 'Allowed models' }).check()
    await form.getByRole('checkbox', { name: MODEL_A, exact: true }).check()
    await shot(page, 'add-form-filled')
    await form.getByRole('button', { name: 'Save' }).click()

    const shown = page.getByRole('dialog', { name: 'API key created' })
    await shown.waitFor()
    ciBotValue = ((await shown.getByTestId('new-key-value').textContent()) ?? '').trim()
    expect(ciBotValue).toMatch(/^kg_[0-9a-f]{16}_[0-9a-f]{32}$/)
    await shown.getByText('It will not be shown again.').waitFor()
    await shown.getByRole('button', { name: 'Copy', exact: true }).click()
    await shown.getByText('Copied').waitFor()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(ciBotValue)
    await shown.getByText('Try it with this key').click()
    const curl = await shown.locator('pre').first().textContent()
    expect(curl).toContain(ciBotValue)
    expect(curl).toContain(`"model": "${MODEL_A}"`)
    await shot(page, 'shown-once-dialog')
    await shown.getByRole('button', { name: 'Done' }).click()
    await shown.waitFor({ state: 'detached' })

    const masked = `kg_${ciBotValue.slice(3, 11)}…${ciBotValue.slice(-4)}`
    await row('ci-bot').getByText(masked).waitFor()
    const text = (await row('ci-bot').textContent()) ?? ''
    expect(text).toContain('nightly runs')
    expect(text).toContain(`Model Access: ${MODEL_A}`)
    expect(text).toContain('Active')
    expect(await pageTextAndValues(page)).not.toContain(ciBotValue)
    await page.reload()
    await row('ci-bot').waitFor()
    expect(await pageTextAndValues(page)).not.toContain(ciBotValue)
    await shot(page, 'list-after-done')
  })

  it('the key created in the browser works for its model and gets 404 for another', async () => {
    const ok = await chat(env.gw.url, ciBotValue, MODEL_A)
    expect(ok.status).toBe(200)
    const denied = await chat(env.gw.url, ciBotValue, MODEL_B)
    expect(denied.status).toBe(404)
    expect(await errorCode(denied)).toBe('model_not_found')
  })

  it('the Try it panel shows curl and SDK snippets with the key masked', async () => {
    const panel = page.getByRole('region', { name: 'Try it' })
    const masked = `kg_${ciBotValue.slice(3, 11)}…${ciBotValue.slice(-4)}`
    await panel.getByLabel('API key').selectOption({ label: `ci-bot (${masked})` })
    await panel.getByLabel('Model').selectOption(MODEL_A)
    const snippets = (await panel.locator('pre').allTextContents()).join('\n')
    expect(snippets).toContain(`${env.gw.url}/v1/chat/completions`)
    expect(snippets).toContain(`base_url="${env.gw.url}/v1"`)
    expect(snippets).toContain(masked)
    expect(snippets).not.toContain(ciBotValue)
    await panel.scrollIntoViewIfNeeded()
    await shot(page, 'try-it-panel')
  })

  it('Edit takes effect at once: disabled → 401, enabled with another model → 200', async () => {
    await row('ci-bot').getByRole('button', { name: 'Edit' }).click()
    let edit = page.getByRole('dialog', { name: /Edit API Key/ })
    await edit.getByRole('switch', { name: 'Enabled' }).uncheck()
    await shot(page, 'edit-disable')
    await edit.getByRole('button', { name: 'Save' }).click()
    await page.getByText('The change is in force immediately.').waitFor()
    await row('ci-bot').getByText('Disabled').waitFor()
    const refused = await chat(env.gw.url, ciBotValue, MODEL_A)
    expect(refused.status).toBe(401)
    expect(await errorCode(refused)).toBe('invalid_api_key')

    const before = (await row('ci-bot').textContent()) ?? ''
    await row('ci-bot').getByRole('button', { name: 'Edit' }).click()
    edit = page.getByRole('dialog', { name: /Edit API Key/ })
    await edit.getByLabel('Description').fill('nightly and weekly runs')
    await edit.getByRole('checkbox', { name: MODEL_B, exact: true }).check()
    await edit.getByLabel('Expiration', { exact: true }).selectOption({ label: 'Extend by 1 year' })
    await edit.getByText('New expiration:').waitFor()
    await edit.getByRole('switch', { name: 'Enabled' }).check()
    await shot(page, 'edit-enable-extend')
    await edit.getByRole('button', { name: 'Save' }).click()
    await row('ci-bot').getByText('Active').waitFor()
    const after = (await row('ci-bot').textContent()) ?? ''
    expect(after).toContain(`Model Access: ${MODEL_A}, ${MODEL_B}`)
    expect(after).toContain('nightly and weekly runs')
    expect(after).not.toBe(before)
    expect((await chat(env.gw.url, ciBotValue, MODEL_B)).status).toBe(200)
  })

  it('a Custom key is checked as the API does, and the dialog says it is the typed value', async () => {
    await page.getByRole('button', { name: 'Add API Key' }).click()
    const form = page.getByRole('dialog', { name: 'Add API Key' })
    await form.getByLabel('Name', { exact: true }).fill('custom-one')
    await form.getByRole('radio', { name: 'Custom' }).check()
    await form.getByRole('button', { name: 'Save' }).click()
    await form.getByText('Enter the key value.').waitFor()
    await form.getByLabel('Key', { exact: true }).fill('aaaaaaaaaaaaaaaa')
    await form.getByRole('button', { name: 'Save' }).click()
    await form.getByText('A custom key must not be a single repeated character.').waitFor()
    await shot(page, 'custom-key-refused')
    customValue = 'My-Custom-Key-2025!q'
    await form.getByLabel('Key', { exact: true }).fill(customValue)
    await form.getByRole('button', { name: 'Save' }).click()
    const shown = page.getByRole('dialog', { name: 'API key created' })
    await shown.getByText('This is the custom value you entered.').waitFor()
    expect(await shown.getByTestId('new-key-value').textContent()).toBe(customValue)
    await shown.getByRole('button', { name: 'Done' }).click()
    await row('custom-one')
      .getByText(`…${customValue.slice(-4)}`)
      .waitFor()
    expect(await pageTextAndValues(page)).not.toContain(customValue)
    expect((await chat(env.gw.url, customValue, MODEL_B)).status).toBe(200)
  })

  it('a key with no permission is allowed, the form says it has no access, and it gets 403', async () => {
    await page.getByRole('button', { name: 'Add API Key' }).click()
    const form = page.getByRole('dialog', { name: 'Add API Key' })
    await form.getByLabel('Name', { exact: true }).fill('no-access')
    await form.getByRole('checkbox', { name: 'Model Access' }).uncheck()
    await form.getByText('No permission selected: this key will have no access.').waitFor()
    await shot(page, 'no-permission-form')
    await form.getByRole('button', { name: 'Save' }).click()
    const shown = page.getByRole('dialog', { name: 'API key created' })
    const value = ((await shown.getByTestId('new-key-value').textContent()) ?? '').trim()
    await shown.getByRole('button', { name: 'Done' }).click()
    await row('no-access').getByText('No access').waitFor()
    const res = await chat(env.gw.url, value, MODEL_A)
    expect(res.status).toBe(403)
  })

  it('lists expiry (date, Never, Expired), and searches, sorts and pages', async () => {
    const db = env.gw.database.db
    const userId = await adminId(env.gw)
    await seedKey(db, { userId, name: 'old-expired', expiresAt: new Date(Date.now() - 86_400_000) })
    for (let i = 1; i <= 22; i++) {
      await seedKey(db, { userId, name: `bulk-${String(i).padStart(2, '0')}` })
    }
    await env.gw.deps.changes.catchUp()
    await page.reload()
    await page.getByText('Page 1 of 2').waitFor() // 26 keys, 20 per page
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByText('Page 2 of 2').waitFor()
    await shot(page, 'page-2')

    await page.getByLabel('Rows per page').selectOption('50')
    await page.getByText('Page 1 of 1').waitFor()
    await page.getByRole('button', { name: 'Name' }).click()
    const nameHeader = page.getByRole('columnheader', { name: 'Name' })
    await page.waitForFunction(() =>
      document.querySelector('th[aria-sort="ascending"]')?.textContent?.includes('Name'),
    )
    expect(await nameHeader.getAttribute('aria-sort')).toBe('ascending')
    const firstNames = await page.locator('tbody th[scope="row"]').allTextContents()
    expect(firstNames[0]).toMatch(/^bulk-01/)
    await shot(page, 'sorted-by-name')

    await page.getByPlaceholder('Search by name').fill('old-exp')
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1)
    const expired = (await row('old-expired').textContent()) ?? ''
    expect(expired).toContain('Expired')
    await shot(page, 'search-expired')
    await page.getByPlaceholder('Search by name').fill('bulk-01')
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1)
    expect(await row('bulk-01').locator('td[data-label="Limits"]').textContent()).toBe('None')
    expect(await row('bulk-01').locator('td[data-label="Expiration"]').textContent()).toBe('Never')
    await page.getByPlaceholder('Search by name').fill('')
  })

  it('deletes one key after a confirmation naming it, and a batch of selected rows', async () => {
    await page.getByPlaceholder('Search by name').fill('custom-one')
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1)
    await row('custom-one').getByRole('button', { name: 'Delete' }).click()
    const confirm = page.getByRole('dialog', { name: 'Delete API key' })
    await confirm.getByText('custom-one').waitFor()
    await shot(page, 'delete-confirm')
    await confirm.getByRole('button', { name: 'Delete' }).click()
    await page.getByText('Deleted API key “custom-one”.').waitFor()
    expect((await chat(env.gw.url, customValue, MODEL_A)).status).toBe(401)

    await page.getByPlaceholder('Search by name').fill('bulk-0')
    await row('bulk-09').waitFor()
    await page.getByRole('checkbox', { name: 'Select bulk-01' }).check()
    await page.getByRole('checkbox', { name: 'Select bulk-02' }).check()
    await page.getByRole('button', { name: 'Delete selected (2)' }).click()
    const batch = page.getByRole('dialog', { name: 'Delete 2 API keys' })
    await batch.getByRole('listitem').filter({ hasText: 'bulk-02' }).waitFor()
    await shot(page, 'batch-delete-confirm')
    await batch.getByRole('button', { name: 'Delete' }).click()
    await page.getByText('Deleted 2 API keys.').waitFor()
    await row('bulk-01').waitFor({ state: 'detached' })
    expect(await page.locator('tbody tr').count()).toBe(7)
    await page.getByPlaceholder('Search by name').fill('')
  })

  it('admins switch between My keys and All users, which adds a creator column', async () => {
    const key = await seedKey(env.gw.database.db, { userId: env.alice.id, name: 'alice-key' })
    await env.gw.deps.changes.catchUp()
    await page.getByRole('button', { name: 'All users' }).click()
    await row('alice-key').waitFor()
    await page.getByRole('columnheader', { name: 'Creator' }).waitFor()
    expect(await row('alice-key').textContent()).toContain('alice')
    await shot(page, 'all-users')
    await row('alice-key').getByRole('button', { name: 'Edit' }).click()
    const edit = page.getByRole('dialog', { name: /Edit API Key/ })
    await edit.getByRole('switch', { name: 'Enabled' }).uncheck()
    await edit.getByRole('button', { name: 'Save' }).click()
    await row('alice-key').getByText('Disabled').waitFor()
    expect((await chat(env.gw.url, key.value, MODEL_A)).status).toBe(401)
    await page.getByRole('button', { name: 'My keys' }).click()
    await row('alice-key').waitFor({ state: 'detached' })
    expect(await page.getByRole('columnheader', { name: 'Creator' }).count()).toBe(0)
  })

  it('works from the keyboard: Enter opens Add API Key, focus is inside, Escape closes', async () => {
    await page.getByRole('button', { name: 'Add API Key' }).focus()
    await page.keyboard.press('Enter')
    const form = page.getByRole('dialog', { name: 'Add API Key' })
    await form.waitFor()
    expect(await form.evaluate((d) => d.contains(document.activeElement))).toBe(true)
    await page.keyboard.type('typed-name')
    await page.keyboard.press('Tab')
    await shot(page, 'keyboard-add')
    await page.keyboard.press('Escape')
    await form.waitFor({ state: 'detached' })
  })
})
