// STUB (keys helper replaces this file): `keygate keys create …`.
import type { Config } from '../config.js'

export async function runKeysCreate(_config: Config, _args: string[]): Promise<number> {
  console.error('keys create: not implemented yet')
  return 1
}
