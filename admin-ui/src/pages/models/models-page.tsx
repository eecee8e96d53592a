import { useEffect, useState } from 'preact/hooks'
import { useSession } from '../../api/api-context.js'
import type { AdminModel, Model } from '../../api-types.js'
import { ErrorMessage, Notice } from '../../components/alerts.js'
import { ConfirmDialog } from '../../components/confirm-dialog.js'
import { ListPagination } from '../../components/pagination.js'
import { SearchBox } from '../../components/search-box.js'
import type { ListSpec } from '../../lib/list-query.js'
import { useListPage } from '../../lib/use-list-page.js'
import { ModelFormDialog } from './model-form-dialog.js'
import { ModelsTable } from './models-table.js'

type Dialog =
  | { kind: 'add' }
  | { kind: 'edit'; model: AdminModel }
  | { kind: 'delete'; model: AdminModel }

/** Instance health changes on its own; the list refreshes this often while the page is open. */
const HEALTH_REFRESH_MS = 5000

/** Models are listed by name; the table has no sortable columns. */
const MODEL_LIST: ListSpec = { sortFields: [], defaultSort: 'name', allowAllUsers: false }

export function ModelsPage() {
  const { api, user } = useSession()
  const { searchText, setSearchText, change, list } = useListPage<Model>(
    '/v2/models',
    '/models',
    MODEL_LIST,
  )
  const [dialog, setDialog] = useState<Dialog | null>(null)
  const [notice, setNotice] = useState<string | null>(null)

  useEffect(() => {
    if (dialog !== null) {
      return
    }
    const timer = setInterval(list.reload, HEALTH_REFRESH_MS)
    return () => clearInterval(timer)
  }, [dialog, list.reload])

  const done = (message: string) => {
    setDialog(null)
    setNotice(message)
    list.reload()
  }

  return (
    <section aria-labelledby="models-title">
      <div class="page-head">
        <div>
          <p class="breadcrumb">Resources</p>
          <h1 id="models-title">Models</h1>
        </div>
        {user.is_admin && (
          <button type="button" class="btn btn-primary" onClick={() => setDialog({ kind: 'add' })}>
            Add model
          </button>
        )}
      </div>
      {!user.is_admin && (
        <p class="muted">The models you may use. Only administrators can change them.</p>
      )}
      {notice !== null && <Notice onDismiss={() => setNotice(null)}>{notice}</Notice>}
      <div class="toolbar">
        <SearchBox label="Search models" value={searchText} onInput={setSearchText} />
      </div>
      <ErrorMessage>{list.error}</ErrorMessage>
      <ModelsTable
        models={list.data?.items ?? []}
        isAdmin={user.is_admin}
        onEdit={(model) => setDialog({ kind: 'edit', model })}
        onDelete={(model) => setDialog({ kind: 'delete', model })}
      />
      <ListPagination list={list} change={change} />
      {dialog?.kind === 'add' && (
        <ModelFormDialog
          onClose={() => setDialog(null)}
          onSaved={(m) => done(`Model “${m.name}” added.`)}
        />
      )}
      {dialog?.kind === 'edit' && (
        <ModelFormDialog
          model={dialog.model}
          onClose={() => setDialog(null)}
          onSaved={(m) => done(`Saved model “${m.name}”. The change is in force immediately.`)}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title="Delete model"
          confirmLabel="Delete"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await api.delete(`/v2/models/${dialog.model.id}`)
            done(`Deleted model “${dialog.model.name}”.`)
          }}
        >
          <p>
            Delete the model <strong>{dialog.model.name}</strong>? Requests for it will be answered
            404 model_not_found at once.
          </p>
        </ConfirmDialog>
      )}
    </section>
  )
}
