import type { Command } from 'commander'
import { governanceVerifier } from '../../services/governance/governance.js'
import { CliError, configFrom, print, withRuntime } from '../cli-support.js'

export function registerGovernanceCommands(program: Command): void {
  const governance = program.command('governance').description('The governance log')
  governance
    .command('verify')
    .description('Re-compute the hash chain; exit 1 and name the first broken record if it was edited, deleted, inserted or reordered')
    .action(async (_options, command: Command) => {
      const verdict = await withRuntime(configFrom(command), (runtime) => governanceVerifier(runtime.ctx), { createKeyIfMissing: false })
      if (verdict.ok) {
        print(`governance log verified: ${verdict.count} records, head ${verdict.headHash}`)
        return
      }
      throw new CliError(
        `governance log BROKEN at record ${verdict.broken.position} (seq ${verdict.broken.seq}): ${verdict.broken.reason.replace('_', ' ')}; verified up to seq ${verdict.verifiedUpTo}`,
        1,
      )
    })
}
