import { randomBytes } from 'node:crypto'

/** Generated keys: `kg_<16 hex access key>_<32 hex secret>`; the secret carries 128 random bits. */
export const KEY_PREFIX = 'kg_'
export const CUSTOM_KEY_MIN_LENGTH = 16
export const CUSTOM_KEY_MAX_LENGTH = 256
/** Fewer distinct characters than this makes a custom key guessable ("passwordpassword" has 7). */
export const CUSTOM_KEY_MIN_DISTINCT = 8

export interface GeneratedKey {
  /** The full key string, returned to the caller once and never stored. */
  readonly value: string
  /** The public part, stored to identify the key. */
  readonly accessKey: string
  readonly maskedValue: string
}

export function generateKey(): GeneratedKey {
  const accessKey = randomBytes(8).toString('hex')
  const secret = randomBytes(16).toString('hex')
  return {
    value: `${KEY_PREFIX}${accessKey}_${secret}`,
    accessKey,
    maskedValue: maskGeneratedKey(accessKey, secret),
  }
}

export function maskGeneratedKey(accessKey: string, secret: string): string {
  return `${KEY_PREFIX}${accessKey.slice(0, 8)}…${secret.slice(-4)}`
}

export function maskCustomKey(value: string): string {
  return `…${value.slice(-4)}`
}

export type CustomKeyCheck = { ok: true } | { ok: false; message: string }

/** Accepts 16..256 printable ASCII characters without spaces, refusing values that are easy to guess. */
export function checkCustomKey(value: string): CustomKeyCheck {
  if (value.length < CUSTOM_KEY_MIN_LENGTH) {
    return refuse(`A custom key must be at least ${CUSTOM_KEY_MIN_LENGTH} characters long.`)
  }
  if (value.length > CUSTOM_KEY_MAX_LENGTH) {
    return refuse(`A custom key must be at most ${CUSTOM_KEY_MAX_LENGTH} characters long.`)
  }
  const distinct = new Set<number>()
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    // 0x21..0x7e: printable ASCII; a space would be cut off by HTTP clients and shells.
    if (code < 0x21 || code > 0x7e) {
      return refuse(
        'A custom key may contain only printable ASCII characters, without spaces or control characters.',
      )
    }
    distinct.add(code)
  }
  if (distinct.size === 1) {
    return refuse('A custom key must not be a single repeated character.')
  }
  if (distinct.size < CUSTOM_KEY_MIN_DISTINCT) {
    return refuse(
      `A custom key must contain at least ${CUSTOM_KEY_MIN_DISTINCT} different characters; this one has ${distinct.size}.`,
    )
  }
  if (isEvenRun(value)) {
    return refuse('A custom key must not be a simple sequence like "abcdefgh…" or "12345678…".')
  }
  return { ok: true }
}

function refuse(message: string): CustomKeyCheck {
  return { ok: false, message }
}

/** True when every character is the previous one plus the same step (abcd…, 9876…, acegi…). */
function isEvenRun(value: string): boolean {
  const step = value.charCodeAt(1) - value.charCodeAt(0)
  for (let i = 2; i < value.length; i++) {
    if (value.charCodeAt(i) - value.charCodeAt(i - 1) !== step) {
      return false
    }
  }
  return true
}

/** A cheap filter before hashing: no stored key can be shorter, longer or hold other characters. */
export function isPlausibleKey(token: string): boolean {
  return token.length >= CUSTOM_KEY_MIN_LENGTH && token.length <= CUSTOM_KEY_MAX_LENGTH
}
