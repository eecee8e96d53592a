import type { ApiKey, CreateApiKeyBody, Scope, UpdateApiKeyBody } from '../api-types.js'
import { type ExpiryChoice, extensionBase, resolveExpiry, toExpiresInSeconds } from './expiry.js'
import {
  buildLimits,
  emptyLimits,
  type LimitErrors,
  type LimitsState,
  limitsFor,
} from './limit-form.js'
import {
  buildRestrictions,
  emptyRestrictions,
  type RestrictionErrors,
  type RestrictionsState,
  restrictionsFor,
} from './restrictions-form.js'
import type { Checked } from './use-form-submit.js'

/** The Access Permissions section, shared by Add and Edit. */
export interface PermissionsState {
  platformManagement: boolean
  modelAccess: boolean
  modelMode: 'all' | 'allowed'
  allowedModels: string[]
}

export interface AddKeyForm extends RestrictionsState {
  name: string
  description: string
  expiry: ExpiryChoice
  customDate: string
  type: 'auto' | 'custom'
  customKey: string
  permissions: PermissionsState
  limits: LimitsState
}

export interface EditKeyForm extends RestrictionsState {
  /** Sent only when changed (a rename, unique per owner). */
  name: string
  description: string
  /** 'keep' leaves the expiry alone; a preset extends it from extensionBase(). */
  expiry: ExpiryChoice | 'keep'
  customDate: string
  isActive: boolean
  permissions: PermissionsState
  limits: LimitsState
}

export type FieldErrors = Partial<
  Record<'name' | 'customKey' | 'expiry' | 'allowedModels', string>
> &
  LimitErrors &
  RestrictionErrors

/** The API's limits (gateway/src/keys/key-input.ts). */
export const NAME_MAX_LENGTH = 128
export const DESCRIPTION_MAX_LENGTH = 2048
const CUSTOM_KEY_MIN = 16
const CUSTOM_KEY_MAX = 256
const CUSTOM_KEY_MIN_DISTINCT = 8

export function emptyAddForm(): AddKeyForm {
  return {
    name: '',
    description: '',
    expiry: 'never',
    customDate: '',
    type: 'auto',
    customKey: '',
    permissions: {
      platformManagement: false,
      modelAccess: true,
      modelMode: 'all',
      allowedModels: [],
    },
    limits: emptyLimits(),
    ...emptyRestrictions(),
  }
}

export function editFormFor(key: ApiKey): EditKeyForm {
  return {
    name: key.name,
    description: key.description,
    expiry: 'keep',
    customDate: '',
    isActive: key.is_active,
    permissions: {
      platformManagement: key.scope.includes('management'),
      modelAccess: key.scope.includes('inference'),
      modelMode: key.allowed_model_names.length > 0 ? 'allowed' : 'all',
      allowedModels: [...key.allowed_model_names],
    },
    limits: limitsFor(key),
    ...restrictionsFor(key),
  }
}

/** True when every character is the previous one plus the same step (abcd…, 9876…). */
function isEvenRun(value: string): boolean {
  const step = value.charCodeAt(1) - value.charCodeAt(0)
  for (let i = 2; i < value.length; i++) {
    if (value.charCodeAt(i) - value.charCodeAt(i - 1) !== step) {
      return false
    }
  }
  return true
}

/**
 * The API's rule for a custom key, with its messages (gateway/src/keys/api-key.ts checkCustomKey; a unit test
 * compares the two): 16-256 printable ASCII characters without spaces, not easy to guess.
 */
export function validateCustomKey(value: string): string | null {
  if (value === '') {
    return 'Enter the key value.'
  }
  if (value.length < CUSTOM_KEY_MIN) {
    return `A custom key must be at least ${CUSTOM_KEY_MIN} characters long.`
  }
  if (value.length > CUSTOM_KEY_MAX) {
    return `A custom key must be at most ${CUSTOM_KEY_MAX} characters long.`
  }
  if (!/^[\x21-\x7e]+$/.test(value)) {
    return 'A custom key may contain only printable ASCII characters, without spaces or control characters.'
  }
  const distinct = new Set(value).size
  if (distinct === 1) {
    return 'A custom key must not be a single repeated character.'
  }
  if (distinct < CUSTOM_KEY_MIN_DISTINCT) {
    return `A custom key must contain at least ${CUSTOM_KEY_MIN_DISTINCT} different characters; this one has ${distinct}.`
  }
  if (isEvenRun(value)) {
    return 'A custom key must not be a simple sequence like "abcdefgh…" or "12345678…".'
  }
  return null
}

/** True when the key would get neither permission: allowed, but the form says so. */
export function hasNoAccess(p: PermissionsState): boolean {
  return !p.platformManagement && !p.modelAccess
}

function scopeOf(p: PermissionsState): Scope[] {
  const scope: Scope[] = []
  if (p.platformManagement) {
    scope.push('management')
  }
  if (p.modelAccess) {
    scope.push('inference')
  }
  return scope
}

/** An empty allowlist means "all models" to the API, so Allowed models with none picked is refused here. */
function allowedModelsOf(p: PermissionsState): string[] {
  return p.modelAccess && p.modelMode === 'allowed' ? [...p.allowedModels] : []
}

function validatePermissions(p: PermissionsState, errors: FieldErrors): void {
  if (p.modelAccess && p.modelMode === 'allowed' && p.allowedModels.length === 0) {
    errors.allowedModels = 'Select at least one model, or choose All models.'
  }
}

export type Built<T> = Checked<FieldErrors, T>

/** The trimmed name, with its problem (if any) put in `errors`. */
function checkName(text: string, errors: FieldErrors): string {
  const name = text.trim()
  if (name === '') {
    errors.name = 'Enter a name.'
  } else if (name.length > NAME_MAX_LENGTH) {
    errors.name = `The name must be at most ${NAME_MAX_LENGTH} characters long.`
  }
  return name
}

export function buildCreateBody(form: AddKeyForm, now: Date): Built<CreateApiKeyBody> {
  const errors: FieldErrors = {}
  const name = checkName(form.name, errors)
  if (form.type === 'custom') {
    const problem = validateCustomKey(form.customKey)
    if (problem !== null) {
      errors.customKey = problem
    }
  }
  const expiry = resolveExpiry(form.expiry, now, form.customDate, now)
  if (!expiry.ok) {
    errors.expiry = expiry.message
  }
  validatePermissions(form.permissions, errors)
  const limits = buildLimits(form.limits)
  if (!limits.ok) {
    Object.assign(errors, limits.errors)
  }
  const restrictions = buildRestrictions(form)
  if (!restrictions.ok) {
    Object.assign(errors, restrictions.errors)
  }
  if (!expiry.ok || !limits.ok || !restrictions.ok || Object.keys(errors).length > 0) {
    return { ok: false, errors }
  }
  const body: CreateApiKeyBody = {
    name,
    description: form.description.trim(),
    expires_in: toExpiresInSeconds(expiry.expiresAt, now),
    scope: scopeOf(form.permissions),
    allowed_model_names: allowedModelsOf(form.permissions),
    ...limits.values,
    // Sent only when set, so a plain key's body stays what it was.
    ...(restrictions.values.allowed_ips.length > 0
      ? { allowed_ips: restrictions.values.allowed_ips }
      : {}),
    ...(Object.keys(restrictions.values.metadata).length > 0
      ? { metadata: restrictions.values.metadata }
      : {}),
  }
  if (form.type === 'custom') {
    body.custom = form.customKey
  }
  return { ok: true, body }
}

/** The address allowlist and metadata to send with an edit: each only when it differs from the key's. */
function changedRestrictions(
  values: { allowed_ips: string[]; metadata: Record<string, string> },
  key: ApiKey,
): Partial<UpdateApiKeyBody> {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
  // The database keeps an object's members in its own order: compare them sorted.
  const sorted = (m: Record<string, string>) =>
    Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1))
  return {
    ...(same(values.allowed_ips, key.allowed_ips) ? {} : { allowed_ips: values.allowed_ips }),
    ...(same(sorted(values.metadata), sorted(key.metadata)) ? {} : { metadata: values.metadata }),
  }
}

export function buildUpdateBody(
  form: EditKeyForm,
  key: ApiKey,
  now: Date,
): Built<UpdateApiKeyBody> {
  const errors: FieldErrors = {}
  const name = checkName(form.name, errors)
  validatePermissions(form.permissions, errors)
  const limits = buildLimits(form.limits)
  if (!limits.ok) {
    Object.assign(errors, limits.errors)
  }
  const restrictions = buildRestrictions(form)
  if (!restrictions.ok) {
    Object.assign(errors, restrictions.errors)
  }
  const body: UpdateApiKeyBody = {
    ...(name === key.name ? {} : { name }),
    description: form.description.trim(),
    scope: scopeOf(form.permissions),
    allowed_model_names: allowedModelsOf(form.permissions),
    is_active: form.isActive,
    ...(limits.ok ? limits.values : {}),
    ...(restrictions.ok ? changedRestrictions(restrictions.values, key) : {}),
  }
  if (form.expiry !== 'keep') {
    const base = extensionBase(key.expires_at, now)
    const expiry = resolveExpiry(form.expiry, base, form.customDate, now)
    if (expiry.ok) {
      body.expires_at = expiry.expiresAt === null ? null : expiry.expiresAt.toISOString()
    } else {
      errors.expiry = expiry.message
    }
  }
  if (Object.keys(errors).length > 0) {
    return { ok: false, errors }
  }
  return { ok: true, body }
}
