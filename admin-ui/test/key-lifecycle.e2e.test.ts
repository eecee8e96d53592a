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
import { adminId, chat, type E2eEnv, MODEL_A, startE2eEnv } from './support/e2e-env.js'

const DAY_MS = 86_400_000

/** A key's life after creation in the browser: the expiring-soon mark, Rotate with a grace choice, Settings. */
describe('key lifecycle in the admin UI', () => {
  let browser: Browser
  let env: E2eEnv
  let context: BrowserContext
  let page: Page
  const shot = screenshots('key-lifecycle')
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

  it('marks keys that expire within 7 days, and only those', async () => {
    const db = env.gw.database.db
    const userId = await adminId(env.gw)
    await seedKey(db, { userId, name: 'soon-key', expiresAt: new Date(Date.now() + 3 * DAY_MS) })
    await seedKey(db, { userId, name: 'later-key', expiresAt: new Date(Date.now() + 30 * DAY_MS) })
    await seedKey(db, { userId, name: 'gone-key', expiresAt: new Date(Date.now() - DAY_MS) })
    await env.gw.deps.changes.catchUp()
    await page.reload()
    await row('soon-key').getByText('Expires soon').waitFor()
    expect(await row('later-key').textContent()).not.toContain('Expires soon')
    const gone = (await row('gone-key').textContent()) ?? ''
    expect(gone).toContain('Expired')
    expect(gone).not.toContain('Expires soon')
    await shot(page, 'expiring-soon')
  })

  it('rotates a key: the new value is shown once, the old one works for the chosen grace', async () => {
    const key = await seedKey(env.gw.database.db, {
      userId: await adminId(env.gw),
      name: 'rotate-me',
    })
    await env.gw.deps.changes.catchUp()
    await page.reload()
    const before = ((await row('rotate-me').locator('code').textContent()) ?? '').trim()
    await row('rotate-me').getByRole('button', { name: 'Rotate' }).click()
    const dialog = page.getByRole('dialog', { name: 'Rotate API Key “rotate-me”' })
    const grace = dialog.getByLabel('Old value keeps working for')
    await grace.selectOption({ label: '1 hour' })
    expect(await grace.inputValue()).toBe('3600')
    await shot(page, 'rotate-dialog')
    await dialog.getByRole('button', { name: 'Rotate' }).click()

    const shown = page.getByRole('dialog', { name: 'API key rotated' })
    await shown.waitFor()
    const value = ((await shown.getByTestId('new-key-value').textContent()) ?? '').trim()
    expect(value).toMatch(/^kg_[0-9a-f]{16}_[0-9a-f]{32}$/)
    expect(value).not.toBe(key.value)
    await shot(page, 'rotated-shown-once')
    await shown.getByText('The old value keeps working until').waitFor()
    await shown.getByText('It will not be shown again.').waitFor()
    expect((await chat(env.gw.url, value, MODEL_A)).status).toBe(200)
    expect((await chat(env.gw.url, key.value, MODEL_A)).status).toBe(200)
    await shown.getByRole('button', { name: 'Done' }).click()
    await shown.waitFor({ state: 'detached' })
    await page.getByText('API key “rotate-me” rotated.').waitFor()
    expect(await pageTextAndValues(page)).not.toContain(value)
    const after = `kg_${value.slice(3, 11)}…${value.slice(-4)}`
    expect(after).not.toBe(before)
    await row('rotate-me').getByText(after).waitFor()

    // Again with no grace: the value from the first rotation stops at once; the first one too.
    await row('rotate-me').getByRole('button', { name: 'Rotate' }).click()
    const again = page.getByRole('dialog', { name: 'Rotate API Key “rotate-me”' })
    await again.getByRole('button', { name: 'Rotate' }).click()
    const second = page.getByRole('dialog', { name: 'API key rotated' })
    await second.getByText('The old value no longer works.').waitFor()
    const latest = ((await second.getByTestId('new-key-value').textContent()) ?? '').trim()
    await second.getByRole('button', { name: 'Done' }).click()
    expect((await chat(env.gw.url, value, MODEL_A)).status).toBe(401)
    expect((await chat(env.gw.url, key.value, MODEL_A)).status).toBe(401)
    expect((await chat(env.gw.url, latest, MODEL_A)).status).toBe(200)

    // Renamed in the Edit dialog: the same key, the same value.
    await row('rotate-me').getByRole('button', { name: 'Edit' }).click()
    const edit = page.getByRole('dialog', { name: /Edit API Key/ })
    await edit.getByLabel('Name', { exact: true }).fill('rotated-key')
    await edit.getByRole('button', { name: 'Save' }).click()
    await row('rotated-key').waitFor()
    expect((await chat(env.gw.url, latest, MODEL_A)).status).toBe(200)
  })

  it('edits a key’s allowed client addresses and metadata; the gateway enforces them', async () => {
    const key = await seedKey(env.gw.database.db, { userId: await adminId(env.gw), name: 'fenced' })
    await env.gw.deps.changes.catchUp()
    await page.reload()
    await row('fenced').getByRole('button', { name: 'Edit' }).click()
    const edit = page.getByRole('dialog', { name: /Edit API Key/ })
    const addresses = edit.getByLabel('Allowed client addresses')
    await addresses.fill('office-network')
    await edit.getByRole('button', { name: 'Save' }).click()
    await edit.getByText('“office-network” is not an IPv4 or IPv6 address').waitFor()
    await addresses.fill('10.99.0.0/16')
    await edit.getByLabel('Metadata').fill('team=ml\nenv=prod')
    await edit.getByRole('button', { name: 'Save' }).click()
    await edit.waitFor({ state: 'hidden' })
    const stored = await page.evaluate(async (id) => {
      const res = await fetch(`/v2/api-keys/${id}`)
      return (await res.json()) as { allowed_ips: string[]; metadata: Record<string, string> }
    }, key.id)
    expect(stored.allowed_ips).toEqual(['10.99.0.0/16'])
    expect(stored.metadata).toEqual({ team: 'ml', env: 'prod' })
    // This browser and the test run on 127.0.0.1, outside the allowlist.
    const refused = await chat(env.gw.url, key.value, MODEL_A)
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'ip_not_allowed',
    )

    await row('fenced').getByRole('button', { name: 'Edit' }).click()
    const again = page.getByRole('dialog', { name: /Edit API Key/ })
    const lines = (await again.getByLabel('Metadata').inputValue()).split('\n').sort()
    expect(lines).toEqual(['env=prod', 'team=ml'])
    await again.getByLabel('Allowed client addresses').fill('10.99.0.0/16, 127.0.0.1')
    await shot(page, 'edit-addresses-metadata')
    await again.getByRole('button', { name: 'Save' }).click()
    await again.waitFor({ state: 'hidden' })
    expect((await chat(env.gw.url, key.value, MODEL_A)).status).toBe(200)
  })

  it('an admin sets the lifetime policy on the Settings page; key creation follows it', async () => {
    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
    const cap = page.getByLabel('Maximum key lifetime (days)')
    expect(await cap.inputValue()).toBe('')
    const never = page.getByRole('checkbox', { name: 'Allow keys that never expire' })
    expect(await never.isChecked()).toBe(true)
    await cap.fill('30')
    await never.uncheck()
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Settings saved.').waitFor()
    // The seeded never-expiring keys and the one expiring in 30 days + are beyond it now, still working.
    await page
      .getByTestId('keys-beyond-policy')
      .getByText(/beyond this policy/)
      .waitFor()
    await shot(page, 'settings-saved')
    await page.reload()
    expect(await page.getByLabel('Maximum key lifetime (days)').inputValue()).toBe('30')

    await page.getByLabel('Maximum key lifetime (days)').fill('0')
    await page.getByRole('button', { name: 'Save' }).click()
    await page
      .getByRole('alert')
      .getByText(/whole number of days/)
      .waitFor()

    await page.getByRole('link', { name: 'API Keys' }).click()
    await page.getByRole('button', { name: 'Add API Key' }).click()
    const form = page.getByRole('dialog', { name: 'Add API Key' })
    await form.getByLabel('Name', { exact: true }).fill('forever')
    await form.getByLabel('Expiration', { exact: true }).selectOption({ label: 'Never' })
    await form.getByRole('button', { name: 'Save' }).click()
    await form.getByText(/never-expiring/).waitFor()
    await shot(page, 'policy-refuses-never')
    await form.getByLabel('Expiration', { exact: true }).selectOption({ label: '7 days' })
    await form.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('dialog', { name: 'API key created' }).waitFor()
    await page.getByRole('button', { name: 'Done' }).click()
    await row('forever').getByText('Expires soon').waitFor()
  })

  it('regular users see no Settings page', async () => {
    const alice = await newContext(browser, env.gw.url)
    try {
      const p = await alice.newPage()
      await logInAndWait(p, env.gw.url, 'alice', env.alice.password)
      expect(await p.getByRole('link', { name: 'Settings' }).count()).toBe(0)
      await p.goto(`${env.gw.url}/settings`)
      await p.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor()
    } finally {
      await alice.close()
    }
  })
})
