import { sql } from 'kysely'

/**
 * The cost of usage_daily rows (alias `u`), from the price history (model_prices, by the model's current name).
 *
 * A day's tokens are charged at the price in force at the END of that UTC day: the latest price whose
 * effective_from is before the next day's 00:00 UTC. A finished day's price can no longer change, so a new price
 * never alters the cost of yesterday or last month; it applies to today's usage (all of today's, the day being the
 * unit usage is kept in) and every later day. docs/usage.md explains the choice.
 */
export const PRICE_JOIN = sql`
  left join models pm on pm.name = u.model
  left join lateral (
    select mp.input_price_per_mtok, mp.output_price_per_mtok
    from model_prices mp
    where mp.model_id = pm.id
      and mp.effective_from < ((u.day + 1)::timestamp at time zone 'UTC')
    order by mp.effective_from desc, mp.id desc
    limit 1
  ) p on true`

/**
 * Prompt tokens at the input price plus completion tokens at the output price, per million; an unpriced side
 * counts nothing, rounded to 6 decimals (a millionth of the currency unit), and a line none of whose rows is priced has a null cost (not 0: "free" and "no price" differ).
 */
export const COST_SUM = sql`round(
  sum(
    coalesce(u.prompt_tokens * p.input_price_per_mtok, 0)
    + coalesce(u.completion_tokens * p.output_price_per_mtok, 0)
  ) filter (where p.input_price_per_mtok is not null or p.output_price_per_mtok is not null)
  / 1000000,
  6
)::float8 as cost`
