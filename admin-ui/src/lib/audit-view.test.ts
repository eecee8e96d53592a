import { describe, expect, it } from 'vitest'
import type { AuditEvent } from '../api-types.js'
import {
  actorText,
  auditApiPath,
  changeLines,
  NO_FILTERS,
  parseAuditFilters,
  valueText,
} from './audit-view.js'

const event = (patch: Partial<AuditEvent>): AuditEvent => ({
  id: 1,
  at: '2026-12-01T10:00:00.000Z',
  actor_kind: 'user',
  actor_user_id: 3,
  actor_username: 'dora',
  actor_key_id: null,
  action: 'user.update',
  target_type: 'user',
  target_id: '4',
  details: {},
  ...patch,
})

describe('audit view', () => {
  it('turns the actor filter into actor_user_id or actor_kind, and leaves out empty filters', () => {
    expect(auditApiPath({ ...NO_FILTERS, actor: 'user:3', action: 'api_key.update' }, 2, 20)).toBe(
      '/v2/audit-events?page=2&perPage=20&actor_user_id=3&action=api_key.update',
    )
    expect(auditApiPath({ ...NO_FILTERS, actor: 'kind:cli', from: '2026-12-01' }, 1, 20)).toBe(
      '/v2/audit-events?page=1&perPage=20&actor_kind=cli&from=2026-12-01',
    )
    expect(parseAuditFilters('?actor=kind%3Acli&bogus=1')).toEqual({
      ...NO_FILTERS,
      actor: 'kind:cli',
    })
  })

  it('names the CLI and the system, and a key acting for its owner', () => {
    expect(actorText(event({ actor_kind: 'cli', actor_user_id: null, actor_username: null }))).toBe(
      'CLI',
    )
    expect(actorText(event({ actor_kind: 'system', actor_user_id: null }))).toBe('System')
    expect(actorText(event({ actor_key_id: 9 }))).toBe('dora (API key #9)')
    expect(actorText(event({ actor_username: null }))).toBe('deleted user #3')
  })

  it('shows each change as field, old, new in words', () => {
    const lines = changeLines(
      event({
        details: {
          changes: {
            full_name: { old: '', new: 'Dora' },
            is_admin: { old: false, new: true },
            scope: { old: ['inference'], new: ['inference', 'management'] },
          },
        },
      }),
    )
    expect(lines).toEqual([
      { field: 'full_name', old: 'none', new: 'Dora' },
      { field: 'is_admin', old: 'no', new: 'yes' },
      { field: 'scope', old: 'inference', new: 'inference, management' },
    ])
    expect(valueText([{ url: 'http://a', api_key: '[redacted]' }])).toBe(
      'url http://a · api_key [redacted]',
    )
    expect(changeLines(event({ details: { fields: ['full_name'] } }))).toEqual([])
  })
})
