import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../core/errors.js'
import { STATUS_BY_CODE } from './error-handler.js'

describe('error catalog', () => {
  const documented = [...readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8').matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])])

  it('should document every code with its status in docs/errors.md, and nothing else', () => {
    expect(documented.map(([code]) => code).sort()).toEqual(Object.keys(ERROR_CODES).sort())
    for (const [code, status] of documented) {
      expect(STATUS_BY_CODE[code as keyof typeof STATUS_BY_CODE]).toBe(status)
    }
  })
})
