import { useEffect, useState } from 'preact/hooks'

export type RoutePath = '/api-keys' | '/models' | '/users' | '/usage' | '/settings' | '/api-docs'

const ROUTES: readonly RoutePath[] = [
  '/api-keys',
  '/models',
  '/users',
  '/usage',
  '/settings',
  '/api-docs',
]
const NAVIGATE_EVENT = 'keygate:navigate'

/** The address bar's path without a trailing slash (`/api-keys/` is the keys page too). */
export function locationPath(): string {
  return window.location.pathname.replace(/\/+$/, '')
}

function currentRoute(): RoutePath {
  const path = locationPath()
  return ROUTES.find((r) => r === path) ?? '/api-keys'
}

/** History-API routing; the gateway answers index.html for these paths (routes/ui.ts). */
export function navigate(path: RoutePath, search = ''): void {
  if (window.location.pathname !== path || window.location.search !== search) {
    window.history.pushState(null, '', `${path}${search}`)
  }
  window.dispatchEvent(new Event(NAVIGATE_EVENT))
}

/** Corrects the address bar without a history entry (a page this user may not open shows another). */
export function replaceRoute(path: RoutePath): void {
  window.history.replaceState(null, '', path)
  window.dispatchEvent(new Event(NAVIGATE_EVENT))
}

export function useRoute(): RoutePath {
  const [route, setRoute] = useState(currentRoute)
  useEffect(() => {
    const update = () => setRoute(currentRoute())
    window.addEventListener('popstate', update)
    window.addEventListener(NAVIGATE_EVENT, update)
    return () => {
      window.removeEventListener('popstate', update)
      window.removeEventListener(NAVIGATE_EVENT, update)
    }
  }, [])
  return route
}
