// Summarizes a V8 .cpuprofile (from `node --cpu-prof`, e.g. `bench/run.mjs --profile`): self time by function and
// by file, and total (inclusive) time of the functions whose file matches --focus.
//
//   node bench/lib/profile-summary.mjs <file.cpuprofile> [--top 30] [--focus gateway/src]
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, focus: { type: 'string', default: 'gateway/src' } },
})
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'))
const top = Number(values.top)
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

// sample counts → microseconds, using the time deltas when present
const selfUs = new Map()
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas?.[i] ?? 0
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt)
})
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0)

const shortUrl = (u) => u.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'node_modules/').replace(/^.*\/(dist\/)?gateway\//, 'gateway/')
const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`

const byFn = new Map()
const byFile = new Map()
for (const [id, us] of selfUs) {
  const n = nodes.get(id)
  const k = label(n)
  byFn.set(k, (byFn.get(k) ?? 0) + us)
  const f = shortUrl(n.callFrame.url) || `(${n.callFrame.functionName})`
  const pkg = f.startsWith('node_modules/') ? f.split('/').slice(0, f.split('/')[1].startsWith('@') ? 3 : 2).join('/') : f
  byFile.set(pkg, (byFile.get(pkg) ?? 0) + us)
}

// inclusive time of focus functions: each sample counts once per distinct focus frame on its stack
const incl = new Map()
for (const [id, us] of selfUs) {
  const seen = new Set()
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const n = nodes.get(cur)
    if (!n.callFrame.url.includes(values.focus)) continue
    const k = label(n)
    if (seen.has(k)) continue
    seen.add(k)
    incl.set(k, (incl.get(k) ?? 0) + us)
  }
}

const pct = (us) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`
const print = (title, map) => {
  process.stdout.write(`\n${title}\n`)
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${k}\n`)
}
process.stdout.write(`total sampled ${(totalUs / 1000).toFixed(0)} ms\n`)
print('self time by function', byFn)
print('self time by file / package', byFile)
print(`inclusive time of ${values.focus} functions`, incl)
