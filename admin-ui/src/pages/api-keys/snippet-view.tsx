import { CopyButton } from '../../components/copy-button.js'
import { curlSnippet, pythonSnippet } from '../../lib/snippets.js'

interface SnippetViewProps {
  keyText: string
  model: string
}

export function SnippetView({ keyText, model }: SnippetViewProps) {
  const input = { origin: window.location.origin, keyText, model }
  const curl = curlSnippet(input)
  const python = pythonSnippet(input)
  return (
    <div class="snippets">
      <section aria-label="curl">
        <div class="snippet-head">
          <h4>curl</h4>
          <CopyButton text={curl} label="Copy curl command" />
        </div>
        <pre class="code">{curl}</pre>
      </section>
      <section aria-label="OpenAI Python SDK">
        <div class="snippet-head">
          <h4>OpenAI Python SDK</h4>
          <CopyButton text={python} label="Copy Python code" />
        </div>
        <pre class="code">{python}</pre>
      </section>
    </div>
  )
}
