import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedKey } from '../../gateway/test/support/seed.js'
import { ADMIN_PASSWORD } from '../../gateway/test/support/test-app.js'
import { launchBrowser, logInAndWait, newContext, screenshots } from './support/browser.js'
import { adminId, chat, type E2eEnv, MODEL_A, startE2eEnv } from './support/e2e-env.js'

const DESKTOP = { width: 1366, height: 768 }
const PHONE = { width: 390, height: 844 }
type Viewport = typeof DESKTOP

interface Box {
  x: number
  y: number
  width: number
  height: number
}

async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox()
  expect(box, 'the element is rendered').not.toBeNull()
  return box as Box
}

/** `inner` lies wholly inside `outer` (half a pixel of rounding allowed). */
function expectInside(inner: Box, outer: Box, what: string): void {
  const slack = 0.5
  expect(inner.x, `${what}: left edge`).toBeGreaterThanOrEqual(outer.x - slack)
  expect(inner.x + inner.width, `${what}: right edge`).toBeLessThanOrEqual(
    outer.x + outer.width + slack,
  )
  expect(inner.y, `${what}: top edge`).toBeGreaterThanOrEqual(outer.y - slack)
  expect(inner.y + inner.height, `${what}: bottom edge`).toBeLessThanOrEqual(
    outer.y + outer.height + slack,
  )
}

/** Nothing on the page is wider than the window, and (unless `tablesMayScroll`) no table scrolls sideways. */
async function expectNoHorizontalOverflow(
  page: Page,
  what: string,
  tablesMayScroll = false,
): Promise<void> {
  const sizes = await page.evaluate(() => {
    // Cut off at either side of the window; what scrolls inside a table or a code box is checked apart.
    const outside = (el: Element) => {
      const r = el.getBoundingClientRect()
      return (
        r.width > 1 &&
        (r.right > window.innerWidth + 0.5 || r.left < -0.5) &&
        el.closest('.table-wrap, pre') === null
      )
    }
    return {
      page: document.documentElement.scrollWidth,
      window: window.innerWidth,
      past: [...document.querySelectorAll('body *')]
        .filter(outside)
        .filter((el) => ![...el.children].some(outside))
        .map(
          (el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent?.slice(0, 30)}`,
        ),
      tables: [...document.querySelectorAll('.table-wrap')].map((el) => ({
        scroll: el.scrollWidth,
        client: el.clientWidth,
      })),
    }
  })
  expect(sizes.page, `${what}: page width`).toBeLessThanOrEqual(sizes.window)
  expect(sizes.past, `${what}: elements cut off at the window's edges`).toEqual([])
  for (const t of tablesMayScroll ? [] : sizes.tables) {
    expect(t.scroll, `${what}: table scrolls sideways`).toBeLessThanOrEqual(t.client)
  }
}

/** Every button of the table lies inside the window horizontally (the page may scroll down). */
async function expectButtonsInView(page: Page, viewport: Viewport, what: string) {
  const buttons = page.locator('tbody button')
  const count = await buttons.count()
  expect(count).toBeGreaterThan(0)
  for (let i = 0; i < count; i++) {
    const box = await boxOf(buttons.nth(i))
    expect(box.x, `${what}: button ${i} left`).toBeGreaterThanOrEqual(0)
    expect(box.x + box.width, `${what}: button ${i} right`).toBeLessThanOrEqual(viewport.width)
  }
}

/** The row names (usernames, key names) that take more than one line. */
function wrappedNames(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('tbody th.cell-name')].flatMap((th) => {
      const text = th.firstChild
      if (text === null || text.nodeType !== Node.TEXT_NODE) {
        return []
      }
      const range = document.createRange()
      range.selectNodeContents(text)
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)))
      return lines.size > 1 ? [text.textContent ?? ''] : []
    }),
  )
}

/** Layout at a laptop's 1366×768 and a phone's 390×844, key status, form messages, and Users row actions. */
describe('Layout and page fixes', () => {
  let browser: Browser
  let env: E2eEnv
  let context: BrowserContext
  let page: Page
  const shot = screenshots('layout')
  /** The row whose name (its row header) starts with `name`. */
  const row = (name: string) =>
    page
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${name}`) }) })

  beforeAll(async () => {
    browser = await launchBrowser()
    env = await startE2eEnv()
    const db = env.gw.database.db
    const me = await adminId(env.gw)
    for (const [userId, name] of [
      [me, 'production-batch-runner'],
      [me, 'notebook-experiments'],
      [env.alice.id, 'alice-laptop-assistant'],
      [env.bob.id, 'bob-ci-integration-tests'],
    ] as const) {
      await seedKey(db, { userId, name, scope: ['inference', 'management'] })
    }
    await seedKey(db, {
      userId: env.alice.id,
      name: 'old-expired',
      expiresAt: new Date(Date.now() - 86_400_000),
    })
    await env.gw.deps.changes.catchUp()
    context = await newContext(browser, env.gw.url)
    page = await context.newPage()
    await page.setViewportSize(DESKTOP)
    await logInAndWait(page, env.gw.url, 'admin', ADMIN_PASSWORD)
  })

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await env?.close()
  })

  for (const [label, viewport] of [
    ['1366', DESKTOP],
    ['390', PHONE],
  ] as const) {
    it(`the keys table ("All users") fits ${viewport.width}×${viewport.height}: every button in view, names on one line`, async () => {
      await page.setViewportSize(viewport)
      await page.goto(`${env.gw.url}/api-keys?user_id=*`)
      await row('bob-ci-integration-tests').waitFor()
      await row('old-expired').waitFor()
      await expectNoHorizontalOverflow(page, `keys at ${label}`)
      await expectButtonsInView(page, viewport, `keys at ${label}`)
      expect(
        await row('bob-ci-integration-tests').getByRole('button', { name: 'Delete' }).count(),
      ).toBe(1)
      expect(await wrappedNames(page)).toEqual([])
      await shot(page, `api-keys-all-users-${label}`)
    })

    it(`the created-key dialog's snippets and Copy buttons stay inside it at ${viewport.width}×${viewport.height}`, async () => {
      await page.setViewportSize(viewport)
      await page.goto(`${env.gw.url}/api-keys`)
      await page.getByRole('button', { name: 'Add API Key' }).click()
      const form = page.getByRole('dialog', { name: 'Add API Key' })
      await form.getByLabel('Name', { exact: true }).fill(`snippet-check-${label}`)
      await form.getByRole('button', { name: 'Save' }).click()
      const shown = page.getByRole('dialog', { name: 'API key created' })
      await shown.waitFor()
      const value = ((await shown.getByTestId('new-key-value').textContent()) ?? '').trim()
      await shown.getByText('Try it with this key').click()
      const dialogBox = await boxOf(shown)
      expectInside(dialogBox, { x: 0, y: 0, ...viewport }, 'dialog')
      for (const name of ['Copy curl command', 'Copy Python code']) {
        const button = shown.getByRole('button', { name })
        await button.scrollIntoViewIfNeeded()
        const box = await boxOf(button)
        // Inside the dialog's box (which is inside the window): nothing hides it, so a click lands on it.
        expectInside(box, await boxOf(shown), name)
        expect(
          await button.evaluate((el) => {
            const r = el.getBoundingClientRect()
            return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === el
          }),
          `${name} is the element under its own centre`,
        ).toBe(true)
      }
      for (const pre of await shown.locator('pre').all()) {
        const box = await boxOf(pre)
        expect(box.x + box.width).toBeLessThanOrEqual(dialogBox.x + dialogBox.width + 0.5)
      }
      await shot(page, `created-key-dialog-${label}`)
      await shown.getByRole('button', { name: 'Copy curl command' }).click()
      await shown.getByText('Copied').first().waitFor()
      const copied = await page.evaluate(() => navigator.clipboard.readText())
      expect(copied).toContain(`KEYGATE_API_KEY='${value}'`)
      await shown.getByRole('button', { name: 'Copy Python code' }).click()
      expect(await page.evaluate(() => navigator.clipboard.readText())).toContain(value)
      await shown.getByRole('button', { name: 'Done' }).click()
      await shown.waitFor({ state: 'detached' })
    })

    it(`every page fits ${viewport.width}×${viewport.height} (screenshots for review)`, async () => {
      await page.setViewportSize(viewport)
      for (const [path, heading] of [
        ['/api-keys', 'API Keys'],
        ['/users', 'Users'],
        ['/models', 'Models'],
        ['/audit-log', 'Audit log'],
        ['/api-docs', 'API reference'],
      ] as const) {
        await page.goto(`${env.gw.url}${path}`)
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor()
        await page.waitForFunction(() => document.querySelector('[aria-busy="true"]') === null)
        // The API reference's schema tables may scroll inside their box; the page itself must not.
        await expectNoHorizontalOverflow(page, `${path} at ${label}`, path === '/api-docs')
        await shot(page, `page${path.replace('/', '-')}-${label}`)
      }
    })
  }

  it('an expired key says Expired in its Status, not Active', async () => {
    await page.setViewportSize(DESKTOP)
    await page.goto(`${env.gw.url}/api-keys?user_id=*`)
    const expired = row('old-expired')
    await expired.waitFor()
    const status = expired.locator('td[data-label="Status"]')
    expect(await status.textContent()).toBe('Expired')
    expect(
      await row('production-batch-runner').locator('td[data-label="Status"]').textContent(),
    ).toBe('Active')
  })

  it('"Select at least one model" goes away once a model is ticked', async () => {
    await page.getByRole('button', { name: 'Add API Key' }).click()
    const form = page.getByRole('dialog', { name: 'Add API Key' })
    await form.getByLabel('Name', { exact: true }).fill('one-model')
    await form.getByRole('radio', { name: 'Allowed models' }).check()
    await form.getByRole('button', { name: 'Save' }).click()
    const message = form.getByText('Select at least one model, or choose All models.')
    await message.waitFor()
    await shot(page, 'models-message-shown')
    await form.getByRole('checkbox', { name: MODEL_A, exact: true }).check()
    await message.waitFor({ state: 'detached' })
    expect(await form.locator('[aria-invalid="true"]').count()).toBe(0)
    await shot(page, 'models-message-cleared')
    await form.getByRole('button', { name: 'Save' }).click()
    const shown = page.getByRole('dialog', { name: 'API key created' })
    await shown.getByRole('button', { name: 'Done' }).click()
    await row('one-model').getByText(`Model Access: ${MODEL_A}`).waitFor()
  })

  it('the Users page offers no demote, deactivate or delete on your own row, and Delete on others', async () => {
    await page.goto(`${env.gw.url}/users`)
    const mine = row('admin')
    await mine.getByText('you').waitFor()
    const own = await mine.getByRole('button').allTextContents()
    expect(own).toEqual(['Edit', 'Reset password'])
    const alice = await row('alice').getByRole('button').allTextContents()
    expect(alice).toEqual(['Edit', 'Reset password', 'Make admin', 'Deactivate', 'Delete'])
    await shot(page, 'users-row-actions')
  })

  it('deletes a user after confirming: gone from the list, their keys refused at once', async () => {
    const bobKey = await seedKey(env.gw.database.db, { userId: env.bob.id, scope: ['inference'] })
    await env.gw.deps.changes.catchUp()
    expect((await chat(env.gw.url, bobKey.value, MODEL_A)).status).toBe(200)

    await row('bob').getByRole('button', { name: 'Delete' }).click()
    const confirm = page.getByRole('dialog', { name: 'Delete user' })
    await confirm.getByText('Their API keys are deleted with them').waitFor()
    await shot(page, 'delete-user-confirm')
    // Cancel first: nothing happens.
    await confirm.getByRole('button', { name: 'Cancel' }).click()
    await confirm.waitFor({ state: 'detached' })
    await row('bob').waitFor()

    await row('bob').getByRole('button', { name: 'Delete' }).click()
    await page
      .getByRole('dialog', { name: 'Delete user' })
      .getByRole('button', { name: 'Delete' })
      .click()
    await page.getByText('User “bob” deleted.').waitFor()
    await row('bob').waitFor({ state: 'detached' })
    await shot(page, 'user-deleted')
    const left = await env.gw.database.db
      .selectFrom('users')
      .select('username')
      .where('username', '=', 'bob')
      .execute()
    expect(left).toEqual([])
    expect((await chat(env.gw.url, bobKey.value, MODEL_A)).status).toBe(401)
  })
})
