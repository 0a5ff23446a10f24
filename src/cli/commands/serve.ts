import type { Command } from 'commander'
import { startServer, stopOnSignals } from '../../http/server.js'
import { startRuntime } from '../../runtime.js'
import { configFrom } from '../cli-support.js'

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve the API (and, later, the portal); JSON logs on stdout')
    .option('--port <port>', 'port to listen on (VEIL_PORT, default 8080)')
    .option('--host <host>', 'address to listen on (VEIL_HOST, default 127.0.0.1)')
    .option('--no-migrate', 'do not apply pending migrations on start')
    .action(async (options: { port?: string; host?: string; migrate: boolean }, command: Command) => {
      const config = configFrom(command, { VEIL_PORT: options.port, VEIL_HOST: options.host })
      const runtime = await startRuntime(config, { migrate: options.migrate, processMetrics: true, forwardSiem: config.siem.forwarding, runConnectors: config.connectors.running })
      const server = await startServer(runtime, { host: config.host, port: config.port, logger: { level: config.logLevel } })
      server.app.log.info({ url: server.url, engine: runtime.store.capabilities.engine }, 'veil listening')
      stopOnSignals(server, (message) => server.app.log.info(message))
    })
}
