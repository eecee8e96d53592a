import type { Kysely } from 'kysely'
import type { Tables } from '../db/tables.js'

export const DEFAULT_CURRENCY = 'USD'

/** The installation's currency for prices and costs: the `currency` row of `settings`, else USD. */
export async function readCurrency(db: Kysely<Tables>): Promise<string> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', 'currency')
    .executeTakeFirst()
  const value = row?.value.trim() ?? ''
  return value === '' ? DEFAULT_CURRENCY : value
}
