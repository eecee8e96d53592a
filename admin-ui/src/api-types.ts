/**
 * Shapes of the /auth and /v2 APIs, imported as types only from the gateway's input and view modules so the UI and
 * the server cannot drift apart; `import type` is erased, so no server code reaches the bundle.
 */
export type {
  ApiKey,
  ApiKeyLimitUse,
  CreatedApiKey,
} from '../../gateway/src/keys/api-key-view.js'
export type {
  CreateApiKeyBody,
  RotateApiKeyBody,
  UpdateApiKeyBody,
} from '../../gateway/src/keys/key-input.js'
export type {
  CreateModelBody,
  UpdateModelBody,
} from '../../gateway/src/models/model-input.js'
export type {
  AdminModelJson as AdminModel,
  ModelInstanceJson as ModelInstance,
  ModelJson as Model,
  ModelKeyAllowlists,
} from '../../gateway/src/models/model-view.js'
export type { ServiceStatus } from '../../gateway/src/routes/v2/status.js'
export type { InstallationSettings as Settings } from '../../gateway/src/settings/settings-schema.js'
export type { SettingsJson } from '../../gateway/src/settings/settings-view.js'
export type { CreateUserBody, UpdateUserBody } from '../../gateway/src/users/user-input.js'
export type { UserJson as User } from '../../gateway/src/users/user-view.js'

export type Scope = 'management' | 'inference'
export type Backend = 'vllm' | 'llama.cpp' | 'openai'
export type AccessPolicy = 'authed' | 'allowed_users'
export type Health = 'healthy' | 'unhealthy' | 'unknown'

export type {
  ActorKind,
  AuditAction,
  AuditTargetType,
} from '../../gateway/src/audit/audit-actions.js'
/** Every list endpoint answers `{items, pagination}` (GPUStack's shape). */
export type { Page, Pagination } from '../../gateway/src/http/page.js'
export type { AuditEvent, AuditEventPage } from '../../gateway/src/routes/v2/audit-events.js'
export type { UsageItem, UsageReport } from '../../gateway/src/routes/v2/usage.js'
