import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedKey } from '../../gateway/test/support/seed.js'
import { ADMIN_PASSWORD } from '../../gateway/test/support/test-app.js'
import { launchBrowser, logInAndWait, newContext, screenshots } from './support/browser.js'
import { adminId, type E2eEnv, MODEL_B, startE2eEnv } from './support/e2e-env.js'

/** List state (page, size, sort, search, All users) is in the URL: reload keeps it, Back restores it. */
describe('list state in the URL', () => {
  let browser: Browser
  let env: E2eEnv
  let context: BrowserContext
  let page: Page
  const shot = screenshots('list-url-state')
  const keysUrl = (query = '') => `${env.gw.url}/api-keys${query}`
  const search = () => page.evaluate(() => window.location.search)
  const historyLength = () => page.evaluate(() => window.history.length)
  const names = () => page.locator('tbody th[scope="row"]').allTextContents()
  const sortOf = (column: string) =>
    page.getByRole('columnheader', { name: column }).getAttribute('aria-sort')
  const searchBox = () => page.getByPlaceholder('Search by name')

  /** Waits until the address bar's query is `expected` (the search box writes it after a pause). */
  async function urlQueryIs(expected: string) {
    await page.waitForFunction((q) => window.location.search === q, expected)
  }

  beforeAll(async () => {
    browser = await launchBrowser()
    env = await startE2eEnv()
    const userId = await adminId(env.gw)
    for (let i = 1; i <= 25; i++) {
      await seedKey(env.gw.database.db, { userId, name: `key-${String(i).padStart(2, '0')}` })
    }
    await seedKey(env.gw.database.db, { userId: env.alice.id, name: 'alice-key' })
    await env.gw.deps.changes.catchUp()
    context = await newContext(browser, env.gw.url)
    page = await context.newPage()
    await logInAndWait(page, env.gw.url, 'admin', ADMIN_PASSWORD)
  })

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await env?.close()
  })

  it('reload keeps the page, the sort and the search', async () => {
    await page.goto(keysUrl())
    await page.getByText('Page 1 of 2').waitFor()
    await page.getByRole('button', { name: 'Name' }).click()
    await urlQueryIs('?sort_by=name')
    await page.getByRole('button', { name: 'Next' }).click()
    await urlQueryIs('?page=2&sort_by=name')
    await page.getByText('Page 2 of 2').waitFor()

    await page.reload()
    await page.getByText('Page 2 of 2').waitFor()
    expect(await sortOf('Name')).toBe('ascending')
    expect(await names()).toEqual(['key-21', 'key-22', 'key-23', 'key-24', 'key-25'])
    await shot(page, 'reloaded-page-2-by-name')

    // Typing replaces the history entry (no entry per pause) and starts again at page 1.
    const before = await historyLength()
    await searchBox().fill('key-1')
    await urlQueryIs('?sort_by=name&search=key-1')
    expect(await historyLength()).toBe(before)
    await page.getByText('Page 1 of 1').waitFor()

    await page.reload()
    await page.getByText('Page 1 of 1').waitFor()
    expect(await searchBox().inputValue()).toBe('key-1')
    expect(await sortOf('Name')).toBe('ascending')
    expect(await names()).toEqual([
      'key-10',
      'key-11',
      'key-12',
      'key-13',
      'key-14',
      'key-15',
      'key-16',
      'key-17',
      'key-18',
      'key-19',
    ])
    await shot(page, 'reloaded-search')
  })

  it('Back and Forward go through the earlier list states', async () => {
    await page.goto(keysUrl())
    await page.getByText('Page 1 of 2').waitFor()
    await page.getByRole('button', { name: 'Name' }).click()
    await urlQueryIs('?sort_by=name')
    await page.getByLabel('Rows per page').selectOption('10')
    await urlQueryIs('?perPage=10&sort_by=name')
    await page.getByRole('button', { name: 'Next' }).click()
    await urlQueryIs('?page=2&perPage=10&sort_by=name')
    await page.getByRole('button', { name: 'All users' }).click()
    await urlQueryIs('?perPage=10&sort_by=name&user_id=*')
    await page.getByRole('columnheader', { name: 'Creator' }).waitFor()
    expect((await names())[0]).toBe('alice-key')

    await page.goBack()
    await page.getByText('Page 2 of 3').waitFor()
    expect(await search()).toBe('?page=2&perPage=10&sort_by=name')
    expect(await page.getByRole('columnheader', { name: 'Creator' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'My keys' }).getAttribute('aria-pressed')).toBe(
      'true',
    )
    expect((await names())[0]).toBe('key-11')
    await shot(page, 'back-to-page-2')

    await page.goBack()
    await page.getByText('Page 1 of 3').waitFor()
    expect(await page.getByLabel('Rows per page').inputValue()).toBe('10')
    expect((await names())[0]).toBe('key-01')

    await page.goBack()
    await page.getByText('Page 1 of 2').waitFor()
    expect(await search()).toBe('?sort_by=name')
    expect(await page.getByLabel('Rows per page').inputValue()).toBe('20')

    await page.goBack()
    await page.waitForFunction(
      () => document.querySelector('th[aria-sort="descending"]')?.textContent === 'Created▼',
    )
    expect(await search()).toBe('')
    expect(await sortOf('Name')).toBe('none')

    await page.goForward()
    await page.waitForFunction(
      () => document.querySelector('th[aria-sort="ascending"]')?.textContent === 'Name▲',
    )
    expect(await search()).toBe('?sort_by=name')
  })

  it('Back restores the search box, and leaving for another page and coming Back keeps the list', async () => {
    await page.goto(keysUrl('?page=2'))
    await page.getByText('Page 2 of 2').waitFor()
    await page.getByRole('link', { name: 'Models' }).click()
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor()
    await page.goBack()
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor()
    await page.getByText('Page 2 of 2').waitFor()

    await page.getByRole('button', { name: 'Name' }).click()
    await urlQueryIs('?sort_by=name')
    await searchBox().fill('key-2')
    await urlQueryIs('?sort_by=name&search=key-2')
    await page.goBack()
    await urlQueryIs('?page=2')
    await page.getByText('Page 2 of 2').waitFor()
    expect(await searchBox().inputValue()).toBe('')
    await page.goForward()
    await urlQueryIs('?sort_by=name&search=key-2')
    expect(await searchBox().inputValue()).toBe('key-2')
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 6)
  })

  it('a bad query string shows the default list and the address bar says so', async () => {
    const bad = `?page=abc&perPage=7&sort_by=password_hash&user_id=12&search=${'x'.repeat(300)}`
    await page.goto(keysUrl(bad))
    await page.getByText('Page 1 of 2').waitFor()
    await urlQueryIs('')
    expect(await sortOf('Created')).toBe('descending')
    expect(await page.getByLabel('Rows per page').inputValue()).toBe('20')
    expect(await searchBox().inputValue()).toBe('')
    expect(await page.getByRole('alert').count()).toBe(0)
    await shot(page, 'bad-query-defaults')

    await page.goto(keysUrl('?page=0&perPage=-1&sort_by=-&user_id='))
    await page.getByText('Page 1 of 2').waitFor()
    await urlQueryIs('')

    // A page past the end (a stale link) shows the last page there is.
    await page.goto(keysUrl('?page=99&sort_by=name'))
    await urlQueryIs('?page=2&sort_by=name')
    await page.getByRole('row').filter({ hasText: 'key-21' }).waitFor()
    expect(await names()).toEqual(['key-21', 'key-22', 'key-23', 'key-24', 'key-25'])
  })

  it('a regular user asking for user_id=* sees their own keys, with no error', async () => {
    const bob = await newContext(browser, env.gw.url)
    const bobPage = await bob.newPage()
    await logInAndWait(bobPage, env.gw.url, env.bob.username, env.bob.password)
    await bobPage.goto(keysUrl('?user_id=*&page=1'))
    await bobPage.getByText('No API keys found.').waitFor()
    await bobPage.waitForFunction(() => window.location.search === '')
    expect(await bobPage.getByRole('alert').count()).toBe(0)
    expect(await bobPage.getByRole('columnheader', { name: 'Creator' }).count()).toBe(0)
    await bob.close()
  })

  it('the Users and Models pages keep their search and sort the same way', async () => {
    await page.goto(`${env.gw.url}/users`)
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor()
    await page.getByRole('button', { name: 'Username' }).click()
    await urlQueryIs('?sort_by=username')
    await page.getByPlaceholder('Search users').fill('ali')
    await urlQueryIs('?sort_by=username&search=ali')
    await page.reload()
    await page.getByRole('row').filter({ hasText: 'alice' }).waitFor()
    expect(await page.getByPlaceholder('Search users').inputValue()).toBe('ali')
    expect(await sortOf('Username')).toBe('ascending')
    expect(await page.locator('tbody tr').count()).toBe(1)

    await page.goto(`${env.gw.url}/models?search=${MODEL_B}&sort_by=-name`)
    await page.getByRole('row').filter({ hasText: MODEL_B }).waitFor()
    expect(await page.getByPlaceholder('Search models').inputValue()).toBe(MODEL_B)
    expect(await page.locator('tbody tr').count()).toBe(1)
    // Models have no sortable columns, so a sort in the link is dropped.
    await urlQueryIs(`?search=${MODEL_B}`)
    await shot(page, 'models-search')
  })
})
