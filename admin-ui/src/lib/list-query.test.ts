import { describe, expect, it } from 'vitest'
import {
  defaultListQuery,
  type ListSpec,
  listApiPath,
  listQueryString,
  parseListQuery,
} from './list-query.js'

const KEYS: ListSpec = {
  sortFields: ['name', 'expires_at', 'last_used_at', 'created_at'],
  defaultSort: '-created_at',
  allowAllUsers: true,
}
const MODELS: ListSpec = { sortFields: [], defaultSort: 'name', allowAllUsers: false }
const DEFAULT_KEYS = { page: 1, perPage: 20, sortBy: '-created_at', search: '', allUsers: false }

describe('parseListQuery', () => {
  it('reads every value the page offers, with or without the leading "?"', () => {
    const q = { page: 3, perPage: 50, sortBy: 'name', search: 'bot', allUsers: true }
    expect(parseListQuery('?page=3&perPage=50&sort_by=name&search=bot&user_id=*', KEYS)).toEqual(q)
    expect(parseListQuery('page=3&perPage=50&sort_by=name&search=bot&user_id=*', KEYS)).toEqual(q)
    expect(parseListQuery('?sort_by=-last_used_at', KEYS).sortBy).toBe('-last_used_at')
  })

  it('gives the defaults for an empty query string', () => {
    expect(parseListQuery('', KEYS)).toEqual(DEFAULT_KEYS)
    expect(defaultListQuery(KEYS)).toEqual(DEFAULT_KEYS)
  })

  it.each([
    'page=0',
    'page=-2',
    'page=1.5',
    'page=abc',
    'page=',
    'page=01',
    'page=1e3',
    'page=99999999',
    'perPage=7',
    'perPage=020',
    'perPage=1000',
    'perPage=twenty',
    'sort_by=password_hash',
    'sort_by=--name',
    'sort_by=-',
    'sort_by=',
    'user_id=12',
    'user_id=',
    'user_id=all',
    `search=${'x'.repeat(257)}`,
  ])('falls back to the default for %s', (bad) => {
    expect(parseListQuery(`?${bad}`, KEYS)).toEqual(DEFAULT_KEYS)
  })

  it('keeps the good values beside a bad one', () => {
    expect(parseListQuery('?page=two&perPage=10&sort_by=nope&search=ok', KEYS)).toEqual({
      ...DEFAULT_KEYS,
      perPage: 10,
      search: 'ok',
    })
  })

  it('ignores unknown parameters and takes the first of repeated ones', () => {
    expect(parseListQuery('?tab=x&page=2&page=5', KEYS)).toEqual({ ...DEFAULT_KEYS, page: 2 })
  })

  it('trims the search and decodes it', () => {
    expect(parseListQuery('?search=%20ci%2Fbot%26x%20', KEYS).search).toBe('ci/bot&x')
    expect(parseListQuery('?search=a+b', KEYS).search).toBe('a b')
  })

  it('never gives user_id=* where it is not allowed (a non-admin, or another list)', () => {
    expect(parseListQuery('?user_id=*', { ...KEYS, allowAllUsers: false }).allUsers).toBe(false)
  })

  it('keeps a fixed sort for a page without sortable columns', () => {
    expect(parseListQuery('?sort_by=-name', MODELS).sortBy).toBe('name')
    expect(parseListQuery('?sort_by=created_at', MODELS).sortBy).toBe('name')
  })
})

describe('listQueryString', () => {
  it('is empty for the defaults, so the plain path is the default list', () => {
    expect(listQueryString(DEFAULT_KEYS, KEYS)).toBe('')
  })

  it('writes only what differs from the defaults, with the API names', () => {
    expect(listQueryString({ ...DEFAULT_KEYS, page: 2, search: 'bot' }, KEYS)).toBe(
      '?page=2&search=bot',
    )
    expect(
      listQueryString(
        { page: 4, perPage: 100, sortBy: 'name', search: 'a b&c', allUsers: true },
        KEYS,
      ),
    ).toBe('?page=4&perPage=100&sort_by=name&search=a+b%26c&user_id=*')
  })

  it('does not write user_id=* for a list that does not allow it', () => {
    expect(listQueryString({ ...defaultListQuery(MODELS), allUsers: true }, MODELS)).toBe('')
  })

  it.each([
    [{ ...DEFAULT_KEYS, page: 7, sortBy: '-name' }],
    [{ ...DEFAULT_KEYS, perPage: 10, search: 'ü ✓ %20 ?x=1#y', allUsers: true }],
    [{ page: 2, perPage: 50, sortBy: 'expires_at', search: 'bot', allUsers: false }],
  ])('reads back what it wrote: %o', (q) => {
    expect(parseListQuery(listQueryString(q, KEYS), KEYS)).toEqual(q)
  })
})

describe('listApiPath', () => {
  it('spells out the page, size and sort, and adds search and user_id only when set', () => {
    expect(listApiPath('/v2/api-keys', DEFAULT_KEYS)).toBe(
      '/v2/api-keys?page=1&perPage=20&sort_by=-created_at',
    )
    expect(
      listApiPath('/v2/api-keys', { ...DEFAULT_KEYS, page: 2, search: 'bot', allUsers: true }),
    ).toBe('/v2/api-keys?page=2&perPage=20&sort_by=-created_at&search=bot&user_id=*')
  })
})
