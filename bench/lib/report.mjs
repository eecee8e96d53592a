// The run header (date, CPU, Node, machine load, exact command) and appending a run's tables to bench/RESULTS.md.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'

export function machineInfo() {
  let cpu = cpus()[0]?.model ?? 'unknown'
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu
  } catch {}
  let loadavg = 'unknown'
  try {
    loadavg = readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ')
  } catch {}
  return { cpu, cores: cpus().length, node: process.version, loadavg }
}

export function runHeader({ mode, command, started, info, layout }) {
  return [
    `## ${started.toISOString()} — ${mode}`,
    '',
    `- command: \`${command}\``,
    `- CPU: ${info.cpu} × ${info.cores}; Node ${info.node}; load average at start: ${info.loadavg}`,
    `- layout: ${layout}`,
    '',
  ].join('\n')
}

const PREAMBLE = `# Benchmark results

Appended by \`npm run bench\` / \`npm run bench:full\` (bench/run.mjs); newest last. Absolute numbers depend on the
machine and on whatever else ran on it (see the load average); compare ratios within one run.

`

export function appendResults(file, text) {
  if (!existsSync(file)) writeFileSync(file, PREAMBLE)
  appendFileSync(file, `${text.trimEnd()}\n\n`)
}
