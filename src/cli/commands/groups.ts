import { readFile } from 'node:fs/promises'
import { Option, type Command } from 'commander'
import { BUILTIN_GROUPS } from '../../core/directory/builtin-groups.js'
import { importMembershipFile, type ImportFileFormatOption } from '../../services/directory/import-file.js'
import { CLI_INITIATOR } from '../../services/service-context.js'
import { CliError, configFrom, print, readStdin, withRuntime } from '../cli-support.js'

/** Groups per page when listing. */
const PAGE = 1_000

export function registerGroupsCommands(program: Command): void {
  const groups = program.command('groups').description('Directory groups and memberships')

  groups
    .command('import')
    .description(
      'Import memberships from a file, or - for standard input: CSV with the header group,upn[,displayName][,externalId][,action], or JSON (an array of objects with those keys, or NDJSON). ' +
        'delta (default): each row adds a membership, or ends it with action remove. full: each group named in the file gets exactly the listed members (the others leave); groups not named are untouched. ' +
        'Unknown users and groups are created. Exit 0 when every row was applied, 3 when some were rejected (listed on stderr with their row number).',
    )
    .argument('<file>', 'path, or - for standard input')
    .addOption(new Option('--mode <mode>', 'full or delta').choices(['full', 'delta']).default('delta'))
    .option('--atomic', 'apply nothing when any row is rejected', false)
    .addOption(new Option('--format <format>', 'file format (default: detected)').choices(['csv', 'json', 'auto']).default('auto'))
    .action(async (file: string, options: { mode: 'full' | 'delta'; atomic: boolean; format: ImportFileFormatOption }, command: Command) => {
      let text: string
      try {
        text = file === '-' ? await readStdin() : await readFile(file, 'utf8')
      } catch (error) {
        throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, 2)
      }
      const report = await withRuntime(
        configFrom(command),
        (runtime) => importMembershipFile(runtime.directory, CLI_INITIATOR, text, { mode: options.mode, atomic: options.atomic, format: options.format, name: file }),
        // Importing never classifies: the directory cache need not be loaded.
        { loadDirectory: false },
      )
      for (const r of report.rejected) {
        process.stderr.write(`row ${r.row}: ${r.field}: ${r.reason}\n`)
      }
      print(
        `${report.applied ? 'applied' : 'NOT applied (atomic import with rejected rows)'} (${options.mode}, ${report.format}): ` +
          `groups created ${report.groupsCreated}, users created ${report.usersCreated}, memberships added ${report.membershipsAdded}, memberships ended ${report.membershipsEnded}, rejected ${report.rejected.length}`,
      )
      if (report.groupsNotReconciled && report.groupsNotReconciled.length > 0) {
        print(`not reconciled (a row of theirs was rejected, so nobody was removed): ${report.groupsNotReconciled.join(', ')}`)
      }
      if (report.rejected.length > 0) {
        process.exitCode = 3
      }
    })

  groups
    .command('list')
    .description('List groups (built-in first) with their current member counts: id, name, members')
    .action(async (_options, command: Command) => {
      await withRuntime(
        configFrom(command),
        async (runtime) => {
          for (const builtin of BUILTIN_GROUPS) {
            print(`${builtin.id}\t${builtin.displayName}\t(computed)`)
          }
          for (let offset = 0; ; offset += PAGE) {
            const page = await runtime.directory.listGroups({}, { offset, limit: PAGE })
            for (const group of page.items) {
              print(`${group.id}\t${group.displayName}\t${group.memberCount}`)
            }
            if (page.items.length < PAGE) {
              break
            }
          }
        },
        { loadDirectory: false },
      )
    })
}
