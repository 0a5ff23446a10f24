/**
 * Sending a streamed export (activities or the governance log) as the HTTP answer: the download
 * headers every export carries, and its end record written once the connection finished or broke.
 *
 * @module
 */

import { finished, type Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** An export a service started; `settle` writes its end record (rejects when it cannot). */
export interface StartedHttpExport<S> {
  readonly exportId: string
  readonly contentType: string
  readonly fileName: string
  readonly stream: Readable
  settle(delivered: boolean): Promise<S>
}

/**
 * Send `started` as an attachment with `Veil-Export-Id` (and `headers`), and record its end when the
 * answer is over: delivered to the end, or the client went away. `onSettled` gets what the end record
 * says (metrics); an end record that cannot be written is logged, the export being already sent.
 */
export function sendStreamedExport<S>(request: FastifyRequest, reply: FastifyReply, started: StartedHttpExport<S>, options: { readonly headers?: Readonly<Record<string, string>>; readonly onSettled?: (summary: S) => void } = {}): FastifyReply {
  finished(reply.raw, (error) => {
    started.settle(!error).then(options.onSettled, (failure: unknown) => request.log.error({ err: failure, exportId: started.exportId }, 'the end of an export could not be recorded in the governance log'))
  })
  return reply
    .headers({
      'content-type': started.contentType,
      'content-disposition': `attachment; filename="${started.fileName}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'veil-export-id': started.exportId,
      ...options.headers,
    })
    .send(started.stream)
}
