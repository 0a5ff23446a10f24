import { readFileSync } from 'node:fs'

import type { Command } from 'commander'
import { CONNECTOR_KIND_NAMES } from '../../connectors/connector-kinds.js'
import { connectorCreator, connectorReader, connectorRemover, connectorRunRequester, connectorsReader, connectorTester, connectorUpdater, type ConnectorView } from '../../connectors/connectors.js'
import { NotFoundError } from '../../core/errors.js'
import type { Runtime } from '../../runtime.js'
import { CLI_INITIATOR } from '../../services/service-context.js'
import { CliError, configFrom, print, readStdin, withRuntime } from '../cli-support.js'

const ADD_HELP = `
Kinds: ${CONNECTOR_KIND_NAMES.join(', ')} (settings and credentials of each: docs/connectors.md).
Credentials are read as a JSON object from standard input (--credentials-stdin), from a file
(--credentials-file) or from VEIL_CONNECTOR_CREDENTIALS, never from the command line. They are sealed
at rest and never shown again. The change is a governance record (connector.change).

Examples:
  echo '{"apiToken":"..."}' | veil connectors add --name Okta --kind okta --settings '{"baseUrl":"https://acme.okta.com"}' --credentials-stdin
  veil connectors add --name M365 --kind o365 --settings-file o365.json --credentials-file o365-secret.json --start-from 2026-05-01T00:00:00Z
  veil connectors add --name Workspace --kind google-workspace --settings '{"subject":"admin@example.com"}' --credentials-file key.json`

/** A connector by id or by name. */
async function resolve(runtime: Runtime, ref: string): Promise<ConnectorView> {
  const all = await connectorsReader(runtime.ctx)
  const found = all.find((c) => c.id === ref) ?? all.find((c) => c.name === ref)
  if (!found) {
    throw new NotFoundError(`No connector with the id or name "${ref}" (veil connectors list shows them)`)
  }
  return found
}

function time(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toISOString()
}

function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new CliError(`${what} is not valid JSON`, 2)
  }
}

function printConnector(c: ConnectorView): void {
  const s = c.status
  print(`${c.name} (${c.id}): ${c.kind}, ${s?.condition ?? 'no state'}, every ${c.intervalSeconds} s`)
  print(`  settings ${JSON.stringify(c.settings)}`)
  print(`  credentials ${Object.keys(c.credentials).join(', ') || 'none'} (set, never shown)`)
  if (!s) {
    return
  }
  print(`  through ${time(s.through)}, lag ${s.lagSeconds === null ? 'unknown' : `${s.lagSeconds} s`}, next run ${s.runRequestedAt !== null ? 'requested' : time(s.nextRunAt)}`)
  print(`  last success ${time(s.lastSuccessAt)}, last error ${time(s.lastErrorAt)}${s.lastError ? ` (${s.lastErrorKind}): ${s.lastError}` : ''}`)
  if (s.pausedAt !== null) {
    print(`  paused since ${time(s.pausedAt)}: the provider refused the credentials; set new ones (veil connectors update) or run it by hand`)
  }
  print(`  events fetched ${s.events.fetched}: accepted ${s.events.accepted}, duplicates ${s.events.duplicates}, rejected ${s.events.rejected}, out of scope ${s.events.outOfScope}`)
  if (s.lastRejection) {
    print(`  last rejected event: ${s.lastRejection}`)
  }
  print(`  running node: ${s.runningNode ?? 'none'}`)
}

async function credentialsFrom(options: { credentialsStdin?: boolean; credentialsFile?: string }): Promise<unknown> {
  if (options.credentialsStdin) {
    return json(await readStdin(), 'the credentials on standard input')
  }
  if (options.credentialsFile !== undefined) {
    const text = readFileSync(options.credentialsFile, 'utf8')
    const parsed = json(text, `the credentials file ${options.credentialsFile}`)
    // A Google service-account key file is the credential itself.
    return typeof parsed === 'object' && parsed !== null && (parsed as { type?: unknown }).type === 'service_account' ? { serviceAccountKey: parsed } : parsed
  }
  const env = process.env.VEIL_CONNECTOR_CREDENTIALS
  return env === undefined ? undefined : json(env, 'VEIL_CONNECTOR_CREDENTIALS')
}

function settingsFrom(options: { settings?: string; settingsFile?: string }): unknown {
  if (options.settings !== undefined) {
    return json(options.settings, '--settings')
  }
  if (options.settingsFile !== undefined) {
    return json(readFileSync(options.settingsFile, 'utf8'), `the settings file ${options.settingsFile}`)
  }
  return undefined
}

function timeArgument(value: string | undefined): number | string | undefined {
  return value === undefined ? undefined : /^\d+$/.test(value) ? Number(value) : value
}

function intervalArgument(value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined
  }
  const n = Number(value)
  if (!Number.isInteger(n)) {
    throw new CliError('--interval must be a whole number of seconds', 2)
  }
  return n
}

interface AddOptions {
  name: string
  kind: string
  settings?: string
  settingsFile?: string
  credentialsStdin?: boolean
  credentialsFile?: string
  interval?: string
  startFrom?: string
  disabled?: boolean
}

/** `veil connectors add|list|show|update|run|test|remove`: pull connectors. */
export function registerConnectorsCommands(program: Command): void {
  const connectors = program.command('connectors').description('Pull connectors: Office 365, Okta, Google Workspace and GitHub audit logs, polled into Veil')

  connectors
    .command('list')
    .description('List connectors with their condition (credentials are never shown)')
    .action(async (_options, command: Command) => {
      await withRuntime(configFrom(command), async (runtime) => {
        const all = await connectorsReader(runtime.ctx)
        if (all.length === 0) {
          print('no connectors (veil connectors add --help)')
        }
        for (const c of all) {
          print(`${c.id}  ${c.name}  ${c.kind}  ${c.enabled ? (c.status?.condition ?? '') : 'disabled'}  last success ${time(c.status?.lastSuccessAt ?? null)}  fetched ${c.status?.events.fetched ?? 0}`)
        }
      })
    })

  connectors
    .command('add')
    .description('Add a pull connector')
    .requiredOption('--name <name>', 'a name of your choice (unique)')
    .requiredOption('--kind <kind>', CONNECTOR_KIND_NAMES.join(', '))
    .option('--settings <json>', 'the provider settings as JSON')
    .option('--settings-file <file>', 'the provider settings from a JSON file')
    .option('--credentials-stdin', 'read the credentials (a JSON object) from standard input')
    .option('--credentials-file <file>', 'read the credentials (a JSON object, or a Google service-account key file) from a file')
    .option('--interval <seconds>', 'how often it runs (default per provider)')
    .option('--start-from <time>', 'where the first run starts (ISO 8601 or ms; default a day ago)')
    .option('--disabled', 'add it disabled')
    .addHelpText('after', ADD_HELP)
    .action(async (options: AddOptions, command: Command) => {
      const credentials = await credentialsFrom(options)
      await withRuntime(configFrom(command), async (runtime) => {
        const created = await connectorCreator(runtime.ctx, CLI_INITIATOR, {
          name: options.name,
          kind: options.kind,
          enabled: !options.disabled,
          settings: settingsFrom(options) ?? {},
          credentials: credentials ?? {},
          ...(options.interval === undefined ? {} : { intervalSeconds: intervalArgument(options.interval) }),
          ...(options.startFrom === undefined ? {} : { startFrom: timeArgument(options.startFrom) }),
        })
        print(`added ${created.name}: ${created.kind}${created.enabled ? '' : ' (disabled)'}; a serving node runs it within its poll interval (or: veil connectors run ${created.name})`)
        print(created.id)
      })
    })

  connectors
    .command('show <connector>')
    .description('A connector (by id or name) and its status: last success, lag, last error, events fetched')
    .action(async (ref: string, _options, command: Command) => {
      await withRuntime(configFrom(command), async (runtime) => {
        printConnector(await connectorReader(runtime.ctx, (await resolve(runtime, ref)).id))
      })
    })

  connectors
    .command('update <connector>')
    .description('Change a connector: settings, credentials, interval, enabled, or start again from a time')
    .option('--name <name>', 'a new name')
    .option('--settings <json>', 'the provider settings as JSON (replaced whole)')
    .option('--settings-file <file>', 'the provider settings from a JSON file')
    .option('--credentials-stdin', 'new credentials (a JSON object) from standard input')
    .option('--credentials-file <file>', 'new credentials from a file')
    .option('--interval <seconds>', 'how often it runs')
    .option('--start-from <time>', 'forget the checkpoint: the next run starts at TIME')
    .option('--enable', 'enable it')
    .option('--disable', 'disable it')
    .action(async (ref: string, options: Partial<AddOptions> & { enable?: boolean; disable?: boolean }, command: Command) => {
      if (options.enable && options.disable) {
        throw new CliError('give --enable or --disable, not both', 2)
      }
      const credentials = await credentialsFrom(options)
      await withRuntime(configFrom(command), async (runtime) => {
        const settings = settingsFrom(options)
        const updated = await connectorUpdater(runtime.ctx, CLI_INITIATOR, (await resolve(runtime, ref)).id, {
          ...(options.name === undefined ? {} : { name: options.name }),
          ...(settings === undefined ? {} : { settings }),
          ...(credentials === undefined ? {} : { credentials }),
          ...(options.interval === undefined ? {} : { intervalSeconds: intervalArgument(options.interval) }),
          ...(options.startFrom === undefined ? {} : { startFrom: timeArgument(options.startFrom) }),
          ...(options.enable ? { enabled: true } : options.disable ? { enabled: false } : {}),
        })
        print(`updated ${updated.name} (version ${updated.version})`)
      })
    })

  connectors
    .command('run <connector>')
    .description('Poll a connector now, in this process (when a serving node is running it, ask that node instead); exit 1 when the run fails')
    .action(async (ref: string, _options, command: Command) => {
      await withRuntime(configFrom(command), async (runtime) => {
        const connector = await resolve(runtime, ref)
        await connectorRunRequester(runtime.ctx, CLI_INITIATOR, connector.id)
        const outcome = await runtime.connectorScheduler.runNow(connector.id)
        switch (outcome.status) {
          case 'succeeded':
            print(`${connector.name}: ${outcome.pages} pages, ${outcome.counts.fetched} events fetched: ${outcome.counts.accepted} accepted, ${outcome.counts.duplicates} duplicates, ${outcome.counts.rejected} rejected, ${outcome.counts.outOfScope} out of scope`)
            return
          case 'failed':
            throw new CliError(`${connector.name}: ${outcome.errorKind}: ${outcome.error}${outcome.paused ? ' (paused until its credentials change)' : ''} (${outcome.counts.fetched} events fetched before)`, 1)
          case 'skipped':
            print(outcome.reason === 'leased' ? `${connector.name} is running on another node; a run is requested there` : `${connector.name} is ${outcome.reason}: nothing to run`)
            return
          case 'stopped':
            print(`${connector.name}: stopped after ${outcome.pages} pages; the next run goes on from the last checkpoint`)
        }
      })
    })

  connectors
    .command('test <connector>')
    .description('Check the credentials and settings: sign in and read one page, storing nothing; exit 1 when it fails')
    .action(async (ref: string, _options, command: Command) => {
      const config = configFrom(command)
      await withRuntime(config, async (runtime) => {
        const connector = await resolve(runtime, ref)
        const result = await connectorTester(runtime.ctx, { timeoutMs: config.connectors.timeoutMs }, connector.id)
        if (!result.ok) {
          throw new CliError(`${connector.name}: ${result.errorKind}: ${result.message}`, 1)
        }
        print(`${connector.name}: ok (${result.ms} ms, ${result.events} events in the first page)`)
      })
    })

  connectors
    .command('remove <connector>')
    .description('Delete a connector (by id or name) and its checkpoint; the events it fetched stay')
    .action(async (ref: string, _options, command: Command) => {
      await withRuntime(configFrom(command), async (runtime) => {
        const removed = await connectorRemover(runtime.ctx, CLI_INITIATOR, (await resolve(runtime, ref)).id)
        print(`removed ${removed.name}`)
      })
    })
}
