#!/usr/bin/env node
/**
 * `veil`: the command line. Each command calls the runtime and services, never the store directly for
 * anything a service does.
 *
 * @module
 */

import { Command, Option } from 'commander'
import { registerAdminCommands } from './commands/admin.js'
import { registerDemoCommand } from './commands/demo.js'
import { registerExportCommand } from './commands/export.js'
import { registerGovernanceCommands } from './commands/governance.js'
import { registerGroupsCommands } from './commands/groups.js'
import { registerIngestCommand } from './commands/ingest.js'
import { registerKeysCommands } from './commands/keys.js'
import { registerMigrateCommand } from './commands/migrate.js'
import { registerServeCommand } from './commands/serve.js'
import { registerSiemCommands } from './commands/siem.js'
import { registerConnectorsCommands } from './commands/connectors.js'
import { registerTokenCommands } from './commands/token.js'
import { CliError } from './cli-support.js'

const program = new Command()
  .name('veil')
  .description('Veil: a self-hosted cloud activity log with activity privacy.\n\nConfiguration comes from the environment: VEIL_DATABASE_URL (sqlite:PATH or postgres://...), VEIL_PORT, VEIL_HOST, VEIL_SECRET_KEY or VEIL_KEY_FILE (master secret), VEIL_PRIVACY_KEY or VEIL_PRIVACY_KEY_FILE (key-encryption key of private activities), VEIL_LOG_LEVEL. See README.md.')
  .version('0.1.0')
  .addOption(new Option('--database-url <url>', 'overrides VEIL_DATABASE_URL'))
  .showHelpAfterError()

registerServeCommand(program)
registerDemoCommand(program)
registerIngestCommand(program)
registerExportCommand(program)
registerMigrateCommand(program)
registerAdminCommands(program)
registerTokenCommands(program)
registerGovernanceCommands(program)
registerGroupsCommands(program)
registerKeysCommands(program)
registerSiemCommands(program)
registerConnectorsCommands(program)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CliError) {
    process.stderr.write(`veil: ${error.message}\n`)
    process.exitCode = error.exitCode
  } else {
    process.stderr.write(`veil: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  }
}
