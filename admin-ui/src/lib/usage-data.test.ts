import { describe, expect, it } from 'vitest'
import type { UsageItem } from '../api-types.js'
import {
  daysBetween,
  perDay,
  perDayByModel,
  presetRange,
  top,
  totalsOf,
  usageQuery,
} from './usage-data.js'

const line = (patch: Partial<UsageItem>): UsageItem => ({
  requests: 1,
  prompt_tokens: 10,
  completion_tokens: 5,
  errors: 0,
  refused: 0,
  cost: null,
  ...patch,
})

describe('usage data', () => {
  it('turns presets into UTC days ending today', () => {
    const now = Date.parse('2026-03-01T05:00:00Z')
    expect(presetRange('24h', now)).toEqual({ from: '2026-02-28', to: '2026-03-01' })
    expect(presetRange('7d', now)).toEqual({ from: '2026-02-23', to: '2026-03-01' })
    expect(presetRange('30d', now).from).toBe('2026-01-31')
    expect(daysBetween('2026-02-27', '2026-03-01')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
    ])
  })

  it('stacks tokens per day by model, zero where a model was idle', () => {
    const days = ['2026-01-01', '2026-01-02']
    const items = [
      line({ day: '2026-01-02', model: 'b', api_key_id: 1 }),
      line({ day: '2026-01-01', model: 'a', api_key_id: 1 }),
      line({
        day: '2026-01-01',
        model: 'a',
        api_key_id: 2,
        prompt_tokens: 1,
        completion_tokens: 0,
      }),
    ]
    expect(perDayByModel(items, days, (i) => i.prompt_tokens + i.completion_tokens)).toEqual([
      { label: 'a', data: [16, 0] },
      { label: 'b', data: [0, 15] },
    ])
    expect(perDay(items, days, (i) => i.requests)).toEqual([2, 1])
  })

  it('ranks the largest first and sums cost only where priced', () => {
    const items = [
      line({ api_key_name: 'x', cost: 0.5 }),
      line({ api_key_name: 'y', prompt_tokens: 100 }),
      line({ api_key_name: 'x', cost: 0.25 }),
    ]
    expect(
      top(
        items,
        (i) => i.api_key_name,
        (i) => i.prompt_tokens,
        1,
      ),
    ).toEqual([{ label: 'y', value: 100 }])
    expect(totalsOf(items)).toEqual({ requests: 3, tokens: 135, errors: 0, cost: 0.75 })
    expect(totalsOf([line({})]).cost).toBeNull()
  })

  it('builds the one query the table, the charts and the CSV share', () => {
    const f = { from: '2026-01-01', to: '2026-01-31', userId: '*', apiKeyId: '3', model: '' }
    expect(usageQuery(f, 'day,model', { format: 'csv' })).toBe(
      '/v2/usage?group_by=day%2Cmodel&from=2026-01-01&to=2026-01-31&user_id=*&api_key_id=3&format=csv',
    )
  })
})
