import { z } from 'zod'
import type { Scope } from '../db/tables.js'
import { checkInput, type InputCheck } from '../http/input-check.js'
import { limitColumns, limitFieldsShape } from '../limits/limit-input.js'
import { SORTABLE_KEY_COLUMNS, type SortableKeyColumn } from './key-repository.js'
import type { CreateKeyInput } from './key-writes.js'

/** Bodies and queries of /v2/api-keys, checked here so the route and the CLI apply the same rules. */

const MAX_EXPIRES_IN_SECONDS = 100 * 365 * 24 * 3600
const MAX_ALLOWED_MODELS = 1000
export const MAX_PER_PAGE = 1000

const SCOPES: readonly Scope[] = ['management', 'inference']

/** `"*"` (or an array holding it) means both scopes; `[]` means none. */
const scopeField = z
  .union([z.literal('*'), z.array(z.enum(['management', 'inference', '*'])).max(3)])
  .transform((v): Scope[] => {
    const all = v === '*' || v.includes('*')
    return SCOPES.filter((s) => all || v.includes(s))
  })

const modelNamesField = z
  .array(z.string().trim().min(1).max(256))
  .max(MAX_ALLOWED_MODELS)
  .transform((names) => [...new Set(names)])

const descriptionField = z
  .string()
  .max(2048)
  .nullable()
  .transform((v) => v ?? '')

export const createKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(128),
  description: descriptionField.optional(),
  expires_in: z.number().int().min(0).max(MAX_EXPIRES_IN_SECONDS).nullable().optional(),
  scope: scopeField.optional(),
  allowed_model_names: modelNamesField.optional(),
  custom: z.string().nullable().optional(),
  ...limitFieldsShape,
})
export type CreateApiKeyBody = z.input<typeof createKeyBody>

/** Applies the documented defaults: scope ["inference"], every model, never expires, a generated value. */
export function toCreateKeyInput(body: z.output<typeof createKeyBody>): CreateKeyInput {
  return {
    name: body.name,
    description: body.description ?? '',
    // 0 and null both mean "never", as in GPUStack.
    expiresInSeconds: body.expires_in ? body.expires_in : null,
    scope: body.scope ?? ['inference'],
    allowedModelNames: body.allowed_model_names ?? [],
    custom: body.custom ?? null,
    limits: limitColumns(body),
  }
}

export const updateKeyBody = z.strictObject({
  description: descriptionField.optional(),
  scope: scopeField.optional(),
  allowed_model_names: modelNamesField.optional(),
  /** ISO 8601 with a time zone; null = never expires. A time in the past expires the key now. */
  expires_at: z.iso
    .datetime({ offset: true })
    .nullable()
    .optional()
    .transform((v) => (v === undefined ? undefined : v === null ? null : new Date(v))),
  is_active: z.boolean().optional(),
  ...limitFieldsShape,
})
export type UpdateApiKeyBody = z.input<typeof updateKeyBody>

/** Fields a PUT may not change; named so the caller learns why rather than "unknown field". */
export const FIXED_KEY_FIELDS = ['name', 'value', 'custom'] as const

export interface KeyListParams {
  page: number
  perPage: number
  sortBy: SortableKeyColumn
  descending: boolean
  search: string
  /** undefined: the caller's own; '*': everyone's; a number: that user's. */
  userId: undefined | '*' | number
}

const positiveInt = (max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))

const sortByField = z
  .string()
  .regex(new RegExp(`^-?(${SORTABLE_KEY_COLUMNS.join('|')})$`), {
    message: `must be one of ${SORTABLE_KEY_COLUMNS.join(', ')}, optionally prefixed by '-'`,
  })
  .transform((v) => ({
    sortBy: v.replace(/^-/, '') as SortableKeyColumn,
    descending: v.startsWith('-'),
  }))

export const listKeysQuery = z.object({
  page: positiveInt(1_000_000).default(1),
  perPage: positiveInt(MAX_PER_PAGE).default(100),
  sort_by: sortByField.default({ sortBy: 'created_at', descending: true }),
  search: z.string().max(256).default(''),
  user_id: z
    .union([z.literal(''), z.literal('*'), positiveInt(Number.MAX_SAFE_INTEGER)])
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
})

/** Unknown query parameters are ignored, as GPUStack's list endpoints do. */
export function checkListQuery(query: Record<string, string>): InputCheck<KeyListParams> {
  const checked = checkInput(listKeysQuery, query)
  if (!checked.ok) {
    return checked
  }
  const q = checked.value
  return {
    ok: true,
    value: {
      page: q.page,
      perPage: q.perPage,
      sortBy: q.sort_by.sortBy,
      descending: q.sort_by.descending,
      search: q.search.trim(),
      userId: q.user_id,
    },
  }
}
