import { useCallback, useEffect, useState } from 'preact/hooks'
import { errorMessage } from '../api/api-client.js'
import { useSession } from '../api/api-context.js'
import type { Page } from '../api-types.js'

export interface PageResult<T> {
  data: Page<T> | null
  error: string
  loading: boolean
  reload: () => void
}

/** Loads one page of a list endpoint whenever `path` changes; a late answer for an old path is dropped. */
export function usePageQuery<T>(path: string): PageResult<T> {
  const { api } = useSession()
  const [data, setData] = useState<Page<T> | null>(null)
  const [error, setError] = useState('')
  const [loading, setLoading] = useState(true)
  const [tick, setTick] = useState(0)
  const reload = useCallback(() => setTick((t) => t + 1), [])

  useEffect(() => {
    let live = true
    setLoading(true)
    api
      .get<Page<T>>(path)
      .then((page) => {
        if (live) {
          setData(page)
          setError('')
        }
      })
      .catch((err: unknown) => {
        if (live) {
          setError(errorMessage(err))
        }
      })
      .finally(() => {
        if (live) {
          setLoading(false)
        }
      })
    return () => {
      live = false
    }
  }, [api, path, tick])

  return { data, error, loading, reload }
}

/** Delays a fast-changing value (the search box) so typing does not send a request per key press. */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs)
    return () => clearTimeout(timer)
  }, [value, delayMs])
  return settled
}
