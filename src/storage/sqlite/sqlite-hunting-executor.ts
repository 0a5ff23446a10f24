/**
 * Runs hunting statements on SQLite under a time limit.
 *
 * SQLite has no statement timeout, and better-sqlite3 exposes neither `sqlite3_interrupt` nor a
 * progress handler; its statements run synchronously. So:
 *
 * - the compiled statement calls `veil_hunting_alive()` for every row its first stage reads; that
 *   function (registered on the connection) throws once the deadline passed, which aborts the
 *   statement — a progress handler made of a user-defined function;
 * - on a database file, statements run in `worker_threads` workers, each with its own read-only
 *   connection (WAL lets it read while the store writes), so a long query never blocks the server's
 *   event loop. A worker that has not answered shortly after the deadline (the statement is sorting or
 *   grouping, where no row is read) is terminated, and the caller has its answer at once;
 * - an in-memory database cannot be opened by another connection: its statements run on the store's
 *   own connection, in turn with everything else, still stopped at the deadline.
 *
 * @module
 */

import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

import type BetterSqlite3 from 'better-sqlite3'
import type { CompiledQuery } from 'kysely'

import { huntingTimeout, type HuntingExecutor } from '../kysely-hunting-repository.js'

/** How long after the deadline a silent worker is terminated. */
const TERMINATE_GRACE_MS = 1_000

/** Rows read between two looks at the clock. */
const CLOCK_EVERY_ROWS = 256

const DEADLINE_FUNCTION = 'veil_hunting_alive'
const TIMEOUT_MESSAGE = 'veil: hunting time limit reached'

interface WorkerRequest {
  readonly sql: string
  readonly parameters: readonly unknown[]
  readonly deadline: number
}

type WorkerReply = { readonly rows: unknown[][] } | { readonly error: string; readonly timedOut: boolean }

/**
 * The worker, as plain JavaScript run with `eval`: it has no module of its own, so it runs the same
 * from the TypeScript sources (tests) and from the build. It loads the driver from the path the main
 * thread resolved.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path, { readonly: true, fileMustExist: true })
db.pragma('busy_timeout = 5000')
let deadline = 0
let rows = 0
let timedOut = false
db.function('${DEADLINE_FUNCTION}', { deterministic: false }, () => {
  rows += 1
  if (rows % ${CLOCK_EVERY_ROWS} === 0 && Date.now() > deadline) {
    timedOut = true
    throw new Error('${TIMEOUT_MESSAGE}')
  }
  return 1
})
parentPort.on('message', (request) => {
  deadline = request.deadline
  rows = 0
  timedOut = false
  try {
    const result = db.prepare(request.sql).raw(true).all(...request.parameters)
    parentPort.postMessage({ rows: result })
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message), timedOut })
  }
})
`

export interface SqliteHuntingExecutorOptions {
  /** The database file, or null for an in-memory database. */
  readonly path: string | null
  /** The store's connection, for an in-memory database. */
  readonly raw: BetterSqlite3.Database
  /** Run `work` with the store's connection to itself (after and before every other statement). */
  readonly exclusive: <T>(work: () => T) => Promise<T>
}

export class SqliteHuntingExecutor implements HuntingExecutor {
  readonly #options: SqliteHuntingExecutorOptions
  readonly #idle: Worker[] = []
  readonly #workers = new Set<Worker>()
  #inProcess: { deadline: number; rows: number; timedOut: boolean } | null = null
  #closed = false

  constructor(options: SqliteHuntingExecutorOptions) {
    this.#options = options
  }

  execute(query: CompiledQuery, _columns: number, deadline: number, timeoutMs: number): Promise<unknown[][]> {
    if (Date.now() >= deadline) {
      return Promise.reject(huntingTimeout(timeoutMs))
    }
    return this.#options.path === null ? this.#executeInProcess(query, deadline, timeoutMs) : this.#executeInWorker(query, deadline, timeoutMs)
  }

  async close(): Promise<void> {
    this.#closed = true
    const workers = [...this.#workers]
    this.#workers.clear()
    this.#idle.length = 0
    await Promise.all(workers.map((w) => w.terminate()))
  }

  #executeInProcess(query: CompiledQuery, deadline: number, timeoutMs: number): Promise<unknown[][]> {
    const raw = this.#options.raw
    return this.#options.exclusive(() => {
      if (this.#inProcess === null) {
        const state = { deadline: 0, rows: 0, timedOut: false }
        raw.function(DEADLINE_FUNCTION, { deterministic: false }, () => {
          state.rows += 1
          if (state.rows % CLOCK_EVERY_ROWS === 0 && Date.now() > state.deadline) {
            state.timedOut = true
            throw new Error(TIMEOUT_MESSAGE)
          }
          return 1
        })
        this.#inProcess = state
      }
      const state = this.#inProcess
      Object.assign(state, { deadline, rows: 0, timedOut: false })
      try {
        return raw.prepare(query.sql).raw(true).all(...query.parameters) as unknown[][]
      } catch (error) {
        throw state.timedOut ? huntingTimeout(timeoutMs) : error
      }
    })
  }

  #spawn(): Worker {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path: this.#options.path } })
    // Idle workers must not keep the process alive.
    worker.unref()
    this.#workers.add(worker)
    worker.once('exit', () => this.#forget(worker))
    return worker
  }

  #forget(worker: Worker): void {
    this.#workers.delete(worker)
    const index = this.#idle.indexOf(worker)
    if (index >= 0) {
      this.#idle.splice(index, 1)
    }
  }

  #executeInWorker(query: CompiledQuery, deadline: number, timeoutMs: number): Promise<unknown[][]> {
    if (this.#closed) {
      return Promise.reject(new Error('The store is closed'))
    }
    const worker = this.#idle.pop() ?? this.#spawn()
    return new Promise<unknown[][]>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer)
        worker.off('message', onMessage)
        worker.off('error', onError)
        worker.off('exit', onExit)
      }
      const onMessage = (reply: WorkerReply): void => {
        settle()
        if (!this.#closed && this.#workers.has(worker)) {
          this.#idle.push(worker)
        }
        if ('rows' in reply) {
          resolve(reply.rows)
        } else {
          reject(reply.timedOut ? huntingTimeout(timeoutMs) : new Error(`Hunting query failed: ${reply.error}`))
        }
      }
      const onError = (error: Error): void => {
        settle()
        this.#forget(worker)
        reject(error)
      }
      const onExit = (code: number): void => {
        settle()
        reject(new Error(`The hunting worker stopped (exit code ${code})`))
      }
      // The statement passed its deadline where it reads no row (sorting, grouping): stop the thread.
      const timer = setTimeout(
        () => {
          settle()
          this.#forget(worker)
          void worker.terminate()
          reject(huntingTimeout(timeoutMs))
        },
        Math.max(0, deadline - Date.now()) + TERMINATE_GRACE_MS,
      )
      worker.on('message', onMessage)
      worker.on('error', onError)
      worker.on('exit', onExit)
      const request: WorkerRequest = { sql: query.sql, parameters: query.parameters, deadline }
      worker.postMessage(request)
    })
  }
}
