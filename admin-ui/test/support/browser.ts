import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'

/** Debian's Chromium; the browser tests never download one (`npx playwright install` is not used). */
export const CHROMIUM_PATH = '/usr/bin/chromium'

const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screenshots')

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: the browser tests were NOT run. ` +
        'Install it with `apt-get install -y chromium` (CI does this in .ci/run).',
    )
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** A fresh context (own cookies) that may use the clipboard, so "Copy" can be checked. */
export async function newContext(browser: Browser, origin: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin })
  context.setDefaultTimeout(10_000)
  return context
}

/** Numbered screenshots per test file: test-results/screenshots/<prefix>-<nn>-<step>.png (git-ignored). */
export function screenshots(prefix: string): (page: Page, step: string) => Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  // Drop the previous run's shots of this file so the numbered series is this run's alone.
  for (const old of readdirSync(SCREENSHOT_DIR).filter((f) => f.startsWith(`${prefix}-`))) {
    rmSync(join(SCREENSHOT_DIR, old), { force: true })
  }
  let n = 0
  return async (page, step) => {
    n += 1
    const name = `${prefix}-${String(n).padStart(2, '0')}-${step}.png`
    await page.screenshot({ path: join(SCREENSHOT_DIR, name), fullPage: true })
  }
}

export async function logIn(page: Page, baseUrl: string, username: string, password: string) {
  await page.goto(`${baseUrl}/`)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
}

export async function logInAndWait(
  page: Page,
  baseUrl: string,
  username: string,
  password: string,
) {
  await logIn(page, baseUrl, username, password)
  await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor()
}

/** Everything the page holds as text or form values (to prove a secret is gone). */
export function pageTextAndValues(page: Page): Promise<string> {
  return page.evaluate(() => {
    const values = [...document.querySelectorAll('input, textarea, select')].map(
      (el) => (el as HTMLInputElement).value,
    )
    return `${document.documentElement.outerHTML}\n${document.body.textContent}\n${values.join('\n')}`
  })
}
