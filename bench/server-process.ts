/**
 * The Veil server under test, in its own process (as in production, and so the benchmark's HTTP clients
 * do not share its event loop). Started by `run.ts` with `child_process.fork`; it is wired exactly as
 * `veil serve` wires it (`startRuntime` + `startServer`, migrations applied, the same logger options)
 * and listens on 127.0.0.1, port 0.
 *
 * IPC protocol (messages are {@link ServerMessage} / {@link DriverMessage}):
 * - on start it creates a security admin account and an API token and sends `ready` with the URL and token;
 * - `mark` starts a measurement window (CPU time, event-loop utilization, commit metrics);
 * - `stats` answers with what happened in the process since the last `mark`;
 * - `stop` stops the server gracefully (drains the group-commit writer, closes the store) and exits.
 *
 * Configuration comes from the environment, read by `loadConfig` like `veil serve`:
 * `VEIL_DATABASE_URL`, `VEIL_SECRET_KEY`, `VEIL_LOG_LEVEL`, `VEIL_REQUESTS_PER_MINUTE`, ...
 *
 * @module
 */

import { performance, type EventLoopUtilization } from 'node:perf_hooks'
import { loadConfig } from '../src/config/config.js'
import { startServer } from '../src/http/server.js'
import { ConflictError } from '../src/core/errors.js'
import { startRuntime } from '../src/runtime.js'
import { accountCreator, tokenCreator } from '../src/services/accounts/accounts.js'
import { CLI_INITIATOR } from '../src/services/service-context.js'
import { createPopulation } from './generate.js'

export const BENCH_UPN = 'bench@contoso.com'

/** What the server process reports about a measurement window. */
export interface ServerStats {
  /** Wall time of the window, seconds. */
  readonly seconds: number
  /** CPU time of the whole process (all threads: main, libuv pool, GC helpers), seconds. */
  readonly cpuSeconds: number
  /** Share of the window the main thread's event loop was busy, 0..1. */
  readonly eventLoopUtilization: number
  /** Group-commit transactions written and the rows in them. */
  readonly commits: number
  readonly commitRows: number
  /** Time spent inside group-commit transactions, seconds. */
  readonly commitSeconds: number
  readonly rssBytes: number
}

export type ServerMessage =
  | { readonly type: 'ready'; readonly url: string; readonly token: string; readonly engine: string }
  | { readonly type: 'marked' }
  | { readonly type: 'stats'; readonly stats: ServerStats }
  | { readonly type: 'stopped' }
  | { readonly type: 'error'; readonly message: string }

export type DriverMessage = { readonly type: 'mark' } | { readonly type: 'stats' } | { readonly type: 'stop' }

function send(message: ServerMessage): void {
  process.send?.(message)
}

interface HistogramTotals {
  readonly count: number
  readonly sum: number
}

/**
 * With `BENCH_DIRECTORY_USERS=N`, import a directory before ingest so the classify stage matches every
 * actor against it: the benchmark's people (the same seeded population as the data) plus filler users up
 * to N, one membership each in N/100 groups. Measures ingest with classification against a real-sized
 * directory versus an empty one.
 */
async function loadBenchDirectory(runtime: Awaited<ReturnType<typeof startRuntime>>): Promise<void> {
  const total = Number(process.env.BENCH_DIRECTORY_USERS ?? 0)
  if (!(total > 0)) {
    return
  }
  const population = createPopulation(Number(process.env.BENCH_SEED ?? 20240501))
  const upns = population.actors.items.flatMap((a) => (a.upn ? [a.upn] : []))
  for (let i = upns.length; i < total; i += 1) {
    upns.push(`filler${i}@directory.example`)
  }
  const groups = Math.max(1, Math.floor(total / 100))
  const rows = upns.slice(0, total).map((upn, i) => ({ row: i + 1, group: `group-${i % groups}`, upn }))
  const started = performance.now()
  const report = await runtime.directory.importMemberships(CLI_INITIATOR, rows, { mode: 'full', atomic: true })
  await runtime.directoryCache.refresh({ force: true })
  process.stderr.write(`bench directory: ${rows.length} users in ${groups} groups imported in ${((performance.now() - started) / 1000).toFixed(1)} s (${report.rejected.length} rejected)\n`)
}

async function main(): Promise<void> {
  const config = loadConfig(process.env)
  const runtime = await startRuntime(config, { processMetrics: false, createKeyIfMissing: false })
  // A database the benchmark serves again (the export benchmark's runs) already has the account.
  await accountCreator(runtime.ctx, CLI_INITIATOR, { upn: BENCH_UPN, displayName: 'Benchmark', roles: ['security_admin'] }).catch((error: unknown) => {
    if (!(error instanceof ConflictError)) {
      throw error
    }
  })
  const { secret } = await tokenCreator(runtime.ctx, CLI_INITIATOR, { upn: BENCH_UPN, name: `bench ${process.pid}`, expiresAt: null })
  await loadBenchDirectory(runtime)
  const server = await startServer(runtime, { host: '127.0.0.1', port: 0, logger: { level: config.logLevel } })

  const histogram = async (which: 'ingestCommitRows' | 'ingestCommitSeconds'): Promise<HistogramTotals> => {
    const { values } = await runtime.metrics[which].get()
    const find = (suffix: string): number => values.find((v) => v.metricName?.endsWith(suffix))?.value ?? 0
    return { count: find('_count'), sum: find('_sum') }
  }

  let markedAt = performance.now()
  let markedCpu = process.cpuUsage()
  let markedElu: EventLoopUtilization = performance.eventLoopUtilization()
  let markedRows: HistogramTotals = { count: 0, sum: 0 }
  let markedSeconds: HistogramTotals = { count: 0, sum: 0 }

  process.on('message', (message: DriverMessage) => {
    void (async () => {
      switch (message.type) {
        case 'mark':
          markedAt = performance.now()
          markedCpu = process.cpuUsage()
          markedElu = performance.eventLoopUtilization()
          markedRows = await histogram('ingestCommitRows')
          markedSeconds = await histogram('ingestCommitSeconds')
          send({ type: 'marked' })
          return
        case 'stats': {
          const cpu = process.cpuUsage(markedCpu)
          const rows = await histogram('ingestCommitRows')
          const seconds = await histogram('ingestCommitSeconds')
          send({
            type: 'stats',
            stats: {
              seconds: (performance.now() - markedAt) / 1000,
              cpuSeconds: (cpu.user + cpu.system) / 1e6,
              eventLoopUtilization: performance.eventLoopUtilization(markedElu).utilization,
              commits: rows.count - markedRows.count,
              commitRows: rows.sum - markedRows.sum,
              commitSeconds: seconds.sum - markedSeconds.sum,
              rssBytes: process.memoryUsage.rss(),
            },
          })
          return
        }
        case 'stop':
          await server.stop()
          send({ type: 'stopped' })
          // Let the IPC message flush; a CPU profile (--cpu-prof) is written on a normal exit.
          process.disconnect?.()
          return
      }
    })().catch((error: unknown) => {
      send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    })
  })

  send({ type: 'ready', url: server.url, token: secret, engine: runtime.store.capabilities.engine })
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  process.exitCode = 1
  process.disconnect?.()
})
