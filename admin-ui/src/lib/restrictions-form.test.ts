import { describe, expect, it } from 'vitest'
import {
  MAX_ALLOWED_IPS,
  MAX_METADATA_ENTRIES,
  MAX_METADATA_NAME_LENGTH,
  MAX_METADATA_VALUE_LENGTH,
} from '../../../gateway/src/keys/key-input.js'
import { buildRestrictions, RESTRICTION_CAPS, restrictionsFor } from './restrictions-form.js'

describe('key restrictions form', () => {
  it('uses the API’s caps', () => {
    expect(RESTRICTION_CAPS).toEqual({
      allowedIps: MAX_ALLOWED_IPS,
      metadataEntries: MAX_METADATA_ENTRIES,
      metadataName: MAX_METADATA_NAME_LENGTH,
      metadataValue: MAX_METADATA_VALUE_LENGTH,
    })
  })

  it('splits addresses on commas, spaces and lines, and reads name=value lines', () => {
    expect(
      buildRestrictions({
        allowedIps: '10.0.0.0/8, 192.168.1.7\n2001:db8::/32 ',
        metadata: 'team = ml\n\nenv=prod',
      }),
    ).toEqual({
      ok: true,
      values: {
        allowed_ips: ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32'],
        metadata: { team: 'ml', env: 'prod' },
      },
    })
    expect(buildRestrictions({ allowedIps: '', metadata: '' })).toEqual({
      ok: true,
      values: { allowed_ips: [], metadata: {} },
    })
  })

  it('names what is wrong', () => {
    expect(buildRestrictions({ allowedIps: 'office', metadata: '' })).toEqual({
      ok: false,
      errors: { allowedIps: '“office” is not an IPv4 or IPv6 address or CIDR (like 10.0.0.0/8).' },
    })
    expect(buildRestrictions({ allowedIps: '', metadata: 'team=ml\nteam=web' })).toEqual({
      ok: false,
      errors: { metadata: 'Line 2: “team” is named twice.' },
    })
    expect(buildRestrictions({ allowedIps: '', metadata: 'no equals sign' })).toEqual({
      ok: false,
      errors: { metadata: 'Line 1: write name=value.' },
    })
  })

  it('shows a key’s values the way it reads them back', () => {
    const state = restrictionsFor({ allowed_ips: ['10.0.0.0/8'], metadata: { team: 'ml' } })
    expect(state).toEqual({ allowedIps: '10.0.0.0/8', metadata: 'team=ml' })
    expect(buildRestrictions(state)).toEqual({
      ok: true,
      values: { allowed_ips: ['10.0.0.0/8'], metadata: { team: 'ml' } },
    })
  })
})
