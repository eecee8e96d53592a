import { useEffect, useState } from 'preact/hooks'
import { ErrorMessage } from '../../components/alerts.js'
import {
  type FieldRow,
  type OperationView,
  type TagView,
  toTagViews,
} from '../../lib/openapi-view.js'

function FieldsTable({ caption, rows }: { caption: string; rows: FieldRow[] }) {
  if (rows.length === 0) {
    return null
  }
  return (
    <div class="table-wrap">
      <table class="table">
        <caption class="muted">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Type</th>
            <th scope="col">Required</th>
            <th scope="col">Notes</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name}>
              <td>
                <code>{r.name}</code>
              </td>
              <td>
                <code>{r.type}</code>
              </td>
              <td>{r.required ? 'yes' : 'no'}</td>
              <td>{r.notes}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function Operation({ op }: { op: OperationView }) {
  return (
    <details class="card api-op">
      <summary>
        <span class={`badge badge-accent api-method`}>{op.method}</span> <code>{op.path}</code>{' '}
        <span class="muted">{op.summary}</span>
      </summary>
      <p class="muted">{op.access}</p>
      <FieldsTable caption="Parameters" rows={op.parameters} />
      <FieldsTable caption="JSON body" rows={op.body} />
      <p>
        Responses:{' '}
        {op.responses.map((r) => (
          <span key={r.status} class="api-response">
            <strong>{r.status}</strong> {r.description}
            {r.schema === '' ? '' : ` (${r.schema})`}
          </span>
        ))}
      </p>
    </details>
  )
}

/** The API reference, rendered from /openapi.json (the same document scripts and generators read). */
export function ApiDocsPage() {
  const [tags, setTags] = useState<TagView[] | null>(null)
  const [error, setError] = useState('')
  useEffect(() => {
    fetch('/openapi.json')
      .then(async (res) => {
        if (!res.ok) {
          throw new Error(`The API description could not be loaded (HTTP ${res.status}).`)
        }
        setTags(toTagViews(await res.json()))
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
  }, [])
  return (
    <section aria-labelledby="api-docs-title">
      <div class="page-head">
        <div>
          <p class="breadcrumb">Help</p>
          <h1 id="api-docs-title">API reference</h1>
        </div>
        <a class="btn btn-quiet" href="/openapi.json" download="keygate-openapi.json">
          Download openapi.json
        </a>
      </div>
      <p class="muted">
        Every error is OpenAI's envelope{' '}
        <code>{'{"error":{"message","type","param","code"}}'}</code>. Authenticate with{' '}
        <code>Authorization: Bearer YOUR_KEY</code>.
      </p>
      <ErrorMessage>{error}</ErrorMessage>
      {tags === null && error === '' && <p class="muted">Loading…</p>}
      {tags?.map((t) => (
        <section key={t.tag} aria-label={t.tag}>
          <h2>{t.tag}</h2>
          {t.operations.map((op) => (
            <Operation key={`${op.method} ${op.path}`} op={op} />
          ))}
        </section>
      ))}
    </section>
  )
}
