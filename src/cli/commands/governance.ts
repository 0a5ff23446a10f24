import { Option, type Command } from 'commander'
import type { ErrorDetail } from '../../core/errors.js'
import { formatCheckpoint, parseCheckpoint, type GovernanceCheckpoint } from '../../core/governance/checkpoint.js'
import type { ChainVerdict } from '../../core/governance/governance-record.js'
import { EXPORT_FORMATS, type ExportFormat } from '../../services/export/export-encoder.js'
import { governanceCheckpointer, governanceVerifier } from '../../services/governance/governance.js'
import { governanceExporter } from '../../services/governance/governance-export.js'
import { readGovernanceFilters } from '../../services/governance/governance-filters.js'
import { CLI_INITIATOR } from '../../services/service-context.js'
import { CliError, configFrom, print, withRuntime, writeExport } from '../cli-support.js'

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

  governance
    .command('export')
    .description(
      'Export the governance log as CSV or NDJSON, newest first, with the filters of the list API, streamed with no row cap. ' +
        'The export is itself a governance record (governance.export, initiator cli), written before the first record is.',
    )
    .addOption(new Option('--format <format>', 'csv or ndjson').choices([...EXPORT_FORMATS]).default('csv'))
    .option('--action <action>', 'only this action, e.g. activities.reveal')
    .option('--initiator <upn>', 'only records of this initiator (a UPN, or system, cli)')
    .option('--from <time>', 'records at or after this time (ISO 8601 or ms)')
    .option('--to <time>', 'records at or before this time (ISO 8601 or ms)')
    .option('--bom', 'CSV: start with a UTF-8 byte-order mark, for Excel')
    .option('--out <file>', 'write to FILE instead of standard output')
    .action(async (options: { format: ExportFormat; action?: string; initiator?: string; from?: string; to?: string; bom?: boolean; out?: string }, command: Command) => {
      const problems: ErrorDetail[] = []
      const filters = readGovernanceFilters(options, problems)
      if (problems.length > 0) {
        throw new CliError(problems.map((p) => `--${p.field} ${p.reason}`).join('; '), 2)
      }
      const summary = await withRuntime(
        configFrom(command),
        async (runtime) => {
          const started = await governanceExporter(runtime.ctx, { format: options.format, filters, bom: options.bom === true, initiator: CLI_INITIATOR, tokenId: null, route: 'veil governance export' })
          return writeExport(started, options.out, false, 'records')
        },
        { createKeyIfMissing: false },
      )
      process.stderr.write(`exported ${summary.rows} governance records as ${options.format}${options.out !== undefined ? ` to ${options.out}` : ''}\n`)
    })
}
