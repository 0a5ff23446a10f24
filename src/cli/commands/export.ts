/**
 * `veil export`: the activity log as CSV or NDJSON from the local store, through the same export
 * service as the API. Never reveals; every export is a governance record with the initiator `cli`.
 *
 * @module
 */

import { truncate } from 'node:fs/promises'
import { InvalidArgumentError, Option, type Command } from 'commander'
import { HIDE_PRIVATE } from '../../core/privacy/decide-disclosure.js'
import { parseDefenderQuery } from '../../core/query/defender-query.js'
import { activityExporter } from '../../services/export/activity-export.js'
import { EXPORT_FORMATS, type ExportFormat } from '../../services/export/export-encoder.js'
import { readExportParameters } from '../../services/export/export-request.js'
import { findResumePoint } from '../../services/export/resume-point.js'
import { CLI_INITIATOR } from '../../services/service-context.js'
import { CliError, configFrom, withRuntime, writeExport } from '../cli-support.js'

interface ExportOptions {
  readonly format: ExportFormat
  readonly filters?: string
  readonly sortField?: string
  readonly sortDirection?: string
  readonly cursor?: string
  readonly resumeAfter?: string
  readonly resume?: boolean
  readonly limit?: number
  readonly bom?: boolean
  readonly out?: string
}

function positiveInteger(value: string): number {
  if (!/^\d{1,15}$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError('must be a whole number, at least 1')
  }
  return Number(value)
}

function parseFilters(text: string | undefined): unknown {
  if (text === undefined) {
    return undefined
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new CliError(`--filters is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, 2)
  }
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'Export the activity log as CSV or NDJSON, streamed at constant memory with no row cap (docs/exports.md). ' +
        'Private activities are never exported from the command line, not even as placeholders: revealing exports are for admins over the API. ' +
        'Every export is a governance record (initiator cli). A broken export to a file continues with --resume.',
    )
    .addOption(new Option('--format <format>', 'csv or ndjson').choices([...EXPORT_FORMATS]).default('csv'))
    .option('--filters <json>', 'filters as in the list API, e.g. \'{"user.username": {"eq": ["a@contoso.com"]}, "date": {"gte_ndays": 7}}\'')
    .addOption(new Option('--sort-field <field>', 'date (when it happened) or created (when Veil recorded it)').choices(['date', 'created']))
    .addOption(new Option('--sort-direction <direction>', 'desc (newest first, the default) or asc').choices(['asc', 'desc']))
    .option('--cursor <cursor>', 'start where a page of the list API ended (its cursor; same filters and sort)')
    .option('--resume-after <id>', 'continue after this activity (the id of the last complete row of a broken export), without header row; with --out, appends to FILE')
    .option('--resume', 'continue the broken export in --out FILE: keep its complete rows and append the rest (same filters, sort and format)')
    .option('--limit <rows>', 'at most this many rows (default: all)', positiveInteger)
    .option('--bom', 'CSV: start with a UTF-8 byte-order mark, for Excel')
    .option('--out <file>', 'write to FILE instead of standard output')
    .action(async (options: ExportOptions, command: Command) => {
      if (options.resume && options.out === undefined) {
        throw new CliError('--resume needs --out FILE: the export file to continue', 2)
      }
      if (options.resume && options.resumeAfter !== undefined) {
        throw new CliError('give either --resume or --resume-after, not both', 2)
      }
      const config = configFrom(command)
      let resumeAfter = options.resumeAfter ?? null
      if (options.resume && options.out !== undefined) {
        const point = await findResumePoint(options.out, options.format).catch((error: unknown) => {
          // No file yet: nothing to continue, the export starts from the beginning.
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
            return null
          }
          throw new CliError(`cannot read ${options.out}: ${error instanceof Error ? error.message : String(error)}`, 2)
        })
        if (point !== null) {
          await truncate(options.out, point.bytes)
          resumeAfter = point.id
        }
      }
      const input: Record<string, unknown> = {
        format: options.format,
        filters: parseFilters(options.filters),
        sortField: options.sortField,
        sortDirection: options.sortDirection,
        cursor: options.cursor,
        resumeAfter,
        limit: options.limit,
        bom: options.bom,
      }
      const summary = await withRuntime(
        config,
        async (runtime) => {
          const { parameters, query: listInput } = readExportParameters(input, { fromQueryString: false })
          const { limits } = runtime.config
          const query = parseDefenderQuery(listInput, { now: runtime.ctx.clock(), defaultLimit: limits.defaultPageSize, maxLimit: limits.maxPageSize, countLimit: limits.countLimit })
          const started = await activityExporter(runtime.ctx, {
            ...parameters,
            query,
            // The command line never reveals (privacy rule 7): private activities are absent.
            disclosure: HIDE_PRIVATE,
            initiator: CLI_INITIATOR,
            tokenId: null,
            route: 'veil export',
            request: Object.fromEntries(Object.entries({ ...input, out: options.out }).filter(([, v]) => v !== undefined && v !== null)),
          })
          // Appending when continuing: the continuation has no header row.
          return writeExport(started, options.out, resumeAfter !== null, 'rows')
        },
        { createKeyIfMissing: false },
      )
      process.stderr.write(`exported ${summary.rows} activities as ${options.format}${options.out !== undefined ? ` to ${options.out}` : ''}${resumeAfter !== null ? ` (continuing after ${resumeAfter})` : ''}\n`)
    })
}
