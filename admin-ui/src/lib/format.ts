import type { ApiKey, Backend } from '../api-types.js'

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
})

export function formatDate(iso: string | null | undefined, empty = '—'): string {
  if (iso === null || iso === undefined) {
    return empty
  }
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? empty : dateFormat.format(date)
}

export function formatDateTime(iso: string | null | undefined, empty = '—'): string {
  if (iso === null || iso === undefined) {
    return empty
  }
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? empty : dateTimeFormat.format(date)
}

export const BACKEND_LABELS: Record<Backend, string> = {
  vllm: 'vLLM',
  'llama.cpp': 'llama.cpp',
  openai: 'OpenAI-compatible',
}

/** The permissions column: one line per granted permission, named as in GPUStack and in the key form. */
export function permissionLines(key: Pick<ApiKey, 'scope' | 'allowed_model_names'>): string[] {
  const lines: string[] = []
  if (key.scope.includes('management')) {
    lines.push('Platform Management')
  }
  if (key.scope.includes('inference')) {
    lines.push(
      key.allowed_model_names.length === 0
        ? 'Model Access: All models'
        : `Model Access: ${key.allowed_model_names.join(', ')}`,
    )
  }
  if (lines.length === 0) {
    lines.push('No access')
  }
  return lines
}
