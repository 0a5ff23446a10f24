/**
 * The driver's side of the server process (`server-process.ts`): fork it, wait until it listens, ask it
 * for measurement windows, stop it.
 *
 * @module
 */

import { fork, type ChildProcess } from 'node:child_process'
import { openSync, closeSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { DriverMessage, ServerMessage, ServerStats } from './server-process.js'

export interface ServerHandle {
  readonly url: string
  readonly token: string
  readonly engine: string
  readonly pid: number
  /** Start a measurement window in the server process. */
  mark(): Promise<void>
  /** What the server process did since the last mark. */
  stats(): Promise<ServerStats>
  /** Stop gracefully and wait for the process to exit. */
  stop(): Promise<void>
}

export interface ServerOptions {
  readonly databaseUrl: string
  readonly secretKeyHex: string
  readonly logLevel: string
  /** Write a V8 CPU profile of the server process into this directory. */
  readonly cpuProfileDir?: string
  /** Append the server's stdout (its JSON log) to this file instead of discarding it. */
  readonly logFile?: string
}

const SERVER_SCRIPT = fileURLToPath(new URL('./server-process.js', import.meta.url))

export async function startServerProcess(options: ServerOptions): Promise<ServerHandle> {
  const logFd = options.logFile === undefined ? null : openSync(options.logFile, 'a')
  const child: ChildProcess = fork(SERVER_SCRIPT, [], {
    // Default V8 flags, as `veil serve` runs; only the profiler when asked.
    execArgv: options.cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir],
    env: {
      ...process.env,
      VEIL_DATABASE_URL: options.databaseUrl,
      VEIL_SECRET_KEY: options.secretKeyHex,
      VEIL_LOG_LEVEL: options.logLevel,
      // The benchmark's clients are one caller; the per-caller rate limit would otherwise throttle them.
      VEIL_REQUESTS_PER_MINUTE: '10000000',
    },
    stdio: ['ignore', logFd ?? 'ignore', 'inherit', 'ipc'],
  })
  if (logFd !== null) {
    closeSync(logFd)
  }

  const waiting: Array<{ resolve: (message: ServerMessage) => void; reject: (error: Error) => void }> = []
  let failure: Error | null = null
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const fail = (error: Error): void => {
    failure ??= error
    for (const w of waiting.splice(0)) {
      w.reject(error)
    }
  }
  child.on('message', (message: ServerMessage) => {
    if (message.type === 'error') {
      fail(new Error(`server process: ${message.message}`))
      return
    }
    waiting.shift()?.resolve(message)
  })
  child.once('exit', (code, signal) => fail(new Error(`server process exited (code ${String(code)}, signal ${String(signal)})`)))

  const next = (): Promise<ServerMessage> =>
    failure !== null ? Promise.reject(failure) : new Promise<ServerMessage>((resolve, reject) => waiting.push({ resolve, reject }))
  const request = (message: DriverMessage): Promise<ServerMessage> => {
    const reply = next()
    child.send(message)
    return reply
  }

  const ready = await next()
  if (ready.type !== 'ready') {
    child.kill()
    throw new Error(`server process: expected ready, got ${ready.type}`)
  }
  return {
    url: ready.url,
    token: ready.token,
    engine: ready.engine,
    pid: child.pid ?? -1,
    async mark() {
      const reply = await request({ type: 'mark' })
      if (reply.type !== 'marked') {
        throw new Error(`server process: expected marked, got ${reply.type}`)
      }
    },
    async stats() {
      const reply = await request({ type: 'stats' })
      if (reply.type !== 'stats') {
        throw new Error(`server process: expected stats, got ${reply.type}`)
      }
      return reply.stats
    },
    async stop() {
      const reply = await request({ type: 'stop' })
      if (reply.type !== 'stopped') {
        throw new Error(`server process: expected stopped, got ${reply.type}`)
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      await exited
      clearTimeout(timer)
    },
  }
}
