import type { InstanceHealth } from '../upstream/upstream-pool.js'
import type { ModelTarget } from './model-registry.js'
import type { ModelRoute } from './model-routes.js'

/** How /v2/models shows a model: admins see everything but secrets; users see what they need to call it. */

export interface ModelInstanceJson {
  id: number
  url: string
  weight: number
  worker: string
  /** The instance's api_key itself is never returned. */
  has_api_key: boolean
  health: InstanceHealth
}

export interface UserModelJson {
  id: number
  name: string
  description: string
  backend: ModelTarget['backend']
  /** healthy: at least one instance healthy; unknown: none healthy, some not probed yet; else unhealthy. */
  health: InstanceHealth
  /** The proxied routes it serves (its own list, else its backend's). */
  routes: ModelRoute[]
  /** Price per million prompt tokens in the installation's currency, in force now; null = not priced. */
  input_price_per_mtok: number | null
  /** Price per million completion tokens; null = not priced. */
  output_price_per_mtok: number | null
  created_at: string
  updated_at: string
}

export interface AdminModelJson extends UserModelJson {
  upstream_model_name: string | null
  access_policy: ModelTarget['accessPolicy']
  allowed_user_ids: number[]
  managed_by: ModelTarget['managedBy']
  /** The list an admin set (what `routes` in a write sets); null = the backend's defaults apply. */
  own_routes: ModelRoute[] | null
  instances: ModelInstanceJson[]
}

export type ModelJson = UserModelJson | AdminModelJson

export type HealthOf = (url: string) => InstanceHealth

export function summarizeHealth(states: readonly InstanceHealth[]): InstanceHealth {
  if (states.includes('healthy')) {
    return 'healthy'
  }
  return states.includes('unknown') ? 'unknown' : 'unhealthy'
}

export function toUserModelJson(m: ModelTarget, healthOf: HealthOf): UserModelJson {
  return {
    id: m.id,
    name: m.name,
    description: m.description,
    backend: m.backend,
    health: summarizeHealth(m.instances.map((i) => healthOf(i.url))),
    routes: [...m.routes.list],
    input_price_per_mtok: m.price.inputPerMtok,
    output_price_per_mtok: m.price.outputPerMtok,
    created_at: m.createdAt.toISOString(),
    updated_at: m.updatedAt.toISOString(),
  }
}

export function toAdminModelJson(m: ModelTarget, healthOf: HealthOf): AdminModelJson {
  const instances = m.instances.map(
    (i): ModelInstanceJson => ({
      id: i.id,
      url: i.url,
      weight: i.weight,
      worker: i.worker,
      has_api_key: i.apiKey !== null,
      health: healthOf(i.url),
    }),
  )
  return {
    ...toUserModelJson(m, healthOf),
    upstream_model_name: m.upstreamModelName,
    access_policy: m.accessPolicy,
    allowed_user_ids: [...m.allowedUserIds].sort((a, b) => a - b),
    managed_by: m.managedBy,
    own_routes: m.ownRoutes === null ? null : [...m.ownRoutes],
    instances,
  }
}

/** GET /v2/models/{id}/key-allowlists: what a rename of the model carries along. */
export interface ModelKeyAllowlists {
  model: string
  /** Keys whose allowlist names the model; a rename renames it there too. */
  key_count: number
}
