import { useEffect, useState } from 'preact/hooks'
import { useSession } from '../../api/api-context.js'
import type { ApiKey, CreatedApiKey } from '../../api-types.js'
import { ErrorMessage, Notice } from '../../components/alerts.js'
import { ListPagination } from '../../components/pagination.js'
import { SearchBox } from '../../components/search-box.js'
import { useListPage } from '../../lib/use-list-page.js'
import { AddKeyDialog } from './add-key-dialog.js'
import { ApiKeysTable } from './api-keys-table.js'
import { DeleteKeysDialog } from './delete-keys-dialog.js'
import { EditKeyDialog } from './edit-key-dialog.js'
import { KeyCreatedDialog } from './key-created-dialog.js'
import { KeyUsageDialog } from './key-usage-dialog.js'
import { RotateKeyDialog } from './rotate-key-dialog.js'
import { TryItPanel } from './try-it-panel.js'
import { useModelNames } from './use-model-names.js'

type Dialog =
  | { kind: 'add' }
  | { kind: 'edit'; key: ApiKey }
  | { kind: 'delete'; keys: ApiKey[] }
  | { kind: 'rotate'; key: ApiKey }
  | { kind: 'created'; key: CreatedApiKey; reason: 'created' | 'rotated' }
  | { kind: 'usage'; key: ApiKey }

const KEY_SORT_FIELDS = ['name', 'expires_at', 'last_used_at', 'created_at']

export function ApiKeysPage() {
  const { user } = useSession()
  const { query, searchText, setSearchText, change, list } = useListPage<ApiKey>(
    '/v2/api-keys',
    '/api-keys',
    { sortFields: KEY_SORT_FIELDS, defaultSort: '-created_at', allowAllUsers: user.is_admin },
  )
  const modelNames = useModelNames()
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set())
  // Holds the created key (with its value) only while the shown-once dialog is open.
  const [dialog, setDialog] = useState<Dialog | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const keys = list.data?.items ?? []

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
        <SearchBox label="Search by name" value={searchText} onInput={setSearchText} />
        {user.is_admin && (
          <fieldset class="segmented">
            <legend class="sr-only">Whose keys</legend>
            <button
              type="button"
              aria-pressed={!query.allUsers}
              onClick={() => change({ allUsers: false })}
            >
              My keys
            </button>
            <button
              type="button"
              aria-pressed={query.allUsers}
              onClick={() => change({ allUsers: true })}
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
          showCreator={query.allUsers}
          sortBy={query.sortBy}
          onSort={(sortBy) => change({ sortBy })}
          selected={selected}
          onSelect={select}
          onEdit={(key) => setDialog({ kind: 'edit', key })}
          onRotate={(key) => setDialog({ kind: 'rotate', key })}
          onUsage={(key) => setDialog({ kind: 'usage', key })}
          onDelete={(key) => setDialog({ kind: 'delete', keys: [key] })}
        />
      </div>
      <ListPagination list={list} change={change} />
      <TryItPanel keys={keys} modelNames={modelNames} />
      {dialog?.kind === 'add' && (
        <AddKeyDialog
          modelNames={modelNames}
          onClose={() => setDialog(null)}
          onCreated={(key) => {
            setDialog({ kind: 'created', key, reason: 'created' })
            list.reload()
          }}
        />
      )}
      {dialog?.kind === 'created' && (
        <KeyCreatedDialog
          created={dialog.key}
          modelNames={modelNames}
          reason={dialog.reason}
          onDone={() =>
            done(
              `API key “${dialog.key.name}” ${dialog.reason === 'rotated' ? 'rotated' : 'created'}.`,
            )
          }
        />
      )}
      {dialog?.kind === 'rotate' && (
        <RotateKeyDialog
          apiKey={dialog.key}
          onClose={() => setDialog(null)}
          onRotated={(key) => {
            setDialog({ kind: 'created', key, reason: 'rotated' })
            list.reload()
          }}
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
      {dialog?.kind === 'usage' && (
        <KeyUsageDialog apiKey={dialog.key} onClose={() => setDialog(null)} />
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
