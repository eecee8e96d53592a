import type { Page } from '../api-types.js'

/** An error answered by the gateway, carrying the OpenAI envelope's fields. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string | null
  readonly param: string | null

  constructor(status: number, message: string, code: string | null, param: string | null) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.param = param
  }
}

export interface ApiClient {
  get<T>(path: string): Promise<T>
  post<T>(path: string, body?: unknown): Promise<T>
  put<T>(path: string, body: unknown): Promise<T>
  delete(path: string): Promise<void>
}

function readEnvelope(status: number, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const err = body.error
    if (typeof err === 'object' && err !== null && 'message' in err) {
      const code = 'code' in err && typeof err.code === 'string' ? err.code : null
      const param = 'param' in err && typeof err.param === 'string' ? err.param : null
      return new ApiError(status, String(err.message), code, param)
    }
  }
  return new ApiError(status, `The server answered ${status}.`, null, null)
}

/**
 * Calls the gateway with the session cookie (same origin, so the browser adds Sec-Fetch-Site and the cookie).
 * `onSessionLost` runs when an authenticated call answers 401, so the app can return to the login page.
 * Responses are typed by the caller from the API contract (api-types.ts); the UI trusts its own gateway.
 */
export function createApiClient(onSessionLost: () => void): ApiClient {
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, credentials: 'same-origin', headers: {} }
    if (body !== undefined) {
      init.headers = { 'content-type': 'application/json' }
      init.body = JSON.stringify(body)
    }
    let res: Response
    try {
      res = await fetch(path, init)
    } catch {
      throw new ApiError(0, 'The gateway cannot be reached. Check your connection.', null, null)
    }
    if (res.status === 204) {
      return undefined as T
    }
    const text = await res.text()
    let parsed: unknown = null
    try {
      parsed = text === '' ? null : JSON.parse(text)
    } catch {
      parsed = null
    }
    if (!res.ok) {
      const error = readEnvelope(res.status, parsed)
      if (res.status === 401 && !path.startsWith('/auth/')) {
        onSessionLost()
      }
      throw error
    }
    return parsed as T
  }
  return {
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
    put: (path, body) => request('PUT', path, body),
    delete: async (path) => {
      await request('DELETE', path)
    },
  }
}

/** Reads every page of a list endpoint (e.g. all models for a multi-select). */
export async function fetchAllPages<T>(api: ApiClient, path: string): Promise<T[]> {
  const items: T[] = []
  const sep = path.includes('?') ? '&' : '?'
  for (let page = 1; page <= 50; page++) {
    const res = await api.get<Page<T>>(`${path}${sep}page=${page}&perPage=100`)
    items.push(...res.items)
    if (page >= res.pagination.totalPage) {
      break
    }
  }
  return items
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : 'Something went wrong.'
}
