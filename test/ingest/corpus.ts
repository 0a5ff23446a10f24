/**
 * Real sample events of each product, read from a corpus directory laid out as
 * `<product>/<owner>__<repo>/<file>`: the shared corpus beside the repository (`../shared/corpus`, when
 * present) or the copies in `test/fixtures/corpus` (always). The wrappers the source repositories put
 * around events (test harness envelopes, syslog lines) are removed here, as the corpus notes describe;
 * what remains is the event as the product writes it (or as the source repository kept it).
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository: the nearest directory above this file with a package.json (also from a build in dist/). */
function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(directory, 'package.json')) && dirname(directory) !== directory) {
    directory = dirname(directory)
  }
  return directory
}

/** The shared corpus, beside the repository (`../shared/corpus`); may be absent. */
export const SHARED_CORPUS = join(repositoryRoot(), '..', 'shared', 'corpus')
/** The Apache-2.0 samples copied into the repository. */
export const FIXTURE_CORPUS = join(repositoryRoot(), 'test', 'fixtures', 'corpus')

/** The products Veil reads, by corpus directory, with the formats their events may be. */
export const PRODUCT_FORMATS: Readonly<Record<string, readonly string[]>> = {
  'm365-management-activity': ['o365'],
  'entra-id': ['entra-signin', 'entra-audit'],
  'google-workspace-reports': ['google-workspace'],
  'okta-system-log': ['okta'],
  'github-audit-log': ['github'],
  'aws-cloudtrail': ['cloudtrail'],
}

export interface Sample {
  /** Corpus directory of the product (`aws-cloudtrail`, `zoom`, ...). */
  readonly product: string
  /** File, relative to the corpus root. */
  readonly file: string
  /** Where in the file: `line 3`, `[2]`, `Records`. */
  readonly position: string
  readonly value: unknown
  /** The ECS document the file's `-expected.json` gives for this event, when there is one. */
  readonly expected?: Record<string, unknown>
}

export function corpusPresent(root: string): boolean {
  return existsSync(root) && statSync(root).isDirectory()
}

/** Every sample under `root`, of the given products (default: every product directory). */
export function loadSamples(root: string, products?: readonly string[]): Sample[] {
  const samples: Sample[] = []
  for (const product of products ?? readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory())) {
    const directory = join(root, product)
    if (!existsSync(directory)) {
      continue
    }
    for (const path of walk(directory)) {
      samples.push(...samplesOf(root, product, path))
    }
  }
  return samples
}

function walk(directory: string): string[] {
  return readdirSync(directory)
    .sort()
    .flatMap((name) => {
      const path = join(directory, name)
      return statSync(path).isDirectory() ? walk(path) : [path]
    })
}

function samplesOf(root: string, product: string, path: string): Sample[] {
  const file = relative(root, path)
  const make = (position: string, value: unknown, expected?: Record<string, unknown>): Sample => (expected === undefined ? { product, file, position, value } : { product, file, position, value, expected })
  if (/\.zip$/i.test(path) || path.endsWith('-expected.json') || path.endsWith('NOTICE') || path.endsWith('.md')) {
    return []
  }
  const content = readFileSync(path, 'utf8')
  if (file.includes('panther-labs__panther-analysis')) {
    return lines(content).map(([n, line]) => make(`line ${n}`, (JSON.parse(line) as { log: unknown }).log))
  }
  if (file.includes('elastic__integrations') && path.endsWith('.log')) {
    const expectedPath = `${path}-expected.json`
    const expected = existsSync(expectedPath) ? (JSON.parse(readFileSync(expectedPath, 'utf8')) as { expected: Record<string, unknown>[] }).expected : []
    return lines(content).map(([n, line]) => {
      const value = JSON.parse(line) as unknown
      // Match the oracle by its event.original, not by position: stored versions may differ.
      const match = expected.find((doc) => sameJson((doc.event as { original?: string } | undefined)?.original, value))
      return make(`line ${n}`, value, match)
    })
  }
  if (file.includes('elastic__integrations')) {
    const wrapper = JSON.parse(content) as { events: { event: { original: string } }[] }
    return wrapper.events.map((e, i) => make(`events[${i}]`, JSON.parse(e.event.original) as unknown))
  }
  if (file.includes('airbnb__streamalert')) {
    return (JSON.parse(content) as { data: Record<string, unknown> }[]).map((entry, i) => {
      const message = entry.data.message
      // GitHub Enterprise Server: a syslog line whose message is `github_audit: {json}`.
      if (typeof message === 'string' && message.includes('github_audit: ')) {
        return make(`[${i}]`, JSON.parse(message.slice(message.indexOf('github_audit: ') + 'github_audit: '.length)) as unknown)
      }
      return make(`[${i}]`, entry.data)
    })
  }
  if (file.includes('OTRF__Security-Datasets')) {
    return lines(content).map(([n, line]) => make(`line ${n}`, JSON.parse(line) as unknown))
  }
  if (file.includes('demisto__content') && file.includes('ModelingRules')) {
    return (JSON.parse(content) as { data: { event_data: unknown }[] }).data.map((d, i) => make(`data[${i}]`, d.event_data))
  }
  const value = JSON.parse(content) as unknown
  if (Array.isArray(value)) {
    return value.map((v, i) => make(`[${i}]`, v))
  }
  if (file.includes('demisto__content')) {
    // A vendor API page: the events are the array of the page.
    const page = value as Record<string, unknown>
    return Object.entries(page)
      .filter(([, v]) => Array.isArray(v))
      .flatMap(([key, v]) => (v as unknown[]).map((item, i) => make(`${key}[${i}]`, item)))
  }
  return [make('file', value)]
}

function lines(content: string): [number, string][] {
  return content
    .split('\n')
    .map((line, i): [number, string] => [i + 1, line])
    .filter(([, line]) => line.trim() !== '')
}

function sameJson(original: string | undefined, value: unknown): boolean {
  if (original === undefined) {
    return false
  }
  try {
    return JSON.stringify(JSON.parse(original)) === JSON.stringify(value)
  } catch {
    return false
  }
}

/** The value at a JSON pointer (`/Records/3/eventTime`), or undefined. */
export function atPointer(value: unknown, pointer: string): unknown {
  if (pointer === '') {
    return value
  }
  let current = value
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (current === null || typeof current !== 'object') {
      return undefined
    }
    current = (current as Record<string, unknown>)[key]
  }
  return current
}
