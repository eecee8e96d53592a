/** The Try it snippets: curl and the OpenAI Python SDK against this gateway's /v1. */

export interface SnippetInput {
  /** Base URL of the gateway, e.g. location.origin. */
  origin: string
  /** The full key right after creation, otherwise the masked value (which will not work if pasted). */
  keyText: string
  model: string
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`
}

export function curlSnippet({ origin, keyText, model }: SnippetInput): string {
  const body = JSON.stringify(
    { model, messages: [{ role: 'user', content: 'Hello!' }], stream: true },
    null,
    2,
  )
  return [
    `export KEYGATE_API_KEY=${shellQuote(keyText)}`,
    `curl ${origin}/v1/chat/completions \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -H "Authorization: Bearer $KEYGATE_API_KEY" \\`,
    `  -d ${shellQuote(body)}`,
  ].join('\n')
}

export function pythonSnippet({ origin, keyText, model }: SnippetInput): string {
  return [
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url=${JSON.stringify(`${origin}/v1`)}, api_key=${JSON.stringify(keyText)})`,
    'stream = client.chat.completions.create(',
    `    model=${JSON.stringify(model)},`,
    '    messages=[{"role": "user", "content": "Hello!"}],',
    '    stream=True,',
    ')',
    'for chunk in stream:',
    '    if chunk.choices:',
    '        print(chunk.choices[0].delta.content or "", end="")',
  ].join('\n')
}
