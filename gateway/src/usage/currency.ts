import type { Kysely } from 'kysely'
import type { Tables } from '../db/tables.js'
import { readSettings } from '../settings/installation-settings.js'

/** The installation's currency for prices and costs: the `currency` setting (GET/PUT /v2/settings), USD by default. */
export async function readCurrency(db: Kysely<Tables>): Promise<string> {
  return (await readSettings(db)).currency
}
