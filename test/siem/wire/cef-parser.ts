/**
 * A CEF parser written from the CEF specification's rules, independent of Veil's formatter (it shares
 * no code with it), so the tests check the output against the format rather than against itself.
 *
 * - The line starts with `CEF:`; the header is 7 fields separated by unescaped `|`, then the extension.
 * - In header fields `\|` and `\\` stand for `|` and `\`.
 * - The extension is `key=value` pairs separated by spaces. Keys are `[A-Za-z0-9_.]+`. A value runs
 *   until the space before the next key followed by an unescaped `=`. In values `\=`, `\\`, `\n`, `\r`
 *   stand for `=`, `\`, LF, CR.
 */

export interface ParsedCef {
  readonly version: string
  readonly vendor: string
  readonly product: string
  readonly deviceVersion: string
  readonly signatureId: string
  readonly name: string
  readonly severity: string
  /** Keys in the order they appear. */
  readonly keys: string[]
  readonly extension: Record<string, string>
}

export function parseCef(line: string): ParsedCef {
  if (!line.startsWith('CEF:')) {
    throw new Error(`not a CEF line: ${line.slice(0, 40)}`)
  }
  const fields: string[] = []
  let current = ''
  let i = 4
  while (fields.length < 7) {
    if (i >= line.length) {
      throw new Error('header has fewer than 7 fields')
    }
    const c = line[i] as string
    if (c === '\\') {
      const next = line[i + 1]
      if (next === '|' || next === '\\') {
        current += next
        i += 2
        continue
      }
      // A lone backslash before anything else is kept as is.
      current += c
      i += 1
      continue
    }
    if (c === '|') {
      fields.push(current)
      current = ''
      i += 1
      continue
    }
    current += c
    i += 1
  }
  const [version, vendor, product, deviceVersion, signatureId, name, severity] = fields as [string, string, string, string, string, string, string]
  const { keys, extension } = parseExtension(line.slice(i))
  return { version, vendor, product, deviceVersion, signatureId, name, severity, keys, extension }
}

function parseExtension(text: string): { keys: string[]; extension: Record<string, string> } {
  // Positions of every unescaped '='.
  const separators: number[] = []
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '\\') {
      i += 1
      continue
    }
    if (text[i] === '=') {
      separators.push(i)
    }
  }
  // For each '=', its key is the run of key characters right before it, started by a space or the start.
  const pairs: Array<{ key: string; keyStart: number; valueStart: number }> = []
  for (const eq of separators) {
    let start = eq
    while (start > 0 && /[A-Za-z0-9_.]/.test(text[start - 1] as string)) {
      start -= 1
    }
    if (start === eq || (start > 0 && text[start - 1] !== ' ')) {
      throw new Error(`unescaped '=' not after a key at ${eq}: ${text.slice(Math.max(0, eq - 20), eq + 5)}`)
    }
    pairs.push({ key: text.slice(start, eq), keyStart: start, valueStart: eq + 1 })
  }
  if (pairs.length > 0 && (pairs[0] as { keyStart: number }).keyStart !== 0) {
    throw new Error('extension does not start with a key')
  }
  const keys: string[] = []
  const extension: Record<string, string> = {}
  pairs.forEach((pair, index) => {
    const next = pairs[index + 1]
    // The value ends at the single space that separates it from the next key.
    const raw = next === undefined ? text.slice(pair.valueStart) : text.slice(pair.valueStart, next.keyStart - 1)
    keys.push(pair.key)
    extension[pair.key] = unescapeValue(raw)
  })
  return { keys, extension }
}

function unescapeValue(raw: string): string {
  let out = ''
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw[i] as string
    if (c === '\\' && i + 1 < raw.length) {
      const next = raw[i + 1] as string
      const mapped = next === 'n' ? '\n' : next === 'r' ? '\r' : next === '=' || next === '\\' ? next : undefined
      if (mapped !== undefined) {
        out += mapped
        i += 1
        continue
      }
    }
    out += c
  }
  return out
}
