import { z } from 'zod'
import { normaliseCidr } from '../auth/address-allowlist.js'
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

const nameField = z.string().trim().min(1).max(128)

export const MAX_METADATA_ENTRIES = 16
export const MAX_METADATA_NAME_LENGTH = 64
export const MAX_METADATA_VALUE_LENGTH = 256

/** Free-form labels: a flat object of string values, small enough to live in the row and filter on. */
const metadataField = z
  .record(
    z.string().min(1).max(MAX_METADATA_NAME_LENGTH),
    z.string().max(MAX_METADATA_VALUE_LENGTH),
  )
  .refine((m) => Object.keys(m).length <= MAX_METADATA_ENTRIES, {
    message: `at most ${MAX_METADATA_ENTRIES} entries`,
  })

export const MAX_ALLOWED_IPS = 100

/** CIDRs (IPv4 or IPv6; a bare address is one host); stored normalised, each once. Empty: anywhere. */
const allowedIpsField = z
  .array(
    z
      .string()
      .max(64)
      .transform((v, ctx) => {
        const cidr = normaliseCidr(v)
        if (cidr === undefined) {
          ctx.addIssue({
            code: 'custom',
            message: 'must be an IPv4 or IPv6 address or CIDR, e.g. 10.0.0.0/8 or 2001:db8::/32',
          })
          return z.NEVER
        }
        return cidr
      }),
  )
  .max(MAX_ALLOWED_IPS)
  .transform((cidrs) => [...new Set(cidrs)])

const descriptionField = z
  .string()
  .max(2048)
  .nullable()
  .transform((v) => v ?? '')

export const createKeyBody = z.strictObject({
  name: nameField,
  description: descriptionField.optional(),
  expires_in: z.number().int().min(0).max(MAX_EXPIRES_IN_SECONDS).nullable().optional(),
  scope: scopeField.optional(),
  allowed_model_names: modelNamesField.optional(),
  custom: z.string().nullable().optional(),
  ...limitFieldsShape,
  metadata: metadataField.optional(),
  allowed_ips: allowedIpsField.optional(),
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
    metadata: body.metadata ?? {},
    allowedIps: body.allowed_ips ?? [],
  }
}

export const updateKeyBody = z.strictObject({
  /** Unique per owner (409 on a clash). */
  name: nameField.optional(),
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
  /** Replaces the whole object. */
  metadata: metadataField.optional(),
  allowed_ips: allowedIpsField.optional(),
})
export type UpdateApiKeyBody = z.input<typeof updateKeyBody>

/** Fields a PUT may not change; named so the caller learns why rather than "unknown field". */
export const FIXED_KEY_FIELDS = ['value', 'custom'] as const

/** 7 days: the longest a rotated key's previous value keeps working. */
export const MAX_GRACE_SECONDS = 7 * 24 * 3600

export const rotateKeyBody = z.strictObject({
  /** How long the previous value keeps working; 0 (the default) ends it at once. */
  grace_seconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).optional(),
  /** A new custom value (same rules as `custom` at creation); absent: a generated one. */
  custom_key: z.string().optional(),
})
export type RotateApiKeyBody = z.input<typeof rotateKeyBody>

export interface KeyListParams {
  page: number
  perPage: number
  sortBy: SortableKeyColumn
  descending: boolean
  search: string
  /** undefined: the caller's own; '*': everyone's; a number: that user's. */
  userId: undefined | '*' | number
  /** `metadata.<name>=<value>` parameters: keys holding all of them. */
  metadata: Record<string, string>
  /** `expiring_within=7d|12h`: keys expiring within that many milliseconds from now; null: no filter. */
  expiringWithinMs: number | null
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
  expiring_within: z
    .string()
    .regex(/^\d{1,5}[dh]$/, 'must be a number of days or hours, e.g. 7d or 12h')
    .optional()
    .transform((v) =>
      v === undefined ? null : Number(v.slice(0, -1)) * (v.endsWith('d') ? 86_400_000 : 3_600_000),
    ),
})

const METADATA_PARAM = 'metadata.'

/** The `metadata.<name>=<value>` query parameters as one object, checked as a stored metadata object would be. */
function metadataFilter(query: Record<string, string>): InputCheck<Record<string, string>> {
  const filter: Record<string, string> = {}
  for (const [name, value] of Object.entries(query)) {
    if (name.startsWith(METADATA_PARAM)) {
      filter[name.slice(METADATA_PARAM.length)] = value
    }
  }
  const checked = checkInput(metadataField, filter)
  if (!checked.ok) {
    return { ok: false, param: `metadata.${checked.param ?? ''}`, message: checked.message }
  }
  return checked
}

/** Unknown query parameters are ignored, as GPUStack's list endpoints do. */
export function checkListQuery(query: Record<string, string>): InputCheck<KeyListParams> {
  const checked = checkInput(listKeysQuery, query)
  if (!checked.ok) {
    return checked
  }
  const q = checked.value
  const metadata = metadataFilter(query)
  if (!metadata.ok) {
    return metadata
  }
  return {
    ok: true,
    value: {
      page: q.page,
      perPage: q.perPage,
      sortBy: q.sort_by.sortBy,
      descending: q.sort_by.descending,
      search: q.search.trim(),
      userId: q.user_id,
      metadata: metadata.value,
      expiringWithinMs: q.expiring_within,
    },
  }
}
