import type { Command } from 'commander'
import { tokenCreator, tokenRevoker } from '../../services/accounts/accounts.js'
import { CLI_INITIATOR } from '../../services/service-context.js'
import { CliError, configFrom, print, withRuntime } from '../cli-support.js'

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens for scripts (Authorization: Bearer <token> or Token <token>)')

  token
    .command('create')
    .description('Create an API token for an account; prints the token (shown once) on the last line')
    .requiredOption('--upn <upn>', 'UPN of the account the token acts as')
    .option('--name <name>', 'what the token is for', 'cli')
    .option('--expires-days <days>', 'expire after this many days (default: never)')
    .action(async (options: { upn: string; name: string; expiresDays?: string }, command: Command) => {
      const days = options.expiresDays === undefined ? null : Number(options.expiresDays)
      if (days !== null && (!Number.isFinite(days) || days <= 0)) {
        throw new CliError('--expires-days must be a positive number', 2)
      }
      await withRuntime(configFrom(command), async (runtime) => {
        const expiresAt = days === null ? null : runtime.ctx.clock() + days * 86_400_000
        const created = await tokenCreator(runtime.ctx, CLI_INITIATOR, { upn: options.upn, name: options.name, expiresAt })
        print(`token ${created.token.id} for ${created.token.upn}${expiresAt ? `, expires ${new Date(expiresAt).toISOString()}` : ''}:`)
        print(created.secret)
      })
    })

  token
    .command('revoke')
    .description('Revoke an API token by its id')
    .argument('<id>', 'token id (the part after veil_)')
    .action(async (id: string, _options, command: Command) => {
      await withRuntime(configFrom(command), async (runtime) => {
        const revoked = await tokenRevoker(runtime.ctx, CLI_INITIATOR, id, {})
        print(`token ${revoked.id} of ${revoked.upn} revoked`)
      })
    })

  token
    .command('list')
    .description('List API tokens (never their secrets)')
    .option('--upn <upn>', 'only this account\'s tokens')
    .action(async (options: { upn?: string }, command: Command) => {
      await withRuntime(configFrom(command), async (runtime) => {
        for (const t of await runtime.store.tokens.list(options.upn?.toLowerCase())) {
          print(`${t.id}\t${t.upn}\t${t.name}\t${t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt < Date.now() ? 'expired' : 'active'}`)
        }
      })
    })
}
