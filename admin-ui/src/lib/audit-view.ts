import type { ActorKind, AuditAction, AuditEvent, AuditTargetType } from '../api-types.js'
import { formatDateTime } from './format.js'

/** Every action the API knows, with its label; a Record, so a new action on the server fails the UI build. */
export const ACTION_LABELS: Record<AuditAction, string> = {
  'api_key.create': 'API key created',
  'api_key.update': 'API key changed',
  'api_key.rename': 'API key renamed',
  'api_key.rotate': 'API key rotated',
  'api_key.delete': 'API key deleted',
  'user.create': 'User created',
  'user.update': 'User changed',
  'user.delete': 'User deleted',
  'user.change_password': 'Own password changed',
  'user.bootstrap_admin': 'Admin created at start-up',
  'user.reset_admin_password': 'Admin password reset',
  'model.create': 'Model created',
  'model.update': 'Model changed',
  'model.delete': 'Model deleted',
  'model.sync_file': 'Models file applied',
  'login.unlock': 'Logins unlocked',
  'settings.update': 'Settings changed',
}

export const TARGET_LABELS: Record<AuditTargetType, string> = {
  api_key: 'API key',
  user: 'User',
  model: 'Model',
  login: 'Login',
  settings: 'Settings',
}

export const ACTOR_KIND_LABELS: Record<ActorKind, string> = {
  user: 'A user',
  cli: 'CLI',
  system: 'System',
}

/** The filters of the Audit log page, as the API's query parameters name them ('' = any). */
export interface AuditFilters {
  /** 'user:<id>' or 'kind:<actor kind>'. */
  actor: string
  target_type: string
  target_id: string
  action: string
  /** Days, YYYY-MM-DD (inclusive). */
  from: string
  to: string
}

export const NO_FILTERS: AuditFilters = {
  actor: '',
  target_type: '',
  target_id: '',
  action: '',
  from: '',
  to: '',
}

const FILTER_NAMES = Object.keys(NO_FILTERS) as (keyof AuditFilters)[]

/** The filters in the address bar (`?actor=user:3&action=api_key.update`); unknown names are ignored. */
export function parseAuditFilters(search: string): AuditFilters {
  const params = new URLSearchParams(search)
  const filters = { ...NO_FILTERS }
  for (const name of FILTER_NAMES) {
    filters[name] = params.get(name)?.trim() ?? ''
  }
  return filters
}

export function auditFiltersQuery(filters: AuditFilters): string {
  const params = new URLSearchParams()
  for (const name of FILTER_NAMES) {
    if (filters[name] !== '') {
      params.set(name, filters[name])
    }
  }
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}

/** The /v2/audit-events request for these filters and page. */
export function auditApiPath(filters: AuditFilters, page: number, perPage: number): string {
  const params = new URLSearchParams({ page: String(page), perPage: String(perPage) })
  const [kind, value] = filters.actor.split(':', 2)
  if (kind === 'user' && value !== undefined) {
    params.set('actor_user_id', value)
  } else if (kind === 'kind' && value !== undefined) {
    params.set('actor_kind', value)
  }
  for (const name of ['target_type', 'target_id', 'action', 'from', 'to'] as const) {
    if (filters[name] !== '') {
      params.set(name, filters[name])
    }
  }
  return `/v2/audit-events?${params.toString()}`
}

export function actorText(e: AuditEvent): string {
  if (e.actor_kind === 'cli') {
    return 'CLI'
  }
  if (e.actor_kind === 'system') {
    return 'System'
  }
  const who = e.actor_username ?? `deleted user #${e.actor_user_id ?? '?'}`
  return e.actor_key_id === null ? who : `${who} (API key #${e.actor_key_id})`
}

export function actionText(action: string): string {
  return action in ACTION_LABELS ? ACTION_LABELS[action as AuditAction] : action
}

export function targetText(e: AuditEvent): string {
  const type =
    e.target_type in TARGET_LABELS ? TARGET_LABELS[e.target_type as AuditTargetType] : e.target_type
  const name = e.details.name ?? e.details.username
  const id = e.target_id === null || e.target_id === '*' ? '' : ` #${e.target_id}`
  return typeof name === 'string' ? `${type} “${name}”${id}` : `${type}${id}`
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

/** A recorded value as a reader wants it: dates local, lists joined, nothing as "none". */
export function valueText(value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return 'none'
  }
  if (typeof value === 'boolean') {
    return value ? 'yes' : 'no'
  }
  if (typeof value === 'string') {
    return ISO_INSTANT.test(value) ? formatDateTime(value) : value
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? 'none' : value.map(valueText).join(', ')
  }
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${k} ${valueText(v)}`)
      .join(' · ')
  }
  return String(value)
}

export interface ChangeLine {
  field: string
  old: string
  new: string
}

/** An update's `changes` as lines, field by field; empty for other actions. */
export function changeLines(e: AuditEvent): ChangeLine[] {
  const changes = e.details.changes
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) {
    return []
  }
  return Object.entries(changes as Record<string, { old?: unknown; new?: unknown }>).map(
    ([field, change]) => ({ field, old: valueText(change.old), new: valueText(change.new) }),
  )
}

/** What else the row recorded (a creation's values, a sync's names), without what the other columns show. */
export function detailLines(e: AuditEvent): string[] {
  return Object.entries(e.details)
    .filter(([name]) => name !== 'changes' && name !== 'name' && name !== 'username')
    .map(([name, value]) => `${name}: ${valueText(value)}`)
}
