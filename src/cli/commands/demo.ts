import { rmSync } from 'node:fs'
import type { Command } from 'commander'
import { generateDemoData } from '../../demo/demo-data.js'
import { startServer, stopOnSignals } from '../../http/server.js'
import { accountCreator, tokenCreator } from '../../services/accounts/accounts.js'
import { generatePassword } from '../../services/auth/password.js'
import { CLI_INITIATOR } from '../../services/service-context.js'
import { startRuntime } from '../../runtime.js'
import { configFrom, print } from '../cli-support.js'

const DEMO_DATABASE = 'sqlite:./data/demo.db'

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Start Veil on a fresh embedded SQLite store with realistic demo data (30 days of activities, ~50 users, service principals, external users) and demo accounts, then serve')
    .option('--port <port>', 'port to listen on (VEIL_PORT, default 8080)')
    .option('--host <host>', 'address to listen on (VEIL_HOST, default 127.0.0.1)')
    .option('--activities <count>', 'how many demo activities', '4000')
    .option('--keep', 'keep the existing demo database instead of starting fresh')
    .action(async (options: { port?: string; host?: string; activities: string; keep?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<{ databaseUrl?: string }>()
      const databaseUrl = globals.databaseUrl ?? process.env.VEIL_DEMO_DATABASE_URL ?? DEMO_DATABASE
      if (!options.keep && databaseUrl.startsWith('sqlite:') && databaseUrl !== 'sqlite::memory:') {
        const path = databaseUrl.slice('sqlite:'.length)
        for (const suffix of ['', '-wal', '-shm']) {
          rmSync(`${path}${suffix}`, { force: true })
        }
      }
      const config = configFrom(command, { VEIL_DATABASE_URL: databaseUrl, VEIL_PORT: options.port, VEIL_HOST: options.host })
      const runtime = await startRuntime(config, { processMetrics: true })
      const now = runtime.ctx.clock()
      const data = generateDemoData({ seed: 42, now, activityCount: Number(options.activities) || 4000 })

      const credentials: Array<{ upn: string; roles: string; password: string }> = []
      let token: string | null = null
      if ((await runtime.store.accounts.list()).length === 0) {
        for (const admin of data.admins) {
          const password = generatePassword()
          await accountCreator(runtime.ctx, CLI_INITIATOR, { upn: admin.upn, displayName: admin.displayName, roles: admin.roles, password })
          credentials.push({ upn: admin.upn, roles: admin.roles.join(', ') || '(no admin role)', password })
        }
        token = (await tokenCreator(runtime.ctx, CLI_INITIATOR, { upn: data.admins[0]?.upn ?? 'admin@contoso.com', name: 'demo', expiresAt: null })).secret
        const report = await runtime.pipeline.ingest({ records: data.activities.map((value, index) => ({ index, value })), errors: [] }, { format: 'veil' })
        print(`demo data: ${report.accepted} activities of ${data.users.length} users, ${data.groups.length} groups over 30 days`)
      }

      const server = await startServer(runtime, { host: config.host, port: config.port, logger: { level: process.env.VEIL_LOG_LEVEL ?? 'warn' } })
      print('')
      print(`Veil demo is running at ${server.url}   (database ${databaseUrl})`)
      print(`  API:      ${server.url}/api/v1/activities   OpenAPI: ${server.url}/api/openapi.json`)
      if (credentials.length > 0) {
        print('  Accounts (password login: POST /api/v1/auth/login):')
        for (const c of credentials) {
          print(`    ${c.upn.padEnd(26)} ${c.roles.padEnd(18)} password: ${c.password}`)
        }
      }
      if (token) {
        print(`  API token of ${data.admins[0]?.upn}:`)
        print(`    curl -H "Authorization: Bearer ${token}" ${server.url}/api/v1/activities`)
      }
      print('Press Ctrl+C to stop.')
      stopOnSignals(server, (message) => print(message))
    })
}
