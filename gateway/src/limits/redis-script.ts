import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

/**
 * A Lua script run by its SHA-1 (EVALSHA), so the source crosses the wire only when the server lacks it: after
 * `load()` on connect, or once after a Redis restart or SCRIPT FLUSH, when the server answers NOSCRIPT and the call
 * is repeated as EVAL (which also caches it again). A NOSCRIPT reply means nothing ran, so repeating is safe.
 */
export class RedisScript {
  readonly source: string
  readonly sha: string

  constructor(source: string) {
    this.source = source
    this.sha = createHash('sha1').update(source).digest('hex')
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]) {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args)
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return await client.eval(this.source, keys.length, ...keys, ...args)
      }
      throw err
    }
  }

  async load(client: Redis): Promise<void> {
    await client.script('LOAD', this.source)
  }
}
