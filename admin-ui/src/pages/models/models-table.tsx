import type { AdminModel, Model, ModelInstance } from '../../api-types.js'
import { BACKEND_LABELS } from '../../lib/format.js'

interface ModelsTableProps {
  models: Model[]
  isAdmin: boolean
  onEdit: (model: AdminModel) => void
  onDelete: (model: AdminModel) => void
}

const HEALTH_LABELS = { healthy: 'Healthy', unhealthy: 'Unhealthy', unknown: 'Unknown' } as const
const HEALTH_CLASSES = {
  healthy: 'badge-ok',
  unhealthy: 'badge-danger',
  unknown: 'badge-muted',
} as const

function HealthBadge({ health }: { health: ModelInstance['health'] }) {
  return <span class={`badge ${HEALTH_CLASSES[health]}`}>{HEALTH_LABELS[health]}</span>
}

function isAdminModel(m: Model): m is AdminModel {
  return 'instances' in m
}

function Instances({ model }: { model: AdminModel }) {
  if (model.instances.length === 0) {
    return <span class="muted">No instances</span>
  }
  return (
    <ul class="instances">
      {model.instances.map((inst) => (
        <li key={inst.id}>
          <code>{inst.url}</code>
          <span class="muted">
            {' '}
            weight {inst.weight}
            {inst.worker !== '' && ` · ${inst.worker}`}
          </span>{' '}
          <HealthBadge health={inst.health} />
        </li>
      ))}
    </ul>
  )
}

export function ModelsTable({ models, isAdmin, onEdit, onDelete }: ModelsTableProps) {
  return (
    <div class="table-wrap">
      <table class="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Backend</th>
            <th scope="col">Price per 1M tokens (in / out)</th>
            {isAdmin && <th scope="col">Upstream model name</th>}
            {isAdmin && <th scope="col">Access policy</th>}
            <th scope="col">{isAdmin ? 'Instances' : 'Health'}</th>
            {isAdmin && <th scope="col">Operations</th>}
          </tr>
        </thead>
        <tbody>
          {models.length === 0 && (
            <tr>
              <td colSpan={isAdmin ? 7 : 4} class="empty">
                No models found.
              </td>
            </tr>
          )}
          {models.map((m) => (
            <tr key={m.id}>
              <th scope="row" class="cell-name">
                {m.name}
                {m.description !== '' && <span class="cell-sub">{m.description}</span>}
              </th>
              <td>{BACKEND_LABELS[m.backend]}</td>
              <td class="nowrap">{priceText(m)}</td>
              {isAdminModel(m) ? (
                <>
                  <td>{m.upstream_model_name ?? <span class="muted">same as name</span>}</td>
                  <td>{m.access_policy === 'authed' ? 'All users' : 'Allowed users'}</td>
                  <td>
                    <Instances model={m} />
                  </td>
                  <td class="cell-actions">
                    {m.managed_by === 'file' ? (
                      <span class="badge badge-muted" title="Declared in KEYGATE_MODELS_FILE">
                        Models file (read-only)
                      </span>
                    ) : (
                      <>
                        <button type="button" class="btn btn-small" onClick={() => onEdit(m)}>
                          Edit
                        </button>
                        <button
                          type="button"
                          class="btn btn-small btn-danger-quiet"
                          onClick={() => onDelete(m)}
                        >
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                </>
              ) : (
                <td>
                  <HealthBadge health={m.health} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** "0.15 / 0.6", "— / 2" for one unpriced side, "Not priced" for none. */
function priceText(m: Model): string {
  const { input_price_per_mtok: input, output_price_per_mtok: output } = m
  if (input === null && output === null) {
    return 'Not priced'
  }
  return `${input ?? '—'} / ${output ?? '—'}`
}
