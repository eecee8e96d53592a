import type { z } from 'zod'
import { createKeyBody, listKeysQuery, rotateKeyBody, updateKeyBody } from '../keys/key-input.js'
import { CreateModelBody, ListModelsQuery, UpdateModelBody } from '../models/model-input.js'
import { auditQuery } from '../routes/v2/audit-events.js'
import { usageQuery } from '../routes/v2/usage.js'
import { updateSettingsBody } from '../settings/settings-schema.js'
import {
  CreateUserBody,
  ListUsersQuery,
  LoginBody,
  UpdatePasswordBody,
  UpdateUserBody,
} from '../users/user-input.js'
import {
  AdminModelJsonSchema,
  ApiKeyJson,
  ApiKeyLimitUseJson,
  AuditEventJson,
  CreatedApiKeyJson,
  ErrorEnvelope,
  ModelKeyAllowlistsJson,
  ModelListJson,
  ModelObjectJson,
  pageOf,
  ServiceStatusJson,
  SettingsJsonSchema,
  UsageReportJson,
  UserJsonSchema,
  UserModelJsonSchema,
} from './response-schemas.js'

/** Who may call an operation: the document's security requirement and the text shown with it. */
export type Access = 'public' | 'inference' | 'management' | 'admin' | 'session'

export interface Operation {
  readonly method: 'get' | 'post' | 'put' | 'delete'
  /** OpenAPI path, `{param}` style. */
  readonly path: string
  readonly tag:
    | 'Inference'
    | 'API keys'
    | 'Users'
    | 'Models'
    | 'Usage and audit'
    | 'Settings'
    | 'Session'
    | 'Service'
  readonly summary: string
  readonly access: Access
  readonly query?: z.ZodObject
  readonly body?: z.ZodType
  /** The success status and its JSON body (undefined: no body, e.g. 204). */
  readonly ok: {
    readonly status: number
    readonly json?: z.ZodType
    readonly contentType?: string
    /** Also answers text/csv (when asked with format=csv): what the CSV holds. */
    readonly csv?: string
  }
  /** Error statuses this operation answers besides 401/403 (always listed when not public). */
  readonly errors?: readonly number[]
}

const modelJson = UserModelJsonSchema.or(AdminModelJsonSchema)

/** Every route the gateway answers itself, and the proxied inference routes; an integration test compares. */
export const OPERATIONS: readonly Operation[] = [
  // Inference (proxied to the engines; request and response bodies are the engine's own API)
  ...(['chat/completions', 'completions', 'embeddings', 'rerank'] as const).map(
    (route): Operation => ({
      method: 'post',
      path: `/v1/${route}`,
      tag: 'Inference',
      summary: `OpenAI-compatible ${route}, forwarded to one of the model's engine instances (streaming relayed as it arrives)`,
      access: 'inference',
      ok: { status: 200, contentType: 'application/json or text/event-stream' },
      errors: [400, 404, 413, 415, 429, 502, 503, 504],
    }),
  ),
  {
    method: 'post',
    path: '/v1/responses',
    tag: 'Inference',
    summary:
      'OpenAI Responses API, stateless: previous_response_id, conversation and background are refused (400)',
    access: 'inference',
    ok: { status: 200, contentType: 'application/json or text/event-stream' },
    errors: [400, 404, 413, 415, 429, 502, 503, 504],
  },
  {
    method: 'get',
    path: '/v1/responses/{id}',
    tag: 'Inference',
    summary:
      'Stored responses (also DELETE, /cancel, /input_items): always 400, their state lives in one engine instance',
    access: 'inference',
    ok: { status: 400, json: ErrorEnvelope },
  },
  {
    method: 'post',
    path: '/v1/messages',
    tag: 'Inference',
    summary:
      'Anthropic Messages API (key as x-api-key or Bearer; errors in Anthropic’s envelope {"type":"error","error":{…}})',
    access: 'inference',
    ok: { status: 200, contentType: 'application/json or text/event-stream' },
    errors: [400, 404, 413, 415, 429, 502, 503, 504],
  },
  {
    method: 'post',
    path: '/v1/messages/count_tokens',
    tag: 'Inference',
    summary: 'Anthropic token counting (errors in Anthropic’s envelope)',
    access: 'inference',
    ok: { status: 200, contentType: 'application/json' },
    errors: [400, 404, 413, 415, 429, 502, 503, 504],
  },
  ...(['transcriptions', 'translations'] as const).map(
    (route): Operation => ({
      method: 'post',
      path: `/v1/audio/${route}`,
      tag: 'Inference',
      summary: `OpenAI audio ${route} (multipart/form-data, streamed to the engine unchanged)`,
      access: 'inference',
      ok: { status: 200, contentType: 'application/json or text/plain' },
      errors: [400, 404, 413, 415, 429, 502, 503, 504],
    }),
  ),
  {
    method: 'get',
    path: '/v1/models',
    tag: 'Inference',
    summary: 'The models this key may call',
    access: 'inference',
    ok: { status: 200, json: ModelListJson },
  },
  {
    method: 'get',
    path: '/v1/models/{model}',
    tag: 'Inference',
    summary: 'One model this key may call',
    access: 'inference',
    ok: { status: 200, json: ModelObjectJson },
    errors: [404],
  },
  // Session
  {
    method: 'post',
    path: '/auth/login',
    tag: 'Session',
    summary: 'Log in (JSON or an HTML form); sets the keygate_session cookie',
    access: 'public',
    body: LoginBody,
    ok: { status: 200, json: UserJsonSchema },
    errors: [400, 401, 422, 429],
  },
  {
    method: 'post',
    path: '/auth/logout',
    tag: 'Session',
    summary: 'Forget the session cookie',
    access: 'public',
    ok: { status: 204 },
  },
  {
    method: 'post',
    path: '/auth/update-password',
    tag: 'Session',
    summary: "Change the caller's own password; ends every other session",
    access: 'management',
    body: UpdatePasswordBody,
    ok: { status: 200, json: UserJsonSchema },
    errors: [400, 422, 429],
  },
  // API keys
  {
    method: 'get',
    path: '/v2/api-keys',
    tag: 'API keys',
    summary:
      "List keys: the caller's own; an admin's user_id=* lists everyone's; metadata.<name>=<value> filters on metadata",
    access: 'management',
    query: listKeysQuery,
    ok: { status: 200, json: pageOf(ApiKeyJson) },
    errors: [422],
  },
  {
    method: 'post',
    path: '/v2/api-keys',
    tag: 'API keys',
    summary: 'Create a key for the caller; the value is in this response only',
    access: 'management',
    body: createKeyBody,
    ok: { status: 201, json: CreatedApiKeyJson },
    errors: [400, 409, 415, 422],
  },
  {
    method: 'get',
    path: '/v2/api-keys/{id}',
    tag: 'API keys',
    summary: 'One key (an admin may read any key)',
    access: 'management',
    ok: { status: 200, json: ApiKeyJson },
    errors: [404],
  },
  {
    method: 'get',
    path: '/v2/api-keys/{id}/limits',
    tag: 'API keys',
    summary: "The key's limits and its use in its budget period so far",
    access: 'management',
    ok: { status: 200, json: ApiKeyLimitUseJson },
    errors: [404],
  },
  {
    method: 'put',
    path: '/v2/api-keys/{id}',
    tag: 'API keys',
    summary:
      'Change name, description, permissions, allowlists, metadata, expiry or is_active; in force everywhere within 1 s',
    access: 'management',
    body: updateKeyBody,
    ok: { status: 200, json: ApiKeyJson },
    errors: [400, 404, 409, 415, 422],
  },
  {
    method: 'post',
    path: '/v2/api-keys/{id}/rotate',
    tag: 'API keys',
    summary:
      'New value for the key (in this response only); the old one works for grace_seconds (default 0, at most 604800)',
    access: 'management',
    body: rotateKeyBody,
    ok: { status: 200, json: CreatedApiKeyJson },
    errors: [400, 404, 409, 415, 422],
  },
  {
    method: 'delete',
    path: '/v2/api-keys/{id}',
    tag: 'API keys',
    summary: 'Delete a key; its usage history stays',
    access: 'management',
    ok: { status: 204 },
    errors: [404],
  },
  // Settings
  {
    method: 'get',
    path: '/v2/settings',
    tag: 'Settings',
    summary:
      'Installation-wide settings (key lifetime policy) and how existing keys stand against them',
    access: 'admin',
    ok: { status: 200, json: SettingsJsonSchema },
  },
  {
    method: 'put',
    path: '/v2/settings',
    tag: 'Settings',
    summary: 'Change any subset of the settings; existing keys are reported, never changed',
    access: 'admin',
    body: updateSettingsBody,
    ok: { status: 200, json: SettingsJsonSchema },
    errors: [400, 415, 422],
  },
  // Users
  {
    method: 'get',
    path: '/v2/users/me',
    tag: 'Users',
    summary: "The caller (a key's owner)",
    access: 'management',
    ok: { status: 200, json: UserJsonSchema },
  },
  {
    method: 'get',
    path: '/v2/users',
    tag: 'Users',
    summary: 'List users',
    access: 'admin',
    query: ListUsersQuery,
    ok: { status: 200, json: pageOf(UserJsonSchema) },
    errors: [422],
  },
  {
    method: 'post',
    path: '/v2/users',
    tag: 'Users',
    summary: 'Create a user',
    access: 'admin',
    body: CreateUserBody,
    ok: { status: 201, json: UserJsonSchema },
    errors: [400, 409, 415, 422],
  },
  {
    method: 'get',
    path: '/v2/users/{id}',
    tag: 'Users',
    summary: 'One user',
    access: 'admin',
    ok: { status: 200, json: UserJsonSchema },
    errors: [404],
  },
  {
    method: 'put',
    path: '/v2/users/{id}',
    tag: 'Users',
    summary: 'Edit, deactivate, make admin, reset password',
    access: 'admin',
    body: UpdateUserBody,
    ok: { status: 200, json: UserJsonSchema },
    errors: [400, 404, 409, 415, 422],
  },
  {
    method: 'delete',
    path: '/v2/users/{id}',
    tag: 'Users',
    summary: 'Delete a user and their keys (their usage history stays)',
    access: 'admin',
    ok: { status: 204 },
    errors: [404, 422],
  },
  // Models
  {
    method: 'get',
    path: '/v2/models',
    tag: 'Models',
    summary: 'The models the caller may use, with health (admins also see instances)',
    access: 'management',
    query: ListModelsQuery,
    ok: { status: 200, json: pageOf(modelJson) },
    errors: [422],
  },
  {
    method: 'post',
    path: '/v2/models',
    tag: 'Models',
    summary: 'Register a model and its engine instances',
    access: 'admin',
    body: CreateModelBody,
    ok: { status: 201, json: AdminModelJsonSchema },
    errors: [400, 409, 415, 422],
  },
  {
    method: 'get',
    path: '/v2/models/{id}',
    tag: 'Models',
    summary: 'One model the caller may use',
    access: 'management',
    ok: { status: 200, json: modelJson },
    errors: [404],
  },
  {
    method: 'put',
    path: '/v2/models/{id}',
    tag: 'Models',
    summary:
      "Change a model; instances and allowed_user_ids, when sent, replace the lists; a new name is carried into the keys' allowlists",
    access: 'admin',
    body: UpdateModelBody,
    ok: { status: 200, json: AdminModelJsonSchema },
    errors: [400, 404, 409, 415, 422],
  },
  {
    method: 'get',
    path: '/v2/models/{id}/key-allowlists',
    tag: 'Models',
    summary: 'How many keys name the model in their allowlist (a rename carries them along)',
    access: 'admin',
    ok: { status: 200, json: ModelKeyAllowlistsJson },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/v2/models/{id}',
    tag: 'Models',
    summary: 'Delete a model',
    access: 'admin',
    ok: { status: 204 },
    errors: [404, 409],
  },
  // Usage and audit
  {
    method: 'get',
    path: '/v2/usage',
    tag: 'Usage and audit',
    summary:
      'Requests, tokens, errors and cost per key, model and UTC day (JSON, or CSV with format=csv)',
    access: 'management',
    query: usageQuery,
    ok: {
      status: 200,
      json: UsageReportJson,
      csv: 'format=csv: the same lines as the JSON items, a header of their field names, RFC 4180 quoting',
    },
    errors: [422],
  },
  {
    method: 'get',
    path: '/v2/audit-events',
    tag: 'Usage and audit',
    summary: 'Who changed which key, user or model, and when (never a secret)',
    access: 'admin',
    query: auditQuery,
    ok: { status: 200, json: pageOf(AuditEventJson) },
    errors: [422],
  },
  {
    method: 'get',
    path: '/v2/status',
    tag: 'Service',
    summary: 'Replicas live and where limits are counted, with a warning when they are not shared',
    access: 'admin',
    ok: { status: 200, json: ServiceStatusJson },
  },
  // Service
  {
    method: 'get',
    path: '/healthz',
    tag: 'Service',
    summary: 'The process is up',
    access: 'public',
    ok: { status: 200 },
  },
  {
    method: 'get',
    path: '/readyz',
    tag: 'Service',
    summary: 'The database answers and the key cache is loaded (503 otherwise, and while draining)',
    access: 'public',
    ok: { status: 200 },
    errors: [503],
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'Service',
    summary: 'Prometheus metrics (behind KEYGATE_METRICS_TOKEN when set)',
    access: 'public',
    ok: { status: 200, contentType: 'text/plain' },
  },
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'Service',
    summary: 'This document',
    access: 'public',
    ok: { status: 200, contentType: 'application/json' },
  },
]
