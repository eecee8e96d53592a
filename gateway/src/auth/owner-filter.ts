import { GatewayError } from '../http/gateway-error.js'
import type { Principal } from './principal.js'

/**
 * Whose rows a list or report covers, from its `user_id` parameter: the caller's own by default; an admin may ask
 * for one user's (N) or everyone's ('*', returned as null). A non-admin asking for anyone else gets 403 rather than
 * a silently filtered answer.
 */
export function ownerFilter(
  principal: Principal,
  userId: undefined | '*' | number,
  what: string,
): number | null {
  if (userId === undefined || userId === principal.userId) {
    return principal.userId
  }
  if (!principal.isAdmin) {
    throw new GatewayError('insufficient_permissions', {
      message: `Only an administrator may see other users' ${what}.`,
      param: 'user_id',
    })
  }
  return userId === '*' ? null : userId
}
