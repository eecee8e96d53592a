import { useMemo } from 'preact/hooks'
import type { UsageItem } from '../../api-types.js'
import { ChartView } from '../../components/chart.js'
import { daysBetween, perDay, perDayByModel, tokensOf, top } from '../../lib/usage-data.js'

interface UsageChartsProps {
  /** Lines grouped by day, key and model. */
  items: UsageItem[]
  from: string
  to: string
  currency: string
  /** Admins: user names by id, for the top users chart; null for everyone else (no such chart). */
  userNames: ReadonlyMap<number, string> | null
}

const TOP = 10

export function UsageCharts({ items, from, to, currency, userNames }: UsageChartsProps) {
  const charts = useMemo(() => {
    const days = daysBetween(from, to)
    const topKeys = top(
      items,
      (i) => (i.api_key_id === undefined ? undefined : `${i.api_key_name ?? ''} #${i.api_key_id}`),
      tokensOf,
      TOP,
    )
    const topUsers =
      userNames === null
        ? null
        : top(
            items,
            (i) =>
              i.user_id === undefined || i.user_id === null
                ? undefined
                : (userNames.get(i.user_id) ?? i.username ?? `user #${i.user_id}`),
            tokensOf,
            TOP,
          )
    const priced = items.some((i) => i.cost !== null)
    return {
      days,
      tokens: perDayByModel(items, days, tokensOf),
      requests: [
        { label: 'Requests', data: perDay(items, days, (i) => i.requests) },
        { label: 'Errors', data: perDay(items, days, (i) => i.errors), line: true },
      ],
      cost: priced ? perDayByModel(items, days, (i) => i.cost ?? 0) : null,
      topKeys,
      topUsers,
    }
  }, [items, from, to, userNames])

  return (
    <div class="chart-grid">
      <ChartView
        title="Tokens per day by model"
        labels={charts.days}
        series={charts.tokens}
        stacked
        empty="no usage in this range"
      />
      <ChartView
        title="Requests and errors per day"
        labels={charts.days}
        series={charts.requests}
        empty="no requests in this range"
      />
      <ChartView
        title="Top keys by tokens"
        labels={charts.topKeys.map((r) => r.label)}
        series={[{ label: 'Tokens', data: charts.topKeys.map((r) => r.value) }]}
        horizontal
      />
      {charts.topUsers !== null && (
        <ChartView
          title="Top users by tokens"
          labels={charts.topUsers.map((r) => r.label)}
          series={[{ label: 'Tokens', data: charts.topUsers.map((r) => r.value) }]}
          horizontal
        />
      )}
      {charts.cost !== null && (
        <ChartView
          title={`Cost per day by model (${currency})`}
          labels={charts.days}
          series={charts.cost}
          stacked
        />
      )}
    </div>
  )
}
