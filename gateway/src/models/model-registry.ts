import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Principal } from '../auth/principal.js'
import type { ChangeEvent, ChangeFeed } from '../changes/change-feed.js'
import type { AccessPolicy, Backend, Tables } from '../db/tables.js'
import { buildSnapshot, listIn, type ModelSnapshot, resolveIn } from './model-access.js'
import { listCurrentPrices, type ModelPrice, NO_PRICE } from './model-prices.js'
import {
  type InstanceRecord,
  listAllGrants,
  listAllInstances,
  listAllModels,
} from './model-repository.js'
import { isModelRoute, type ModelRoute, type ServedRoutes, servedRoutes } from './model-routes.js'

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
  readonly description: string
  readonly backend: Backend
  /** Sent to the engine as `model`; null means send `name` unchanged. */
  readonly upstreamModelName: string | null
  readonly accessPolicy: AccessPolicy
  /** Users granted the model (only consulted when accessPolicy is 'allowed_users'). */
  readonly allowedUserIds: ReadonlySet<number>
  readonly managedBy: 'api' | 'file'
  /** The model's own route list as an admin set it; null = its backend's. */
  readonly ownRoutes: readonly ModelRoute[] | null
  /** What it serves: its own list, else its backend's (models/model-routes.ts). */
  readonly routes: ServedRoutes
  readonly instances: readonly InstanceTarget[]
  /** The price in force now (models/model-prices.ts); both null when it has none. */
  readonly price: ModelPrice
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface ModelRegistry {
  /** The model if it exists and the principal may use it (owner's access ∩ key allowlist); else undefined. */
  resolve(principal: Principal, name: string): ModelTarget | undefined
  /** Exactly the models the principal may call, sorted by name. */
  listFor(principal: Principal): readonly ModelTarget[]
  /** Every model, sorted by name, whoever asks: for background work (engine health checks), never for a caller. */
  listAll(): readonly ModelTarget[]
  /** Any model by id, whoever asks: for admin writes, which are not limited by a key's allowlist. */
  findById(id: number): ModelTarget | undefined
  /** A bounded metric label: the configured name, or 'other'. */
  labelFor(name: string): string
  /**
   * Loads everything from the database and subscribes to model and user changes; it is also read again with
   * every safety refresh of the change feed, for changes made outside it.
   */
  load(): Promise<void>
}

export interface ModelRegistryOptions {
  db: Kysely<Tables>
  changes: ChangeFeed
  logger: Logger
}

/** Reads every model, instance and grant; there are few models, so a full read costs milliseconds. */
export async function loadModelSnapshot(db: Kysely<Tables>): Promise<ModelSnapshot<ModelTarget>> {
  const [models, instances, grants, prices] = await Promise.all([
    listAllModels(db),
    listAllInstances(db),
    listAllGrants(db),
    listCurrentPrices(db),
  ])
  const instancesOf = new Map<number, InstanceTarget[]>()
  for (const i of instances) {
    const list = instancesOf.get(i.model_id) ?? []
    list.push(toInstanceTarget(i))
    instancesOf.set(i.model_id, list)
  }
  const grantsOf = new Map<number, Set<number>>()
  for (const g of grants) {
    const set = grantsOf.get(g.model_id) ?? new Set<number>()
    set.add(g.user_id)
    grantsOf.set(g.model_id, set)
  }
  return buildSnapshot(
    models.map(
      (m): ModelTarget => ({
        id: m.id,
        name: m.name,
        description: m.description,
        backend: m.backend,
        upstreamModelName: m.upstream_model_name,
        accessPolicy: m.access_policy,
        allowedUserIds: grantsOf.get(m.id) ?? new Set(),
        managedBy: m.managed_by,
        ownRoutes: m.routes === null ? null : m.routes.filter(isModelRoute),
        routes: servedRoutes(m.backend, m.routes),
        instances: instancesOf.get(m.id) ?? [],
        price: prices.get(m.id) ?? NO_PRICE,
        createdAt: m.created_at,
        updatedAt: m.updated_at,
      }),
    ),
  )
}

function toInstanceTarget(i: InstanceRecord): InstanceTarget {
  return { id: i.id, url: i.url, weight: i.weight, worker: i.worker, apiKey: i.api_key }
}

const EMPTY = buildSnapshot<ModelTarget>([])

/** Model changes (access, instances) and user changes (deleted users lose their grants) both reload. */
const isRelevant = (e: ChangeEvent): boolean => e.kind === 'model' || e.kind === 'user'

export function createModelRegistry(options: ModelRegistryOptions): ModelRegistry {
  const { db, changes, logger } = options
  let snapshot = EMPTY
  let subscribed = false
  let inflight: Promise<void> | undefined
  let again = false

  // Coalesces reloads: events arriving during a reload cause exactly one more, which reads after them.
  function reload(): Promise<void> {
    if (inflight !== undefined) {
      again = true
      return inflight
    }
    const run = async (): Promise<void> => {
      do {
        again = false
        // The swap is one assignment: a request sees the old snapshot or the new one, never a mix.
        snapshot = await loadModelSnapshot(db)
      } while (again)
    }
    inflight = run().finally(() => {
      inflight = undefined
    })
    return inflight
  }

  return {
    resolve: (principal, name) => resolveIn(snapshot, principal, name),
    listFor: (principal) => listIn(snapshot, principal),
    listAll: () => snapshot.sorted,
    findById: (id) => snapshot.byId.get(id),
    labelFor: (name) => (snapshot.byName.has(name) ? name : 'other'),
    async load() {
      if (!subscribed) {
        subscribed = true
        // Returning the reload makes changes.catchUp() wait for it, so a route that changed a model answers only
        // once this replica serves the change. A failed reload keeps the old snapshot until the next one: the
        // registry is read again with every safety refresh (also for changes made outside the feed).
        changes.subscribe((events) =>
          events.some(isRelevant)
            ? reload().catch((err: unknown) => {
                logger.error({ err }, 'model registry reload failed')
                throw err
              })
            : undefined,
        )
        changes.everyRefresh(reload)
      }
      await reload()
    },
  }
}
