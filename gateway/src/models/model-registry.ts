// STUB (models helper replaces this file): the in-memory model registry, DESIGN §4, §6.
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Principal } from '../auth/principal.js'
import type { ChangeFeed } from '../changes/change-feed.js'
import type { Backend, Tables } from '../db/tables.js'

export interface InstanceTarget {
  readonly id: number
  /** Engine base URL without a trailing slash, e.g. http://10.0.3.7:8000 */
  readonly url: string
  readonly weight: number
  readonly worker: string
  /** Credential the gateway sends to the engine as its bearer; never shown to clients. */
  readonly apiKey: string | null
}

export interface ModelTarget {
  readonly id: number
  readonly name: string
  readonly backend: Backend
  /** Sent to the engine as `model`; null means send `name` unchanged. */
  readonly upstreamModelName: string | null
  readonly instances: readonly InstanceTarget[]
  readonly createdAt: Date
}

export interface ModelRegistry {
  /** The model if it exists and the principal may use it (owner's access ∩ key allowlist); else undefined. */
  resolve(principal: Principal, name: string): ModelTarget | undefined
  /** Exactly the models the principal may call, sorted by name. */
  listFor(principal: Principal): readonly ModelTarget[]
  /** A bounded metric label: the configured name, or 'other'. */
  labelFor(name: string): string
  /** Loads everything from the database and subscribes to model changes. */
  load(): Promise<void>
}

export interface ModelRegistryOptions {
  db: Kysely<Tables>
  changes: ChangeFeed
  logger: Logger
}

export function createModelRegistry(_options: ModelRegistryOptions): ModelRegistry {
  return {
    resolve: () => undefined,
    listFor: () => [],
    labelFor: () => 'other',
    load: async () => {},
  }
}
