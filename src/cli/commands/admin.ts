import type { Command } from 'commander'
import { ADMIN_ROLES } from '../../core/access/roles.js'
import { generatePassword } from '../../services/auth/password.js'
import { accountCreator, accountDisabler, accountPasswordSetter, accountRolesChanger } from '../../services/accounts/accounts.js'
import { privacyPermissionGranter, privacyPermissionLister, privacyPermissionRevoker } from '../../services/privacy/privacy-permissions.js'
import { CLI_INITIATOR } from '../../services/service-context.js'
import { CliError, configFrom, print, readStdin, withRuntime } from '../cli-support.js'

const collect = (value: string, previous: string[]): string[] => [...previous, value]

async function passwordFrom(options: { passwordStdin?: boolean }): Promise<{ password: string; generated: boolean }> {
  if (options.passwordStdin) {
    return { password: (await readStdin()).replace(/\r?\n$/, ''), generated: false }
  }
  return { password: generatePassword(), generated: true }
}

export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('Accounts and admin roles')

  admin
    .command('create')
    .description(`Create an account. Roles: ${ADMIN_ROLES.join(', ')} (none: not an admin). The password is read from stdin with --password-stdin, otherwise generated and printed once.`)
    .requiredOption('--upn <upn>', 'UPN or email of the account')
    .option('--role <role>', 'admin role (repeatable)', collect, [])
    .option('--display-name <name>', 'display name')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (options: { upn: string; role: string[]; displayName?: string; passwordStdin?: boolean }, command: Command) => {
      const { password, generated } = await passwordFrom(options)
      await withRuntime(configFrom(command), async (runtime) => {
        const account = await accountCreator(runtime.ctx, CLI_INITIATOR, { upn: options.upn, roles: options.role, displayName: options.displayName ?? null, password })
        print(`created ${account.upn} with roles: ${account.roles.join(', ') || '(none)'}`)
        if (generated) {
          print(`password: ${password}`)
        }
      })
    })

  admin
    .command('set-roles')
    .description('Replace the admin roles of an account (no --role: remove all roles)')
    .requiredOption('--upn <upn>', 'UPN of the account')
    .option('--role <role>', 'admin role (repeatable)', collect, [])
    .action(async (options: { upn: string; role: string[] }, command: Command) => {
      await withRuntime(configFrom(command), async (runtime) => {
        const account = await accountRolesChanger(runtime.ctx, CLI_INITIATOR, options.upn, options.role)
        print(`${account.upn} now has roles: ${account.roles.join(', ') || '(none)'}`)
      })
    })

  admin
    .command('set-password')
    .description('Set an account\'s password (from stdin with --password-stdin, otherwise generated and printed); ends its sessions')
    .requiredOption('--upn <upn>', 'UPN of the account')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (options: { upn: string; passwordStdin?: boolean }, command: Command) => {
      const { password, generated } = await passwordFrom(options)
      await withRuntime(configFrom(command), async (runtime) => {
        await accountPasswordSetter(runtime.ctx, CLI_INITIATOR, options.upn, password)
        print(`password of ${options.upn.toLowerCase()} changed`)
        if (generated) {
          print(`password: ${password}`)
        }
      })
    })

  for (const [name, disabled] of [['disable', true], ['enable', false]] as const) {
    admin
      .command(name)
      .description(`${name === 'disable' ? 'Disable' : 'Enable'} an account (a disabled account cannot sign in and its tokens stop working)`)
      .requiredOption('--upn <upn>', 'UPN of the account')
      .action(async (options: { upn: string }, command: Command) => {
        await withRuntime(configFrom(command), async (runtime) => {
          const account = await accountDisabler(runtime.ctx, CLI_INITIATOR, options.upn, disabled)
          print(`${account.upn} ${disabled ? 'disabled' : 'enabled'}`)
        })
      })
  }

  admin
    .command('grant-privacy')
    .description('Grant the activity privacy permission (reveal private activities) to an account with an admin role; a governance record')
    .requiredOption('--upn <upn>', 'UPN or email of the account')
    .option('--expires-hours <hours>', 'end the grant after this many hours (default: no end)')
    .action(async (options: { upn: string; expiresHours?: string }, command: Command) => {
      const hours = options.expiresHours === undefined ? null : Number(options.expiresHours)
      if (hours !== null && (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 366)) {
        throw new CliError(`--expires-hours must be a number of hours above 0 (up to a year), got "${options.expiresHours}"`, 2)
      }
      await withRuntime(configFrom(command), async (runtime) => {
        const expiresAt = hours === null ? null : runtime.ctx.clock() + Math.round(hours * 3_600_000)
        const entry = await privacyPermissionGranter(runtime.ctx, CLI_INITIATOR, { upn: options.upn, expiresAt })
        print(`granted the activity privacy permission to ${entry.upn}${expiresAt === null ? '' : ` until ${new Date(expiresAt).toISOString()}`}`)
      })
    })

  admin
    .command('revoke-privacy')
    .description('Revoke an account\'s activity privacy permission; a governance record')
    .requiredOption('--upn <upn>', 'UPN or email of the account')
    .action(async (options: { upn: string }, command: Command) => {
      await withRuntime(configFrom(command), async (runtime) => {
        const revoked = await privacyPermissionRevoker(runtime.ctx, CLI_INITIATOR, options.upn)
        print(`revoked the activity privacy permission of ${revoked.upn}`)
      })
    })

  admin
    .command('list-privacy')
    .description('List the activity privacy permission: upn, state (active, suspended, expired), expiry')
    .action(async (_options, command: Command) => {
      await withRuntime(configFrom(command), async (runtime) => {
        for (const entry of await privacyPermissionLister(runtime.ctx)) {
          print(`${entry.upn}\t${entry.state}\t${entry.expiresAt === null ? '-' : new Date(entry.expiresAt).toISOString()}`)
        }
      })
    })

  admin
    .command('list')
    .description('List accounts and their roles')
    .action(async (_options, command: Command) => {
      await withRuntime(configFrom(command), async (runtime) => {
        for (const a of await runtime.store.accounts.list()) {
          print(`${a.upn}\t${a.roles.join(',') || '-'}${a.disabled ? '\tdisabled' : ''}`)
        }
      })
    })
}
