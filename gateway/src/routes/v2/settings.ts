import type { Hono } from 'hono'
import type { Deps } from '../../deps.js'
import type { AppEnv } from '../../http/app-env.js'
import { parseInput, readJsonBody } from '../../http/request-input.js'
import { requireAdmin } from '../../middleware/auth.js'
import { readSettings, updateSettings } from '../../settings/installation-settings.js'
import { updateSettingsBody } from '../../settings/settings-schema.js'
import { toSettingsJson } from '../../settings/settings-view.js'

/** GET/PUT /v2/settings: installation-wide settings, admins only. */
export function registerSettingsRoutes(app: Hono<AppEnv>, deps: Deps): void {
  const db = deps.database.db

  app.get('/v2/settings', requireAdmin(), async (c) => {
    const settings = await readSettings(db)
    return c.json(await toSettingsJson(db, settings, new Date(deps.clock.now())))
  })

  app.put('/v2/settings', requireAdmin(), async (c) => {
    const patch = parseInput(updateSettingsBody, await readJsonBody(c))
    const principal = c.get('principal')
    const settings = await updateSettings(db, {
      patch,
      actor: { userId: principal.userId, keyId: principal.keyId },
    })
    return c.json(await toSettingsJson(db, settings, new Date(deps.clock.now())))
  })
}
