import type { Command } from 'commander'
import { formatCheckpoint, parseCheckpoint, type GovernanceCheckpoint } from '../../core/governance/checkpoint.js'
import type { ChainVerdict } from '../../core/governance/governance-record.js'
import { governanceCheckpointer, governanceVerifier } from '../../services/governance/governance.js'
import { CliError, configFrom, print, withRuntime } from '../cli-support.js'

function brokenChain(verdict: Extract<ChainVerdict, { ok: false }>): CliError {
  return new CliError(
    `governance log BROKEN at record ${verdict.broken.position} (seq ${verdict.broken.seq}): ${verdict.broken.reason.replace('_', ' ')}; verified up to seq ${verdict.verifiedUpTo}`,
    1,
  )
}

export function registerGovernanceCommands(program: Command): void {
  const governance = program.command('governance').description('The governance log')
  governance
    .command('verify')
    .description(
      'Re-compute the hash chain; exit 1 and name the first broken record if it was edited, deleted, inserted or reordered. ' +
        'With --checkpoint SEQ:HASH (from `veil governance checkpoint`, kept off-box), also exit 1 if the chain no longer reaches that record or has another one there (a truncated or rebuilt tail).',
    )
    .option('--checkpoint <seq:hash>', 'a checkpoint printed earlier by `veil governance checkpoint`')
    .action(async (options: { checkpoint?: string }, command: Command) => {
      let checkpoint: GovernanceCheckpoint | undefined
      try {
        checkpoint = options.checkpoint === undefined ? undefined : parseCheckpoint(options.checkpoint)
      } catch (error) {
        throw new CliError(`--checkpoint must be SEQ:HASH as \`veil governance checkpoint\` prints it (${error instanceof Error ? error.message : String(error)})`, 2)
      }
      const verdict = await withRuntime(configFrom(command), (runtime) => governanceVerifier(runtime.ctx, checkpoint), { createKeyIfMissing: false })
      if (!verdict.ok) {
        throw brokenChain(verdict)
      }
      const result = verdict.checkpoint
      if (result && !result.ok) {
        throw new CliError(
          result.reason === 'truncated'
            ? `governance log TRUNCATED: the checkpoint is at seq ${result.seq} but the chain ends at seq ${result.chainEndsAt}; records were removed from its end`
            : `governance log REWRITTEN: the record at seq ${result.seq} has hash ${result.foundHash}, the checkpoint says another; the chain was rebuilt at or before seq ${result.seq}`,
          1,
        )
      }
      print(`governance log verified: ${verdict.count} records, head ${verdict.headHash}${result ? `; checkpoint at seq ${result.seq} matches` : ''}`)
    })

  governance
    .command('checkpoint')
    .description('Verify the chain and print its head as SEQ:HASH, one line to keep off-box (a ticket, another machine); `veil governance verify --checkpoint SEQ:HASH` later detects a truncated tail')
    .action(async (_options, command: Command) => {
      const { verdict, checkpoint } = await withRuntime(configFrom(command), (runtime) => governanceCheckpointer(runtime.ctx), { createKeyIfMissing: false })
      if (!verdict.ok || !checkpoint) {
        throw brokenChain(verdict as Extract<ChainVerdict, { ok: false }>)
      }
      print(formatCheckpoint(checkpoint))
    })
}
