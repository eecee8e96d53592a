import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedKey } from '../../gateway/test/support/seed.js'
import { ADMIN_PASSWORD } from '../../gateway/test/support/test-app.js'
import { launchBrowser, logIn, logInAndWait, newContext, screenshots } from './support/browser.js'
import { adminId, chat, type E2eEnv, errorCode, startE2eEnv } from './support/e2e-env.js'

/** Admin pages: models with live instance health (one model comes from KEYGATE_MODELS_FILE), and users. */
describe('Models and Users pages (admin)', () => {
  let browser: Browser
  let env: E2eEnv
  let context: BrowserContext
  let page: Page
  let adminKey = ''
  const modelsFile = join(process.cwd(), 'test-results', `models-file-${process.pid}.json`)
  const shot = screenshots('models-users')
  const row = (name: string) => page.getByRole('row').filter({ hasText: name })

  beforeAll(async () => {
    browser = await launchBrowser()
    env = await startE2eEnv((engineUrl) => {
      writeFileSync(
        modelsFile,
        JSON.stringify({ models: [{ name: 'file-model', instances: [{ url: engineUrl }] }] }),
      )
      return { KEYGATE_MODELS_FILE: modelsFile }
    })
    adminKey = (await seedKey(env.gw.database.db, { userId: await adminId(env.gw) })).value
    await env.gw.deps.changes.catchUp()
    context = await newContext(browser, env.gw.url)
    page = await context.newPage()
    await logInAndWait(page, env.gw.url, 'admin', ADMIN_PASSWORD)
    await page.getByRole('link', { name: 'Models' }).click()
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor()
  })

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await env?.close()
    rmSync(modelsFile, { force: true })
  })

  it('adds a model with an instance and its live health, and it serves at once', async () => {
    await page.getByRole('button', { name: 'Add model' }).click()
    const form = page.getByRole('dialog', { name: 'Add model' })
    await form.getByLabel('Name', { exact: true }).fill('model-c')
    await form.getByLabel('Backend').selectOption({ label: 'vLLM' })
    await form.getByLabel('URL').fill(env.engine.url)
    await form.getByLabel('Weight').fill('2')
    await form.getByLabel('Worker').fill('gpu-node-1')
    await shot(page, 'add-model')
    await form.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Model “model-c” added.').waitFor()
    // The gateway probes the new instance's /health (every 200 ms here) and the page re-reads models every 5 s.
    await row('model-c').getByText('Healthy', { exact: true }).waitFor({ timeout: 15_000 })
    const text = (await row('model-c').textContent()) ?? ''
    expect(text).toContain(env.engine.url)
    expect(text).toContain('weight 2')
    expect(text).toContain('gpu-node-1')
    await shot(page, 'model-healthy')
    expect((await chat(env.gw.url, adminKey, 'model-c')).status).toBe(200)
  })

  it('edits the upstream model name, in force for the next request', async () => {
    await row('model-c').getByRole('button', { name: 'Edit' }).click()
    const form = page.getByRole('dialog', { name: /Edit model/ })
    await form.getByLabel('Upstream model name').fill('org/model-c-8b')
    await form.getByRole('button', { name: 'Save' }).click()
    await page.getByText('The change is in force immediately.').waitFor()
    await row('model-c').getByText('org/model-c-8b').waitFor()
    const before = env.engine.requests.length
    expect((await chat(env.gw.url, adminKey, 'model-c')).status).toBe(200)
    const sent = env.engine.requests.slice(before).find((r) => r.path === '/v1/chat/completions')
    expect(JSON.parse(sent?.body.toString('utf8') ?? '{}')).toMatchObject({
      model: 'org/model-c-8b',
    })
  })

  it('warns before a rename how many key allowlists follow it, and the key works under the new name', async () => {
    const limited = await seedKey(env.gw.database.db, {
      userId: await adminId(env.gw),
      allowedModelNames: ['model-c'],
    })
    await env.gw.deps.changes.catchUp()
    await row('model-c').getByRole('button', { name: 'Edit' }).click()
    const form = page.getByRole('dialog', { name: /Edit model/ })
    const warning = form.getByRole('note').filter({ hasText: 'allowlist' })
    // Same name: nothing to warn about.
    expect(await warning.count()).toBe(0)
    await form.getByLabel('Name', { exact: true }).fill('model-c-renamed')
    await warning.waitFor()
    expect(await warning.textContent()).toBe(
      '1 API key names “model-c” in its allowlist; on saving, it follows the rename to “model-c-renamed”.',
    )
    await shot(page, 'rename-warning')
    await form.getByRole('button', { name: 'Save' }).click()
    await row('model-c-renamed').waitFor()
    expect((await chat(env.gw.url, limited.value, 'model-c-renamed')).status).toBe(200)
  })

  it('shows a models-file model as read-only', async () => {
    await row('file-model').getByText('Models file (read-only)').waitFor()
    expect(await row('file-model').getByRole('button', { name: 'Edit' }).count()).toBe(0)
  })

  it('deletes a model after confirmation; requests for it get 404', async () => {
    await row('model-c').getByRole('button', { name: 'Delete' }).click()
    const confirm = page.getByRole('dialog', { name: 'Delete model' })
    await confirm.getByText('model-c').waitFor()
    await confirm.getByRole('button', { name: 'Delete' }).click()
    await row('model-c').waitFor({ state: 'detached' })
    const res = await chat(env.gw.url, adminKey, 'model-c')
    expect(res.status).toBe(404)
    expect(await errorCode(res)).toBe('model_not_found')
  })

  it('creates a user who must choose a new password at first login', async () => {
    await page.getByRole('link', { name: 'Users' }).click()
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor()
    await page.getByRole('button', { name: 'Add user' }).click()
    const form = page.getByRole('dialog', { name: 'Add user' })
    await form.getByLabel('Username').fill('carol')
    await form.getByLabel('Full name').fill('Carol Doe')
    await form.getByLabel('Password', { exact: true }).fill('carol-first-pass')
    await form.getByLabel('Confirm password').fill('carol-first-pass')
    await shot(page, 'add-user')
    await form.getByRole('button', { name: 'Save' }).click()
    await row('carol').getByText('Must change password').waitFor()

    const carol = await (await browser.newContext()).newPage()
    await logIn(carol, env.gw.url, 'carol', 'carol-first-pass')
    await carol.getByRole('heading', { name: 'Choose a new password' }).waitFor()
    await carol.context().close()
  })

  it('edits, makes admin and resets the password of a user', async () => {
    await row('carol').getByRole('button', { name: 'Edit' }).click()
    const edit = page.getByRole('dialog', { name: /Edit user/ })
    await edit.getByLabel('Full name').fill('Carol D. Smith')
    await edit.getByRole('button', { name: 'Save' }).click()
    await row('carol').getByText('Carol D. Smith').waitFor()

    await row('carol').getByRole('button', { name: 'Make admin' }).click()
    await page
      .getByRole('dialog', { name: 'Make admin' })
      .getByRole('button', { name: 'Make admin' })
      .click()
    await row('carol').getByText('Admin', { exact: true }).waitFor()

    await row('carol').getByRole('button', { name: 'Reset password' }).click()
    const reset = page.getByRole('dialog', { name: /Reset password/ })
    await reset.getByLabel('New password', { exact: true }).fill('carol-reset-pass')
    await reset.getByLabel('Confirm new password').fill('carol-reset-pass')
    await reset.getByRole('checkbox', { name: 'Require a new password at next login' }).uncheck()
    await reset.getByRole('button', { name: 'Save' }).click()
    await page.getByText('The password of “carol” has been reset.').waitFor()
    await shot(page, 'users-after-edit')

    const carol = await (await browser.newContext()).newPage()
    await logInAndWait(carol, env.gw.url, 'carol', 'carol-reset-pass')
    await carol.getByRole('link', { name: 'Users' }).waitFor() // now an admin
    await carol.context().close()
  })

  it('deactivates a user: their keys stop working at once and they cannot log in', async () => {
    const carolId = (
      await env.gw.database.db
        .selectFrom('users')
        .select('id')
        .where('username', '=', 'carol')
        .executeTakeFirstOrThrow()
    ).id
    const key = await seedKey(env.gw.database.db, { userId: carolId, scope: ['inference'] })
    await env.gw.deps.changes.catchUp()
    expect((await chat(env.gw.url, key.value, 'file-model')).status).toBe(200)

    await row('carol').getByRole('button', { name: 'Deactivate' }).click()
    await page
      .getByRole('dialog', { name: 'Deactivate user' })
      .getByRole('button', { name: 'Deactivate' })
      .click()
    await row('carol').getByText('Inactive').waitFor()
    await shot(page, 'user-deactivated')
    expect((await chat(env.gw.url, key.value, 'file-model')).status).toBe(401)

    const carol = await (await browser.newContext()).newPage()
    await logIn(carol, env.gw.url, 'carol', 'carol-reset-pass')
    await carol.getByRole('alert').waitFor()
    expect(await carol.getByRole('heading', { name: 'API Keys' }).count()).toBe(0)
    await carol.context().close()
  })
})
