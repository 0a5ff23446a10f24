import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { createGunzip } from 'node:zlib'
import type { Command } from 'commander'
import { INGEST_FORMAT_NAMES } from '../../ingest/formats/native-formats.js'
import type { IngestReport, RecordResult } from '../../ingest/ingest-pipeline.js'
import { parseIngestBody } from '../../ingest/parse-stage.js'
import { CliError, configFrom, print, withRuntime } from '../cli-support.js'

/** Records per pipeline batch when streaming NDJSON from a file. */
const BATCH_LINES = 5_000

export function registerIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description('Ingest activities from a file or stdin (-): a JSON array, one JSON object (a CloudTrail log file `{"Records": [...]}`), or NDJSON streamed in batches; a FILE ending in .gz is gunzipped. Veil\'s own records and the native audit events of Microsoft 365, Entra ID, Google Workspace, Okta, GitHub and AWS CloudTrail, detected per record. Exit 0 when every record was stored (or was a duplicate), 3 when some were rejected (they are listed on stderr).')
    .argument('<file>', 'path, or - for standard input')
    .option('--format <format>', `ingest format: auto (detected per record), ${INGEST_FORMAT_NAMES.join(', ')}`, 'auto')
    .action(async (file: string, options: { format: string }, command: Command) => {
      const totals = { accepted: 0, duplicates: 0, rejected: 0, outOfScope: 0 }
      const report = (batch: IngestReport, offset: number) => {
        totals.accepted += batch.accepted
        totals.duplicates += batch.duplicates
        totals.rejected += batch.rejected
        totals.outOfScope += batch.outOfScope
        for (const r of batch.results.filter((x: RecordResult) => x.status === 'rejected')) {
          process.stderr.write(`record ${r.index + offset}: ${r.error?.field ? `${r.error.field}: ` : ''}${r.error?.reason ?? 'rejected'}\n`)
        }
      }
      await withRuntime(configFrom(command), async (runtime) => {
        const raw = file === '-' ? process.stdin : createReadStream(file)
        raw.on('error', () => undefined) // reported by the reader below
        // CloudTrail delivers its log files gzipped.
        const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw
        if (input !== raw) {
          raw.on('error', (error: Error) => input.destroy(error))
        }
        const lines = createInterface({ input, crlfDelay: Infinity })
        let buffer: string[] = []
        let offset = 0
        let firstNonBlank: string | null = null
        let isArray = false
        // A first line `{` that is no JSON value alone: one object over several lines (a pretty-printed
        // CloudTrail log file) when the next line is no JSON value either, else NDJSON with a bad first line.
        let maybeObject = false
        try {
          for await (const line of lines) {
            if (line.trim() !== '') {
              if (firstNonBlank === null) {
                firstNonBlank = line.trimStart()
                isArray = firstNonBlank.startsWith('[')
                maybeObject = firstNonBlank.startsWith('{') && !isJson(firstNonBlank)
              } else if (maybeObject) {
                isArray = !isJson(line.trim())
                maybeObject = false
              }
            }
            buffer.push(line)
            // A JSON array is parsed whole; NDJSON is streamed in batches at constant memory.
            if (!isArray && buffer.length >= BATCH_LINES) {
              report(await runtime.pipeline.ingest(parseIngestBody(buffer.join('\n'), 'ndjson'), { format: options.format }), offset)
              // Record indexes count non-blank lines, as the parse stage does.
              offset += buffer.filter((l) => l.trim() !== '').length
              buffer = []
            }
          }
        } catch (error) {
          throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, 2)
        }
        if (buffer.some((l) => l.trim() !== '')) {
          report(await runtime.pipeline.ingest(parseIngestBody(buffer.join('\n'), isArray ? 'json' : offset === 0 ? 'auto' : 'ndjson'), { format: options.format }), offset)
        }
      })
      print(`accepted ${totals.accepted}, duplicates ${totals.duplicates}, rejected ${totals.rejected}${totals.outOfScope > 0 ? `, out of scope ${totals.outOfScope}` : ''}`)
      if (totals.rejected > 0) {
        process.exitCode = 3
      }
    })
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line)
    return true
  } catch {
    return false
  }
}
