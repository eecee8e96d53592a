import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { AddressBook } from './address-book.js'
import type { ResolveHost } from './host-resolver.js'

const logger = pino({ level: 'silent' })
const books: AddressBook[] = []

/** A book over a mutable fake DNS (no network: pools are only created when a request is sent). */
function bookWith(records: Map<string, string[]>) {
  let lookups = 0
  const resolveHost: ResolveHost = async (host) => {
    lookups++
    const found = records.get(host)
    if (found === undefined) {
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' })
    }
    return found
  }
  const book = new AddressBook({
    resolveHost,
    headersTimeoutMs: 1_000,
    idleTimeoutMs: 1_000,
    logger,
  })
  books.push(book)
  return { book, lookups: () => lookups }
}

const keys = (book: AddressBook, url: string) => book.resolutionOf(url).addresses.map((a) => a.key)

afterEach(async () => {
  await Promise.all(books.splice(0).map((b) => b.close()))
})

describe('AddressBook', () => {
  it('uses an address literal as is, without a lookup', async () => {
    const { book, lookups } = bookWith(new Map())
    const url = 'http://10.0.3.7:8000/engine'
    await book.refresh(new Set([url]))
    expect(keys(book, url)).toEqual(['http://10.0.3.7:8000/engine'])
    expect(book.resolutionOf('http://[fd00::7]:8000').addresses[0]?.hostName).toBeUndefined()
    expect(lookups()).toBe(0)
  })

  it('serves a name at once under its own name, then expands it to one address per record', async () => {
    const { book } = bookWith(new Map([['vllm.ns.svc', ['10.1.0.9', '10.1.0.8', '10.1.0.9']]]))
    const url = 'http://vllm.ns.svc:8000'
    expect(keys(book, url)).toEqual(['http://vllm.ns.svc:8000'])
    const before = book.resolutionOf(url).version
    await book.refresh(new Set([url]))
    expect(keys(book, url)).toEqual(['http://10.1.0.8:8000', 'http://10.1.0.9:8000'])
    expect(book.resolutionOf(url).addresses.map((a) => a.hostName)).toEqual([
      'vllm.ns.svc:8000',
      'vllm.ns.svc:8000',
    ])
    expect(book.resolutionOf(url).version).not.toBe(before)
  })

  it('keeps the resolution (same version) when DNS answers the same set', async () => {
    const { book } = bookWith(new Map([['a.svc', ['10.1.0.1']]]))
    const url = 'http://a.svc:8000'
    await book.refresh(new Set([url]))
    const first = book.resolutionOf(url)
    await book.refresh(new Set([url]))
    expect(book.resolutionOf(url)).toBe(first)
  })

  it('keeps the last addresses when a lookup fails, and has none when DNS lists none', async () => {
    const records = new Map([['a.svc', ['10.1.0.1']]])
    const { book } = bookWith(records)
    const url = 'http://a.svc:8000'
    await book.refresh(new Set([url]))
    records.delete('a.svc')
    await book.refresh(new Set([url]))
    expect(keys(book, url)).toEqual(['http://10.1.0.1:8000'])
    records.set('a.svc', [])
    await book.refresh(new Set([url]))
    expect(keys(book, url)).toEqual([])
    expect(book.healthOf(url)).toBe('unhealthy')
  })

  it('shares one address between URLs that reach the same place, and forgets URLs no longer configured', async () => {
    const { book } = bookWith(new Map())
    const a = book.resolutionOf('http://10.0.0.1:8000').addresses[0]
    expect(book.resolutionOf('http://10.0.0.1:8000/').addresses[0]).toBe(a)
    await book.refresh(new Set(['http://10.0.0.2:8000']))
    expect([...book.addresses()].map((x) => x.key)).toEqual(['http://10.0.0.2:8000'])
    expect(book.isNew('http://10.0.0.1:8000')).toBe(true)
  })

  it('aggregates health: healthy if any address is, unknown before probes, else unhealthy', async () => {
    const { book } = bookWith(new Map([['two.svc', ['10.2.0.1', '10.2.0.2']]]))
    const url = 'http://two.svc:8000'
    await book.refresh(new Set([url]))
    expect(book.healthOf(url)).toBe('unknown')
    const [x, y] = book.resolutionOf(url).addresses
    x?.setHealth('unhealthy')
    expect(book.healthOf(url)).toBe('unknown')
    y?.setHealth('healthy')
    expect(book.healthOf(url)).toBe('healthy')
    y?.setHealth('unhealthy')
    expect(book.healthOf(url)).toBe('unhealthy')
  })
})
