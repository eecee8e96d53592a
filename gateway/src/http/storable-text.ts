/**
 * Text Postgres can store. A `text` value cannot hold U+0000, and a lone UTF-16 surrogate has no UTF-8 encoding
 * (Postgres refuses both, PGlite too), so such a string reaching a query is a 500. JSON (`\u0000`, `\ud800`) and
 * query strings (`%00`) can carry either, so every piece of outside input is checked before it is used.
 */

/** U+0000, or a surrogate not part of a pair: in a `u` regex a paired surrogate is one astral code point. */
const UNSTORABLE = /[\0\p{Cs}]/u
const UNSTORABLE_ALL = /[\0\p{Cs}]/gu

/** Deeper than any input shape we accept; also keeps a hostile nesting from exhausting the stack. */
const MAX_DEPTH = 32

const PROBLEMS = {
  text: 'must not contain NUL (U+0000) or unpaired surrogate characters',
  depth: 'is nested too deeply',
} as const

/** Where the input cannot be stored (`a.b.0`; '' for the whole input), and why, in words for an error message. */
export type UnstorableText = { path: string; problem: string }

export function isStorableText(s: string): boolean {
  return !UNSTORABLE.test(s)
}

/**
 * The path (`a.b.0`) of the first string, value or property name, that Postgres cannot store, or undefined when
 * every one can. Walks plain JSON-like data (objects, arrays, strings); other values are left to the schema.
 */
export function findUnstorableText(value: unknown): UnstorableText | undefined {
  const found = walk(value, 0)
  return found === undefined
    ? undefined
    : { path: found.keys.reverse().join('.'), problem: PROBLEMS[found.reason] }
}

/** The failing keys leaf first, collected only on the way out of a failure: nothing is allocated otherwise. */
type Found = { keys: string[]; reason: keyof typeof PROBLEMS }

function walk(value: unknown, depth: number): Found | undefined {
  if (typeof value === 'string') {
    return isStorableText(value) ? undefined : { keys: [], reason: 'text' }
  }
  if (typeof value !== 'object' || value === null) {
    return undefined
  }
  if (depth >= MAX_DEPTH) {
    return { keys: [], reason: 'depth' }
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = walk(value[i], depth + 1)
      if (found !== undefined) {
        found.keys.push(String(i))
        return found
      }
    }
    return undefined
  }
  for (const [key, item] of Object.entries(value)) {
    if (!isStorableText(key)) {
      return { keys: [key.replace(UNSTORABLE_ALL, '?')], reason: 'text' }
    }
    const found = walk(item, depth + 1)
    if (found !== undefined) {
      found.keys.push(key)
      return found
    }
  }
  return undefined
}
