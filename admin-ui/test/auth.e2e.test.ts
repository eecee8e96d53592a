import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD } from '../../gateway/test/support/test-app.js'
import { launchBrowser, logIn, newContext, screenshots } from './support/browser.js'
import { type E2eEnv, startE2eEnv } from './support/e2e-env.js'

describe('log in and out', () => {
  let browser: Browser
  let env: E2eEnv
  let context: BrowserContext
  let page: Page
  const shot = screenshots('auth')

  beforeAll(async () => {
    browser = await launchBrowser()
    env = await startE2eEnv()
    context = await newContext(browser, env.gw.url)
    page = await context.newPage()
  })

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await env?.close()
  })

  it('says clearly when the username or password is wrong', async () => {
    await logIn(page, env.gw.url, 'admin', 'not-the-password')
    await page.getByRole('alert').filter({ hasText: 'Incorrect username or password.' }).waitFor()
    await shot(page, 'login-failed')
  })

  it('logs in with an HttpOnly session, and Log out returns to the login page', async () => {
    await logIn(page, env.gw.url, 'admin', ADMIN_PASSWORD)
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor()
    expect(await page.evaluate(() => document.cookie)).not.toContain('keygate_session')
    await shot(page, 'logged-in')
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.getByText('You have logged out.').waitFor()
    await page.reload()
    await page.getByRole('button', { name: 'Log in' }).waitFor()
    const status = await page.evaluate(async () => (await fetch('/v2/users/me')).status)
    expect(status).toBe(401)
  })

  it('serves the UI with a strict content security policy', async () => {
    const res = await fetch(`${env.gw.url}/api-keys`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(res.headers.get('x-frame-options')).toBe('DENY')
  })
})

describe('first login with a generated admin password', () => {
  let browser: Browser
  let env: E2eEnv
  let context: BrowserContext
  const shot = screenshots('first-login')

  beforeAll(async () => {
    browser = await launchBrowser()
    // No KEYGATE_BOOTSTRAP_PASSWORD: the gateway generates one and marks it for change.
    env = await startE2eEnv(() => ({ KEYGATE_BOOTSTRAP_PASSWORD: '' }))
    context = await newContext(browser, env.gw.url)
  })

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await env?.close()
  })

  it('asks for a new password before anything else', async () => {
    const generated = readFileSync(
      join(env.gw.deps.config.dataDir, 'initial_admin_password'),
      'utf8',
    ).trim()
    const page = await context.newPage()
    await logIn(page, env.gw.url, 'admin', generated)
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor()
    expect(await page.getByRole('link', { name: 'API Keys' }).count()).toBe(0)
    await shot(page, 'forced-change')

    await page.getByLabel('Current password').fill(generated)
    await page.getByLabel('New password', { exact: true }).fill('short')
    await page.getByLabel('Confirm new password').fill('short')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByRole('alert').filter({ hasText: 'at least 8 characters' }).waitFor()

    await page.getByLabel('New password', { exact: true }).fill('a-new-admin-password')
    await page.getByLabel('Confirm new password').fill('a-new-admin-password')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor()
    await shot(page, 'after-change')

    await page.getByRole('button', { name: 'Log out' }).click()
    await logIn(page, env.gw.url, 'admin', 'a-new-admin-password')
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor()
  })
})
