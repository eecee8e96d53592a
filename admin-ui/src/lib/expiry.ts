/**
 * Expiry arithmetic for the key forms. Months are calendar months in the browser's time zone: one month after
 * 31 January is the last day of February, and a year is twelve such months (29 February + 1 year = 28 February).
 */

export type ExpiryPreset = '7d' | '1m' | '6m' | '1y'
export type ExpiryChoice = ExpiryPreset | 'never' | 'custom'

export const EXPIRY_LABELS: Record<ExpiryChoice, string> = {
  '7d': '7 days',
  '1m': '1 month',
  '6m': '6 months',
  '1y': '1 year',
  never: 'Never',
  custom: 'Custom date',
}

const DAY_MS = 86_400_000

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(year, monthIndex + 1, 0).getDate()
}

/** Adds calendar months, keeping the time of day and clamping the day to the target month's length. */
export function addCalendarMonths(from: Date, months: number): Date {
  const total = from.getMonth() + months
  const year = from.getFullYear() + Math.floor(total / 12)
  const month = ((total % 12) + 12) % 12
  const day = Math.min(from.getDate(), daysInMonth(year, month))
  return new Date(
    year,
    month,
    day,
    from.getHours(),
    from.getMinutes(),
    from.getSeconds(),
    from.getMilliseconds(),
  )
}

export function addPreset(from: Date, preset: ExpiryPreset): Date {
  switch (preset) {
    case '7d':
      return new Date(from.getTime() + 7 * DAY_MS)
    case '1m':
      return addCalendarMonths(from, 1)
    case '6m':
      return addCalendarMonths(from, 6)
    case '1y':
      return addCalendarMonths(from, 12)
  }
}

/** A date input's `YYYY-MM-DD` as the last second of that day, local time; null if it is not a real date. */
export function parseCustomDate(value: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (match === null) {
    return null
  }
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month - 1)) {
    return null
  }
  return new Date(year, month - 1, day, 23, 59, 59)
}

export type ExpiryResult = { ok: true; expiresAt: Date | null } | { ok: false; message: string }

/** The expiry a new key gets for the chosen option; `base` is now for a new key. */
export function resolveExpiry(
  choice: ExpiryChoice,
  base: Date,
  customDate: string,
  now: Date,
): ExpiryResult {
  if (choice === 'never') {
    return { ok: true, expiresAt: null }
  }
  if (choice === 'custom') {
    const date = parseCustomDate(customDate)
    if (date === null) {
      return { ok: false, message: 'Choose an expiration date.' }
    }
    if (date.getTime() <= now.getTime()) {
      return { ok: false, message: 'The expiration date must be in the future.' }
    }
    return { ok: true, expiresAt: date }
  }
  return { ok: true, expiresAt: addPreset(base, choice) }
}

/** Seconds from now for POST /v2/api-keys `expires_in` (0 = never); at least 1 for a future date. */
export function toExpiresInSeconds(expiresAt: Date | null, now: Date): number {
  if (expiresAt === null) {
    return 0
  }
  return Math.max(1, Math.round((expiresAt.getTime() - now.getTime()) / 1000))
}

/**
 * Where an extension starts: the current expiry while it is still ahead, otherwise now (an expired key or one
 * that never expired gets its new expiry counted from today).
 */
export function extensionBase(currentExpiresAt: string | null, now: Date): Date {
  if (currentExpiresAt === null) {
    return now
  }
  const current = new Date(currentExpiresAt)
  return current.getTime() > now.getTime() ? current : now
}

export function isExpired(expiresAt: string | null, now: Date): boolean {
  return expiresAt !== null && new Date(expiresAt).getTime() <= now.getTime()
}

/** Within this of its expiry a key is marked "Expires soon" (the gateway's expiring-soon gauge uses the same). */
export const EXPIRING_SOON_DAYS = 7

/** Not yet expired, but expiring within EXPIRING_SOON_DAYS. */
export function isExpiringSoon(expiresAt: string | null, now: Date): boolean {
  if (expiresAt === null || isExpired(expiresAt, now)) {
    return false
  }
  return new Date(expiresAt).getTime() - now.getTime() <= EXPIRING_SOON_DAYS * DAY_MS
}

/** `YYYY-MM-DD` of a local date, for the min attribute of a date input. */
export function toDateInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
}
