import { ApiError, errorMessage } from '../../api/api-client.js'
import type { FieldErrors } from '../../lib/key-form.js'

/** What a key dialog shows: messages beside fields, and `general` above the form for the rest. */
export type KeyDialogErrors = FieldErrors & { general?: string }

const PARAM_TO_FIELD: Record<string, keyof FieldErrors> = {
  name: 'name',
  custom: 'customKey',
  expires_in: 'expiry',
  expires_at: 'expiry',
  allowed_model_names: 'allowedModels',
  rpm_limit: 'rpm',
  tpm_limit: 'tpm',
  max_parallel_requests: 'parallel',
  token_budget: 'budget',
  allowed_ips: 'allowedIps',
  metadata: 'metadata',
}

/** Puts an API refusal (409 duplicate name, 422 weak custom key…) next to the field it names, if any. */
export function placeApiError(err: unknown): KeyDialogErrors {
  if (err instanceof ApiError && err.param !== null) {
    const field = PARAM_TO_FIELD[err.param.split('.')[0] ?? '']
    if (field !== undefined) {
      return { [field]: err.message }
    }
  }
  if (err instanceof ApiError && err.code === 'conflict' && err.param === null) {
    return { name: err.message }
  }
  return { general: errorMessage(err) }
}
