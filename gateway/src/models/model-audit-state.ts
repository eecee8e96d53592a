import type { Kysely } from 'kysely'
import { type AuditChanges, diffFields, REDACTED } from '../audit/audit-diff.js'
import type { Tables } from '../db/tables.js'
import type { ModelRecord } from './model-repository.js'

/** A model's editable fields, as an audit row compares them: instances with their credential, grants sorted. */
export interface ModelAuditState {
  name: string
  description: string
  backend: string
  upstream_model_name: string | null
  access_policy: string
  routes: string[] | null
  allowed_user_ids: number[]
  instances: { url: string; weight: number; worker: string; api_key: string | null }[]
}

const FIELDS = [
  'name',
  'description',
  'backend',
  'upstream_model_name',
  'access_policy',
  'routes',
  'allowed_user_ids',
] as const

/** Reads the model's state inside the edit's transaction (before and after it). */
export async function readModelAuditState(
  tx: Kysely<Tables>,
  model: ModelRecord,
): Promise<ModelAuditState> {
  const instances = await tx
    .selectFrom('model_instances')
    .select(['url', 'weight', 'worker', 'api_key'])
    .where('model_id', '=', model.id)
    .orderBy('url')
    .execute()
  const grants = await tx
    .selectFrom('model_user_grants')
    .select('user_id')
    .where('model_id', '=', model.id)
    .orderBy('user_id')
    .execute()
  return {
    name: model.name,
    description: model.description,
    backend: model.backend,
    upstream_model_name: model.upstream_model_name,
    access_policy: model.access_policy,
    routes: model.routes,
    allowed_user_ids: grants.map((g) => g.user_id),
    instances,
  }
}

/** An instance as the trail shows it: whether it has a credential, never the credential. */
function shown(instances: ModelAuditState['instances']) {
  return instances.map((i) => ({
    url: i.url,
    weight: i.weight,
    worker: i.worker,
    api_key: i.api_key === null ? null : REDACTED,
  }))
}

/**
 * What an edit changed. Instances are compared with their credentials, so a new credential on the same URL is a
 * change, but each side records only whether an instance has one (`api_key: '[redacted]'` or null).
 */
export function modelChanges(before: ModelAuditState, after: ModelAuditState): AuditChanges {
  const changes = diffFields(before, after, FIELDS)
  if (JSON.stringify(before.instances) !== JSON.stringify(after.instances)) {
    changes.instances = { old: shown(before.instances), new: shown(after.instances) }
  }
  return changes
}
