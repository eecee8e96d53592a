import { z } from 'zod'

/**
 * The installation-wide settings. Adding one is a member of `settingsSchema` and its default in
 * `SETTING_DEFAULTS` (the type makes the default required): it is then stored, read, returned by
 * GET /v2/settings, accepted by PUT /v2/settings, audited and described in OpenAPI.
 */
export const settingsSchema = z.object({
  /** No write may set a key's expiry more than this many days ahead; null = no cap. */
  max_key_lifetime_days: z.number().int().min(1).max(36_500).nullable(),
  /** Whether a key may be created with, or changed to, no expiry. */
  allow_never_expiring: z.boolean(),
  /** What prices and costs are in (/v2/models prices, /v2/usage cost): an ISO 4217 code. */
  currency: z.string().regex(/^[A-Z]{3}$/, 'a three-letter ISO 4217 code such as USD or EUR'),
})

export type InstallationSettings = z.output<typeof settingsSchema>
export type SettingName = keyof InstallationSettings

export const SETTING_DEFAULTS: InstallationSettings = {
  max_key_lifetime_days: null,
  allow_never_expiring: true,
  currency: 'USD',
}

export const SETTING_NAMES = Object.keys(settingsSchema.shape) as SettingName[]

/** PUT /v2/settings: any subset of the settings. */
export const updateSettingsBody = settingsSchema.partial().strict()
