/**
 * Summarize a V8 CPU profile (`node --cpu-prof`, or `BENCH_CPU_PROF=DIR npm run bench` for the server):
 * self time per function and per file, and inclusive time of Veil's own functions, so a bottleneck can
 * be named precisely.
 *
 * Usage: `node dist/bench/profile-summary.js FILE.cpuprofile [TOP]`
 *
 * @module
 */

import { readFileSync } from 'node:fs'

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: readonly number[]
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly startTime: number
  readonly endTime: number
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

function shortUrl(url: string): string {
  const at = url.search(/\/(dist|node_modules)\//)
  return at >= 0 ? url.slice(at + 1) : url.replace(/^file:\/\//, '')
}

function label(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)'
  return frame.url ? `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : name
}

function pct(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1).padStart(5)}%`
}

export function summarizeProfile(path: string, top = 25): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const byId = new Map<number, ProfileNode>(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parent.set(child, node.id)
    }
  }
  const selfTime = new Map<number, number>()
  profile.samples.forEach((id, i) => {
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const total = [...selfTime.values()].reduce((sum, t) => sum + t, 0)
  const idle = [...selfTime.entries()].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((sum, [, t]) => sum + t, 0)

  const selfByFunction = new Map<string, number>()
  const selfByFile = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, time] of selfTime) {
    const node = byId.get(id)
    if (!node) {
      continue
    }
    const key = label(node.callFrame)
    selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + time)
    const file = node.callFrame.url ? shortUrl(node.callFrame.url) : `(${node.callFrame.functionName || 'native'})`
    selfByFile.set(file, (selfByFile.get(file) ?? 0) + time)
    // Inclusive time of Veil's own functions (dist/src), each counted once per sample's stack.
    const seen = new Set<string>()
    for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
      const frame = byId.get(cursor)?.callFrame
      if (frame && frame.url.includes('/dist/src/')) {
        const k = label(frame)
        if (!seen.has(k)) {
          seen.add(k)
          inclusive.set(k, (inclusive.get(k) ?? 0) + time)
        }
      }
    }
  }
  const rows = (map: Map<string, number>, n: number): string[] =>
    [...map.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, n)
      .map(([key, time]) => `  ${pct(time, total)}  ${(time / 1000).toFixed(0).padStart(7)} ms  ${key}`)
  return [
    `${path}: ${(total / 1e6).toFixed(1)} s sampled, ${pct(total - idle, total).trim()} busy (not idle)`,
    `Self time by function (top ${top}):`,
    ...rows(selfByFunction, top),
    `Self time by file (top ${top}):`,
    ...rows(selfByFile, top),
    `Inclusive time of Veil functions (top ${top}):`,
    ...rows(inclusive, top),
  ].join('\n')
}

const [, , file, topArg] = process.argv
if (file !== undefined && process.argv[1]?.endsWith('profile-summary.js')) {
  console.log(summarizeProfile(file, topArg === undefined ? 25 : Number(topArg)))
}
