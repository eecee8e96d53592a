import { useEffect, useState } from 'preact/hooks'
import { fetchAllPages } from '../../api/api-client.js'
import { useSession } from '../../api/api-context.js'
import type { Model } from '../../api-types.js'

/** Names of the models this user may use, for the Allowed models list and the Try it panel. */
export function useModelNames(): string[] {
  const { api } = useSession()
  const [names, setNames] = useState<string[]>([])
  useEffect(() => {
    let live = true
    fetchAllPages<Model>(api, '/v2/models')
      .then((models) => {
        if (live) {
          setNames(models.map((m) => m.name).sort((a, b) => a.localeCompare(b)))
        }
      })
      .catch(() => {
        // The list stays empty; the forms then say no models are available.
      })
    return () => {
      live = false
    }
  }, [api])
  return names
}
