import { rmSync } from 'node:fs'
import type { Command } from 'commander'
import { generateDemoData } from '../../demo/demo-data.js'
import { startServer, stopOnSignals } from '../../http/server.js'
import { loadDemoData, type LoadedDemo } from '../../demo/demo-loader.js'
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
      const runtime = await startRuntime(config, { processMetrics: true, forwardSiem: config.siem.forwarding })
      const now = runtime.ctx.clock()
      const days = 30
      let loaded: LoadedDemo | null = null
      if ((await runtime.store.accounts.list()).length === 0) {
        const data = generateDemoData({ seed: 42, now, days, activityCount: Number(options.activities) || 4000 })
        loaded = await loadDemoData(runtime, data, now - (days + 1) * 86_400_000)
        print(`demo data: ${loaded.activities} activities of ${data.users.length} people, ${data.externalUsers.length} external users and ${data.applications.length} applications; ${data.groups.length} groups with membership history`)
      }

      const server = await startServer(runtime, { host: config.host, port: config.port, logger: { level: process.env.VEIL_LOG_LEVEL ?? 'warn' } })
      print('')
      print(`Veil demo is running at ${server.url}   (database ${databaseUrl})`)
      print(`  Portal:   ${server.url}/   (sign in with an account below)`)
      print(`  API:      ${server.url}/api/v1/activities   OpenAPI: ${server.url}/api/openapi.json`)
      if (loaded) {
        print('  Accounts (portal sign-in, or POST /api/v1/auth/login):')
        for (const c of loaded.credentials) {
          print(`    ${c.upn.padEnd(26)} ${(c.roles.join(', ') || '(no admin role)').padEnd(18)} password: ${c.password}`)
        }
        print(`  Privacy groups: ${loaded.privacyGroups.join(', ')} (their members' activities are hidden by default)`)
        print(`  May reveal them (activity privacy permission): ${loaded.revealers.join(', ')}`)
        print(`  API token of ${loaded.credentials[0]?.upn}:`)
        print(`    curl -H "Authorization: Bearer ${loaded.token}" ${server.url}/api/v1/activities`)
      }
      print('Press Ctrl+C to stop.')
      stopOnSignals(server, (message) => print(message))
    })
}
