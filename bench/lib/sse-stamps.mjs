// Reading the engine's send stamps (`"content":"@<epoch ms>"` in chat, `"text":"@<epoch ms>"` in Messages) out of
// SSE text (pure; unit-tested).

const STAMP_RE = /"(?:content|text)":"@(\d+\.\d+)"/g

/** Pulls engine send stamps out of complete SSE frames in `text`; returns the stamps and the unfinished tail. */
export function extractStamps(text) {
  const end = text.lastIndexOf('\n\n')
  if (end < 0) return { stamps: [], rest: text }
  const head = text.slice(0, end)
  const stamps = []
  for (const m of head.matchAll(STAMP_RE)) stamps.push(Number(m[1]))
  return { stamps, rest: text.slice(end + 2) }
}
