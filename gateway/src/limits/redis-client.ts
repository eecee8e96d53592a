import { Redis } from 'ioredis'

export interface RedisClientOptions {
  /** `redis://` or `rediss://`, with credentials and database number if any. */
  readonly url: string
  /** The longest a command may wait for its reply before it fails (and the limits fail open or closed). */
  readonly timeoutMs: number
}

/**
 * A client for the limit counters that never makes a request wait longer than `timeoutMs`: commands fail at once
 * while disconnected (no offline queue) and time out otherwise; it reconnects by itself, retrying every 50 ms at
 * first and at most every second. Nothing connects until `connect()`; the caller owns it and quits it.
 */
export function createRedisClient(options: RedisClientOptions): Redis {
  return new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: options.timeoutMs,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt: number) => Math.min(attempt * 50, 1_000),
    // Concurrent requests' scripts leave in one write (one syscall) instead of one each.
    enableAutoPipelining: true,
  })
}
