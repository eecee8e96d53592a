import { useEffect, useState } from 'preact/hooks'
import { useSession } from '../../api/api-context.js'
import type { ApiKey, CreatedApiKey } from '../../api-types.js'
import { ErrorMessage, Notice } from '../../components/alerts.js'
import { PaginationBar } from '../../components/pagination.js'
import { useDebounced, usePageQuery } from '../../lib/use-page-query.js'
import { AddKeyDialog } from './add-key-dialog.js'
import { ApiKeysTable } from './api-keys-table.js'
import { DeleteKeysDialog } from './delete-keys-dialog.js'
import { EditKeyDialog } from './edit-key-dialog.js'
import { KeyCreatedDialog } from './key-created-dialog.js'
import { TryItPanel } from './try-it-panel.js'
import { useModelNames } from './use-model-names.js'

type Dialog =
  | { kind: 'add' }
  | { kind: 'edit'; key: ApiKey }
  | { kind: 'delete'; keys: ApiKey[] }
  | { kind: 'created'; key: CreatedApiKey }

interface Query {
  view: 'mine' | 'all'
  sortBy: string
  page: number
  perPage: number
}

function listPath(q: Query, search: string): string {
  const params = new URLSearchParams({
    page: String(q.page),
    perPage: String(q.perPage),
    sort_by: q.sortBy,
  })
  if (search !== '') {
    params.set('search', search)
  }
  if (q.view === 'all') {
    params.set('user_id', '*')
  }
  return `/v2/api-keys?${params.toString()}`
}

export function ApiKeysPage() {
  const { user } = useSession()
  const [query, setQuery] = useState<Query>({
    view: 'mine',
    sortBy: '-created_at',
    page: 1,
    perPage: 20,
  })
  const [searchText, setSearchText] = useState('')
  const search = useDebounced(searchText.trim(), 250)
  const list = usePageQuery<ApiKey>(listPath(query, search))
  const modelNames = useModelNames()
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set())
  // Holds the created key (with its value) only while the shown-once dialog is open.
  const [dialog, setDialog] = useState<Dialog | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const keys = list.data?.items ?? []
  const patch = (p: Partial<Query>) => setQuery((q) => ({ ...q, page: 1, ...p }))

  useEffect(() => {
    setQuery((q) => (q.page === 1 ? q : { ...q, page: 1 }))
  }, [search])
  useEffect(() => {
    const visible = new Set(keys.map((k) => k.id))
    setSelected((s) => new Set([...s].filter((id) => visible.has(id))))
  }, [list.data])

  const select = (ids: number[], on: boolean) =>
    setSelected((s) => {
      const next = new Set(s)
      for (const id of ids) {
        on ? next.add(id) : next.delete(id)
      }
      return next
    })
  const done = (message: string) => {
    setDialog(null)
    setNotice(message)
    list.reload()
  }

  return (
    <section aria-labelledby="keys-title">
      <div class="page-head">
        <div>
          <p class="breadcrumb">Access Control</p>
          <h1 id="keys-title">API Keys</h1>
        </div>
        <button type="button" class="btn btn-primary" onClick={() => setDialog({ kind: 'add' })}>
          Add API Key
        </button>
      </div>
      {notice !== null && <Notice onDismiss={() => setNotice(null)}>{notice}</Notice>}
      <div class="toolbar">
        <label class="search">
          <span class="sr-only">Search by name</span>
          <input
            type="search"
            placeholder="Search by name"
            value={searchText}
            onInput={(e) => setSearchText(e.currentTarget.value)}
          />
        </label>
        {user.is_admin && (
          <fieldset class="segmented">
            <legend class="sr-only">Whose keys</legend>
            <button
              type="button"
              aria-pressed={query.view === 'mine'}
              onClick={() => patch({ view: 'mine' })}
            >
              My keys
            </button>
            <button
              type="button"
              aria-pressed={query.view === 'all'}
              onClick={() => patch({ view: 'all' })}
            >
              All users
            </button>
          </fieldset>
        )}
        <button
          type="button"
          class="btn btn-danger-quiet"
          disabled={selected.size === 0}
          onClick={() =>
            setDialog({ kind: 'delete', keys: keys.filter((k) => selected.has(k.id)) })
          }
        >
          Delete selected{selected.size > 0 ? ` (${selected.size})` : ''}
        </button>
      </div>
      <ErrorMessage>{list.error}</ErrorMessage>
      <div aria-busy={list.loading}>
        <ApiKeysTable
          keys={keys}
          showCreator={query.view === 'all'}
          sortBy={query.sortBy}
          onSort={(sortBy) => patch({ sortBy })}
          selected={selected}
          onSelect={select}
          onEdit={(key) => setDialog({ kind: 'edit', key })}
          onDelete={(key) => setDialog({ kind: 'delete', keys: [key] })}
        />
      </div>
      {list.data !== null && (
        <PaginationBar
          pagination={list.data.pagination}
          onPage={(page) => setQuery((q) => ({ ...q, page }))}
          onPerPage={(perPage) => patch({ perPage })}
        />
      )}
      <TryItPanel keys={keys} modelNames={modelNames} />
      {dialog?.kind === 'add' && (
        <AddKeyDialog
          modelNames={modelNames}
          onClose={() => setDialog(null)}
          onCreated={(key) => {
            setDialog({ kind: 'created', key })
            list.reload()
          }}
        />
      )}
      {dialog?.kind === 'created' && (
        <KeyCreatedDialog
          created={dialog.key}
          modelNames={modelNames}
          onDone={() => done(`API key “${dialog.key.name}” created.`)}
        />
      )}
      {dialog?.kind === 'edit' && (
        <EditKeyDialog
          apiKey={dialog.key}
          modelNames={modelNames}
          onClose={() => setDialog(null)}
          onSaved={(key) => done(`Saved “${key.name}”. The change is in force immediately.`)}
        />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteKeysDialog
          keys={dialog.keys}
          onClose={() => setDialog(null)}
          onDeleted={(names) =>
            done(
              names.length === 1
                ? `Deleted API key “${names[0]}”.`
                : `Deleted ${names.length} API keys.`,
            )
          }
        />
      )}
    </section>
  )
}
