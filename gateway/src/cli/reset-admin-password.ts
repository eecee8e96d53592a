// STUB (users helper replaces this file): `keygate reset-admin-password [--password P]`.
import type { Config } from '../config.js'

export async function runResetAdminPassword(
  _config: Config,
  _options: { password?: string },
): Promise<number> {
  console.error('reset-admin-password: not implemented yet')
  return 1
}
