/**
 * Octet-counting framing (RFC 6587 section 3.4.1, also RFC 5425 for TLS): `MSG-LEN SP SYSLOG-MSG`,
 * where MSG-LEN is the message's length in bytes. Unlike newline framing it carries any byte, so a
 * message may contain line breaks, and a receiver that lost the middle of a stream can tell whole
 * frames from partial ones.
 *
 * @module
 */

/** One frame for a syslog message. */
export function frameOctetCounted(message: string | Buffer): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body])
}
