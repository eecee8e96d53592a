/**
 * Shapes of the /auth and /v2 APIs (DESIGN.md §4-§6), imported as types only from the gateway's route modules so
 * the UI and the server cannot drift apart; `import type` is erased, so no server code reaches the bundle.
 */
export type {
  ApiKey,
  CreateApiKeyBody,
  CreatedApiKey,
  UpdateApiKeyBody,
} from '../../gateway/src/routes/v2/api-keys.js'
export type {
  CreateModelBody,
  UpdateModelBody,
} from '../../gateway/src/routes/v2/model-body.js'
export type {
  AdminModelJson as AdminModel,
  ModelInstanceJson as ModelInstance,
  ModelJson as Model,
} from '../../gateway/src/routes/v2/model-json.js'
export type { CreateUserBody, UpdateUserBody } from '../../gateway/src/users/user-input.js'
export type { UserJson as User } from '../../gateway/src/users/user-json.js'

export type Scope = 'management' | 'inference'
export type Backend = 'vllm' | 'llama.cpp' | 'openai'
export type AccessPolicy = 'authed' | 'allowed_users'
export type Health = 'healthy' | 'unhealthy' | 'unknown'

/** Every list endpoint answers `{items, pagination}` (GPUStack's shape). */
export type { Page, Pagination } from '../../gateway/src/http/page.js'
