import { describe, expect, it } from 'vitest'
import { isDatabaseUnavailable } from './database-unavailable.js'

const withCode = (code: string) => Object.assign(new Error('x'), { code })

describe('isDatabaseUnavailable', () => {
  it.each(['CONNECTION_CLOSED', 'CONNECT_TIMEOUT', 'ECONNREFUSED', '08006', '57P01'])(
    'recognises %s as the database being away',
    (code) => {
      expect(isDatabaseUnavailable(withCode(code))).toBe(true)
    },
  )

  it('follows the cause chain', () => {
    expect(isDatabaseUnavailable(new Error('outer', { cause: withCode('ECONNRESET') }))).toBe(true)
  })

  it.each(['23505', '42P01', '22P02', 'ERR_SOMETHING'])(
    'leaves query errors such as %s alone',
    (code) => {
      expect(isDatabaseUnavailable(withCode(code))).toBe(false)
    },
  )

  it('leaves errors without a code alone', () => {
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false)
    expect(isDatabaseUnavailable('boom')).toBe(false)
  })
})
