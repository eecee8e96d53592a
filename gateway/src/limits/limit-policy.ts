export type BudgetPeriod = 'day' | 'week' | 'month'
export const BUDGET_PERIODS: readonly BudgetPeriod[] = ['day', 'week', 'month']

/**
 * The limits of one API key or one user, built once when the key or user is loaded and never changed (a policy
 * change builds a new one). Every number is a positive integer; null means no limit of that kind.
 */
export interface LimitPolicy {
  /** Requests in any sliding minute. */
  readonly rpm: number | null
  /** Prompt + completion tokens in any sliding minute. */
  readonly tpm: number | null
  /** Requests in flight at once. */
  readonly maxParallel: number | null
  /** Prompt + completion tokens per `budgetPeriod` (UTC calendar day, ISO week from Monday, month). */
  readonly tokenBudget: number | null
  readonly budgetPeriod: BudgetPeriod
}

/** The columns a key or user row carries (snake_case as in the schema). */
export interface LimitFields {
  readonly rpm_limit?: number | null
  readonly tpm_limit?: number | null
  readonly max_parallel_requests?: number | null
  readonly token_budget?: number | null
  readonly budget_period?: BudgetPeriod | null
}

function limitValue(name: string, value: number | null | undefined): number | null {
  if (value === null || value === undefined) {
    return null
  }
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer or null, got ${value}`)
  }
  return value
}

/**
 * The policy for a row's limit columns, or undefined when none is set: such a key or user must cost the request
 * path nothing, so there is no policy object to look at. A budget without a period counts per month.
 * Throws on a value that is not a positive integer (rows are validated on the way in; this is the last guard).
 */
export function buildLimitPolicy(fields: LimitFields): LimitPolicy | undefined {
  const rpm = limitValue('rpm_limit', fields.rpm_limit)
  const tpm = limitValue('tpm_limit', fields.tpm_limit)
  const maxParallel = limitValue('max_parallel_requests', fields.max_parallel_requests)
  const tokenBudget = limitValue('token_budget', fields.token_budget)
  const period = fields.budget_period ?? 'month'
  if (!BUDGET_PERIODS.includes(period)) {
    throw new Error(`budget_period must be day, week or month, got ${String(period)}`)
  }
  if (rpm === null && tpm === null && maxParallel === null && tokenBudget === null) {
    return undefined
  }
  return Object.freeze({ rpm, tpm, maxParallel, tokenBudget, budgetPeriod: period })
}

export type SubjectKind = 'key' | 'user'

/** One party whose limits a request must pass, with the names its counters are stored under. */
export interface LimitSubject {
  readonly kind: SubjectKind
  readonly id: string
  readonly policy: LimitPolicy
  /**
   * Counter name without the store's prefix. The owner's id is the Redis Cluster hash tag (`{u42}`) for a key and
   * for its user alike, so one script can update both atomically.
   */
  readonly storeKey: string
}

const NO_SUBJECTS: readonly LimitSubject[] = Object.freeze([])

export interface SubjectsInput {
  readonly keyId: string | number
  readonly keyPolicy: LimitPolicy | undefined
  readonly userId: string | number
  readonly userPolicy: LimitPolicy | undefined
}

/**
 * The subjects a request of this key must pass, key first; build it once per cached key. An empty result (the same
 * frozen array every time) means the request never calls the limiter.
 */
export function buildLimitSubjects(input: SubjectsInput): readonly LimitSubject[] {
  const tag = `{u${input.userId}}`
  const subjects: LimitSubject[] = []
  if (input.keyPolicy !== undefined) {
    const id = String(input.keyId)
    subjects.push(
      Object.freeze({ kind: 'key', id, policy: input.keyPolicy, storeKey: `${tag}:k${id}` }),
    )
  }
  if (input.userPolicy !== undefined) {
    const id = String(input.userId)
    subjects.push(
      Object.freeze({ kind: 'user', id, policy: input.userPolicy, storeKey: `${tag}:u` }),
    )
  }
  return subjects.length === 0 ? NO_SUBJECTS : Object.freeze(subjects)
}

/** True when a request under these subjects must go through the limiter. */
export function isLimited(subjects: readonly LimitSubject[]): boolean {
  return subjects.length > 0
}
