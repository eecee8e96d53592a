import { z } from 'zod'
import type { ErrorBody } from '../http/error-body.js'
import type { ApiKey, ApiKeyLimitUse, CreatedApiKey } from '../keys/api-key-view.js'
import { MODEL_ROUTES } from '../models/model-routes.js'
import type { AdminModelJson, ModelKeyAllowlists, UserModelJson } from '../models/model-view.js'
import type { AuditEvent } from '../routes/v2/audit-events.js'
import type { ServiceStatus } from '../routes/v2/status.js'
import type { UsageReport } from '../routes/v2/usage.js'
import { settingsSchema } from '../settings/settings-schema.js'
import type { SettingsJson } from '../settings/settings-view.js'
import type { UserJson } from '../users/user-view.js'

/**
 * The JSON the API answers with, as zod schemas for the OpenAPI document. Each is checked at compile time to be
 * exactly the TypeScript type the route builds (the `Same` assertions below), so a field added to a view without
 * being described here fails `npm run typecheck`.
 */

const isoTime = z.iso.datetime()
const health = z.enum(['healthy', 'unhealthy', 'unknown'])
const backend = z.enum(['vllm', 'llama.cpp', 'openai'])
const modelRoutes = z
  .array(z.enum(MODEL_ROUTES))
  .meta({ description: 'The proxied routes this model serves' })

export const ErrorEnvelope = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .meta({ id: 'Error' })

/** The limit fields of a key or user (docs/limits.md). */
const limitFields = {
  rpm_limit: z
    .number()
    .int()
    .nullable()
    .meta({ description: 'Requests per sliding minute; null: none' }),
  tpm_limit: z
    .number()
    .int()
    .nullable()
    .meta({ description: 'Prompt + completion tokens per sliding minute; null: none' }),
  max_parallel_requests: z
    .number()
    .int()
    .nullable()
    .meta({ description: 'Requests in flight at once; null: none' }),
  token_budget: z
    .number()
    .int()
    .nullable()
    .meta({ description: 'Prompt + completion tokens per budget_period; null: none' }),
  budget_period: z
    .enum(['day', 'week', 'month'])
    .nullable()
    .meta({ description: 'UTC calendar day, ISO week or month; null counts per month' }),
}

export const ApiKeyJson = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string(),
    masked_value: z
      .string()
      .meta({ description: 'kg_<8 of the access key>…<last 4>, or …<last 4>' }),
    is_custom: z.boolean(),
    scope: z.array(z.enum(['management', 'inference'])),
    allowed_model_names: z
      .array(z.string())
      .meta({ description: 'Empty: every model the owner may use' }),
    expires_at: isoTime.nullable().meta({ description: 'Null: never expires' }),
    is_active: z.boolean(),
    last_used_at: isoTime.nullable(),
    user_id: z.number().int(),
    user_name: z.string(),
    created_at: isoTime,
    updated_at: isoTime,
    ...limitFields,
    metadata: z
      .record(z.string(), z.string())
      .meta({ description: 'Free-form string labels; filter lists with ?metadata.<name>=<value>' }),
    allowed_ips: z
      .array(z.string())
      .meta({ description: 'CIDRs the key may be used from; empty: anywhere' }),
    previous_value_expires_at: isoTime.nullable().meta({
      description:
        'After a rotation with a grace period: when the previous value stops (or stopped) working',
    }),
  })
  .meta({ id: 'ApiKey' })

export const ApiKeyLimitUseJson = z
  .object({
    api_key_id: z.number().int(),
    rpm_limit: limitFields.rpm_limit,
    tpm_limit: limitFields.tpm_limit,
    max_parallel_requests: limitFields.max_parallel_requests,
    token_budget: limitFields.token_budget,
    budget_period: z.enum(['day', 'week', 'month']),
    period_start: z.iso.date().meta({ description: 'First UTC day of the budget period' }),
    requests: z.number().int(),
    tokens: z
      .number()
      .int()
      .meta({ description: 'Prompt + completion tokens of this key in the period' }),
    refused: z.number().int(),
  })
  .meta({ id: 'ApiKeyLimitUse' })

export const CreatedApiKeyJson = ApiKeyJson.extend({
  value: z.string().meta({ description: 'The full key: shown in this response only, never again' }),
}).meta({ id: 'CreatedApiKey' })

export const SettingsJsonSchema = settingsSchema
  .extend({
    report: z.object({
      keys_beyond_lifetime_policy: z.number().int().meta({
        description: 'Keys the lifetime policy would refuse today; they keep working',
      }),
    }),
  })
  .meta({ id: 'Settings' })

export const UserJsonSchema = z
  .object({
    id: z.number().int(),
    username: z.string(),
    full_name: z.string(),
    is_admin: z.boolean(),
    is_active: z.boolean(),
    require_password_change: z.boolean(),
    created_at: isoTime,
    updated_at: isoTime,
    ...limitFields,
  })
  .meta({ id: 'User' })

export const UserModelJsonSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string(),
    backend,
    health,
    routes: modelRoutes,
    input_price_per_mtok: z.number().nullable().meta({
      description:
        "Price per million prompt tokens in the installation's currency; null: not priced",
    }),
    output_price_per_mtok: z.number().nullable().meta({
      description:
        "Price per million completion tokens in the installation's currency; null: not priced",
    }),
    created_at: isoTime,
    updated_at: isoTime,
  })
  .meta({ id: 'Model' })

export const AdminModelJsonSchema = UserModelJsonSchema.extend({
  upstream_model_name: z.string().nullable(),
  access_policy: z.enum(['authed', 'allowed_users']),
  allowed_user_ids: z.array(z.number().int()),
  managed_by: z.enum(['api', 'file']),
  own_routes: z
    .array(z.enum(MODEL_ROUTES))
    .nullable()
    .meta({ description: "The list an admin set; null: the backend's defaults" }),
  instances: z.array(
    z.object({
      id: z.number().int(),
      url: z.string(),
      weight: z.number().int(),
      worker: z.string(),
      has_api_key: z.boolean(),
      health,
    }),
  ),
}).meta({
  id: 'AdminModel',
  description: 'What an administrator sees of a model (never an api_key)',
})

export const ModelKeyAllowlistsJson = z
  .object({
    model: z.string(),
    key_count: z.number().int().meta({
      description: 'Keys whose allowlist names the model; renaming it renames it there too',
    }),
  })
  .meta({ id: 'ModelKeyAllowlists' })

export const UsageReportJson = z
  .object({
    items: z.array(
      z.object({
        api_key_id: z.number().int().optional(),
        api_key_name: z
          .string()
          .nullable()
          .optional()
          .meta({ description: 'For a deleted key, the name it had; null when not known' }),
        user_id: z
          .number()
          .int()
          .nullable()
          .optional()
          .meta({ description: "The key's owner, also once deleted" }),
        username: z
          .string()
          .nullable()
          .optional()
          .meta({ description: "The owner's username, also once deleted" }),
        api_key_deleted: z
          .boolean()
          .optional()
          .meta({ description: 'True when the key (or its owner) was deleted; its usage stays' }),
        model: z.string().optional(),
        day: z.string().optional(),
        requests: z.number().int(),
        prompt_tokens: z.number().int(),
        completion_tokens: z.number().int(),
        errors: z.number().int(),
        refused: z.number().int().meta({
          description: 'Refused by a limit (429) before reaching an engine; not in requests',
        }),
        cost: z.number().nullable().meta({
          description:
            "In `currency`: each day's tokens at the model's price in force at the end of that UTC day (today: now); null where none is priced",
        }),
      }),
    ),
    from: z.iso.date(),
    to: z.iso.date(),
    currency: z.string().meta({ description: 'The installation setting `currency` (default USD)' }),
  })
  .meta({ id: 'UsageReport' })

export const ServiceStatusJson = z
  .object({
    replicas: z.number().int().meta({ description: 'Gateway replicas with a recent heartbeat' }),
    limits: z.object({
      store: z.enum(['redis', 'process']),
      in_use: z.boolean().meta({ description: 'Some key or user has a limit' }),
      warning: z
        .string()
        .nullable()
        .meta({ description: 'Set while several replicas count limits in their own memory' }),
    }),
  })
  .meta({ id: 'ServiceStatus' })

export const AuditEventJson = z
  .object({
    id: z.number().int(),
    at: isoTime,
    actor_user_id: z.number().int().nullable(),
    actor_username: z.string().nullable(),
    actor_key_id: z.number().int().nullable(),
    action: z.string(),
    target_type: z.string(),
    target_id: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' })

/** OpenAI's model object, as GET /v1/models lists it. */
export const ModelObjectJson = z
  .object({
    id: z.string(),
    object: z.literal('model'),
    created: z.number().int(),
    owned_by: z.string(),
    routes: modelRoutes,
  })
  .meta({ id: 'ModelObject' })

export const ModelListJson = z.object({ object: z.literal('list'), data: z.array(ModelObjectJson) })

/** The list envelope of every /v2 collection. */
export function pageOf(item: z.ZodType) {
  return z.object({
    items: z.array(item),
    pagination: z.object({
      page: z.number().int(),
      perPage: z.number().int(),
      total: z.number().int(),
      totalPage: z.number().int(),
    }),
  })
}

/** True only when A and B are the same type (not merely assignable). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false

// Compile-time: each schema describes exactly what its route returns.
export const SCHEMAS_MATCH_VIEWS: [
  Same<z.output<typeof ApiKeyJson>, ApiKey>,
  Same<z.output<typeof CreatedApiKeyJson>, CreatedApiKey>,
  Same<z.output<typeof UserJsonSchema>, UserJson>,
  Same<z.output<typeof UserModelJsonSchema>, UserModelJson>,
  Same<z.output<typeof AdminModelJsonSchema>, AdminModelJson>,
  Same<z.output<typeof UsageReportJson>, UsageReport>,
  Same<z.output<typeof ModelKeyAllowlistsJson>, ModelKeyAllowlists>,
  Same<z.output<typeof AuditEventJson>, AuditEvent>,
  Same<z.output<typeof ErrorEnvelope>, ErrorBody>,
  Same<z.output<typeof ServiceStatusJson>, ServiceStatus>,
  Same<z.output<typeof ApiKeyLimitUseJson>, ApiKeyLimitUse>,
  Same<z.output<typeof SettingsJsonSchema>, SettingsJson>,
] = [true, true, true, true, true, true, true, true, true, true, true, true]
