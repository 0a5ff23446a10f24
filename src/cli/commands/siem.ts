import { readFileSync } from 'node:fs'

import type { Command } from 'commander'
import { NotFoundError } from '../../core/errors.js'
import type { Runtime } from '../../runtime.js'
import {
  siemBackfillRequester,
  siemDestinationCreator,
  siemDestinationRemover,
  siemDestinationStatusReader,
  siemDestinationsReader,
  siemDestinationTester,
  siemDestinationUpdater,
  type SiemDestinationStatus,
  type SiemDestinationView,
} from '../../siem/destinations/siem-destinations.js'
import { CLI_INITIATOR } from '../../services/service-context.js'
import { CliError, configFrom, print, readStdin, withRuntime } from '../cli-support.js'

const HOUR = 3_600_000

const ADD_HELP = `
Settings, one of:
  --syslog tcp://HOST:PORT | tls://HOST:PORT | udp://HOST:PORT   CEF over syslog (RFC 5424)
  --webhook https://HOST/PATH --secret-stdin                     JSON batches, HMAC-SHA-256 signed
  --settings JSON | --settings-file FILE                         every setting (see docs/siem-cef.md)
The webhook secret is read from standard input (or VEIL_SIEM_SECRET), never from the command line.

A new destination receives the activities recorded from now on; --backfill-hours 48 first delivers the
public activities of the last two days (as Defender's SIEM agent does). Private activities are never
forwarded. The change is a governance record (siem_destination.change).

Examples:
  veil siem add --name Sentinel --syslog tls://siem.example.com:6514 --ca-file ca.pem --backfill-hours 48
  openssl rand -hex 32 | veil siem add --name Splunk --webhook https://splunk.example.com/veil --secret-stdin`

/** A time given as ms since the epoch or an ISO 8601 date-time; passed to the service as it is. */
function timeArgument(value: string): number | string {
  return /^\d+$/.test(value) ? Number(value) : value
}

function target(view: SiemDestinationView): string {
  const settings = view.settings
  return settings.kind === 'webhook' ? settings.url : `${settings.transport}://${settings.host}:${settings.port}`
}

/** A destination by id or by name. */
async function resolve(runtime: Runtime, ref: string): Promise<SiemDestinationView> {
  const all = await siemDestinationsReader(runtime.ctx)
  const found = all.find((d) => d.id === ref) ?? all.find((d) => d.name === ref)
  if (!found) {
    throw new NotFoundError(`No SIEM destination with the id or name "${ref}" (veil siem list shows them)`)
  }
  return found
}

function time(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toISOString()
}

function printStatus(status: SiemDestinationStatus): void {
  print(`${status.name} (${status.id}): ${status.condition}`)
  print(`  lag ${status.lagSeconds} s${status.behind ? ' (behind: over VEIL_SIEM_MAX_LAG_SECONDS)' : ''}, pending ${status.pendingEvents}${status.morePending ? '+' : ''}, sent ${status.eventsSent}`)
  print(`  last success ${time(status.lastSuccessAt)}, last error ${time(status.lastErrorAt)}${status.lastError ? `: ${status.lastError}` : ''}`)
  print(`  forwarding node: ${status.forwardingNode ?? 'none (no node holds the lease)'}`)
  if (status.backfill) {
    print(`  back-fill ${time(status.backfill.from)} .. ${time(status.backfill.to)}, delivered through ${time(status.backfill.deliveredThrough)}`)
  }
  if (status.gap) {
    print(`  gap: retention removed activities older than ${time(status.gap.droppedBefore)} before they were delivered (noted ${time(status.gap.recordedAt)})`)
  }
}

interface AddOptions {
  name: string
  syslog?: string
  webhook?: string
  settings?: string
  settingsFile?: string
  caFile?: string
  secretStdin?: boolean
  disabled?: boolean
  backfillHours?: string
  backfillFrom?: string
  backfillTo?: string
}

async function settingsFrom(options: AddOptions): Promise<unknown> {
  const given = [options.syslog, options.webhook, options.settings, options.settingsFile].filter((v) => v !== undefined).length
  if (given !== 1) {
    throw new CliError('give exactly one of --syslog, --webhook, --settings or --settings-file (see veil siem add --help)', 2)
  }
  if (options.settings !== undefined || options.settingsFile !== undefined) {
    const text = options.settings ?? readFileSync(options.settingsFile ?? '', 'utf8')
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new CliError('the settings are not valid JSON', 2)
    }
  }
  if (options.syslog !== undefined) {
    const match = /^(tcp|tls|udp):\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(options.syslog)
    if (!match) {
      throw new CliError('--syslog must look like tcp://HOST:PORT, tls://HOST:PORT or udp://HOST:PORT', 2)
    }
    const [, transport, host = '', port] = match
    return {
      kind: 'syslog',
      transport,
      host: host.replace(/^\[|\]$/g, ''),
      port: Number(port),
      ...(options.caFile ? { tls: { ca: readFileSync(options.caFile, 'utf8') } } : {}),
    }
  }
  const secret = options.secretStdin ? (await readStdin()).trim() : process.env.VEIL_SIEM_SECRET
  if (!secret) {
    throw new CliError('a webhook needs its HMAC secret on standard input (--secret-stdin) or in VEIL_SIEM_SECRET', 2)
  }
  return { kind: 'webhook', url: options.webhook, secret, ...(options.caFile ? { tls: { ca: readFileSync(options.caFile, 'utf8') } } : {}) }
}

function backfillFrom(options: { backfillHours?: string; backfillFrom?: string; backfillTo?: string }, now: number): { from: number | string; to?: number | string } | undefined {
  if (options.backfillHours !== undefined) {
    const hours = Number(options.backfillHours)
    if (!Number.isFinite(hours) || hours <= 0) {
      throw new CliError('--backfill-hours must be a positive number', 2)
    }
    return { from: Math.round(now - hours * HOUR), to: now }
  }
  if (options.backfillFrom !== undefined) {
    return { from: timeArgument(options.backfillFrom), ...(options.backfillTo ? { to: timeArgument(options.backfillTo) } : {}) }
  }
  return undefined
}

/** `veil siem add|list|remove|enable|disable|test|status|backfill`: SIEM destinations. */
export function registerSiemCommands(program: Command): void {
  const siem = program.command('siem').description('SIEM destinations: CEF over syslog or JSON over a webhook; private activities are never forwarded')

  siem
    .command('list')
    .description('List SIEM destinations (secrets are never shown)')
    .action(async (_options, command: Command) => {
      await withRuntime(configFrom(command), async (runtime) => {
        const destinations = await siemDestinationsReader(runtime.ctx)
        if (destinations.length === 0) {
          print('no SIEM destinations (veil siem add --help)')
        }
        for (const d of destinations) {
          print(`${d.id}  ${d.name}  ${d.kind}  ${target(d)}  ${d.enabled ? 'enabled' : 'disabled'}`)
        }
      })
    })

  siem
    .command('add')
    .description('Add a SIEM destination')
    .requiredOption('--name <name>', 'a name of your choice (unique)')
    .option('--syslog <url>', 'tcp://HOST:PORT, tls://HOST:PORT or udp://HOST:PORT')
    .option('--webhook <url>', 'https:// URL receiving JSON batches')
    .option('--settings <json>', 'every setting as JSON')
    .option('--settings-file <file>', 'every setting from a JSON file')
    .option('--ca-file <file>', 'PEM certificate(s) to trust for TLS instead of the system CAs')
    .option('--secret-stdin', 'read the webhook HMAC secret from standard input')
    .option('--disabled', 'add it disabled (nothing is sent until it is enabled)')
    .option('--backfill-hours <hours>', 'first deliver the public activities of the last HOURS hours')
    .option('--backfill-from <time>', 'first deliver the public activities from TIME (ISO 8601 or ms) ...')
    .option('--backfill-to <time>', '... to TIME (default now)')
    .addHelpText('after', ADD_HELP)
    .action(async (options: AddOptions, command: Command) => {
      const settings = await settingsFrom(options)
      await withRuntime(configFrom(command), async (runtime) => {
        const backfill = backfillFrom(options, runtime.ctx.clock())
        const created = await siemDestinationCreator(runtime.ctx, CLI_INITIATOR, { name: options.name, enabled: !options.disabled, settings, ...(backfill ? { backfill } : {}) })
        print(`added ${created.name}: ${target(created)}${created.enabled ? '' : ' (disabled)'}`)
        print(created.id)
      })
    })

  siem
    .command('remove <destination>')
    .description('Delete a SIEM destination (by id or name) and its cursor')
    .action(async (ref: string, _options, command: Command) => {
      await withRuntime(configFrom(command), async (runtime) => {
        const removed = await siemDestinationRemover(runtime.ctx, CLI_INITIATOR, (await resolve(runtime, ref)).id)
        print(`removed ${removed.name}`)
      })
    })

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    siem
      .command(`${verb} <destination>`)
      .description(enabled ? 'Enable a SIEM destination: it catches up from its cursor' : 'Disable a SIEM destination: delivery pauses, the cursor stays')
      .action(async (ref: string, _options, command: Command) => {
        await withRuntime(configFrom(command), async (runtime) => {
          const updated = await siemDestinationUpdater(runtime.ctx, CLI_INITIATOR, (await resolve(runtime, ref)).id, { enabled })
          print(`${updated.name} ${updated.enabled ? 'enabled' : 'disabled'}`)
        })
      })
  }

  siem
    .command('test <destination>')
    .description('Test the connection to a SIEM destination (connect and TLS handshake, or an empty webhook batch); exit 1 when it fails')
    .action(async (ref: string, _options, command: Command) => {
      await withRuntime(configFrom(command), async (runtime) => {
        const destination = await resolve(runtime, ref)
        const result = await siemDestinationTester(runtime.ctx, { sinkContext: runtime.siemForwarder.sinkContext, createSink: runtime.siemForwarder.createSink }, destination.id)
        if (!result.ok) {
          throw new CliError(`${destination.name}: ${result.failure}: ${result.message}`, 1)
        }
        print(`${destination.name}: ok (${result.ms} ms)`)
      })
    })

  siem
    .command('status [destination]')
    .description('Delivery status of one SIEM destination, or of all: lag, pending, last success and error, events sent')
    .action(async (ref: string | undefined, _options, command: Command) => {
      const config = configFrom(command)
      await withRuntime(config, async (runtime) => {
        const destinations = ref === undefined ? await siemDestinationsReader(runtime.ctx) : [await resolve(runtime, ref)]
        const options = { maxLagSeconds: config.siem.maxLagSeconds, pendingCountLimit: config.siem.pendingCountLimit, now: Date.now }
        for (const destination of destinations) {
          printStatus(await siemDestinationStatusReader(runtime.ctx, options, destination.id))
        }
      })
    })

  siem
    .command('backfill <destination>')
    .description('Deliver the public activities of a time window again, oldest first, before the live feed goes on')
    .option('--hours <hours>', 'the last HOURS hours')
    .option('--from <time>', 'from TIME (ISO 8601 with a time zone, or ms since the epoch)')
    .option('--to <time>', 'to TIME (default now)')
    .action(async (ref: string, options: { hours?: string; from?: string; to?: string }, command: Command) => {
      if ((options.hours === undefined) === (options.from === undefined)) {
        throw new CliError('give --hours or --from', 2)
      }
      await withRuntime(configFrom(command), async (runtime) => {
        const destination = await resolve(runtime, ref)
        const window = backfillFrom({ backfillHours: options.hours, backfillFrom: options.from, backfillTo: options.to }, runtime.ctx.clock())
        const accepted = await siemBackfillRequester(runtime.ctx, CLI_INITIATOR, destination.id, window)
        print(`${destination.name}: back-fill of ${time(accepted.from)} .. ${time(accepted.to)} requested; the forwarding node delivers it next`)
      })
    })
}
