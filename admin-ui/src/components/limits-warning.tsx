import { useEffect, useState } from 'preact/hooks'
import { useSession } from '../api/api-context.js'
import type { ServiceStatus } from '../api-types.js'

/** Re-read every minute: replicas come and go, and the warning with them. */
const EVERY_MS = 60_000

/**
 * For admins: a banner while several gateway replicas count limits in their own memory (GET /v2/status), so a key
 * gets its limit once per replica until KEYGATE_REDIS_URL is set.
 */
export function LimitsWarning() {
  const { api, user } = useSession()
  const [warning, setWarning] = useState<string | null>(null)
  useEffect(() => {
    if (!user.is_admin) {
      return
    }
    let live = true
    const read = () =>
      api
        .get<ServiceStatus>('/v2/status')
        .then((s) => live && setWarning(s.limits.warning))
        .catch(() => undefined)
    void read()
    const timer = setInterval(read, EVERY_MS)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [api, user.is_admin])
  if (warning === null) {
    return null
  }
  return (
    <div class="alert alert-warning" role="alert">
      <strong>Limits are not shared between replicas.</strong> {warning}
    </div>
  )
}
