/**
 * Syslog parsers written from RFC 5424, RFC 3164 and RFC 6587, independent of Veil's framing code:
 * the tests read what the sinks send the way a receiver would.
 */

export interface Parsed5424 {
  readonly pri: number | null
  readonly version: string
  readonly timestamp: string
  readonly hostname: string
  readonly appName: string
  readonly procId: string
  readonly msgId: string
  readonly structuredData: string
  readonly msg: string
}

/** `[<PRI>]1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [SP MSG]`, with SD only as NILVALUE here. */
export function parse5424(message: string): Parsed5424 {
  const match = /^(?:<(\d{1,3})>)?(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?\])(?: ([\s\S]*))?$/.exec(message)
  if (match === null) {
    throw new Error(`not RFC 5424: ${message.slice(0, 80)}`)
  }
  const [, pri, version, timestamp, hostname, appName, procId, msgId, structuredData, msg] = match
  return { pri: pri === undefined ? null : Number(pri), version: version as string, timestamp: timestamp as string, hostname: hostname as string, appName: appName as string, procId: procId as string, msgId: msgId as string, structuredData: structuredData as string, msg: msg ?? '' }
}

export interface Parsed3164 {
  readonly pri: number | null
  readonly timestamp: string
  readonly hostname: string | null
  readonly tag: string
  readonly msg: string
}

/** `[<PRI>]Mmm dd hh:mm:ss [HOSTNAME ]TAG: MSG`. Whether a HOSTNAME is there must be said by the caller. */
export function parse3164(message: string, hasHostname: boolean): Parsed3164 {
  const match = hasHostname
    ? /^(?:<(\d{1,3})>)?([A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) (\S+) ([^:\s[\]]{1,32}): ([\s\S]*)$/.exec(message)
    : /^(?:<(\d{1,3})>)?([A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) ()([^:\s[\]]{1,32}): ([\s\S]*)$/.exec(message)
  if (match === null) {
    throw new Error(`not RFC 3164: ${message.slice(0, 80)}`)
  }
  const [, pri, timestamp, hostname, tag, msg] = match
  return { pri: pri === undefined ? null : Number(pri), timestamp: timestamp as string, hostname: hasHostname ? (hostname as string) : null, tag: tag as string, msg: msg as string }
}

/**
 * An octet-counting reader (RFC 6587 3.4.1): feed it bytes as they arrive, in any pieces; it returns
 * each whole message once its last byte is in. What is left when the stream ends is a partial frame,
 * which {@link OctetCountingReader.partial} reports and a receiver discards.
 */
export class OctetCountingReader {
  #buffer: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): string[] {
    this.#buffer = Buffer.concat([this.#buffer, chunk])
    const messages: string[] = []
    for (;;) {
      const space = this.#buffer.indexOf(0x20)
      if (space === -1) {
        if (this.#buffer.length > 10 || !/^\d*$/.test(this.#buffer.toString('latin1'))) {
          throw new Error('bad frame: no length')
        }
        return messages
      }
      const lengthText = this.#buffer.subarray(0, space).toString('latin1')
      if (!/^[1-9]\d{0,9}$/.test(lengthText)) {
        throw new Error(`bad frame length '${lengthText.slice(0, 20)}'`)
      }
      const length = Number(lengthText)
      if (this.#buffer.length < space + 1 + length) {
        return messages
      }
      messages.push(this.#buffer.subarray(space + 1, space + 1 + length).toString('utf8'))
      this.#buffer = this.#buffer.subarray(space + 1 + length)
    }
  }

  /** Bytes of an unfinished frame. */
  get partial(): number {
    return this.#buffer.length
  }
}
