import { z } from 'zod'
import { InstanceSpec, ModelSpec, PRICE } from './models-file.js'

/** Request bodies and query of /v2/models, built from the same pieces as KEYGATE_MODELS_FILE (models-file.ts). */

const Instances = z
  .array(InstanceSpec)
  .max(256)
  .refine(
    (list) => new Set(list.map((i) => i.url)).size === list.length,
    'instance URLs must be unique within a model',
  )

const UserIds = z
  .array(z.number().int().positive())
  .max(10_000)
  .transform((ids) => [...new Set(ids)])

const spec = ModelSpec.shape

/** Per million tokens, in the installation's currency; null (or omitted on create) = not priced. */
const Price = PRICE

export const CreateModelBody = z.strictObject({
  name: spec.name,
  description: spec.description,
  backend: spec.backend,
  upstream_model_name: spec.upstream_model_name,
  access_policy: spec.access_policy,
  routes: spec.routes,
  /** Users granted the model when access_policy is allowed_users (kept, but unused, under authed). */
  allowed_user_ids: UserIds.default([]),
  instances: Instances.default([]),
  input_price_per_mtok: Price.default(null),
  output_price_per_mtok: Price.default(null),
})

/** Every field optional: an omitted field keeps its value; `instances` and `allowed_user_ids` replace the lists. */
export const UpdateModelBody = z.strictObject({
  name: spec.name.optional(),
  description: spec.description.unwrap().optional(),
  backend: spec.backend.unwrap().optional(),
  upstream_model_name: spec.upstream_model_name,
  access_policy: spec.access_policy.unwrap().optional(),
  /** null goes back to the backend's routes; omitted keeps the model's. */
  routes: spec.routes,
  allowed_user_ids: UserIds.optional(),
  instances: Instances.optional(),
  /** A change is in force from now on; usage already charged keeps its price (docs/usage.md). */
  input_price_per_mtok: Price.optional(),
  output_price_per_mtok: Price.optional(),
})

export type CreateModelBody = z.input<typeof CreateModelBody>
export type UpdateModelBody = z.input<typeof UpdateModelBody>

const SORT_FIELDS = ['name', 'created_at', 'updated_at', 'id'] as const

export const ListModelsQuery = z.strictObject({
  page: z.coerce.number().int().min(1).default(1),
  perPage: z.coerce.number().int().min(1).max(1000).default(100),
  search: z.string().max(256).default(''),
  sort_by: z.enum([...SORT_FIELDS, ...SORT_FIELDS.map((f) => `-${f}` as const)]).default('name'),
})

export type ListModelsQuery = z.output<typeof ListModelsQuery>
