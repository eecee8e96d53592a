import type { Context, Hono } from 'hono'
import { userActor } from '../../audit/audit-log.js'
import type { Principal } from '../../auth/principal.js'
import type { Deps } from '../../deps.js'
import type { AppEnv } from '../../http/app-env.js'
import { GatewayError } from '../../http/gateway-error.js'
import { toPage } from '../../http/page.js'
import { parseInput, readJsonBody, readQuery } from '../../http/request-input.js'
import { requireAdmin } from '../../middleware/auth.js'
import {
  type Actor,
  type AdminGuard,
  createUser,
  deleteUser,
  updateUser,
} from '../../users/user-admin.js'
import { CreateUserBody, parseUserListQuery, UpdateUserBody } from '../../users/user-input.js'
import { findUserById, listUsers } from '../../users/user-repository.js'
import { toUserJson } from '../../users/user-view.js'

export type { CreateUserBody, UpdateUserBody } from '../../users/user-input.js'
export type { UserJson } from '../../users/user-view.js'

function actorOf(p: Principal): Actor {
  return userActor(p.userId, p.keyId)
}

/** Path ids are positive integers; anything else names no user. */
function userIdParam(c: Context<AppEnv>): number {
  const raw = c.req.param('id') ?? ''
  const id = /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(id)) {
    throw notFound()
  }
  return id
}

function notFound(): GatewayError {
  return new GatewayError('not_found', { message: 'User not found.' })
}

/** 422, not 409: retrying cannot help (OpenAI SDKs retry 409), the request itself must change. */
function refused(guard: AdminGuard): GatewayError {
  const message =
    guard.reason === 'self'
      ? 'You cannot remove your own administrator access or delete yourself.'
      : 'This is the last active administrator; make another user an administrator first.'
  return new GatewayError('validation_error', { message, param: guard.field })
}

/** GET /v2/users/me for everyone; the rest of /v2/users is for admins. */
export function registerUserRoutes(app: Hono<AppEnv>, deps: Deps): void {
  const db = deps.database.db

  app.get('/v2/users/me', async (c) => {
    const user = await findUserById(db, c.get('principal').userId)
    if (user === undefined) {
      throw notFound()
    }
    return c.json(toUserJson(user))
  })

  app.get('/v2/users', requireAdmin(), async (c) => {
    const q = parseUserListQuery(readQuery(c))
    const { rows, total } = await listUsers(db, q)
    return c.json(toPage(rows.map(toUserJson), q, total))
  })

  app.post('/v2/users', requireAdmin(), async (c) => {
    const input = parseInput(CreateUserBody, await readJsonBody(c))
    const result = await createUser(db, actorOf(c.get('principal')), input)
    if (!result.ok) {
      throw new GatewayError('conflict', {
        message: `A user named ${input.username} already exists.`,
        param: 'username',
      })
    }
    return c.json(toUserJson(result.user), 201)
  })

  app.get('/v2/users/:id', requireAdmin(), async (c) => {
    const user = await findUserById(db, userIdParam(c))
    if (user === undefined) {
      throw notFound()
    }
    return c.json(toUserJson(user))
  })

  app.put('/v2/users/:id', requireAdmin(), async (c) => {
    const id = userIdParam(c)
    const input = parseInput(UpdateUserBody, await readJsonBody(c))
    const result = await updateUser(db, actorOf(c.get('principal')), id, input)
    if (!result.ok) {
      throw 'field' in result ? refused(result) : notFound()
    }
    // Deactivation and admin changes must be in force on this replica before we answer.
    await deps.changes.catchUp()
    return c.json(toUserJson(result.user))
  })

  app.delete('/v2/users/:id', requireAdmin(), async (c) => {
    const result = await deleteUser(db, actorOf(c.get('principal')), userIdParam(c))
    if (!result.ok) {
      throw 'field' in result ? refused(result) : notFound()
    }
    await deps.changes.catchUp()
    return c.body(null, 204)
  })
}
