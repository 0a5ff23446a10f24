/**
 * Listening and graceful shutdown. On SIGTERM/SIGINT the server stops accepting connections, lets
 * in-flight requests (ingest batches included) finish, drains the group-commit writer, then closes the
 * store: an acknowledged batch is never cut off.
 *
 * @module
 */

import { buildRuntimeApp, type AppLogger, type Runtime } from '../runtime.js'
import type { App } from './app.js'

export interface RunningServer {
  readonly app: App
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string
  stop(): Promise<void>
}

export async function startServer(runtime: Runtime, options: { host: string; port: number; logger: AppLogger }): Promise<RunningServer> {
  const app = await buildRuntimeApp(runtime, options.logger)
  const address = await app.listen({ host: options.host, port: options.port })
  let stopping: Promise<void> | null = null
  return {
    app,
    url: address.replace('[::1]', 'localhost'),
    stop: () => {
      stopping ??= (async () => {
        await app.close()
        await runtime.close()
      })()
      return stopping
    },
  }
}

/** Stop the server on SIGTERM / SIGINT (once; a second signal exits at once). */
export function stopOnSignals(server: RunningServer, log: (message: string) => void): void {
  let signalled = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      process.exit(130)
    }
    signalled = true
    log(`${signal} received: finishing in-flight requests, then stopping`)
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`shutdown failed: ${String(error)}`)
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
}
