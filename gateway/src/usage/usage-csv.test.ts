import { describe, expect, it } from 'vitest'
import { usageCsv } from './usage-csv.js'
import { sortUsage, usageFields } from './usage-fields.js'
import type { UsageItem } from './usage-report.js'

// The dimension fields first, as the report builds its lines.
const item = (patch: Partial<UsageItem>): UsageItem => ({
  ...patch,
  requests: 1,
  prompt_tokens: 2,
  completion_tokens: 3,
  errors: 0,
  refused: 0,
  cost: null,
  ...patch,
})

describe('usage CSV', () => {
  it('writes a header of the fields and quotes what needs quoting', () => {
    const csv = usageCsv(
      [
        { ...item({ model: 'a,b' }), cost: 0.5 },
        item({ model: 'say "x"\nnow' }),
        item({ model: '-1+1' }),
      ],
      [],
    )
    expect(csv).toBe(
      'model,requests,prompt_tokens,completion_tokens,errors,cost\r\n' +
        '"a,b",1,2,3,0,0.5\r\n' +
        '"say ""x""\nnow",1,2,3,0,\r\n' +
        "'-1+1,1,2,3,0,\r\n",
    )
  })

  it('names the columns of the grouping when there is no line', () => {
    expect(usageCsv([], usageFields(['model', 'day']))).toBe(
      'day,model,requests,prompt_tokens,completion_tokens,errors,cost\r\n',
    )
  })

  it('sorts by a field either way, nulls last, ties in the report’s order', () => {
    const lines = [
      item({ model: 'a', cost: 2 }),
      item({ model: 'b' }),
      item({ model: 'c', cost: 1 }),
    ]
    expect(sortUsage(lines, 'cost').map((i) => i.model)).toEqual(['c', 'a', 'b'])
    expect(sortUsage(lines, '-cost').map((i) => i.model)).toEqual(['a', 'c', 'b'])
    expect(sortUsage(lines, '-requests').map((i) => i.model)).toEqual(['a', 'b', 'c'])
  })
})
