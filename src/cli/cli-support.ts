/**
 * Shared plumbing of the CLI commands: configuration from the environment (with the global
 * `--database-url` override), runtime start and clean shutdown, reading stdin, writing an export.
 *
 * @module
 */

import { createWriteStream } from 'node:fs'
import type { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Command } from 'commander'
import { loadConfig, type Config } from '../config/config.js'
import { DomainError } from '../core/errors.js'
import { startRuntime, type Runtime, type RuntimeOptions } from '../runtime.js'

/** An error the CLI prints as one line and exits with `exitCode`. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message)
    this.name = 'CliError'
  }
}

export function configFrom(command: Command, overrides: Record<string, string | undefined> = {}): Readonly<Config> {
  const globals = command.optsWithGlobals<{ databaseUrl?: string }>()
  // Only options the user gave override the environment.
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined))
  try {
    return loadConfig({ ...process.env, ...(globals.databaseUrl ? { VEIL_DATABASE_URL: globals.databaseUrl } : {}), ...given })
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), 2)
  }
}

/** Run `work` with a started runtime and always close it; domain errors become one clear line. */
export async function withRuntime<T>(config: Readonly<Config>, work: (runtime: Runtime) => Promise<T>, options: RuntimeOptions = {}): Promise<T> {
  const runtime = await startRuntime(config, options)
  try {
    return await work(runtime)
  } catch (error) {
    if (error instanceof DomainError) {
      const details = error.details.map((d) => `\n  - ${d.index !== undefined ? `record ${d.index}: ` : ''}${d.field ? `${d.field}: ` : ''}${d.reason}`).join('')
      throw new CliError(`${error.message}${details}`, 2)
    }
    throw error
  } finally {
    await runtime.close()
  }
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`)
}

/** An export a service started (activities or governance log): its stream, and its end record to write. */
export interface StartedExportStream<S extends { readonly outcome: string; readonly rows: number }> {
  readonly stream: Readable
  settle(delivered: boolean): Promise<S>
}

/**
 * Write an export to `out` (appended when `append`: a continuation) or to standard output, then record
 * how it ended. Exit 1 when the output failed, saying how far it got (`unit`: rows, records), or when
 * the end could not be recorded.
 */
export async function writeExport<S extends { readonly outcome: string; readonly rows: number }>(started: StartedExportStream<S>, out: string | undefined, append: boolean, unit: string): Promise<S> {
  const output: Writable = out === undefined ? process.stdout : createWriteStream(out, { flags: append ? 'a' : 'w' })
  let failure: unknown = null
  try {
    await pipeline(started.stream, output, { end: out !== undefined })
  } catch (error) {
    failure = error
  }
  const ended = await started.settle(failure === null).catch((error: unknown) => {
    throw new CliError(`the export was written, but its end could not be recorded in the governance log: ${error instanceof Error ? error.message : String(error)}`, 1)
  })
  if (failure !== null) {
    throw new CliError(`export ${ended.outcome} after ${ended.rows} ${unit}: ${failure instanceof Error ? failure.message : String(failure)}`, 1)
  }
  return ended
}
