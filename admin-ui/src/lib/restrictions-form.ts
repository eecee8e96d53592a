/**
 * A key's client address allowlist and metadata as the key dialogs edit them: text the user types, and the API
 * values built from it. The API checks them again (CIDRs parsed there; gateway/src/keys/key-input.ts).
 */
export interface RestrictionsState {
  /** CIDRs or addresses, separated by commas, spaces or new lines; empty = anywhere. */
  allowedIps: string
  /** One `name=value` per line. */
  metadata: string
}

export interface RestrictionErrors {
  allowedIps?: string
  metadata?: string
}

/** The API's caps (gateway/src/keys/key-input.ts; a unit test compares them). */
export const RESTRICTION_CAPS = {
  allowedIps: 100,
  metadataEntries: 16,
  metadataName: 64,
  metadataValue: 256,
} as const
const METADATA_MAX_ENTRIES = RESTRICTION_CAPS.metadataEntries
const METADATA_NAME_MAX = RESTRICTION_CAPS.metadataName
const METADATA_VALUE_MAX = RESTRICTION_CAPS.metadataValue
const ALLOWED_IPS_MAX = RESTRICTION_CAPS.allowedIps

export function emptyRestrictions(): RestrictionsState {
  return { allowedIps: '', metadata: '' }
}

export function restrictionsFor(key: {
  allowed_ips: readonly string[]
  metadata: Readonly<Record<string, string>>
}): RestrictionsState {
  return {
    allowedIps: key.allowed_ips.join('\n'),
    metadata: Object.entries(key.metadata)
      .map(([name, value]) => `${name}=${value}`)
      .join('\n'),
  }
}

export type BuiltRestrictions =
  | { ok: true; values: { allowed_ips: string[]; metadata: Record<string, string> } }
  | { ok: false; errors: RestrictionErrors }

export function buildRestrictions(state: RestrictionsState): BuiltRestrictions {
  const errors: RestrictionErrors = {}
  const allowed = state.allowedIps.split(/[\s,]+/).filter((s) => s !== '')
  if (allowed.length > ALLOWED_IPS_MAX) {
    errors.allowedIps = `At most ${ALLOWED_IPS_MAX} entries.`
  } else {
    const bad = allowed.find((a) => !/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/.test(a))
    if (bad !== undefined) {
      errors.allowedIps = `“${bad}” is not an IPv4 or IPv6 address or CIDR (like 10.0.0.0/8).`
    }
  }
  const metadata: Record<string, string> = {}
  const lines = state.metadata.split('\n').map((l) => l.trim())
  for (const [i, line] of lines.entries()) {
    if (line === '') {
      continue
    }
    const eq = line.indexOf('=')
    const name = eq < 0 ? '' : line.slice(0, eq).trim()
    const value = eq < 0 ? '' : line.slice(eq + 1).trim()
    if (name === '') {
      errors.metadata = `Line ${i + 1}: write name=value.`
    } else if (name.length > METADATA_NAME_MAX) {
      errors.metadata = `Line ${i + 1}: a name is at most ${METADATA_NAME_MAX} characters.`
    } else if (value.length > METADATA_VALUE_MAX) {
      errors.metadata = `Line ${i + 1}: a value is at most ${METADATA_VALUE_MAX} characters.`
    } else if (Object.hasOwn(metadata, name)) {
      errors.metadata = `Line ${i + 1}: “${name}” is named twice.`
    } else {
      metadata[name] = value
      continue
    }
    break
  }
  if (errors.metadata === undefined && Object.keys(metadata).length > METADATA_MAX_ENTRIES) {
    errors.metadata = `At most ${METADATA_MAX_ENTRIES} entries.`
  }
  if (errors.allowedIps !== undefined || errors.metadata !== undefined) {
    return { ok: false, errors }
  }
  return { ok: true, values: { allowed_ips: allowed, metadata } }
}
