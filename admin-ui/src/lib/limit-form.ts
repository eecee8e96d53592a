/** The Limits section of the Add/Edit key and Edit user dialogs: text inputs, checked like the API checks them. */

export type BudgetPeriod = 'day' | 'week' | 'month'

export interface LimitsState {
  rpm: string
  tpm: string
  parallel: string
  budget: string
  period: BudgetPeriod
}

/** The API's field for each input; an API refusal naming one is shown beside it. */
export const LIMIT_FIELDS = {
  rpm: 'rpm_limit',
  tpm: 'tpm_limit',
  parallel: 'max_parallel_requests',
  budget: 'token_budget',
} as const

export type LimitInput = keyof typeof LIMIT_FIELDS
export type LimitErrors = Partial<Record<LimitInput, string>>

export interface LimitValues {
  rpm_limit: number | null
  tpm_limit: number | null
  max_parallel_requests: number | null
  token_budget: number | null
  budget_period: BudgetPeriod | null
}

const INT4_MAX = 2_147_483_647

export function emptyLimits(): LimitsState {
  return { rpm: '', tpm: '', parallel: '', budget: '', period: 'month' }
}

export function limitsFor(v: LimitValues): LimitsState {
  const text = (n: number | null) => (n === null ? '' : String(n))
  return {
    rpm: text(v.rpm_limit),
    tpm: text(v.tpm_limit),
    parallel: text(v.max_parallel_requests),
    budget: text(v.token_budget),
    period: v.budget_period ?? 'month',
  }
}

/** Empty means no limit; anything else must be a positive whole number. */
function parse(text: string, max: number): number | null | string {
  const t = text.trim()
  if (t === '') {
    return null
  }
  if (!/^\d+$/.test(t) || Number(t) < 1) {
    return 'Enter a whole number of at least 1, or leave it empty for no limit.'
  }
  const n = Number(t)
  return n > max ? `At most ${max}.` : n
}

/** The body's limit fields, or the messages to show beside the inputs. */
export function buildLimits(
  s: LimitsState,
): { ok: true; values: LimitValues } | { ok: false; errors: LimitErrors } {
  const errors: LimitErrors = {}
  const out: Partial<Record<LimitInput, number | null>> = {}
  for (const input of Object.keys(LIMIT_FIELDS) as LimitInput[]) {
    const parsed = parse(s[input], input === 'budget' ? Number.MAX_SAFE_INTEGER : INT4_MAX)
    if (typeof parsed === 'string') {
      errors[input] = parsed
    } else {
      out[input] = parsed
    }
  }
  if (Object.keys(errors).length > 0) {
    return { ok: false, errors }
  }
  return {
    ok: true,
    values: {
      rpm_limit: out.rpm ?? null,
      tpm_limit: out.tpm ?? null,
      max_parallel_requests: out.parallel ?? null,
      token_budget: out.budget ?? null,
      budget_period: out.budget == null ? null : s.period,
    },
  }
}

/** "60 rpm · 10,000 tpm · 2 at once · 1,000,000 tokens/month", or "" for no limits. */
export function describeLimits(v: LimitValues): string {
  const n = (x: number) => x.toLocaleString('en-US')
  const parts: string[] = []
  if (v.rpm_limit !== null) {
    parts.push(`${n(v.rpm_limit)} rpm`)
  }
  if (v.tpm_limit !== null) {
    parts.push(`${n(v.tpm_limit)} tpm`)
  }
  if (v.max_parallel_requests !== null) {
    parts.push(`${n(v.max_parallel_requests)} at once`)
  }
  if (v.token_budget !== null) {
    parts.push(`${n(v.token_budget)} tokens/${v.budget_period ?? 'month'}`)
  }
  return parts.join(' · ')
}
