import type { Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../http/app-env.js'
import { GatewayError } from '../http/gateway-error.js'
import { USER_SORT_COLUMNS, type UserListQuery, type UserSortColumn } from './user-repository.js'

/** Password rules for every password a person sets: 8 to 256 characters, not all blanks. */
export const NEW_PASSWORD = z
  .string({ error: 'A password is required.' })
  .min(8, 'The password must be at least 8 characters long.')
  .max(256, 'The password must be at most 256 characters long.')
  .refine((v) => v.trim() !== '', 'The password must not be only spaces.')

/** 1 to 64 letters, digits, `.`, `_`, `-`, `@`, starting with a letter or digit. */
export const USERNAME = z
  .string({ error: 'A username is required.' })
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/,
    'The username must be 1 to 64 letters, digits, ".", "_", "-" or "@", starting with a letter or digit.',
  )

const FULL_NAME = z.string().max(256, 'The full name must be at most 256 characters long.')

export const LoginBody = z.object({
  username: z.string({ error: 'A username is required.' }).min(1).max(256),
  password: z.string({ error: 'A password is required.' }).min(1).max(1024),
})

export const UpdatePasswordBody = z.object({
  current_password: z.string({ error: 'The current password is required.' }).max(1024),
  new_password: NEW_PASSWORD,
})

export const CreateUserBody = z.strictObject({
  username: USERNAME,
  password: NEW_PASSWORD,
  full_name: FULL_NAME.optional(),
  is_admin: z.boolean().optional(),
  require_password_change: z.boolean().optional(),
})

export const UpdateUserBody = z.strictObject({
  full_name: FULL_NAME.optional(),
  is_admin: z.boolean().optional(),
  is_active: z.boolean().optional(),
  password: NEW_PASSWORD.optional(),
  require_password_change: z.boolean().optional(),
})

export type CreateUserBody = z.infer<typeof CreateUserBody>
export type UpdateUserBody = z.infer<typeof UpdateUserBody>

const SORT = z.enum([...USER_SORT_COLUMNS, ...USER_SORT_COLUMNS.map((c) => `-${c}` as const)])

const ListQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  perPage: z.coerce.number().int().min(1).max(1000).default(100),
  search: z.string().max(256).default(''),
  sort_by: SORT.default('-created_at'),
})

export function parseUserListQuery(query: Record<string, string>): UserListQuery {
  const q = parseInput(ListQuery, query)
  const descending = q.sort_by.startsWith('-')
  return {
    page: q.page,
    perPage: q.perPage,
    search: q.search.trim(),
    sortBy: (descending ? q.sort_by.slice(1) : q.sort_by) as UserSortColumn,
    descending,
  }
}

/** The JSON body, or (when `acceptForm`) an urlencoded or multipart form; malformed JSON is a 400. */
export async function readBody(c: Context<AppEnv>, acceptForm: boolean): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').toLowerCase()
  if (
    acceptForm &&
    (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data'))
  ) {
    return c.req.parseBody()
  }
  try {
    return await c.req.json()
  } catch (err) {
    throw new GatewayError('invalid_request', {
      message: 'The body is not valid JSON.',
      cause: err,
    })
  }
}

/** Validates outside data; the first problem becomes a 422 naming the field (never echoing its value). */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input)
  if (result.success) {
    return result.data
  }
  const issue = result.error.issues[0]
  if (issue?.code === 'unrecognized_keys') {
    const field = issue.keys[0] ?? null
    throw new GatewayError('validation_error', {
      message: `Unknown field: ${field}.`,
      param: field,
    })
  }
  throw new GatewayError('validation_error', {
    message: issue?.message ?? 'The request failed validation.',
    param: issue === undefined || issue.path.length === 0 ? null : issue.path.join('.'),
  })
}
