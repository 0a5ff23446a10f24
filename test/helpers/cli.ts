/**
 * Runs the `veil` command line as a user would: a real Node process (TypeScript through tsx, so no
 * build step), with the given environment and optional standard input. Never throws for a non-zero
 * exit: the exit code is part of what tests check.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Node arguments that start the CLI from source. */
export const CLI_ARGS = ['--import', 'tsx', join(import.meta.dirname, '../../src/cli/main.ts')]

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export async function veil(env: Record<string, string>, args: string[], input?: string): Promise<CliResult> {
  const child = run(process.execPath, [...CLI_ARGS, ...args], { env: { ...process.env, VEIL_LOG_LEVEL: 'silent', ...env }, timeout: 60_000 })
  if (input !== undefined) {
    child.child.stdin?.end(input)
  }
  try {
    const { stdout, stderr } = await child
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}
