import { z } from 'zod'
import { parseInput } from '../http/request-input.js'
import { limitFieldsShape } from '../limits/limit-input.js'
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
  /** Limits over all of the user's keys together; null removes one. */
  ...limitFieldsShape,
})

export type CreateUserBody = z.infer<typeof CreateUserBody>
export type UpdateUserBody = z.infer<typeof UpdateUserBody>

const SORT = z.enum([...USER_SORT_COLUMNS, ...USER_SORT_COLUMNS.map((c) => `-${c}` as const)])

export const ListUsersQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  perPage: z.coerce.number().int().min(1).max(1000).default(100),
  search: z.string().max(256).default(''),
  sort_by: SORT.default('-created_at'),
})

export function parseUserListQuery(query: Record<string, string>): UserListQuery {
  const q = parseInput(ListUsersQuery, query)
  const descending = q.sort_by.startsWith('-')
  return {
    page: q.page,
    perPage: q.perPage,
    search: q.search.trim(),
    sortBy: (descending ? q.sort_by.slice(1) : q.sort_by) as UserSortColumn,
    descending,
  }
}
