/**
 * Layering rules the code must keep: the core is pure (no storage, HTTP, CLI, ingest or service
 * imports, no I/O modules), the CLI goes through services and the runtime, and no `any` in the core.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '../src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : []
  })
}

function imports(path: string): string[] {
  return [...readFileSync(path, 'utf8').matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1] as string)
}

describe('architecture', () => {
  const core = files(join(SRC, 'core')).filter((f) => !f.endsWith('.test.ts'))

  it('should keep the core free of storage, HTTP, CLI, ingest and service imports', () => {
    for (const file of core) {
      for (const target of imports(file)) {
        expect(target, `${relative(SRC, file)} imports ${target}`).not.toMatch(/\/(storage|http|cli|ingest|services|config)\//)
        expect(target, `${relative(SRC, file)} imports ${target}`).not.toMatch(/^(node:)?(fs|net|http|https|child_process|dgram|tls)(\/|$)/)
        expect(target, `${relative(SRC, file)} imports ${target}`).not.toMatch(/^(fastify|kysely|pg|better-sqlite3|commander)/)
      }
    }
  })

  it('should have no `any` in the core', () => {
    for (const file of core.filter((f) => !f.endsWith('.test.ts'))) {
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
      expect(code, relative(SRC, file)).not.toMatch(/(:\s*any\b|<any>|as any\b|any\[\])/)
    }
  })

  it('should keep the CLI away from the storage engines', () => {
    for (const file of files(join(SRC, 'cli'))) {
      for (const target of imports(file)) {
        expect(target, `${relative(SRC, file)} imports ${target}`).not.toMatch(/storage\/(sqlite|postgres)\//)
      }
    }
  })

  it('should decide visibility only in the core: read routes call decideDisclosure', () => {
    const routes = files(join(SRC, 'http/routes')).filter((f) => readFileSync(f, 'utf8').includes('activities.list(') || readFileSync(f, 'utf8').includes('activities.get('))
    expect(routes.length).toBeGreaterThan(0)
    for (const file of routes) {
      expect(readFileSync(file, 'utf8'), relative(SRC, file)).toContain('decideDisclosure(')
    }
  })
})
