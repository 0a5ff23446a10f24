import type { Command } from 'commander'
import { configFrom, print, withRuntime } from '../cli-support.js'

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (SQLite or PostgreSQL); safe to run from several nodes')
    .action(async (_options, command: Command) => {
      await withRuntime(configFrom(command), async (runtime) => {
        const report = await runtime.store.migrate()
        print(report.applied.length > 0 ? `applied: ${report.applied.join(', ')}` : 'up to date')
        print(`current: ${report.current.join(', ')}`)
      }, { migrate: false })
    })
}
