import { useEffect, useState } from 'preact/hooks'
import { copyText } from '../lib/clipboard.js'

interface CopyButtonProps {
  text: string
  /** Accessible name when "Copy" alone would be ambiguous; it starts with "Copy". */
  label?: string
}

export function CopyButton({ text, label }: CopyButtonProps) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  useEffect(() => {
    if (state === 'idle') {
      return
    }
    const timer = setTimeout(() => setState('idle'), 2500)
    return () => clearTimeout(timer)
  }, [state])
  return (
    <span class="copy">
      <button
        type="button"
        class="btn"
        aria-label={label}
        onClick={async () => setState((await copyText(text)) ? 'copied' : 'failed')}
      >
        Copy
      </button>
      <span class="copy-status" role="status">
        {state === 'copied' && 'Copied'}
        {state === 'failed' && 'Copy failed: select the text and copy it yourself.'}
      </span>
    </span>
  )
}
